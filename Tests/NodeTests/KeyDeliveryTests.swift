import Foundation
import Testing

extension NodeProcesses {
    /// The whole path of a key: two nodes put each block into their site's store, a KME at each
    /// site serves it over ETSI GS QKD 014 with mutual TLS, and the master and slave
    /// applications (curl with the SAEs' certificates) get the same key.
    @Suite(.serialized) struct KeyDeliveryTests {
        /// The package's root, for its scripts.
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

        static func run(_ executable: String, _ arguments: [String], in folder: URL) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.currentDirectoryURL = folder
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        /// The body of an HTTPS request made as `sae`.
        func curl(_ url: String, as sae: String, lab: NodeLab) throws -> [String: Any] {
            let (status, body) = try Self.run("/usr/bin/curl", ["-s", "--cert", lab.path("pki/\(sae).pem"), "--key", lab.path("pki/\(sae).key"),
                                                                "--cacert", lab.path("pki/ca.pem"), url], in: lab.folder)
            try #require(status == 0, "curl \(url): exit \(status)")
            return try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
        }

        @Test func nodesStoreKeysThatBothKMEsServe() throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (pkiStatus, _) = try Self.run("/bin/bash", [Self.root.appendingPathComponent("scripts/test-pki").path, lab.path("pki")],
                                              in: lab.folder)
            try #require(pkiStatus == 0)
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)",
                                     extra: ["--store", lab.path("alice.keys"), "--allow-simulated-keys"])
            let port = try #require(alice.listeningPort())
            let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)",
                                   extra: ["--store", lab.path("bob.keys"), "--allow-simulated-keys"])
            #expect(bob.wait(within: 60) == 0, "\(bob.stdout)\(bob.stderr)")
            #expect(alice.wait(within: 20) == 0, "\(alice.stdout)\(alice.stderr)")
            // The key went into the store, not into a file.
            #expect(!FileManager.default.fileExists(atPath: lab.path("alice/block-000001/alice.key")))
            let mode = try FileManager.default.attributesOfItem(atPath: lab.path("alice.keys"))[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let ports = (Int.random(in: 20_000...29_999), Int.random(in: 30_000...39_999))
            func kme(_ site: String, _ port: Int) throws -> Launched {
                try Launched(["kme", "--site", site, "--store", lab.path("\(site).keys"), "--cert", lab.path("pki/kme-\(site).pem"),
                              "--key", lab.path("pki/kme-\(site).key"), "--ca", lab.path("pki/ca.pem"), "--listen", "127.0.0.1:\(port)",
                              "--kme-id", "kme-\(site)", "--peer-kme-id", site == "alice" ? "kme-bob" : "kme-alice",
                              "--master-sae", "sae-alice", "--slave-sae", "sae-bob"], executable: "diqkd-kme", in: lab.folder)
            }
            let aliceKME = try kme("alice", ports.0), bobKME = try kme("bob", ports.1)
            defer { aliceKME.stop(); bobKME.stop() }
            for (server, port) in [(aliceKME, ports.0), (bobKME, ports.1)] {
                let deadline = Date(timeIntervalSinceNow: 20)
                while !server.stderr.contains("listening on 127.0.0.1:\(port)") && server.process.isRunning && Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.05)
                }
                try #require(server.process.isRunning, "\(server.stderr)")
            }
            let issued = try curl("https://127.0.0.1:\(ports.0)/api/v1/keys/sae-bob/enc_keys?number=3&size=512", as: "sae-alice", lab: lab)
            let keys = try #require(issued["keys"] as? [[String: Any]], "\(issued)")
            #expect(keys.count == 3)
            for key in keys {
                let id = try #require(key["key_ID"] as? String)
                let fetched = try curl("https://127.0.0.1:\(ports.1)/api/v1/keys/sae-alice/dec_keys?key_ID=\(id)", as: "sae-bob", lab: lab)
                let same = (fetched["keys"] as? [[String: Any]])?.first
                #expect(same?["key"] as? String == key["key"] as? String && (key["key"] as? String)?.isEmpty == false)
                let again = try curl("https://127.0.0.1:\(ports.1)/api/v1/keys/sae-alice/dec_keys?key_ID=\(id)", as: "sae-bob", lab: lab)
                #expect(again["keys"] == nil && (again["message"] as? String)?.contains("already delivered") == true, "\(again)")
            }
            // Many applications at once on Alice's site never get the same key.
            final class Collected: @unchecked Sendable {
                let lock = NSLock()
                var ids: [String] = []
                var keys: [String] = []
            }
            let collected = Collected()
            DispatchQueue.concurrentPerform(iterations: 16) { _ in
                guard let reply = try? curl("https://127.0.0.1:\(ports.0)/api/v1/keys/sae-bob/enc_keys?number=2&size=256", as: "sae-alice", lab: lab),
                      let keys = reply["keys"] as? [[String: Any]] else { return }
                collected.lock.lock()
                collected.ids += keys.compactMap { $0["key_ID"] as? String }
                collected.keys += keys.compactMap { $0["key"] as? String }
                collected.lock.unlock()
            }
            #expect(collected.ids.count == 32, "every request was served")
            #expect(Set(collected.ids).count == collected.ids.count && Set(collected.keys).count == collected.keys.count)
        }

        /// With `--store`, the block folders hold only reports, and an operator may clean them
        /// away: the next block must still be numbered past every block the store has held, or
        /// its key would clash with a stored one after the run had spent pool bits.
        @Test func aFreshOutputFolderContinuesTheStoresNumbering() throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            for (round, out) in ["first", "fresh"].enumerated() {
                let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)", out: "alice-\(out)",
                                         extra: ["--store", lab.path("alice.keys"), "--allow-simulated-keys"])
                let port = try #require(alice.listeningPort())
                let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)", out: "bob-\(out)",
                                       extra: ["--store", lab.path("bob.keys"), "--allow-simulated-keys"])
                #expect(bob.wait(within: 60) == 0, "\(bob.stderr)")
                #expect(alice.wait(within: 20) == 0, "\(alice.stderr)")
                #expect(lab.blocks("alice-\(out)") == [round == 0 ? "block-000001" : "block-000002"])
            }
        }
    }
}
