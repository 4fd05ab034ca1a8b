import Foundation

/// The outcome of one run of the `diqkd` executable.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
    /// The process ended by a signal (a trap, for example), `status` then being its number.
    var signalled = false

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] ?? [:]
    }
}

private final class Collected: @unchecked Sendable {
    var data = Data()
}

/// Runs the built `diqkd` executable, which sits beside the test bundle, to its end.
func diqkd(_ arguments: [String], in directory: URL? = nil) throws -> CLIResult {
    try diqkd(arguments, in: directory, timeout: .infinity)!
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("diqkd-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `diqkd` with a deadline: kills it after `seconds` and reports `nil`, so a hang fails
/// the calling test instead of the whole suite.
func diqkd(_ arguments: [String], in directory: URL? = nil, timeout seconds: Double) throws -> CLIResult? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Bundle.main.bundlePath).appendingPathComponent("diqkd")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = Collected(), errors = Collected()
    let group = DispatchGroup()
    for (pipe, sink) in [(out, output), (err, errors)] {
        group.enter()
        DispatchQueue.global().async {
            sink.data = pipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
    }
    if seconds.isFinite, group.wait(timeout: .now() + seconds) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return nil
    }
    group.wait()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: output.data, as: UTF8.self),
                     stderr: String(decoding: errors.data, as: UTF8.self),
                     signalled: process.terminationReason == .uncaughtSignal)
}
