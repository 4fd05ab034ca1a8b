import Foundation
import Testing

/// The virtual environment of `scripts/python-clients`.
let clientsVenv = repositoryRoot.appendingPathComponent(".venv-clients/bin")
let clientsInstalled = FileManager.default.isExecutableFile(atPath: clientsVenv.appendingPathComponent("qkd014-client").path)
    && FileManager.default.isExecutableFile(atPath: clientsVenv.appendingPathComponent("qkdsec").path)
let clientsMissing = "the third-party clients are not installed: run scripts/python-clients"

/// Third-party ETSI GS QKD 014 clients from PyPI against the live pair: etsi-qkd-014-client
/// 0.9.0 (`qkd014-client`) and qkdsec 0.3.0 (`qkdsec keys`, `qkdsec doctor`).
@Suite(.enabled(if: clientsInstalled, Comment(rawValue: clientsMissing)))
struct ClientTests {
    init() {
        if !clientsInstalled { print("KMETests.ClientTests skipped: \(clientsMissing)") }
    }

    func client(_ name: String, _ arguments: [String]) async throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["COLUMNS"] = "200"
        return try await run(clientsVenv.appendingPathComponent(name).path, arguments, environment: environment)
    }

    /// qkd014-client: options before the subcommand, the SAE ID last, `-H` is `host:port`
    /// without a scheme; it exits 0 even on errors, so the "Response code" line decides.
    func qkd014(_ pair: LivePair, port: Int, as sae: String, _ command: [String]) async throws -> (code: Int?, text: String) {
        let result = try await client("qkd014-client", ["-H", "127.0.0.1:\(port)", "-c", pair.pki.path("\(sae).pem"),
                                                        "-k", pair.pki.path("\(sae).key"), "-r", pair.pki.path("ca.pem")] + command)
        let code = result.stdout.split(separator: "\n").first { $0.hasPrefix("Response code") }
            .flatMap { Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") }
        return (code, result.stdout + result.stderr)
    }

    /// "Key id : …" and "Key : …" lines of qkd014-client's key container printout.
    func qkd014Keys(_ text: String) -> [(id: String, key: String)] {
        let lines = text.split(separator: "\n").map(String.init)
        var keys: [(String, String)] = []
        for (index, line) in lines.enumerated() where line.hasPrefix("Key id : ") && index + 1 < lines.count {
            keys.append((String(line.dropFirst("Key id : ".count)), String(lines[index + 1].dropFirst("Key : ".count))))
        }
        return keys
    }

    func qkdsec(_ pair: LivePair, as sae: String, _ arguments: [String]) async throws -> ProcessResult {
        try await client("qkdsec", arguments + ["--cert", pair.pki.path("\(sae).pem"), "--key", pair.pki.path("\(sae).key"),
                                                "--ca-cert", pair.pki.path("ca.pem")])
    }

    @Test func qkd014ClientGetsTheSameKeyAtBothSites() async throws {
        try await LivePair.with { pair in
            let status = try await qkd014(pair, port: pair.alicePort, as: "sae-alice", ["get_status", "sae-bob"])
            #expect(status.code == 200, "\(status.text)")
            let issued = try await qkd014(pair, port: pair.alicePort, as: "sae-alice", ["get_key", "sae-bob"])
            #expect(issued.code == 200, "\(issued.text)")
            let keys = qkd014Keys(issued.text)
            try #require(keys.count == 1, "\(issued.text)")
            let fetched = try await qkd014(pair, port: pair.bobPort, as: "sae-bob", ["get_key_with_id", keys[0].id, "sae-alice"])
            #expect(fetched.code == 200, "\(fetched.text)")
            #expect(qkd014Keys(fetched.text).map(\.key) == [keys[0].key])
            let again = try await qkd014(pair, port: pair.bobPort, as: "sae-bob", ["get_key_with_id", keys[0].id, "sae-alice"])
            #expect(again.code == 400, "\(again.text)")
            let eve = try await qkd014(pair, port: pair.alicePort, as: "sae-eve", ["get_key", "sae-bob"])
            #expect(eve.code == 401, "\(eve.text)")
        }
    }

    @Test func qkdsecGetsTheSameKeyAtBothSites() async throws {
        try await LivePair.with { pair in
            let got = try await qkdsec(pair, as: "sae-alice", ["keys", "get", pair.aliceURL, "sae-bob", "--number", "2", "--size", "512", "--json"])
            #expect(got.status == 0, "\(got.stdout)\(got.stderr)")
            let issued = try #require(keysFromJSON(got.stdout), "\(got.stdout)")
            try #require(issued.count == 2)
            // `keys retrieve` calls its second argument slave_sae_id but puts it in the dec_keys
            // path, where the standard has the master's ID: give the master's.
            let retrieved = try await qkdsec(pair, as: "sae-bob", ["keys", "retrieve", pair.bobURL, "sae-alice"] + issued.map(\.id) + ["--json"])
            #expect(retrieved.status == 0, "\(retrieved.stdout)\(retrieved.stderr)")
            #expect(keysFromJSON(retrieved.stdout)?.map(\.key) == issued.map(\.key))
        }
    }

    /// qkdsec doctor probes one KME with one certificate and one SAE ID. At Alice's KME as the
    /// master every probe but the enc→dec round trip passes (that one needs the caller to be
    /// the slave too, which no SAE of a two-site link is); read-only (`--no-consume`) the doctor
    /// passes at Alice's KME and, with the caller's own ID, at Bob's (README, "Real clients").
    @Test func qkdsecDoctor() async throws {
        try await LivePair.with { pair in
            let master = try await doctor(pair, url: pair.aliceURL, as: "sae-alice", slave: "sae-bob", consume: true)
            let failed = master.filter { $0.value == "fail" }.map(\.key)
            #expect(failed == ["dec_keys_roundtrip"], "\(master)")
            for probe in ["reachability", "status_fields", "enc_keys_get", "enc_keys_post", "enc_keys_caps",
                          "extensions_accepted", "error_contract_400"] {
                #expect(master[probe] == "pass", "\(probe): \(master)")
            }
            let masterReadOnly = try await doctor(pair, url: pair.aliceURL, as: "sae-alice", slave: "sae-bob", consume: false)
            #expect(!masterReadOnly.values.contains("fail"), "\(masterReadOnly)")
            let slave = try await doctor(pair, url: pair.bobURL, as: "sae-bob", slave: "sae-bob", consume: false)
            #expect(!slave.values.contains("fail"), "\(slave)")
            #expect(slave["reachability"] == "pass" && slave["status_fields"] == "pass", "\(slave)")
            // With the master's ID the slave's status path names no slave of this KME.
            let slaveWithMasterID = try await doctor(pair, url: pair.bobURL, as: "sae-bob", slave: "sae-alice", consume: false)
            #expect(slaveWithMasterID["reachability"] == "fail", "\(slaveWithMasterID)")
        }
    }

    /// Probe name → status of a `qkdsec doctor --format json` run.
    func doctor(_ pair: LivePair, url: String, as sae: String, slave: String, consume: Bool) async throws -> [String: String] {
        let result = try await qkdsec(pair, as: sae, ["doctor", url, "--slave-sae-id", slave, "--format", "json", "--samples", "3"]
                                      + (consume ? [] : ["--no-consume"]))
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = try #require(object?["results"] as? [[String: Any]], "\(result.stdout)\(result.stderr)")
        print("qkdsec doctor \(url) as \(sae), -s \(slave)\(consume ? "" : ", --no-consume"): exit \(result.status)")
        for probe in results { print("  \(probe["name"] ?? "?"): \(probe["status"] ?? "?") — \(probe["summary"] ?? "")") }
        return Dictionary(uniqueKeysWithValues: results.map { ($0["name"] as? String ?? "?", $0["status"] as? String ?? "?") })
    }
}

/// Keys from a JSON key list or container printed by `qkdsec keys … --json`.
func keysFromJSON(_ text: String) -> [(id: String, key: String)]? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return nil }
    let list = (object as? [[String: Any]]) ?? ((object as? [String: Any])?["keys"] as? [[String: Any]])
    return list?.map { (($0["key_ID"] ?? $0["key_id"]) as? String ?? "", $0["key"] as? String ?? "") }
}
