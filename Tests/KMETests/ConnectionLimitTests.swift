#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KME
import Testing

/// Strangers who hold connections open: idle sockets that never start TLS, from one address,
/// far more than the KME keeps. A real SAE from another address still gets keys, and the
/// strangers' sockets are closed by the handshake timeout.
@Suite struct ConnectionLimitTests {
    /// Opens a TCP connection to 127.0.0.1:`port` and sends nothing; -1 when refused.
    static func idleConnection(to port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

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
            var strangers: [Int32] = []
            defer { for fd in strangers { close(fd) } }
            for _ in 0..<600 {
                let fd = Self.idleConnection(to: pair.alicePort)
                if fd >= 0 { strangers.append(fd) }
            }
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
            let fd = Self.idleConnection(to: pair.alicePort)
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
    /// An idle connection from 127.0.0.`host` to 127.0.0.1:`port`; -1 when it fails.
    static func idleConnection(from host: Int, to port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr("127.0.0.\(host)")
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
        guard bound == 0, connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    @Test(.timeLimit(.minutes(2)))
    func strangersFromManyAddressesDoNotFillTheKME() async throws {
        // Timeouts far longer than the client waits: only eviction can let it in.
        let limits = KMEConnectionLimits(headerTimeout: 60, bodyTimeout: 60, idleTimeout: 60, maximumConnections: 64,
                                         maximumConnectionsPerAddress: 16)
        try await LivePair.with(limits: limits) { pair in
            var strangers: [Int32] = []
            defer { for fd in strangers { close(fd) } }
            for host in 3...12 {
                for _ in 0..<16 {
                    let fd = Self.idleConnection(from: host, to: pair.alicePort)
                    if fd >= 0 { strangers.append(fd) }
                }
            }
            #expect(strangers.count == 160, "only \(strangers.count) idle connections could be opened")
            try await Task.sleep(for: .milliseconds(500))
            let issued = try await pair.curl("\(pair.aliceURL)/api/v1/keys/sae-bob/enc_keys?number=1&size=256", as: "sae-alice",
                                             from: "127.0.0.2", extra: ["--max-time", "10"])
            #expect(issued.httpCode == 200, "\(issued.stderr)")
        }
    }
}
