import Foundation
import Testing

@Suite("rate, plan and region through the command line")
struct FoundationCommandTests {
    @Test func rateFromEpsilonAndDelta() throws {
        let result = try diqkd(["rate", "--epsilon", "0.2", "--delta", "0.02", "--json"])
        #expect(result.status == 0)
        let json = try result.json()
        #expect(json["epsilon"] as? Double == 0.2)
        #expect(json["delta"] as? Double == 0.02)
        let rate = try #require(json["rate"] as? Double)
        #expect(abs(rate - 0.010562550903229218) < 1e-12)
        #expect(json["quantumAdversaryRate"] is Double)
        #expect(abs((json["chshValue"] as? Double ?? 0) - 2.4) < 1e-12)
    }

    @Test func rateFromVisibility() throws {
        let result = try diqkd(["rate", "--visibility", "0.99", "--json"])
        #expect(result.status == 0)
        let json = try result.json()
        // SECURITY-MATH §3: eps = 1/2 - 5V/16, delta = (1 - V)/2.
        #expect(abs((json["epsilon"] as? Double ?? 0) - (0.5 - 5 * 0.99 / 16)) < 1e-12)
        #expect(abs((json["delta"] as? Double ?? 0) - 0.005) < 1e-12)
        #expect(abs((json["rate"] as? Double ?? 0) - 0.136962) < 1e-6)
    }

    @Test func quantumAdversaryRateIsNullForLocalBoxes() throws {
        let json = try diqkd(["rate", "--epsilon", "0.3", "--delta", "0.1", "--json"]).json()
        #expect(json["quantumAdversaryRate"] is NSNull)
        #expect(json["keyAgreementPossible"] as? Bool == false)
    }

    @Test(arguments: [
        (["rate", "--epsilon", "-0.1", "--delta", "0.02"], "--epsilon"),
        (["rate", "--epsilon", "0.2"], "--delta"),
        (["rate", "--visibility", "1.5"], "--visibility"),
        (["rate", "--detection-efficiency", "-1"], "--detection-efficiency"),
        (["rate", "--bob-angles", "0"], "--bob-angles"),
        (["rate", "--epsilon", "0.2", "--delta", "0.02", "--visibility", "0.9"], "not both"),
        (["plan", "--test-fraction", "1.5"], "--test-fraction"),
        (["plan", "--mode", "fast"], "--mode"),
        (["plan", "--epsilon-pa", "0"], "--epsilon-pa"),
        (["plan", "--reconciliation-efficiency", "0.9"], "--reconciliation-efficiency"),
        (["rate", "--no-such-flag"], "no-such-flag"),
        (["region", "--samples", "1"], "--samples"),
    ])
    func badFlagsExitWithTwoAndOneSentence(arguments: [String], mentioned: String) throws {
        let result = try diqkd(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(mentioned), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func regionWritesFigureFourAndTables() throws {
        let dir = try temporaryDirectory()
        let svg = dir.appendingPathComponent("region.svg").path
        let result = try diqkd(["region", "--svg", svg, "--json"])
        #expect(result.status == 0)
        let picture = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(picture.hasPrefix("<svg"))
        for label in ["key agreement possible", "reachable by quantum mechanics", "both", "δ", "ε"] {
            #expect(picture.contains(label))
        }
        let json = try result.json()
        let key = try #require(json["keyAgreementBoundary"] as? [[String: Double]])
        let quantum = try #require(json["quantumBoundary"] as? [[String: Double]])
        #expect(key.first?["epsilon"] == 0.25)
        #expect(abs((quantum.first?["epsilon"] ?? 0) - 0.1875) < 1e-12)
    }

    @Test func planFindsMinimumRoundsAndDrawsPicture() throws {
        let dir = try temporaryDirectory()
        let svg = dir.appendingPathComponent("plan.svg").path
        let result = try diqkd(["plan", "--visibility", "0.99", "--svg", svg, "--json"])
        #expect(result.status == 0)
        let json = try result.json()
        let minimum = try #require(json["minimumRounds"] as? Int)
        #expect(minimum > 100_000 && minimum < 100_000_000)
        let points = try #require(json["points"] as? [[String: Any]])
        #expect(points.count == 61)
        for point in points {
            let rounds = try #require(point["rounds"] as? Int)
            let key = try #require(point["keyBits"] as? Int)
            #expect((rounds < minimum) == (key == 0), "rounds \(rounds) key \(key) minimum \(minimum)")
        }
        let picture = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(picture.contains("key bits per round") && picture.contains("minimum rounds"))
    }

    @Test func planWithoutKeySaysSo() throws {
        let result = try diqkd(["plan", "--visibility", "0.85", "--json"])
        #expect(result.status == 0)
        #expect(try result.json()["minimumRounds"] is NSNull)
    }
}
