import Foundation
import Testing

/// The cases of `shared/cases/records/` kept in the Records tests' vectors.
func recordCase(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RecordsTests/Vectors/cases/\(name)").path
}

private let plainHeader = "round,input,output,time_ns,x_m,y_m,z_m"

/// Each import convention through `diqkd convert`: a lab-style file and its flags must give
/// exactly the plain CSV expected.
@Suite("record import through the command line", .serialized)
struct RecordImportCommandTests {
    private func convert(_ contents: String, _ flags: [String]) throws -> (CLIResult, String?) {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("lab.csv"), output = dir.appendingPathComponent("plain.csv")
        try contents.write(to: input, atomically: true, encoding: .utf8)
        let result = try diqkd(["convert", "--input", input.path, "--output", output.path] + flags)
        return (result, try? String(contentsOf: output, encoding: .utf8))
    }

    @Test(arguments: [
        // Columns by name and alias, any order, an unknown one ignored.
        ("Outcome, Setting, Trial, herald, time_ns, x_m, y_m, z_m\n1,0,7,1,100,0,0,0\n", [String](), "7,0,1,100,0,0,0\n"),
        // --column for a name no alias knows.
        ("trial,setting_a,click,t,x_m,y_m,z_m\n1,1,0,5,0,0,0\n", ["--column", "input=setting_a", "--column", "output=click", "--column", "time=t",
                                                                "--time-unit", "ns"], "1,1,0,5,0,0,0\n"),
        // No header: --columns, with a skipped column and the time unit in a name.
        ("3,x,1,0,2.5,1,2,3\n", ["--columns", "round,_,input,output,time_us,x_m,y_m,z_m"], "3,1,0,2500,1,2,3\n"),
        // Settings 1/2, outcomes -1/+1 (here -1 is bit 0; +1 matches 1).
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,2,+1,1,0,0,0\n2,1,-1,2,0,0,0\n", ["--inputs", "1,2", "--outputs", "-1,1"],
         "1,1,1,1,0,0,0\n2,0,0,2,0,0,0\n"),
        // No-click: an empty field and a named value, mapped to output 1.
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,,1,0,0,0\n2,0,0,2,0,0,0\n", ["--no-click", "", "--no-click-output", "1"],
         "1,0,1,1,0,0,0\n2,0,0,2,0,0,0\n"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,none,1,0,0,0\n", ["--no-click", "none", "--no-click-output", "0"], "1,0,0,1,0,0,0\n"),
        // Time units with decimals, rounded half to even.
        ("round,input,output,time_ps,x_m,y_m,z_m\n1,0,0,2500,0,0,0\n2,0,0,3500.0,0,0,0\n3,0,0,-1500,0,0,0\n", [String](),
         "1,0,0,2,0,0,0\n2,0,0,4,0,0,0\n3,0,0,-2,0,0,0\n"),
        ("round,input,output,time,x_m,y_m,z_m\n1,0,0,1.5e-6,0,0,0\n", ["--time-unit", "s"], "1,0,0,1500,0,0,0\n"),
        ("round,input,output,time,x_m,y_m,z_m\n1,0,0,0.0015,0,0,0\n", ["--time-unit", "us"], "1,0,0,2,0,0,0\n"),
        // Comments, byte-order mark, CR LF, spaces, quotes, blank lines at the end.
        ("\u{FEFF}# export\r\nround, input, output, time_ns, x_m, y_m, z_m\r\n# a comment\r\n 1 , \"1\" , 0 , 9 , 0.5 , 0 , 0 \r\n\r\n\r\n", [String](),
         "1,1,0,9,0.5,0,0\n"),
        // Semicolons and tabs, detected; a given delimiter.
        ("round;input;output;time_ns;x_m;y_m;z_m\n1;1;1;4;0;0;0\n", [String](), "1,1,1,4,0,0,0\n"),
        ("round\tinput\toutput\ttime_ns\tx_m\ty_m\tz_m\n1\t1\t1\t4\t0\t0\t0\n", [String](), "1,1,1,4,0,0,0\n"),
        ("round;input;output;time_ns;x_m;y_m;z_m;note\n1;1;1;4;0;0;0;a,b,c,d,e,f,g,h,i\n", ["--delimiter", ";"], "1,1,1,4,0,0,0\n"),
        // A fixed position for a file without position columns; the whole Int64 range of times.
        ("round,input,output,time_ns\n1,0,1,-9223372036854775808\n", ["--position", "1,2,3"], "1,0,1,-9223372036854775808,1,2,3\n"),
    ])
    func eachConventionReadsToThePlainFormat(contents: String, flags: [String], rows: String) throws {
        let (result, written) = try convert(contents, flags)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(written == "\(plainHeader)\n\(rows)", "\(result.stderr)")
    }

    @Test func ignoredColumnsAreListedOnceOnStderr() throws {
        let (result, _) = try convert("round,input,output,time_ns,x_m,y_m,z_m,herald,note\n1,0,0,1,0,0,0,1,a\n2,0,0,2,0,0,0,1,b\n", [])
        #expect(result.status == 0)
        #expect(result.stderr.components(separatedBy: "ignoring columns 'herald', 'note'").count == 2, "\(result.stderr)")
    }

    @Test(arguments: [
        ("round,input,output,time,x_m,y_m,z_m\n1,0,0,1,0,0,0\n", [String](), "line 1: the time column 'time' does not state its unit"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,1,0,1,0,0,0\n2,3,0,2,0,0,0\n", ["--inputs", "1,2"],
         "line 3: input must be '1' or '2', found '3'"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,,1,0,0,0\n", [String](), "line 2: output is empty"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,1e309,7,0\n", [String](), "line 2: x_m must be a finite number, found '1e309'"),
        ("round,input,output,time_ns\n1,0,0,1\n", [String](), "line 1: no x_m column"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,0,0,0\n", ["--no-click", "x"], "--no-click needs --no-click-output"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,0,0,0\n", ["--outputs", "1,1"], "--outputs needs two different values"),
        ("round,input,output,time_ns,x_m,y_m,z_m\n1,0,0,1,0,0,0\n", ["--column", "colour=x"], "'colour' is not a field"),
    ])
    func badInputExitsWithTwoNamingFileLineAndField(contents: String, flags: [String], message: String) throws {
        let (result, written) = try convert(contents, flags)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(flags.first?.hasPrefix("--") == true && !message.contains("line") || result.stderr.contains("lab.csv"))
        #expect(written == nil)
    }

    @Test func convertFollowsTheFileNames() throws {
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("a.csv")
        try "\(plainHeader)\n1,0,1,5,0,0,0\n".write(to: csv, atomically: true, encoding: .utf8)
        let bin = dir.appendingPathComponent("a.bin").path
        #expect(try diqkd(["convert", "--input", csv.path, "--output", bin]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: bin)).prefix(8) == Data("DIQKDRC3".utf8))
        let back = dir.appendingPathComponent("back.csv").path
        #expect(try diqkd(["convert", "--input", bin, "--output", back]).status == 0)
        #expect(try String(contentsOfFile: back, encoding: .utf8) == "\(plainHeader)\n1,0,1,5,0,0,0\n")
        let refused = try diqkd(["convert", "--input", csv.path, "--output", dir.appendingPathComponent("b.csv").path, "--to", "binary"])
        #expect(refused.status == 2 && refused.stderr.contains("contradicts the output name"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.csv").path))
        let unknown = try diqkd(["convert", "--input", csv.path, "--output", dir.appendingPathComponent("b.dat").path])
        #expect(unknown.status == 2 && unknown.stderr.contains("--to"), "\(unknown.stderr)")
        #expect(try diqkd(["convert", "--input", csv.path, "--output", dir.appendingPathComponent("b.dat").path, "--to", "binary"]).status == 0)
    }

    /// The shared cases' version-2 files (one with a flipped bit) are refused naming the file;
    /// a flipped bit in a version-3 file is refused naming the file and the record.
    @Test func corruptBinaryFilesExitWithTwo() throws {
        for name in ["rflip0.bin", "rflip10.bin", "sa.bin"] {
            let path = recordCase("binary-bitflip/\(name)")
            let result = try diqkd(["postprocess", "--alice", path, "--bob", recordCase("binary-bitflip/sb.bin"), "--out",
                                    try temporaryDirectory().appendingPathComponent("o").path])
            #expect(result.status == 2 && result.stderr.contains(path) && result.stderr.contains("version 2"), "\(result.stderr)")
        }
        let dir = try temporaryDirectory()
        let bin = dir.appendingPathComponent("a.bin")
        #expect(try diqkd(["convert", "--input", recordCase("plain_alice.csv"), "--output", bin.path]).status == 0)
        var bytes = try Data(contentsOf: bin)
        bytes[600] ^= 0x10
        try bytes.write(to: bin)
        let result = try diqkd(["convert", "--input", bin.path, "--output", dir.appendingPathComponent("a.csv").path])
        #expect(result.status == 2 && result.stderr.contains("a.bin, record ") && result.stderr.contains("fails its checksum"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.csv").path))
    }

    /// Trials 1…n with settings u, v and outcomes x, y: every fifth trial fails the CHSH game,
    /// so each correlator is 1 − 2·(the fraction failing in its pair) and S is about 2.4.
    func chshTrials(_ n: Int) -> [(k: Int, u: Int, v: Int, x: Int, y: Int)] {
        (1...n).map { k in
            let u = k % 2, v = (k / 2) % 2, x = (k / 4) % 2
            return (k, u, v, x, (k % 5 == 0) != (u & v == 1) ? 1 - x : x)
        }
    }

    /// Reports carry the import section and the field's statistics; spot-check key rounds with
    /// other inputs are counted and warned about; Bob's test column must agree.
    @Test func postprocessAndAuditReportTheImportAndTheFieldsStatistics() throws {
        let dir = try temporaryDirectory()
        let alice = dir.appendingPathComponent("alice.csv"), bob = dir.appendingPathComponent("bob.csv")
        var a = "# lab A\ntrial;setting;outcome;time_ps;test\n", b = "trial;setting;outcome;time_ps\n"
        for (k, u, v, x, y) in chshTrials(400) {
            a += "\(k);\(u + 1);\(x == 0 ? "+1" : "-1");\(k * 1_000_000);\(k % 3 == 0 ? 1 : 0)\n"
            b += "\(k);\(v + 1);\(y == 0 ? "+1" : "-1");\(k * 1_000_000 + 7)\n"
        }
        try a.write(to: alice, atomically: true, encoding: .utf8)
        try b.write(to: bob, atomically: true, encoding: .utf8)
        let flags = ["--inputs", "1,2", "--outputs", "1,-1", "--alice-position", "0,0,0", "--bob-position", "500,0,0"]
        let run = try diqkd(["postprocess", "--alice", alice.path, "--bob", bob.path, "--mode", "spot-check", "--assume-nonsignaling",
                             "--out", dir.appendingPathComponent("out").path, "--json"] + flags)
        #expect(run.status == 3, "\(run.stderr)")  // 400 rounds give no key
        let report = try run.json()
        let imports = try #require(report["import"] as? [String: Any])
        let aliceImport = try #require(imports["alice"] as? [String: Any])
        #expect(aliceImport["delimiter"] as? String == ";" && aliceImport["commentLines"] as? Int == 1)
        #expect(aliceImport["timeUnit"] as? String == "ps" && aliceImport["flags"] as? String == "--inputs 1,2 --outputs 1,-1")
        let statistics = try #require(report["fieldStatistics"] as? [String: Any])
        #expect(statistics["trials"] as? Int == 400)
        // Every fifth trial fails CHSH: each E_uv is 1 - 2 * (fraction failing) in its pair.
        let s = try #require(statistics["chshValue"] as? Double)
        #expect(abs(s - 2.4) < 0.05, "S = \(s)")
        #expect((report["keyRoundsWithOtherInputs"] as? Int ?? 0) > 0)
        #expect((report["warnings"] as? [String] ?? []).contains { $0.contains("inputs other than (0,0)") })

        let audit = try diqkd(["audit", "--alice", alice.path, "--bob", bob.path, "--json"] + flags)
        #expect([0, 3].contains(audit.status), "\(audit.stderr)")
        let auditReport = try audit.json()
        #expect(auditReport["verdict"] as? String == "fail")
        #expect(((auditReport["import"] as? [String: Any])?["bob"] as? [String: Any])?["file"] as? String == bob.path)

        let bobWithTest = dir.appendingPathComponent("bob-test.csv")
        try (b.replacingOccurrences(of: "time_ps\n", with: "time_ps;test\n").split(separator: "\n").enumerated().map { i, line in
            i == 0 ? String(line) : "\(line);\(i % 3 == 0 || i == 5 ? 1 : 0)"
        }.joined(separator: "\n") + "\n").write(to: bobWithTest, atomically: true, encoding: .utf8)
        let mismatch = try diqkd(["postprocess", "--alice", alice.path, "--bob", bobWithTest.path, "--mode", "spot-check",
                                  "--assume-nonsignaling", "--out", dir.appendingPathComponent("out2").path] + flags)
        #expect(mismatch.status == 2 && mismatch.stderr.contains("bob-test.csv, line 6") && mismatch.stderr.contains("same test rounds"),
                "\(mismatch.stderr)")
    }

    /// Data like IBM Quantum's CHSH exports: per-trial settings and outcomes, no times, no
    /// positions. Without the audit they are read as they are (the report says the fields are
    /// absent); with it, the missing time column is named along with --assume-nonsignaling;
    /// one column may serve two fields.
    @Test func recordsWithoutTimesOrPositionsAreReadWithoutTheAudit() throws {
        let dir = try temporaryDirectory()
        let alice = dir.appendingPathComponent("alice.csv"), bob = dir.appendingPathComponent("bob.csv")
        var a = "trial,setting,outcome,test\n", b = "trial,setting,outcome\n"
        for (k, u, v, x, y) in chshTrials(400) {
            a += "\(k),\(u),\(x),\(k % 3 == 0 ? 1 : 0)\n"
            b += "\(k),\(v),\(y)\n"
        }
        try a.write(to: alice, atomically: true, encoding: .utf8)
        try b.write(to: bob, atomically: true, encoding: .utf8)
        let files = ["postprocess", "--alice", alice.path, "--bob", bob.path, "--mode", "spot-check"]
        let audited = try diqkd(files + ["--out", dir.appendingPathComponent("a").path])
        #expect(audited.status == 2 && audited.stderr.contains("no time_ns column") && audited.stderr.contains("--assume-nonsignaling"),
                "\(audited.stderr)")
        for extra in [[], ["--column", "round=trial", "--column", "time_ns=trial", "--time-unit", "ns"]] {
            let run = try diqkd(files + ["--assume-nonsignaling", "--json", "--out", dir.appendingPathComponent("p\(extra.count)").path] + extra)
            #expect(run.status == 3, "\(extra): \(run.stderr)")  // 400 rounds give no key
            let report = try run.json()
            let columns = try #require(((report["import"] as? [String: Any])?["bob"] as? [String: Any])?["columns"] as? [String: String])
            #expect(columns["x_m"] == "absent (not audited)", "\(columns)")
            #expect(columns["time_ns"] == (extra.isEmpty ? "absent (not audited)" : "trial"), "\(columns)")
            #expect((report["fieldStatistics"] as? [String: Any])?["trials"] as? Int == 400)
        }
    }

    /// A finite-size bound of 1 or more on a probability is shown as "≥ 1 (no bound)", not
    /// as a number above 1 (the JSON keeps the number).
    @Test func boundsAboveOneAreShownAsNoBound() throws {
        let plan = try diqkd(["plan", "--visibility", "1", "--min-rounds", "10", "--max-rounds", "100", "--points", "2"])
        #expect(plan.status == 0 && plan.stdout.contains("≥ 1 (no bound)"), "\(plan.stdout)")
        #expect(!plan.stdout.split(separator: "\n").contains { $0.contains("19.0") }, "\(plan.stdout)")
    }
}

