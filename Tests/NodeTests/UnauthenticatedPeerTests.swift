#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Protocol
import Testing
import Wire

extension NodeProcesses {
    /// Strangers on a listening node's port: garbage, forged hellos (at the pool's position and far
    /// ahead of it), a frame longer than a hello. None of them spends key or stops the node, and
    /// the real peer's run then starts at pool bit 0.
    @Suite(.serialized) struct UnauthenticatedPeerTests {
        /// Connects to `port` on loopback, sends `bytes`, waits a little and closes.
        static func send(_ bytes: [UInt8], to port: Int) throws {
            let fd = try loopbackSocket(to: port)
            defer { close(fd) }
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            Thread.sleep(forTimeInterval: 0.3)
        }

        /// A hello from "Bob" with a random tag, naming pool bit `position`.
        static func forgedHello(position: UInt64) -> [UInt8] {
            let configuration = ProtocolConfiguration(rounds: 500_000, testFraction: 0.2, epsilonPE: 1e-3, epsilonPA: 1e-3)
            var generator = SystemRandomNumberGenerator()
            var frame = WireCodec.frame(.hello(Hello(role: .bob, block: 1, version: "0.6.0", configuration: configuration)),
                                        direction: .bobToAlice, session: SessionID.random(using: &generator), poolPosition: position,
                                        sequence: 0)
            for i in (frame.count - 16)..<frame.count { frame[i] = UInt8.random(in: 0...255) }
            return frame
        }

        @Test func strangersSpendNoKeyAndDoNotStopTheNode() throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)")
            let port = try #require(alice.listeningPort())
            try Self.send(Array("GET / HTTP/1.0\r\n\r\n".utf8), to: port)
            try Self.send(Self.forgedHello(position: 0), to: port)
            try Self.send(Self.forgedHello(position: 16 * 8320), to: port)
            try Self.send(Self.forgedHello(position: 1 << 40), to: port)
            // A header announcing a 200 kB payload: more than a hello may be before authentication.
            var long = Self.forgedHello(position: 0)
            long.replaceSubrange(40..<48, with: withUnsafeBytes(of: UInt64(200_000).littleEndian, Array.init))
            try Self.send(long + [UInt8](repeating: 0, count: 100_000), to: port)
            Thread.sleep(forTimeInterval: 0.5)
            #expect(alice.process.isRunning, "\(alice.stderr)")
            // The pool's position (header bytes 40 ..< 48), read while Alice holds the pool's lock.
            let header = try Data(contentsOf: URL(fileURLWithPath: lab.path("alice.pool"))).prefix(64)
            #expect(header[40..<48].allSatisfy { $0 == 0 }, "a stranger spent Alice's key")
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)")
            #expect(bob.wait(within: 60) == 0, "\(bob.stdout)\(bob.stderr)")
            #expect(alice.wait(within: 20) == 0, "\(alice.stdout)\(alice.stderr)")
            // The three forged hellos reach the node and are dropped by it; the garbage and the
            // over-long header never make a first frame, so the listener closes them unseen. At
            // most one such line a second: the others are counted in a later line.
            let lines = alice.stderr.components(separatedBy: "dropped a connection").count - 1
            let counted = alice.stderr.firstMatch(of: /(\d+) more connections were dropped/).map { Int($0.1) ?? 0 } ?? 0
            let alsoCounted = alice.stderr.matches(of: /and (\d+) more such connections/).reduce(0) { $0 + (Int($1.1) ?? 0) }
            #expect(lines + counted + alsoCounted == 3, "\(alice.stderr)")
            let report = try lab.report("alice", block: "block-000001")
            #expect((report["node"] as? [String: Any])?["poolPositionBits"] as? Int == 0)
        }
    }
}
