import Foundation
import Protocol
import Testing
import Transport

extension NodeProcesses {
    /// A node run until stopped (`--blocks 0`) and keys from a source that plays Eve.
    @Suite(.serialized) struct UntilStoppedTests {
        /// A block whose frames a man in the middle tampers with fails at Alice's site; with
        /// `--blocks 0` she logs it and serves the next peer, whose block completes.
        @Test func aFailedBlockDoesNotStopANodeRunUntilStopped() async throws {
            let lab = try NodeLab(poolBytes: 1 << 18)
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)", extra: ["--blocks", "0"])
            defer { alice.stop() }
            let port = try #require(alice.listeningPort(), "\(alice.stderr)")
            let configuration = ProtocolConfiguration(rounds: 500_000, testFraction: 0.2, epsilonPE: 1e-3, epsilonPA: 1e-3)
            let proxy = try FrameProxy(target: Endpoint(host: "127.0.0.1", port: port), configuration: configuration)
            defer { proxy.close() }
            proxy.fault = .flip(.toListener, index: 2, byte: 40)
            let tampered = try lab.node("bob", ["--connect", "127.0.0.1:\(proxy.port)"], source: "127.0.0.1:\(sourcePort)")
            #expect(await tampered.finish(within: 60) == 3, "\(tampered.stderr)")
            try await Task.sleep(for: .seconds(1))
            #expect(alice.process.isRunning, "\(alice.stderr)")
            #expect(alice.stderr.contains("Failed blocks in a row: 1 of at most 10"), "\(alice.stderr)")
            proxy.fault = .none
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(proxy.port)"], source: "127.0.0.1:\(sourcePort)")
            #expect(await bob.finish(within: 60) == 0, "\(bob.stderr)")
            try await Task.sleep(for: .milliseconds(500))
            #expect(alice.process.isRunning, "\(alice.stderr)")
            #expect(lab.blocks("alice").count == 1 && lab.blocks("bob").count == 1, "\(lab.blocks("alice")) \(lab.blocks("bob"))")
        }

        /// Until stopped, `--max-failures` failed blocks in a row stop the node (exit 3), saying so.
        @Test func tooManyFailuresInARowStopTheNode() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)",
                                     extra: ["--blocks", "0", "--max-failures", "2", "--connect-timeout", "1"])
            #expect(await alice.finish(within: 30) == 3, "\(alice.stderr)")
            #expect(alice.stderr.contains("2 blocks in a row failed (--max-failures 2)"), "\(alice.stderr)")
        }

        /// Until stopped, a block size at which even an ideal device cannot gain more key than
        /// authentication consumes is refused before anything is spent, naming the rounds needed.
        @Test func aNetLossUntilStoppedIsRefused() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)",
                                     extra: ["--blocks", "0", "--rounds", "100000"])
            #expect(await alice.finish(within: 30) == 2, "\(alice.stderr)")
            #expect(alice.stderr.contains("use at least --rounds "), "\(alice.stderr)")
            #expect(!alice.stderr.contains("listening on"), "\(alice.stderr)")
            #expect(try poolPosition(lab.path("alice.pool")) == 0)
        }

        /// A source that plays Eve with a PR box (`--attack individual --epsilon 0`) beyond
        /// Tsirelson's bound: the key is marked simulated, the console prints the Tsirelson
        /// warning, and a store refuses it.
        @Test func anEvilSourcesKeysAreMarkedAndRefused() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let source = try Launched(["source", "--listen", "127.0.0.1:0", "--attack", "individual", "--epsilon", "0"], in: lab.folder)
            defer { source.stop() }
            let sourcePort = try #require(source.listeningPort(), "\(source.stderr)")
            let refused = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)",
                                       extra: ["--store", lab.path("alice.keys")])
            #expect(await refused.finish(within: 30) == 2, "\(refused.stderr)")
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)")
            let port = try #require(alice.listeningPort())
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)")
            #expect(await bob.finish(within: 60) == 0, "\(bob.stderr)")
            #expect(await alice.finish(within: 20) == 0, "\(alice.stderr)")
            #expect(alice.stdout.contains("SIMULATED measurements"), "\(alice.stdout)")
            #expect(alice.stderr.contains("Tsirelson"), "\(alice.stderr)")
            #expect(try lab.report("alice", block: "block-000001")["simulation"] as? Bool == true)
            let store = try Launched(["store", "import", "--store", lab.path("alice.keys"), "--key", lab.path("alice/block-000001/alice.key"),
                                      "--block", "1"], executable: "diqkd-kme", in: lab.folder)
            #expect(await store.finish(within: 30) == 2, "\(store.stderr)")
        }
    }
}
