import Foundation
import Testing

@Suite("bound and bench lp through the command line")
struct BoundCommandTests {
    @Test func independentBoxesReportTheLPAndTheClosedForms() throws {
        let result = try diqkd(["bound", "--epsilon", "0.1,0.05,0.2", "--parity", "5", "--inputs", "1,0", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try result.json()
        #expect(json["boxes"] as? Int == 3)
        #expect(json["parity"] as? Int == 5)
        #expect(json["inputs"] as? [Int] == [1, 0])
        #expect(json["variables"] as? Int == 4096)
        // Boxes 0 and 2 are in the parity: 1/2 * (4 * 0.1) * (4 * 0.2).
        let d = try #require(json["distanceFromUniform"] as? Double)
        #expect(abs(d - 0.16) < 1e-8)
        #expect(abs((json["analyticBound"] as? Double ?? 0) - 0.16) < 1e-12)
        #expect(json["certificateVerified"] as? Bool == true)
        #expect(json["tensorCertificateVerified"] as? Bool == true)
        #expect(json["seconds"] is Double)
    }

    /// Eve's optimal element is itself a valid behaviour file: it reads back, and with both
    /// public inputs fixed its parity is biased as Lemma 10 says.
    @Test func theOptimalElementIsWrittenAsABehaviourFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("eve.json")
        let result = try diqkd(["bound", "--boxes", "2", "--epsilon", "0.1", "--element", file.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(written["boxes"] as? Int == 2)
        #expect((written["probabilities"] as? [Double])?.count == 256)
        let weight = try #require(written["weight"] as? Double)
        #expect(weight > 0 && weight <= 1)
        let reread = try diqkd(["bound", "--behaviour", file.path, "--json"])
        #expect(reread.status == 0, "\(reread.stderr)")
        #expect(try diqkd(["bound", "--boxes", "6", "--epsilon", "0.1", "--element", file.path]).status == 2)
    }

    @Test func eightBoxesUseTheTensorCertificateOnly() throws {
        let json = try diqkd(["bound", "--boxes", "8", "--epsilon", "0.15", "--json"]).json()
        #expect(json["distanceFromUniform"] is NSNull)
        #expect(json["certificateVerified"] as? Bool == true)
        let bound = try #require(json["tensorCertificateBound"] as? Double)
        #expect(abs(bound - 0.5 * pow(0.6, 8)) < 1e-12)
    }

    @Test func behaviourFileIsSolvedAndBoundedByLemma14() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Half PR box, half the local box x = y = 0: eps = 1/8 on the whole, correlated outputs.
        var probabilities = [Double](repeating: 0, count: 16)
        for x in 0...1 { for y in 0...1 { for u in 0...1 { for v in 0...1 {
            let index = ((x * 2 + y) * 2 + u) * 2 + v
            probabilities[index] = ((x ^ y) == (u & v) ? 0.25 : 0) + (x == 0 && y == 0 ? 0.5 : 0)
        } } } }
        let file = directory.appendingPathComponent("box.json")
        try JSONSerialization.data(withJSONObject: ["boxes": 1, "probabilities": probabilities]).write(to: file)
        let result = try diqkd(["bound", "--behaviour", file.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try result.json()
        let d = try #require(json["distanceFromUniform"] as? Double)
        let lemma14 = try #require(json["analyticBound"] as? Double)
        #expect(d <= lemma14 + 1e-9)
        #expect(json["certificateVerified"] as? Bool == true)
        #expect(json["elementValid"] as? Bool == true)
    }

    @Test(arguments: [
        ("{\"boxes\": 1, \"probabilities\": [0.25, 0.25]}", "16"),
        ("{\"boxes\": 1}", "probabilities"),
        ("not json", "not a behaviour file"),
        ("{\"boxes\": 1, \"probabilities\": [\(Array(repeating: "0.25", count: 15).joined(separator: ",")), -0.25]}", "negative"),
        ("{\"boxes\": 1, \"probabilities\": [\(Array(repeating: "0.3", count: 16).joined(separator: ","))]}", "sum to 1.2"),
        // x = u (Alice's output copies her input) and y = u: Bob's marginal depends on u.
        ("{\"boxes\": 1, \"probabilities\": [1,1,0,0, 0,0,0,0, 0,0,0,0, 0,0,1,1]}", "signals through Alice's interface of box 0"),
    ])
    func malformedBehaviourFilesAreRejectedWithTheReason(contents: String, mentioned: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.json")
        try Data(contents.utf8).write(to: file)
        let result = try diqkd(["bound", "--behaviour", file.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains(file.path) && result.stderr.contains(mentioned), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: [
        (["bound"], "--epsilon"),
        (["bound", "--epsilon", "0.1", "--parity", "2"], "--parity 2"),
        (["bound", "--epsilon", "0.1,0.1", "--inputs", "4,0"], "input string 4"),
        (["bound", "--epsilon", "0.7"], "--epsilon"),
        (["bound", "--boxes", "9", "--epsilon", "0.1"], "--boxes"),
        (["bound", "--epsilon", "0.1", "--solver", "magic"], "--solver"),
        (["bench", "lp", "--max-boxes", "5"], "--max-boxes"),
        (["bench", "reconcile", "--profile", "1:0.5"], "--profile"),
        (["bench", "toeplitz", "--method", "fourier"], "--method"),
        (["bench", "reconcile", "--decoder", "parallel"], "--decoder"),
        (["bench", "reconcile", "--iterations", "0"], "--iterations"),
        (["bench", "reconcile", "--lift", "17"], "--lift"),
    ])
    func badFlagsExitWithTwo(arguments: [String], mentioned: String) throws {
        let result = try diqkd(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(mentioned), "\(result.stderr)")
    }

    @Test(arguments: ["blocks", "transform", "auto"])
    func benchToeplitzPrintsOneLinePerSize(method: String) throws {
        let result = try diqkd(["bench", "toeplitz", "--from-log2", "14", "--to-log2", "15", "--repeats", "1",
                                "--method", method, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for (line, n) in zip(lines, [1 << 14, 1 << 15]) {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(json["benchmark"] as? String == "toeplitz" && json["method"] as? String == method)
            #expect(json["n"] as? Int == n && json["l"] as? Int == n / 4)
            #expect((json["mbitPerSecond"] as? Double ?? 0) > 0)
        }
    }

    /// Both decoders through the command line, on a channel easy enough that every frame decodes:
    /// the efficiency is then exactly the design efficiency (up to rounding the syndrome length up).
    @Test(arguments: ["batch", "single", "quasi-cyclic"])
    func benchReconcileReportsEfficiencyAndFrameErrors(decoder: String) throws {
        let result = try diqkd(["bench", "reconcile", "--qber", "0.01", "--frame", "20000", "--frames", "3",
                                "--efficiency", "1.6", "--json"]
                               + (decoder == "quasi-cyclic" ? ["--lift", "64"] : ["--decoder", decoder]))
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["benchmark"] as? String == "reconcile" && json["decoder"] as? String == decoder)
        #expect(json["frameErrorRate"] as? Double == 0 && json["wrongCodewords"] as? Int == 0)
        let efficiency = try #require(json["efficiency"] as? Double)
        #expect(efficiency >= 1.6 && efficiency < 1.601)
        #expect((json["mbitPerSecond"] as? Double ?? 0) > 0 && (json["iterations"] as? Double ?? 0) >= 1)
    }

    @Test func benchLPPrintsOneLinePerSizeAndSolver() throws {
        let result = try diqkd(["bench", "lp", "--max-boxes", "2", "--json"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        for line in lines {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(json["benchmark"] as? String == "lp")
            #expect(json["variables"] is Int && json["seconds"] is Double)
            #expect(json["certificateVerified"] as? Bool == true)
        }
    }
}
