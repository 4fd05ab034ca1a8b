import Foundation
import Testing

/// Records written by `simulate --record` say they are simulated (a first comment line in
/// CSV, a header flag in the binary form, kept by `convert`); keys post-processed from them
/// are marked `simulation: true`, and a store refuses them like any simulated key.
@Suite("simulated records", .serialized)
struct SimulatedRecordsTests {
    @Test func keysFromSimulatedRecordsAreMarkedAndRefusedByStores() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let common = ["--epsilon-pe", "1e-3", "--epsilon-pa", "1e-3", "--test-fraction", "0.2"]
        let made = try diqkd(["simulate", "--rounds", "500000", "--seed", "4", "--visibility", "1", "--record", path("rec"),
                              "--out", path("sim")] + common)
        #expect(made.status == 0, "\(made.stderr)")
        let first = try String(contentsOfFile: path("rec/alice.csv"), encoding: .utf8).prefix { $0 != "\n" }
        #expect(first.hasPrefix("# diqkd simulate: SIMULATED"), "\(first)")
        for party in ["alice", "bob"] {
            let converted = try diqkd(["convert", "--input", path("rec/\(party).csv"), "--output", path("rec/\(party).bin")])
            #expect(converted.status == 0, "\(converted.stderr)")
        }
        for (format, out) in [("csv", "post-csv"), ("bin", "post-bin")] {
            let run = try diqkd(["postprocess", "--alice", path("rec/alice.\(format)"), "--bob", path("rec/bob.\(format)"),
                                 "--assume-nonsignaling", "--out", path(out)] + common)
            #expect(run.status == 0, "\(format): \(run.stderr)")
            #expect(run.stdout.contains("SIMULATED measurements"), "\(format): \(run.stdout)")
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("\(out)/report.json")))) as? [String: Any]
            #expect(report?["simulation"] as? Bool == true, "\(format)")
        }
        let stored = try diqkd(["store", "import", "--store", path("alice.keys"), "--key", path("post-bin/alice.key"), "--block", "1"])
        #expect(stored.status == 2 && stored.stderr.contains("simulated"), "\(stored.stderr)")
    }

    /// `store import` takes the key's length from its report: the padding bits of a last
    /// partial byte (known zeros) are not stored, and a report of another length is refused.
    @Test func storeImportDropsAPartialLastByte() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let made = try diqkd(["simulate", "--rounds", "500000", "--seed", "4", "--visibility", "1", "--epsilon-pe", "1e-3",
                              "--epsilon-pa", "1e-3", "--test-fraction", "0.2", "--out", path("sim"), "--json"])
        #expect(made.status == 0, "\(made.stderr)")
        let keyBits = try #require(try made.json()["keyBits"] as? Int)
        try #require(keyBits % 8 != 0, "seed 4 gives \(keyBits) bits, a whole number of bytes: choose another seed")
        let store = ["store", "import", "--store", path("alice.keys"), "--block", "1", "--allow-simulated-keys"]
        let stored = try diqkd(store + ["--key", path("sim/alice.key")])
        #expect(stored.status == 0 && stored.stdout.contains("\(grouped(keyBits / 8 * 8)) bits added"), "\(stored.stdout)\(stored.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("sim/alice.key")))
        try bytes.dropLast().write(to: URL(fileURLWithPath: path("sim/short.key")))
        let short = try diqkd(store + ["--key", path("sim/short.key"), "--report", path("sim/report.json")])
        #expect(short.status == 2 && short.stderr.contains("the report is not this key's"), "\(short.stderr)")
    }

    private func grouped(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        return formatter.string(from: NSNumber(value: value)) ?? "\(value)"
    }
}

