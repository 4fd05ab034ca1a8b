import Foundation
import KeyPool
import Protocol
import Testing
import Transport

extension NodeProcesses {
    /// Two nodes and a source as separate processes on loopback.
    @Suite(.serialized) struct TwoNodeTests {
        @Test func twoNodesAgreeOnKeysAndReports() throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)", extra: ["--blocks", "2"])
            let port = try #require(alice.listeningPort(), "\(alice.stderr)")
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)", extra: ["--blocks", "2"])
            let bobStatus = bob.wait(within: 120), aliceStatus = alice.wait(within: 20)
            #expect(aliceStatus == 0, "\(alice.stderr)")
            #expect(bobStatus == 0, "\(bob.stderr)")
            #expect(lab.blocks("alice") == ["block-000001", "block-000002"])
            #expect(lab.blocks("bob") == lab.blocks("alice"))
            var positions: [Int] = []
            for block in lab.blocks("alice") {
                let aliceKey = try Data(contentsOf: URL(fileURLWithPath: lab.path("alice/\(block)/alice.key")))
                let bobKey = try Data(contentsOf: URL(fileURLWithPath: lab.path("bob/\(block)/bob.key")))
                #expect(!aliceKey.isEmpty && aliceKey == bobKey)
                let a = try lab.report("alice", block: block), b = try lab.report("bob", block: block)
                #expect(publicFields(a) == publicFields(b))
                #expect(a["authenticationBits"] as? Int == 8320)
                let keyBits = try #require(a["keyBits"] as? Int)
                #expect(a["netKeyBits"] as? Int == keyBits - 8320)
                #expect(a["deliveredKeyBits"] as? Int == keyBits - 1024)
                #expect(aliceKey.count == (keyBits - 1024 + 7) / 8)
                let epsilonAuthentication = try #require(a["epsilonAuthentication"] as? Double)
                #expect(epsilonAuthentication > 0 && epsilonAuthentication < 1e-30)
                let node = try #require(a["node"] as? [String: Any])
                positions.append(try #require(node["poolPositionBits"] as? Int))
            }
            // Consecutive runs take consecutive reservations of the pool.
            #expect(positions == [0, 8320])
            for file in ["alice.pool", "bob.pool"] {
                let mode = try FileManager.default.attributesOfItem(atPath: lab.path(file))[.posixPermissions] as? Int
                #expect(mode == 0o600)
            }
        }

        @Test func differentPoolsFailAuthenticationOnTheFirstMessage() throws {
            let lab = try NodeLab(), other = try NodeLab()
            defer { lab.remove(); other.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)",
                                     extra: ["--connect-timeout", "3"])
            let port = try #require(alice.listeningPort())
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)",
                                   pool: other.path("bob.pool"))
            #expect(bob.wait(within: 60) == 3)
            #expect(bob.stdout.contains("Alice refused this node's hello: authentication failed on the peer's hello"), "\(bob.stdout)")
            // Alice spent nothing on the unauthenticated hello and went on listening.
            #expect(alice.wait(within: 20) == 3)
            #expect(alice.stderr.contains("dropped a connection"), "\(alice.stderr)")
            #expect(alice.stderr.contains("no connection arrived"), "\(alice.stderr)")
            #expect(lab.blocks("alice").isEmpty && lab.blocks("bob").isEmpty)
            let status = try KeyPool.status(path: lab.path("alice.pool"))
            #expect(status.positionBits == 0)
        }

        @Test func mismatchedConfigurationsAreNamed() throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)")
            let port = try #require(alice.listeningPort())
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)",
                                   extra: ["--rounds", "400000"])
            #expect(bob.wait(within: 60) == 3)
            #expect(alice.wait(within: 20) == 3)
            #expect(bob.stdout.contains("rounds: Alice 500000, Bob 400000"), "\(bob.stdout)")
        }
    }
}

extension NodeProcesses {
    /// A pool too small for another run refuses to start one, saying how much it needs.
    @Suite struct ExhaustedPoolTests {
        @Test func anExhaustedPoolRefusesToStart() throws {
            let lab = try NodeLab(poolBytes: 1040)
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let flags = ["--refill-bits", "0", "--blocks", "2"]
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)", extra: flags)
            let port = try #require(alice.listeningPort())
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)", extra: flags)
            #expect(bob.wait(within: 60) == 3)
            #expect(alice.wait(within: 20) == 3)
            #expect(lab.blocks("alice") == ["block-000001"] && lab.blocks("bob") == ["block-000001"])
            #expect(bob.stderr.contains("is exhausted: a run needs 8,320 bits and 0 are left"), "\(bob.stderr)")
        }
    }
}
