import Foundation
import Hummingbird
import KME
import KeyStore
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// The repository's root, for its scripts.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A test PKI made by `scripts/test-pki` in a fresh folder.
struct TestPKI {
    let folder: URL

    static func make() async throws -> TestPKI {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kme-pki-\(UUID().uuidString)")
        let result = try await run(repositoryRoot.appendingPathComponent("scripts/test-pki").path, [folder.path])
        try #require(result.status == 0, "scripts/test-pki: \(result.stderr)")
        return TestPKI(folder: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
}

/// Two KMEs on loopback with mutual TLS, Alice's and Bob's, each over its own in-memory store
/// fed the same blocks, callers named by their client certificates.
struct LivePair {
    let pki: TestPKI
    let alicePort: Int
    let bobPort: Int
    var aliceURL: String { "https://127.0.0.1:\(alicePort)" }
    var bobURL: String { "https://127.0.0.1:\(bobPort)" }

    /// Runs `body` with both KMEs serving, then shuts them down gracefully.
    static func with<T: Sendable>(blocks: Int = 8, bytes: Int = 4096, limits: KMEConnectionLimits = KMEConnectionLimits(),
                                  _ body: @Sendable (LivePair) async throws -> T) async throws -> T {
        let pki = try await TestPKI.make()
        defer { try? FileManager.default.removeItem(at: pki.folder) }
        let stores = storePair(blocks: blocks, bytes: bytes)
        let (ports, portsIn) = AsyncStream.makeStream(of: (String, Int).self)
        var apps: [KMEServer.App] = []
        for (site, store) in [("alice", stores.alice), ("bob", stores.bob)] {
            var logger = Logger(label: "kme-\(site)")
            logger.logLevel = .warning
            let tls = try KMEServer.tlsConfiguration(certificatePath: pki.path("kme-\(site).pem"),
                                                     privateKeyPath: pki.path("kme-\(site).key"), caPath: pki.path("ca.pem"))
            let delivery = KeyDelivery(configuration: configuration(site: site), store: store, logger: logger)
            apps.append(try KMEServer.application(delivery: delivery, tls: tls, host: "127.0.0.1", port: 0, limits: limits,
                                                  logger: logger) { channel in
                portsIn.yield((site, channel.localAddress?.port ?? 0))
            })
        }
        let services = ServiceGroup(configuration: .init(services: apps, logger: Logger(label: "kme-pair")))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var bound: [String: Int] = [:]
            for await (site, port) in ports {
                bound[site] = port
                if bound.count == 2 { break }
            }
            let pair = LivePair(pki: pki, alicePort: bound["alice"]!, bobPort: bound["bob"]!)
            do {
                let value = try await body(pair)
                await services.triggerGracefulShutdown()
                return value
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// `curl` as `sae` (nil: without a client certificate) against `url`.
    func curl(_ url: String, as sae: String?, method: String = "GET", json: String? = nil, from interface: String? = nil,
              extra: [String] = []) async throws -> CurlReply {
        var arguments = ["-sS", "--max-time", "20", "--cacert", pki.path("ca.pem"), "-X", method, "-w", "\n%{http_code}"] + extra
        if let interface { arguments += ["--interface", interface] }
        if let sae { arguments += ["--cert", pki.path("\(sae).pem"), "--key", pki.path("\(sae).key")] }
        if let json { arguments += ["-H", "Content-Type: application/json", "--data", json] }
        let result = try await run("/usr/bin/curl", arguments + [url])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let code = Int(lines.last ?? "") ?? 0
        let body = lines.dropLast().joined(separator: "\n")
        let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        return CurlReply(exitStatus: result.status, httpCode: code, reply: Reply(status: code, json: object), stderr: result.stderr)
    }
}

struct CurlReply {
    let exitStatus: Int32
    let httpCode: Int
    let reply: Reply
    let stderr: String
}

struct ProcessResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to its end without holding a thread of the cooperative pool (the servers
/// under test answer on it), its output through files so that no pipe fills.
func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> ProcessResult {
    let folder = FileManager.default.temporaryDirectory
    let out = folder.appendingPathComponent("kme-out-\(UUID().uuidString)")
    let err = folder.appendingPathComponent("kme-err-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: out.path, contents: nil),
          FileManager.default.createFile(atPath: err.path, contents: nil) else {
        throw CocoaError(.fileWriteUnknown)
    }
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    process.standardInput = FileHandle.nullDevice
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    return ProcessResult(status: status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}
