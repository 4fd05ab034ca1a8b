#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KME
import Testing

/// An idle TCP connection to 127.0.0.1:`port`, from 127.0.0.`host` (any loopback address when
/// nil); -1 when it fails. Blocking (a connect waits while the server's backlog is full): call
/// it through ``offThePool(_:)``.
func idleConnection(from host: Int? = nil, to port: Int) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return -1 }
    let size = socklen_t(MemoryLayout<sockaddr_in>.size)
    if let host {
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr("127.0.0.\(host)")
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        guard bound == 0 else {
            close(fd)
            return -1
        }
    }
    var remote = sockaddr_in()
    remote.sin_family = sa_family_t(AF_INET)
    remote.sin_port = in_port_t(UInt16(port).bigEndian)
    remote.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
    guard connected == 0 else {
        close(fd)
        return -1
    }
    return fd
}

/// Runs blocking work on a thread of its own and awaits it, so that it never holds a thread of
/// the cooperative pool, on which the in-process KMEs of every suite answer.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        // blocking-exception: this thread exists to carry the blocking work.
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}

/// Strangers who hold connections open: idle sockets that never start TLS, from one address,
/// far more than the KME keeps. A real SAE from another address still gets keys, and the
/// strangers' sockets are closed by the handshake timeout.
@Suite struct ConnectionLimitTests {
    /// Whether the server has closed `fd` (a read returns end of file or an error at once).
    static func closedByServer(_ fd: Int32) -> Bool {
        var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&probe, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) <= 0
    }

    @Test(.timeLimit(.minutes(2)))
    func idleStrangersDoNotKeepAnSAEOut() async throws {
        let limits = KMEConnectionLimits(headerTimeout: 2, bodyTimeout: 2, idleTimeout: 2, maximumConnections: 64,
                                         maximumConnectionsPerAddress: 16)
        try await LivePair.with(limits: limits) { pair in
            let port = pair.alicePort
            let strangers = await offThePool { (0..<600).map { _ in idleConnection(to: port) }.filter { $0 >= 0 } }
            defer { for fd in strangers { close(fd) } }
            #expect(strangers.count >= 100, "only \(strangers.count) idle connections could be opened")
            // A real SAE, from another loopback address, while the strangers hold their sockets.
            let issued = try await pair.curl("\(pair.aliceURL)/api/v1/keys/sae-bob/enc_keys?number=1&size=256", as: "sae-alice",
                                             from: "127.0.0.2")
            #expect(issued.httpCode == 200, "\(issued.stderr)")
            // Past the handshake timeout every stranger's socket has been closed (those over the
            // per-address cap at once, the others when their time ran out).
            try await Task.sleep(for: .seconds(4))
            let open = strangers.filter { !Self.closedByServer($0) }.count
            #expect(open == 0, "\(open) of \(strangers.count) idle connections still open")
        }
    }

    /// A request whose headers trickle in is cut off at the header timeout.
    @Test(.timeLimit(.minutes(1)))
    func slowHeadersAreCutOff() async throws {
        let limits = KMEConnectionLimits(headerTimeout: 2, bodyTimeout: 2, idleTimeout: 2)
        try await LivePair.with(limits: limits) { pair in
            let port = pair.alicePort
            let fd = await offThePool { idleConnection(to: port) }
            try #require(fd >= 0)
            defer { close(fd) }
            // One byte a half second: a TLS record that never completes.
            var cut = false
            for _ in 0..<12 {
                var byte: UInt8 = 0x16
                if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 || Self.closedByServer(fd) {
                    cut = true
                    break
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(cut, "a trickling client was still connected after 6 s")
        }
    }

    @Test func limitsFollowTheFileLimit() {
        #expect(KMEConnectionLimits.fitting(fileLimit: 256) == KMEConnectionLimits(maximumConnections: 192, maximumConnectionsPerAddress: 48))
        #expect(KMEConnectionLimits.fitting(fileLimit: 1 << 20).maximumConnections == 4096)
        #expect(KMEConnectionLimits.fitting(fileLimit: 10).maximumConnections == 1)
    }
}

/// Strangers from many addresses, each within its per-address cap, together more than the
/// KME keeps: the oldest of them are closed to make room, so a real SAE gets in at once
/// instead of waiting for their timeouts.
@Suite struct ManyAddressTests {
    @Test(.timeLimit(.minutes(2)))
    func strangersFromManyAddressesDoNotFillTheKME() async throws {
        // Timeouts far longer than the client waits: only eviction can let it in.
        let limits = KMEConnectionLimits(headerTimeout: 60, bodyTimeout: 60, idleTimeout: 60, maximumConnections: 64,
                                         maximumConnectionsPerAddress: 16)
        try await LivePair.with(limits: limits) { pair in
            let port = pair.alicePort
            let strangers = await offThePool {
                (3...12).flatMap { host in (0..<16).map { _ in idleConnection(from: host, to: port) } }.filter { $0 >= 0 }
            }
            defer { for fd in strangers { close(fd) } }
            #expect(strangers.count == 160, "only \(strangers.count) idle connections could be opened")
            try await Task.sleep(for: .milliseconds(500))
            let issued = try await pair.curl("\(pair.aliceURL)/api/v1/keys/sae-bob/enc_keys?number=1&size=256", as: "sae-alice",
                                             from: "127.0.0.2", extra: ["--max-time", "10"])
            #expect(issued.httpCode == 200, "\(issued.stderr)")
        }
    }
}
