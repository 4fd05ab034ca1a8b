#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import KeyPool

/// A running `diqkd-node` process (node or source) whose output is collected as it comes.
final class Launched: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private let done = DispatchGroup()

    /// Starts `diqkd-node` (beside the test bundle) with `arguments`, optionally through a
    /// wrapper such as `ip netns exec NAME`.
    init(_ arguments: [String], executable name: String = "diqkd-node", wrapper: [String] = [], in directory: URL) throws {
        let executable = URL(fileURLWithPath: Bundle.main.bundlePath).appendingPathComponent(name).path
        if wrapper.isEmpty {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: wrapper[0])
            process.arguments = Array(wrapper.dropFirst()) + [executable] + arguments
        }
        process.currentDirectoryURL = directory
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        for (pipe, isError) in [(outPipe, false), (errPipe, true)] {
            done.enter()
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.lock()
                    if isError { err.append(chunk) } else { out.append(chunk) }
                    lock.unlock()
                }
                done.leave()
            }
        }
    }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

    /// The port in the first "listening on HOST:PORT" line on stderr, waiting up to `seconds`.
    func listeningPort(within seconds: Double = 20) -> Int? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if let range = stderr.range(of: #"listening on \S+:(\d+)"#, options: .regularExpression) {
                return Int(stderr[range].split(separator: ":").last!)
            }
            if !process.isRunning { return nil }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    /// Waits for the exit; kills the process after `seconds` and returns `nil`.
    func wait(within seconds: Double) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            stop()
            return nil
        }
        done.wait()
        return process.terminationStatus
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// A folder with a pool pair and the flags every node of a test shares.
struct NodeLab {
    let folder: URL
    /// Small runs that still give a key (about 20,000 bits at visibility 1).
    static let protocolFlags = ["--rounds", "500000", "--epsilon-pe", "1e-3", "--epsilon-pa", "1e-3", "--test-fraction", "0.2",
                                "--refill-bits", "1024"]

    init(poolBytes: Int = 1 << 16) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("diqkd-node-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = try KeyPool.createPair(alice: path("alice.pool"), bob: path("bob.pool"), bytes: poolBytes)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Starts a source on a free port of `host`.
    func source(host: String = "127.0.0.1", wrapper: [String] = []) throws -> (Launched, Int) {
        let source = try Launched(["source", "--listen", "\(host):0", "--visibility", "1"], wrapper: wrapper, in: folder)
        guard let port = source.listeningPort() else { throw LabError("the source did not start: \(source.stderr)") }
        return (source, port)
    }

    /// Starts a node; `extra` adds or overrides flags.
    func node(_ role: String, _ link: [String], source: String, pool: String? = nil, out: String? = nil, extra: [String] = [],
              wrapper: [String] = []) throws -> Launched {
        try Launched(["node", role] + link + ["--pool", pool ?? path("\(role).pool"), "--source", source, "--out", path(out ?? role),
                                              "--timeout", "5", "--connect-timeout", "20"] + Self.protocolFlags + extra,
                     wrapper: wrapper, in: folder)
    }

    /// The blocks a node wrote.
    func blocks(_ role: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(role))) ?? []).filter { $0.hasPrefix("block-") }.sorted()
    }

    func report(_ role: String, block: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("\(role)/\(block)/report.json")))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// A TCP connection to 127.0.0.1:`port`, as a stranger opens one (the caller closes it).
/// Blocking while the listener's backlog is full: from async tests, call it through
/// ``offThePool(_:)``. Throws rather than records, so that it can run off a test's task.
func loopbackSocket(to port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LabError("no socket: \(String(cString: strerror(errno)))") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        let reason = String(cString: strerror(errno))
        close(fd)
        throw LabError("cannot connect to 127.0.0.1:\(port): \(reason)")
    }
    return fd
}

struct LabError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The fields of a report both nodes must agree on: all but timing and the node's own section.
func publicFields(_ report: [String: Any]) -> NSDictionary {
    var copy = report
    for key in ["seconds", "stageSeconds", "node"] { copy.removeValue(forKey: key) }
    return copy as NSDictionary
}

/// Every process-level node test, one at a time: each starts several processes and relies on
/// timeouts of a few seconds, which a machine running them all at once would overrun.
@Suite(.serialized) enum NodeProcesses {}
