import Foundation
import Randomness
import Testing

extension NodeProcesses {
    /// The KMEs killed with SIGKILL at random moments while applications fetch keys, 200 times:
    /// no key ID is ever delivered twice at a site, every key the master's application received
    /// is still there for the slave's (the same bytes, once), and the store's account adds up.
    @Suite(.serialized) struct KMEKillLoopTests {
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var issued: [(id: String, key: String)] = []
            var retrieved: [(id: String, key: String)] = []
            var refusedAfterKill: [String] = []
        }

        /// Async, its waits `Task.sleep`, for the reason NodeKillLoopTests gives.
        @Test func killedKMEsNeverDeliverAKeyTwiceOrLoseOne() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            let root = KeyDeliveryTests.root
            try #require(try KeyDeliveryTests.run("/bin/bash", [root.appendingPathComponent("scripts/test-pki").path, lab.path("pki")],
                                                  in: lab.folder).0 == 0)
            // The same 40 blocks of 4 kB at both sites.
            var generator = SystemRandomNumberGenerator()
            let blocks = 40, blockBytes = 4096
            for block in 1...blocks {
                let bytes = (0..<blockBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
                try Data(bytes).write(to: URL(fileURLWithPath: lab.path("block.key")))
                for site in ["alice", "bob"] {
                    let importer = try Launched(["store", "import", "--store", lab.path("\(site).keys"), "--key", lab.path("block.key"),
                                                 "--block", "\(block)", "--allow-simulated-keys"], executable: "diqkd-kme", in: lab.folder)
                    try #require(importer.wait(within: 30) == 0, "\(importer.stderr)")
                }
            }
            let port = (alice: Int.random(in: 20_000...29_999), bob: Int.random(in: 30_000...39_999))
            func kme(_ site: String, _ port: Int) throws -> Launched { try lab.kme(site, port: port) }
            @Sendable func request(_ url: String, as sae: String) -> [String: Any]? { lab.request(url, as: sae) }
            let log = Log()
            let seed = UInt64.random(in: 0...UInt64.max)
            print("KMEKillLoopTests seed \(seed)")
            var rng = Xoshiro256(seed: seed)
            for round in 0..<200 {
                // Even rounds kill Alice's KME while the master fetches keys; odd rounds kill Bob's
                // while the slave fetches keys the master got earlier.
                let master = round % 2 == 0
                let server = try kme(master ? "alice" : "bob", master ? port.alice : port.bob)
                let pending: [String] = master ? [] : {
                    log.lock.lock(); defer { log.lock.unlock() }
                    let done = Set(log.retrieved.map(\.id)).union(log.refusedAfterKill)
                    return log.issued.map(\.id).filter { !done.contains($0) }.shuffled().prefix(6).map { $0 }
                }()
                let client = Thread {
                    if master {
                        for _ in 0..<6 {
                            guard let reply = request("https://127.0.0.1:\(port.alice)/api/v1/keys/sae-bob/enc_keys?number=2&size=256",
                                                      as: "sae-alice"), let keys = reply["keys"] as? [[String: Any]] else { return }
                            log.lock.lock()
                            log.issued += keys.compactMap { key in (key["key_ID"] as? String).flatMap { id in (key["key"] as? String).map { (id, $0) } } }
                            log.lock.unlock()
                        }
                    } else {
                        for id in pending {
                            guard let reply = request("https://127.0.0.1:\(port.bob)/api/v1/keys/sae-alice/dec_keys?key_ID=\(id)", as: "sae-bob")
                            else { return }
                            log.lock.lock()
                            if let key = (reply["keys"] as? [[String: Any]])?.first?["key"] as? String {
                                log.retrieved.append((id, key))
                            } else if (reply["message"] as? String)?.contains("already delivered") == true {
                                // Delivered when the KME was killed before it could answer.
                                log.refusedAfterKill.append(id)
                            }
                            log.lock.unlock()
                        }
                    }
                }
                client.start()
                try await Task.sleep(for: .seconds(Double.random(in: 0...0.15, using: &rng)))
                kill(server.process.processIdentifier, SIGKILL)
                server.process.waitUntilExit()
                while client.isExecuting { try await Task.sleep(for: .milliseconds(10)) }
            }
            // Afterwards, one clean pass: the slave fetches every key the master received.
            let bob = try kme("bob", port.bob)
            defer { bob.stop() }
            let left = Set(log.retrieved.map(\.id)).union(log.refusedAfterKill)
            for (id, _) in log.issued where !left.contains(id) {
                let reply = request("https://127.0.0.1:\(port.bob)/api/v1/keys/sae-alice/dec_keys?key_ID=\(id)", as: "sae-bob")
                if let key = (reply?["keys"] as? [[String: Any]])?.first?["key"] as? String {
                    log.retrieved.append((id, key))
                } else if (reply?["message"] as? String)?.contains("already delivered") == true {
                    // Delivered by Bob's store in a round whose answer the kill cut off.
                    log.refusedAfterKill.append(id)
                }
            }
            let issuedIDs = log.issued.map(\.id), retrievedIDs = log.retrieved.map(\.id)
            #expect(issuedIDs.count > 100, "the master got \(issuedIDs.count) keys in 100 rounds")
            #expect(Set(issuedIDs).count == issuedIDs.count, "a key ID was issued twice")
            #expect(Set(log.issued.map(\.key)).count == issuedIDs.count, "key bytes were issued twice")
            #expect(Set(retrievedIDs).count == retrievedIDs.count, "a key ID was delivered twice to the slave")
            let byID = Dictionary(uniqueKeysWithValues: log.issued.map { ($0.id, $0.key) })
            for (id, key) in log.retrieved { #expect(byID[id] == key, "the slave got other bytes for \(id)") }
            // Every issued key reached the slave once, except those whose answer a kill cut off
            // after the store had delivered them (at most one per killed round).
            #expect(retrievedIDs.count + log.refusedAfterKill.count == issuedIDs.count)
            #expect(log.refusedAfterKill.count <= 100)
            print("KMEKillLoopTests: \(issuedIDs.count) keys issued, \(retrievedIDs.count) retrieved, "
                  + "\(log.refusedAfterKill.count) cut off by a kill after delivery")
        }
    }
}

extension NodeLab {
    /// Starts the KME of `site` ("alice" or "bob") over `site.keys` with the lab's test PKI
    /// (`pki/`), and waits until it answers; `wrapper` runs it under another program
    /// (`prlimit --nofile=256:256 --`).
    func kme(_ site: String, port: Int, wrapper: [String] = []) throws -> Launched {
        let server = try Launched(["kme", "--site", site, "--store", path("\(site).keys"), "--cert", path("pki/kme-\(site).pem"),
                                   "--key", path("pki/kme-\(site).key"), "--ca", path("pki/ca.pem"),
                                   "--listen", "127.0.0.1:\(port)", "--kme-id", "kme-\(site)",
                                   "--peer-kme-id", site == "alice" ? "kme-bob" : "kme-alice",
                                   "--master-sae", "sae-alice", "--slave-sae", "sae-bob", "--log-level", "error"],
                                  executable: "diqkd-kme", wrapper: wrapper, in: folder)
        let deadline = Date(timeIntervalSinceNow: 20)
        while server.process.isRunning && Date() < deadline {
            if (try? NodeProcesses.KeyDeliveryTests.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "--cert", path("pki/sae-\(site).pem"),
                                                                         "--key", path("pki/sae-\(site).key"), "--cacert", path("pki/ca.pem"),
                                                                         "https://127.0.0.1:\(port)/api/v1/keys/sae-bob/status"],
                                                        in: folder).0) == 0 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return server
    }

    /// The JSON body of an HTTPS request made as `sae` with the lab's test PKI; nil when curl
    /// fails (no answer within 5 s, connection refused or cut).
    func request(_ url: String, as sae: String) -> [String: Any]? {
        guard let (status, body) = try? NodeProcesses.KeyDeliveryTests.run("/usr/bin/curl", ["-s", "-m", "5", "--cert", path("pki/\(sae).pem"),
                                                                                            "--key", path("pki/\(sae).key"),
                                                                                            "--cacert", path("pki/ca.pem"), url],
                                                                           in: folder), status == 0 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}
