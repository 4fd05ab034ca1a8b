#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KeyPool
import Protocol
import Testing
import Wire

/// The pool position of a pool file (header bytes 40 ..< 48), readable while a node holds it.
func poolPosition(_ path: String) throws -> UInt64 {
    let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(64)
    return header[40..<48].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
}

extension Launched {
    /// Waits for the exit without blocking a thread of the cooperative pool (the in-process
    /// KMEs of other suites answer on it); kills the process after `seconds` and returns `nil`.
    func finish(within seconds: Double) async -> Int32? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return wait(within: 1)
    }
}

/// Runs blocking work on a thread of its own and awaits its result, so that it never holds a
/// thread of the cooperative pool (the in-process KMEs of other suites answer on it).
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async -> Result<T, any Error> {
    await withCheckedContinuation { continuation in
        // blocking-exception: this thread exists to carry the blocking work.
        Thread.detachNewThread { continuation.resume(returning: Result { try work() }) }
    }
}

/// Every node flag is either compared in the hello or declared each site's own: a new flag
/// that shapes keys cannot be forgotten.
@Test func everyNodeFlagIsAgreedOrLocal() async throws {
    let help = try Launched(["node", "--help"], in: FileManager.default.temporaryDirectory)
    #expect(await help.finish(within: 30) == 0)
    let flags = Set(help.stdout.matches(of: /--[a-z][a-z0-9-]*/).map { String($0.output) })
    #expect(flags.count > 15, "\(help.stdout)")
    let known = Set(Hello.agreedNodeFlags + Hello.localNodeFlags)
    let unlisted = flags.subtracting(known).sorted()
    #expect(unlisted.isEmpty, "node flags neither compared in the hello nor listed as local: \(unlisted)")
}

extension NodeProcesses {
    @Suite(.serialized) struct HardeningTests {
        /// Refill bits differ: refused by the listener before it spends a pool bit, naming the
        /// flag and both values; no key at either site.
        @Test func aRefillMismatchIsRefusedBeforeAnyPoolBitIsSpent() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)")
            let port = try #require(alice.listeningPort())
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)",
                                   extra: ["--refill-bits", "0"])
            #expect(await bob.finish(within: 60) == 3, "\(bob.stdout)\(bob.stderr)")
            #expect(bob.stderr.contains("--refill-bits: Alice 1024, Bob 0"), "\(bob.stderr)")
            #expect(alice.stderr.contains("--refill-bits: Alice 1024, Bob 0"), "\(alice.stderr)")
            #expect(try poolPosition(lab.path("alice.pool")) == 0, "the listener spent pool bits on a refused hello")
            alice.stop()
            #expect(lab.blocks("alice").isEmpty && lab.blocks("bob").isEmpty)
        }

        /// Keys from the simulated source are marked, and a store refuses them without
        /// --allow-simulated-keys (before anything is spent).
        @Test func simulatedKeysAreMarkedAndKeptOutOfStores() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let refused = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)",
                                       extra: ["--store", lab.path("alice.keys")])
            #expect(await refused.finish(within: 30) == 2)
            #expect(refused.stderr.contains("--allow-simulated-keys"), "\(refused.stderr)")
            #expect(try poolPosition(lab.path("alice.pool")) == 0)
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)")
            let port = try #require(alice.listeningPort())
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)")
            #expect(await bob.finish(within: 60) == 0, "\(bob.stderr)")
            #expect(await alice.finish(within: 20) == 0, "\(alice.stderr)")
            #expect(alice.stdout.contains("SIMULATED measurements"), "\(alice.stdout)")
            #expect(try lab.report("alice", block: "block-000001")["simulation"] as? Bool == true)
        }

        /// `store import` of a `simulate` key: refused without --allow-simulated-keys, recorded
        /// as simulated with it, and a second identical import says it changed nothing.
        @Test func storeImportRefusesSimulatedKeys() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let simulate = try Launched(["simulate", "--rounds", "500000", "--epsilon-pe", "1e-3", "--epsilon-pa", "1e-3",
                                         "--test-fraction", "0.2", "--visibility", "1", "--out", lab.path("sim")],
                                        executable: "diqkd", in: lab.folder)
            #expect(await simulate.finish(within: 120) == 0, "\(simulate.stderr)")
            #expect(simulate.stdout.contains("SIMULATED measurements"), "\(simulate.stdout)")
            let store = ["store", "import", "--store", lab.path("alice.keys"), "--key", lab.path("sim/alice.key"), "--block", "1"]
            let refused = try Launched(store, executable: "diqkd-kme", in: lab.folder)
            #expect(await refused.finish(within: 30) == 2)
            #expect(refused.stderr.contains("simulated measurements"), "\(refused.stderr)")
            let allowed = try Launched(store + ["--allow-simulated-keys"], executable: "diqkd-kme", in: lab.folder)
            #expect(await allowed.finish(within: 30) == 0, "\(allowed.stderr)")
            #expect(allowed.stdout.contains("SIMULATED"), "\(allowed.stdout)")
            let again = try Launched(store + ["--allow-simulated-keys"], executable: "diqkd-kme", in: lab.folder)
            #expect(await again.finish(within: 30) == 0)
            #expect(again.stdout.contains("nothing changed"), "\(again.stdout)")
            let status = try Launched(["store", "status", "--store", lab.path("alice.keys")], executable: "diqkd-kme", in: lab.folder)
            #expect(await status.finish(within: 30) == 0)
            #expect(status.stdout.contains("1 blocks came from SIMULATED measurements"), "\(status.stdout)")
        }

        /// Twenty silent connections on the listener's port while the real peer connects: the
        /// block completes, and no pool bit is spent on the strangers.
        @Test func silentStrangersDoNotHoldThePeerOff() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)")
            let port = try #require(alice.listeningPort())
            let strangers = try await offThePool { try (0..<20).map { _ in try loopbackSocket(to: port) } }.get()
            defer { for fd in strangers { close(fd) } }
            let started = Date()
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)")
            #expect(await bob.finish(within: 60) == 0, "\(bob.stdout)\(bob.stderr)")
            #expect(await alice.finish(within: 20) == 0, "\(alice.stdout)\(alice.stderr)")
            #expect(Date().timeIntervalSince(started) < 30, "the peer waited behind the strangers")
            let report = try lab.report("alice", block: "block-000001")
            #expect((report["node"] as? [String: Any])?["poolPositionBits"] as? Int == 0)
        }

        /// The source serves at most 32 device connections at once; one more is refused,
        /// logged, and the source goes on serving.
        @Test func theSourceBoundsItsConnections() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            // One at a time, so that the source's accept loop keeps up (the listener closes, silently,
            // connections beyond 16 waiting to be accepted).
            let silent = try await offThePool {
                try (0..<40).map { _ in
                    usleep(50_000)  // blocking-exception: on offThePool's own thread.
                    return try loopbackSocket(to: sourcePort)
                }
            }.get()
            defer { for fd in silent { close(fd) } }
            let deadline = Date(timeIntervalSinceNow: 30)
            while !source.stderr.contains("at most 32 devices at once") && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(source.stderr.contains("the source serves at most 32 devices at once"), "\(source.stderr)")
            #expect(source.process.isRunning)
        }

        /// More silent connections than the listener keeps waiting (300 against 256): the oldest
        /// are closed to make room, so the real peer, who speaks at once, still gets in.
        @Test func aFloodOfSilentStrangersDoesNotShutOutThePeer() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)")
            let port = try #require(alice.listeningPort())
            let strangers = try await offThePool { try (0..<300).map { _ in try loopbackSocket(to: port) } }.get()
            defer { for fd in strangers { close(fd) } }
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)")
            #expect(await bob.finish(within: 60) == 0, "\(bob.stdout)\(bob.stderr)")
            #expect(await alice.finish(within: 20) == 0, "\(alice.stdout)\(alice.stderr)")
        }

        /// A third node with a copy of Bob's pool runs a block with Alice. The real Bob's next
        /// run follows Alice's authentic notice (a security event, exit 3); the run after that
        /// is in step by position, but the pools' states differ: Alice, listening, stops with
        /// exit 4 and Bob hears why. Also with `--refill-bits 0`, where no key flows back and
        /// only the record of delivered blocks tells the pools apart.
        @Test(arguments: [[], ["--refill-bits", "0"]])
        func aCopiedPoolIsDetected(_ refill: [String]) async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let from = "127.0.0.1:\(sourcePort)"
            try FileManager.default.copyItem(atPath: lab.path("bob.pool"), toPath: lab.path("mallory.pool"))
            func alice() throws -> (Launched, Int) {
                let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: from, extra: refill + ["--blocks", "0"])
                guard let port = alice.listeningPort() else { throw LabError("alice did not start: \(alice.stderr)") }
                return (alice, port)
            }
            let (alice, port) = try alice()
            defer { alice.stop() }
            let mallory = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: from, pool: lab.path("mallory.pool"),
                                       out: "mallory", extra: refill)
            #expect(await mallory.finish(within: 60) == 0, "\(mallory.stderr)")
            let skipping = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: from, extra: refill)
            #expect(await skipping.finish(within: 60) == 3, "\(skipping.stderr)")
            #expect(skipping.stderr.contains("SECURITY EVENT"), "\(skipping.stderr)")
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: from, extra: refill)
            #expect(await bob.finish(within: 60) == 3, "\(bob.stderr)")
            #expect(bob.stderr.contains("the key pools have diverged"), "\(bob.stderr)")
            #expect(await alice.finish(within: 20) == 4, "\(alice.stderr)")
            #expect(lab.blocks("bob").isEmpty)
        }

        /// A fake listener answers each of 100 runs of Bob with a forged "pool ahead" notice:
        /// each run costs Bob his own reservation and nothing more.
        @Test func forgedPoolNoticesBurnNothing() async throws {
            let lab = try NodeLab(poolBytes: 1 << 21)
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let server = try FakeListener()
            defer { server.close() }
            let runs = 100
            for run in 0..<runs {
                let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(server.port)"], source: "127.0.0.1:\(sourcePort)",
                                       extra: ["--connect-timeout", "5"])
                let status = await bob.finish(within: 30)
                #expect(status == 3, "\(bob.stderr)")
                if run == 0 { #expect(bob.stderr.contains("failed authentication: forged or altered; ignored"), "\(bob.stderr)") }
            }
            #expect(server.answered == runs)
            #expect(try poolPosition(lab.path("bob.pool")) == UInt64(runs * 1040))
        }
    }
}

/// A listener that reads a hello frame and answers with an `abort` notice naming a pool
/// position 15 reservations ahead, under a random tag: what a forger on the path can send.
final class FakeListener: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private let lock = NSLock()
    private var count = 0
    var answered: Int { lock.lock(); defer { lock.unlock() }; return count }

    init() throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(socketFD, 16)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) } }
        fd = socketFD
        port = Int(UInt16(bigEndian: bound.sin_port))
        // blocking-exception: the fake peer serves on a thread of its own, never on the cooperative pool.
        Thread.detachNewThread { [self] in serve() }
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            var header = [UInt8](repeating: 0, count: FrameHeader.byteCount)
            var got = 0
            while got < header.count {
                let wanted = header.count - got
                let n = header.withUnsafeMutableBytes { recv(client, $0.baseAddress! + got, wanted, 0) }
                if n <= 0 { break }
                got += n
            }
            if got == header.count {
                let session = SessionID(bytes: Array(header[8..<24]))
                let position = header[24..<32].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                var notice = WireCodec.frame(.message(.abort(reason: "this node's pool is at bit …")), direction: .aliceToBob,
                                             session: session, poolPosition: position + 15 * 8320, sequence: 0)
                for i in (notice.count - 16)..<notice.count { notice[i] = UInt8.random(in: 0...255) }
                _ = notice.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                lock.lock()
                count += 1
                lock.unlock()
                // blocking-exception: on the fake peer's own thread; lets Bob read the notice before the close.
                Thread.sleep(forTimeInterval: 0.2)
            }
            Glibc.close(client)
        }
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }
}
