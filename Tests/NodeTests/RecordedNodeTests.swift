import Foundation
import Testing

extension NodeProcesses {
    /// Nodes that read their own lab's record file: each host holds one file.
    @Suite(.serialized) struct RecordedNodeTests {
        @Test func nodesPostprocessTheirOwnRecords() throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let simulate = try Launched(["simulate", "--rounds", "500000", "--visibility", "1", "--seed", "11", "--record", "rec",
                                         "--out", "sim", "--epsilon-pe", "1e-3", "--epsilon-pa", "1e-3", "--test-fraction", "0.2"],
                                        executable: "diqkd", in: lab.folder)
            #expect(simulate.wait(within: 120) == 0, "\(simulate.stderr)")
            let link = ["--assume-nonsignaling"]
            let alice = try Launched(["node", "alice", "--listen", "127.0.0.1:0", "--pool", lab.path("alice.pool"), "--records", "rec/alice.csv",
                                      "--out", "alice", "--timeout", "20"] + link + NodeLab.protocolFlags, in: lab.folder)
            let port = try #require(alice.listeningPort(), "\(alice.stderr)")
            let bob = try Launched(["node", "bob", "--connect", "127.0.0.1:\(port)", "--pool", lab.path("bob.pool"), "--records", "rec/bob.csv",
                                    "--out", "bob", "--timeout", "20"] + link + NodeLab.protocolFlags, in: lab.folder)
            #expect(bob.wait(within: 120) == 0, "\(bob.stdout)\(bob.stderr)")
            #expect(alice.wait(within: 20) == 0, "\(alice.stdout)\(alice.stderr)")
            let block = try #require(lab.blocks("alice").first)
            let aliceKey = try Data(contentsOf: URL(fileURLWithPath: lab.path("alice/\(block)/alice.key")))
            let bobKey = try Data(contentsOf: URL(fileURLWithPath: lab.path("bob/\(block)/bob.key")))
            #expect(!aliceKey.isEmpty && aliceKey == bobKey)
        }

        @Test func recordsWithoutTheAssumptionAreRefused() throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let node = try Launched(["node", "alice", "--listen", "127.0.0.1:0", "--pool", lab.path("alice.pool"), "--records", "none.csv"],
                                    in: lab.folder)
            #expect(node.wait(within: 20) == 2)
            #expect(node.stderr.contains("--assume-nonsignaling"), "\(node.stderr)")
        }
    }
}
