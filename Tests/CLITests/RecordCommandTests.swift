import Foundation
import Testing

@Suite("recorded data through the command line", .serialized)
struct RecordCommandTests {
    @Test func recordedRunsReproduceTheSimulatedKey() throws {
        let dir = try temporaryDirectory()
        let common = ["--test-fraction", "0.3", "--epsilon-pe", "1e-3", "--epsilon-pa", "1e-3", "--seed", "31"]
        let simulated = try diqkd(["simulate", "--rounds", "800000", "--visibility", "0.998", "--record", dir.appendingPathComponent("rec").path,
                                   "--out", dir.appendingPathComponent("sim").path] + common)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let alice = dir.appendingPathComponent("rec/alice.csv").path, bob = dir.appendingPathComponent("rec/bob.csv").path
        let lines = try String(contentsOfFile: alice, encoding: .utf8).prefix(200).split(separator: "\n")
        #expect(lines.first?.hasPrefix("# diqkd simulate: SIMULATED") == true && lines.dropFirst().first == "round,input,output,time_ns,x_m,y_m,z_m,test")

        // The simulated layout is sequential: the audit fails, so no key without the explicit flag.
        let refused = try diqkd(["postprocess", "--alice", alice, "--bob", bob, "--out", dir.appendingPathComponent("refused").path, "--json"] + common)
        #expect(refused.status == 3)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("refused/alice.key").path))
        let refusedReport = try refused.json()
        #expect(refusedReport["auditVerdict"] as? String == "fail")
        #expect((refusedReport["abortReason"] as? String)?.contains("space-like") == true)

        let processed = try diqkd(["postprocess", "--alice", alice, "--bob", bob, "--assume-nonsignaling",
                                   "--out", dir.appendingPathComponent("post").path, "--json"] + common)
        #expect(processed.status == 0, "\(processed.stderr)")
        #expect(try processed.json()["premise"] as? String == "assumed")
        let simulatedKey = try Data(contentsOf: dir.appendingPathComponent("sim/alice.key"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("post/alice.key")) == simulatedKey)
        #expect(try Data(contentsOf: dir.appendingPathComponent("post/bob.key")) == simulatedKey)

        // The binary form gives the same key.
        for party in ["alice", "bob"] {
            let converted = try diqkd(["convert", "--input", dir.appendingPathComponent("rec/\(party).csv").path,
                                       "--output", dir.appendingPathComponent("rec/\(party).bin").path])
            #expect(converted.status == 0, "\(converted.stderr)")
        }
        let binary = try diqkd(["postprocess", "--alice", dir.appendingPathComponent("rec/alice.bin").path,
                                "--bob", dir.appendingPathComponent("rec/bob.bin").path, "--assume-nonsignaling",
                                "--out", dir.appendingPathComponent("bin").path] + common)
        #expect(binary.status == 0, "\(binary.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("bin/alice.key")) == simulatedKey)

        let audit = try diqkd(["audit", "--alice", alice, "--bob", bob, "--json"])
        #expect(audit.status == 3, "a failing audit exits 3")
        let report = try audit.json()
        #expect(report["verdict"] as? String == "fail")
        #expect(report["events"] as? Int == 1_600_000)
        #expect((report["violatingPairs"] as? Int ?? 0) > 0)
        #expect(report["worstMarginNs"] is Double)
    }

    @Test(arguments: [
        ("round,input,output,time_ns,x_m,y_m\n1,0,0,1,0,0\n", "line 1"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,0,0,0\n2,3,0,2,0,0,0\n", "line 3"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,0,0,0\n1,0,0,2,0,0,0\n", "duplicate round"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n2,0,0,1,0,0,0\n1,0,0,2,0,0,0\n", "must increase"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,0,0\n", "columns"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,0,0,0\n3,0,0,2,0,0,0\n", "missing"),
    ])
    func malformedRecordsExitWithTwoAndWriteNothing(aliceFile: String, message: String) throws {
        let dir = try temporaryDirectory()
        let alice = dir.appendingPathComponent("alice.csv"), bob = dir.appendingPathComponent("bob.csv")
        try aliceFile.write(to: alice, atomically: true, encoding: .utf8)
        try "round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,5,0,0\n2,0,0,2,5,0,0\n".write(to: bob, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let result = try diqkd(["postprocess", "--alice", alice.path, "--bob", bob.path, "--mode", "paper", "--out", out.path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains("alice.csv") || result.stderr.contains("bob.csv"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func spotCheckModeNeedsTheTestColumn() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("a.csv")
        try "round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,0,0,0\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try diqkd(["postprocess", "--alice", file.path, "--bob", file.path, "--out", dir.appendingPathComponent("o").path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("test"))
    }
}

@Suite("output safety")
struct OutputSafetyTests {
    @Test func anOutputPathThatIsAFileIsAUsageError() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("not-a-folder")
        try Data([1]).write(to: file)
        let result = try diqkd(["simulate", "--rounds", "1000", "--out", file.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--out"))
        #expect(try Data(contentsOf: file) == Data([1]))
    }

    @Test func convertingAMalformedFileWritesNothing() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("a.csv"), output = dir.appendingPathComponent("a.bin")
        try "round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,0,0,0\n2,0,7,2,0,0,0\n".write(to: input, atomically: true, encoding: .utf8)
        let result = try diqkd(["convert", "--input", input.path, "--output", output.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("line 3"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
        #expect(!FileManager.default.fileExists(atPath: output.path + ".partial"))
    }
}
