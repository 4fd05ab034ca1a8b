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
}
