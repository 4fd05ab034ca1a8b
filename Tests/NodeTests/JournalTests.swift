import Foundation
import Testing

extension NodeProcesses {
    /// A committed key (`deliver-NNNNNN/`) is delivered only when its key and report match the
    /// checksum written with them: a damaged journal is an error naming the folder, never a
    /// silently different key at one site.
    @Suite(.serialized) struct JournalTests {
        @Test func aCommittedKeyIsDeliveredOnlyWhenItMatchesItsChecksum() throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            // One real block gives a real key and report to journal by hand (without a refill,
            // the key file holds the whole key, as a journal does).
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)", extra: ["--refill-bits", "0"])
            let port = try #require(alice.listeningPort())
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)", extra: ["--refill-bits", "0"])
            try #require(bob.wait(within: 60) == 0, "\(bob.stderr)")
            try #require(alice.wait(within: 20) == 0, "\(alice.stderr)")

            func journal(report transform: (String) -> String) throws {
                let block = lab.path("alice/block-000001"), staged = lab.path("alice/deliver-000002")
                try? FileManager.default.removeItem(atPath: staged)
                try FileManager.default.createDirectory(atPath: staged, withIntermediateDirectories: false)
                let key = try Data(contentsOf: URL(fileURLWithPath: "\(block)/alice.key"))
                let report = try String(contentsOfFile: "\(block)/report.json", encoding: .utf8)
                try key.write(to: URL(fileURLWithPath: "\(staged)/alice.key"))
                try Data(report.utf8).write(to: URL(fileURLWithPath: "\(staged)/report.json"))
                let (status, sum) = try KeyDeliveryTests.run("/bin/sh", ["-c", "cat '\(staged)/alice.key' '\(staged)/report.json' | sha256sum"],
                                                             in: lab.folder)
                try #require(status == 0)
                try Data(sum.prefix(64).utf8).write(to: URL(fileURLWithPath: "\(staged)/checksum"))
                try Data(transform(report).utf8).write(to: URL(fileURLWithPath: "\(staged)/report.json"))
            }
            // A node that starts delivers committed keys first, then tries to connect (to nothing).
            func start() throws -> Launched {
                try lab.node("alice", ["--connect", "127.0.0.1:1"], source: "127.0.0.1:\(sourcePort)", extra: ["--connect-timeout", "1"])
            }

            try journal { $0.replacingOccurrences(of: #""refillBits" : 0"#, with: #""refillBits" : 128"#) }
            let tampered = try start()
            #expect(tampered.wait(within: 30) == 1, "\(tampered.stderr)")
            #expect(tampered.stderr.contains("deliver-000002: the key or report does not match its checksum"), "\(tampered.stderr)")
            #expect(FileManager.default.fileExists(atPath: lab.path("alice/deliver-000002")))
            #expect(!FileManager.default.fileExists(atPath: lab.path("alice/block-000002")))

            try journal { $0 }
            let intact = try start()
            #expect(intact.wait(within: 30) == 3, "\(intact.stderr)")
            #expect(FileManager.default.fileExists(atPath: lab.path("alice/block-000002/alice.key")), "\(intact.stderr)")
            #expect(!FileManager.default.fileExists(atPath: lab.path("alice/deliver-000002")))
        }
    }
}
