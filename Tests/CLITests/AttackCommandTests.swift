import Foundation
import Testing

@Suite("attack through the command line")
struct AttackCommandTests {
    /// One run on Appendix A's devices: a key, Eve learns nothing of it, the claim stands.
    @Test func individualAttackLeavesTheKeyUniform() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let picture = directory.appendingPathComponent("appendix-f.svg")
        let result = try diqkd(["attack", "--runs", "1", "--seed", "3", "--json", "--svg", picture.path])
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOf: picture, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(svg.contains("Lemma 24"))
        let json = try result.json()
        #expect(json["runsWithKey"] as? Int == 1)
        #expect((json["keyBits"] as? Int ?? 0) > 1000)
        #expect(json["knownKeyParities"] as? Int == 0)
        #expect(json["guessingAdvantage"] as? Double == 0)
        #expect(json["verdict"] as? String == "consistent")
        #expect(json["deductionsCorrect"] as? Bool == true)
        // Eve knew about 4 eps = 8% of the raw key directly.
        #expect(abs((json["knownRawFraction"] as? Double ?? 0) - 0.08) < 0.01)
        let reports = try #require(json["reports"] as? [[String: Any]])
        #expect(reports.count == 1 && reports[0]["epsilonSecurity"] is Double)
    }

    @Test(arguments: [
        (["attack", "--attack", "collective", "--epsilon", "0.2"], "Lemma 24"),
        (["attack", "--attack", "coherent"], "--attack"),
        (["attack", "--runs", "0"], "--runs"),
        (["attack", "--rounds", "10"], "--rounds"),
        (["attack", "--epsilon", "0.3"], "eps"),
    ])
    func badFlagsExitWithTwo(arguments: [String], mentioned: String) throws {
        let result = try diqkd(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(mentioned), "\(result.stderr)")
    }
}
