import ArgumentParser
import CommandLineSupport
import Foundation
import KeyPool
import Protocol
import Simulation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of the networked commands, one JSON object per line.",
        subcommands: [NetworkBench.self]
    )
}

struct NetworkBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "The same run as two nodes and a source (separate processes on loopback TCP) and in memory, timed in one invocation.",
        discussion: """
            Starts `diqkd source` and two `diqkd node` processes on 127.0.0.1 with a fresh pool \
            pair in a temporary folder, times the run from the nodes' start to both exits, then \
            times the same configuration in memory (`simulate`). Reports both wall times, their \
            ratio, bytes on the wire per round and the pool bits authentication consumed.

            Example:
              diqkd bench network --json
            """
    )

    @Option(help: "Rounds of the run.")
    var rounds: Int = 10_000_000

    @Option(help: "Werner visibility of the simulated devices.")
    var visibility: Double = 0.99

    @OptionGroup var classical: FiniteSizeOptions

    @Flag(help: "JSON lines.")
    var json = false

    func run() throws {
        let configuration = try classical.configuration(rounds: rounds)
        guard visibility.isFinite, (0...1).contains(visibility) else {
            throw CLIError.usage("--visibility must be between 0 and 1 (got \(visibility)).")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("diqkd-bench-network-\(getpid())")
        try SecretFiles.makePrivateFolder(folder.path)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try KeyPool.createPair(alice: folder.appendingPathComponent("alice.pool").path,
                                       bob: folder.appendingPathComponent("bob.pool").path, bytes: 1 << 16)
        } catch {
            throw CLIError.failure("bench network: \(error.description)")
        }
        let flags = ["--rounds", "\(rounds)", "--timeout", "600", "--json", "--mode", classical.mode,
                     "--test-fraction", "\(classical.testFraction)", "--epsilon-pe", "\(classical.epsilonPE)",
                     "--epsilon-pa", "\(classical.epsilonPA)", "--verification-bits", "\(classical.verificationBits)"]
        let source = try Child(["source", "--listen", "127.0.0.1:0", "--visibility", "\(visibility)"], in: folder)
        defer { source.stop() }
        let sourcePort = try source.port()
        let clock = ContinuousClock()
        let started = clock.now
        let alice = try Child(["node", "alice", "--listen", "127.0.0.1:0", "--pool", "alice.pool", "--out", "alice",
                               "--source", "127.0.0.1:\(sourcePort)"] + flags, in: folder)
        let port = try alice.port()
        let bob = try Child(["node", "bob", "--connect", "127.0.0.1:\(port)", "--pool", "bob.pool", "--out", "bob",
                             "--source", "127.0.0.1:\(sourcePort)"] + flags, in: folder)
        let statuses = (bob.wait(), alice.wait())
        let networkSeconds = ProtocolRun.seconds(clock.now - started)
        guard statuses == (0, 0), let report = bob.jsonLine(), let node = report["node"] as? [String: Any] else {
            if statuses == (3, 3), let reason = bob.jsonLine()?["abortReason"] as? String {
                throw CLIError.aborted("bench network: the run aborted: \(reason)")
            }
            throw CLIError.failure("bench network: the nodes failed (exit \(statuses.0), \(statuses.1)):\n\(alice.errors)\n\(bob.errors)")
        }
        let model = QuantumDeviceModel(visibility: visibility)
        let inMemory = SimulatedRun.run(model: model, configuration: configuration, seed: nil).report
        let memorySeconds = inMemory.seconds
        let wireBytes = node["wireBytes"] as? Int ?? 0
        try emit([
            "benchmark": "network", "rounds": rounds,
            "networkSeconds": networkSeconds, "inMemorySeconds": memorySeconds, "ratio": networkSeconds / memorySeconds,
            "wireBytes": wireBytes, "wireBytesPerRound": Double(wireBytes) / Double(rounds),
            "authenticationBits": report["authenticationBits"] as? Int ?? 0,
            "epsilonAuthentication": report["epsilonAuthentication"] as? Double ?? 0,
            "keyBits": report["keyBits"] as? Int ?? 0, "inMemoryKeyBits": inMemory.keyBits,
        ], json: json)
    }
}

/// A `diqkd-node` child process of the benchmark, its output collected.
private final class Child: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe(), errorPipe = Pipe()
    private var collected = Data(), errorData = Data()
    private let lock = NSLock()

    init(_ arguments: [String], in folder: URL) throws {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = output
        process.standardError = errorPipe
        try process.run()
        for (pipe, isError) in [(output, false), (errorPipe, true)] {
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                while case let chunk = handle.availableData, !chunk.isEmpty {
                    lock.lock()
                    if isError { errorData.append(chunk) } else { collected.append(chunk) }
                    lock.unlock()
                }
            }
        }
    }

    var errors: String { lock.lock(); defer { lock.unlock() }; return String(decoding: errorData, as: UTF8.self) }

    /// The port of its "listening on HOST:PORT" line.
    func port() throws -> Int {
        for _ in 0..<1000 {
            let text = errors
            if let range = text.range(of: #"listening on \S+:(\d+)"#, options: .regularExpression),
               let port = Int(text[range].split(separator: ":").last!) {
                return port
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw CLIError.failure("bench network: a child did not start listening:\n\(errors)")
    }

    func wait() -> Int32 {
        process.waitUntilExit()
        Thread.sleep(forTimeInterval: 0.05)
        return process.terminationStatus
    }

    /// Its last JSON line on stdout.
    func jsonLine() -> [String: Any]? {
        lock.lock()
        let text = String(decoding: collected, as: UTF8.self)
        lock.unlock()
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
