import Foundation
import Randomness
import Testing

extension NodeProcesses {
    /// Two nodes putting blocks into their sites' stores, killed with SIGKILL at random moments
    /// at least 200 times (and every tenth round a KME) while the master application takes keys from
    /// Alice's KME and the slave application takes the same keys by ID from Bob's. Afterwards
    /// one clean run settles what the kills left: both stores must hold the same blocks, the
    /// slave must get every key the master got (once, the same bytes), no key ID or key may
    /// go out twice, and nothing may be left pending.
    @Suite(.serialized) struct NodeKillLoopTests {
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var stop = false
            var issued: [(id: String, key: String)] = []
            /// Issued IDs the slave has not got yet (Bob's node may not have stored the block).
            var waiting: [String] = []
            var retrieved: [(id: String, key: String)] = []
            /// IDs whose dec_keys answer a KME kill cut off after Bob's store delivered them.
            var refusedAfterKill: [String] = []
        }

        /// Async, and its waits are `Task.sleep`: a test that blocked a thread of Swift
        /// concurrency's small pool (two here) for minutes would starve the in-process KMEs of
        /// other suites running beside it.
        @Test func killedNodesLeaveBothSitesWithTheSameKeys() async throws {
            let lab = try NodeLab(poolBytes: 1 << 20)
            defer { lab.remove() }
            try #require(try KeyDeliveryTests.run("/bin/bash", [KeyDeliveryTests.root.appendingPathComponent("scripts/test-pki").path,
                                                                lab.path("pki")], in: lab.folder).0 == 0)
            let (source, sourcePort) = try lab.source()
            defer { source.stop() }
            let kmePort = (alice: Int.random(in: 45_000...49_999), bob: Int.random(in: 50_000...54_999))
            // Alice listens on a port the system picks (a fixed one may be taken by some
            // connection's ephemeral port); Bob connects to the port she reports.
            func nodes(blocks: Int) throws -> (alice: Launched, bob: Launched) {
                let flags = ["--blocks", "\(blocks)", "--rounds", "400000"]
                let alice = try lab.node("alice", ["--listen", "127.0.0.1:0"], source: "127.0.0.1:\(sourcePort)",
                                         extra: ["--store", lab.path("alice.keys"), "--allow-simulated-keys"] + flags)
                guard let port = alice.listeningPort() else { throw LabError("alice did not listen: \(alice.stderr)") }
                let bob = try lab.node("bob", ["--connect", "127.0.0.1:\(port)"], source: "127.0.0.1:\(sourcePort)",
                                       extra: ["--store", lab.path("bob.keys"), "--allow-simulated-keys"] + flags)
                return (alice, bob)
            }
            // The stores exist before the KMEs open them: one clean block first.
            var (alice, bob) = try nodes(blocks: 1)
            try #require(bob.wait(within: 60) == 0, "\(bob.stderr)")
            try #require(alice.wait(within: 20) == 0, "\(alice.stderr)")
            var kmes = (alice: try lab.kme("alice", port: kmePort.alice), bob: try lab.kme("bob", port: kmePort.bob))

            let log = Log()
            let application = Thread {
                while true {
                    log.lock.lock(); let stop = log.stop; log.lock.unlock()
                    if stop { return }
                    if let keys = lab.request("https://127.0.0.1:\(kmePort.alice)/api/v1/keys/sae-bob/enc_keys?number=1&size=256",
                                              as: "sae-alice")?["keys"] as? [[String: Any]] {
                        let got = keys.compactMap { key in (key["key_ID"] as? String).flatMap { id in (key["key"] as? String).map { (id, $0) } } }
                        log.lock.lock(); log.issued += got; log.waiting += got.map { $0.0 }; log.lock.unlock()
                    }
                    log.lock.lock(); let ids = Array(log.waiting.prefix(3)); log.lock.unlock()
                    for id in ids { Self.retrieve(id, lab: lab, port: kmePort.bob, log: log) }
                    Thread.sleep(forTimeInterval: 0.01)
                }
            }
            application.start()

            let seed = UInt64.random(in: 0...UInt64.max)
            print("NodeKillLoopTests seed \(seed)")
            var rng = Xoshiro256(seed: seed)
            var kills = (nodes: 0, kmes: 0)
            var round = 0
            while kills.nodes < 200 {
                round += 1
                try #require(round <= 400, "\(kills.nodes) node kills in 400 rounds: the nodes exit before they are killed")
                (alice, bob) = try nodes(blocks: 0)
                try await Task.sleep(for: .seconds(Double.random(in: 0.1...1.0, using: &rng)))
                // One node at a random moment, the other a moment later (a survivor exits on
                // its own when the run breaks, or waits for a connection that never comes).
                let (first, second) = Bool.random(using: &rng) ? (alice, bob) : (bob, alice)
                if first.process.isRunning { kills.nodes += 1 }
                first.stop()
                try await Task.sleep(for: .seconds(Double.random(in: 0...0.2, using: &rng)))
                if second.process.isRunning { kills.nodes += 1 }
                second.stop()
                if round % 10 == 0 {
                    // A KME too, at a random moment of the applications' traffic.
                    let victim = Bool.random(using: &rng) ? kmes.alice : kmes.bob
                    kill(victim.process.processIdentifier, SIGKILL)
                    victim.process.waitUntilExit()
                    kills.kmes += 1
                    if victim === kmes.alice { kmes.alice = try lab.kme("alice", port: kmePort.alice) }
                    else { kmes.bob = try lab.kme("bob", port: kmePort.bob) }
                }
            }
            log.lock.withLock { log.stop = true }
            while application.isExecuting { try await Task.sleep(for: .milliseconds(10)) }

            // One clean run settles a held key and delivers committed ones.
            (alice, bob) = try nodes(blocks: 1)
            #expect(bob.wait(within: 60) == 0, "\(bob.stderr)")
            #expect(alice.wait(within: 20) == 0, "\(alice.stderr)")
            for id in log.waiting { Self.retrieve(id, lab: lab, port: kmePort.bob, log: log) }
            kmes.alice.stop()
            kmes.bob.stop()

            // Both sites hold the same blocks (numbers and fingerprints, which bind the key).
            let stores = try ["alice", "bob"].map { try Self.blocks(in: lab.path("\($0).keys"), lab: lab) }
            #expect(stores[0] == stores[1], "the sites' stores differ")
            #expect(stores[0].count >= 50, "only \(stores[0].count) blocks in \(round) rounds")
            #expect(lab.blocks("alice") == lab.blocks("bob"), "the sites' block reports differ")
            for role in ["alice", "bob"] {
                let left = ((try? FileManager.default.contentsOfDirectory(atPath: lab.path(role))) ?? [])
                    .filter { $0.hasPrefix("pending-") || $0.hasPrefix("deliver-") }
                #expect(left.isEmpty, "\(role) left \(left)")
            }
            // Every key the master got reached the slave once with the same bytes, except those
            // whose answer a KME kill cut off after Bob's store delivered them.
            let issuedIDs = log.issued.map(\.id), retrievedIDs = log.retrieved.map(\.id)
            #expect(issuedIDs.count > 100, "the master got \(issuedIDs.count) keys")
            #expect(Set(issuedIDs).count == issuedIDs.count, "a key ID was issued twice")
            #expect(Set(log.issued.map(\.key)).count == issuedIDs.count, "key bytes were issued twice")
            #expect(Set(retrievedIDs).count == retrievedIDs.count, "a key ID was delivered twice to the slave")
            let byID = Dictionary(uniqueKeysWithValues: log.issued.map { ($0.id, $0.key) })
            for (id, key) in log.retrieved { #expect(byID[id] == key, "the slave got other bytes for \(id)") }
            #expect(log.waiting.isEmpty, "\(log.waiting.count) issued keys never reached the slave")
            #expect(retrievedIDs.count + log.refusedAfterKill.count == issuedIDs.count)
            #expect(log.refusedAfterKill.count <= kills.kmes)
            print("NodeKillLoopTests: \(kills.nodes) node kills, \(kills.kmes) KME kills; \(stores[0].count) blocks at both sites; "
                  + "\(issuedIDs.count) keys issued, \(retrievedIDs.count) retrieved, \(log.refusedAfterKill.count) cut off by a KME kill")
        }

        /// The slave asks Bob's KME for one key; the ID leaves `waiting` unless the block is
        /// not at Bob's site yet (or the KME is down), to be asked again later.
        static func retrieve(_ id: String, lab: NodeLab, port: Int, log: Log) {
            let reply = lab.request("https://127.0.0.1:\(port)/api/v1/keys/sae-alice/dec_keys?key_ID=\(id)", as: "sae-bob")
            log.lock.lock()
            defer { log.lock.unlock() }
            if let key = (reply?["keys"] as? [[String: Any]])?.first?["key"] as? String {
                log.retrieved.append((id, key))
            } else if (reply?["message"] as? String)?.contains("already delivered") == true {
                log.refusedAfterKill.append(id)
            } else {
                return
            }
            log.waiting.removeAll { $0 == id }
        }

        /// A store's blocks, live and retired: number and fingerprint (hex), in order; read with
        /// Python's sqlite3, so the test does not trust the store's own code to read itself.
        static func blocks(in store: String, lab: NodeLab) throws -> [String] {
            let script = """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                rows = db.execute("SELECT number, hex(fingerprint) FROM blocks UNION ALL SELECT number, hex(fingerprint) FROM retired ORDER BY 1")
                for number, fingerprint in rows: print(number, fingerprint)
                """
            let (status, out) = try KeyDeliveryTests.run("/usr/bin/env", ["python3", "-c", script, store], in: lab.folder)
            try #require(status == 0)
            return out.split(separator: "\n").map(String.init)
        }
    }
}
