import Foundation
import SecurityBounds
import Testing

@Suite("simulate through the command line")
struct SimulateCommandTests {
    @Test func aRunWritesEqualKeysAndAConsistentReport() throws {
        let dir = try temporaryDirectory()
        let result = try diqkd(["simulate", "--rounds", "800000", "--visibility", "0.998", "--test-fraction", "0.3",
                                "--epsilon-pe", "1e-3", "--epsilon-pa", "1e-3", "--seed", "21", "--out", dir.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("NOT secret"))
        let alice = try Data(contentsOf: dir.appendingPathComponent("alice.key"))
        let bob = try Data(contentsOf: dir.appendingPathComponent("bob.key"))
        #expect(alice == bob)
        let report = try result.json()
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any]
        #expect(stored?["keyBits"] as? Int == report["keyBits"] as? Int)
        let keyBits = try #require(report["keyBits"] as? Int)
        #expect(keyBits > 0)
        #expect(alice.count == (keyBits + 7) / 8)
        for field in ["mode", "rounds", "testRounds", "rawKeyBits", "epsilonEstimate", "epsilonUpper", "deltaEstimate",
                      "chshValue", "syndromeBits", "verificationBits", "keyBits", "epsilonPE", "epsilonPA",
                      "epsilonSecurity", "epsilonCorrectness", "asymptoticRate", "aborted", "abortReason", "seconds"] {
            #expect(report[field] != nil, "missing \(field)")
        }
        let recomputed = FiniteSizeKey.length(
            rawKeyBits: try #require(report["rawKeyBits"] as? Int), epsilonUpper: try #require(report["epsilonUpper"] as? Double),
            leakedBits: try #require(report["syndromeBits"] as? Int) + (try #require(report["verificationBits"] as? Int)),
            epsilonPA: try #require(report["epsilonPA"] as? Double))
        #expect(recomputed == keyBits)
        // The key never appears in the output.
        #expect(!result.stdout.contains(alice.base64EncodedString().prefix(16)))
    }

    @Test func belowTheThresholdTheRunAbortsWithExitThreeAndNoKey() throws {
        let dir = try temporaryDirectory()
        // A key file from an earlier run must not survive next to an abort report.
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent("alice.key"))
        let result = try diqkd(["simulate", "--rounds", "200000", "--visibility", "0.85", "--seed", "1", "--out", dir.path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("aborted"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("alice.key").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bob.key").path))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any]
        #expect(report?["aborted"] as? Bool == true)
    }

    @Test func aRunTooSmallForAKeyIsNotAnErrorButSaysHowManyRounds() throws {
        let dir = try temporaryDirectory()
        let result = try diqkd(["simulate", "--rounds", "50000", "--seed", "2", "--out", dir.path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("rounds would be needed"), "\(result.stderr)")
    }

    @Test(arguments: [
        (["simulate", "--rounds", "0"], "--rounds"),
        (["simulate", "--rounds", "-5"], "--rounds"),
        (["simulate", "--test-fraction", "1"], "--test-fraction"),
        (["simulate", "--test-fraction", "0"], "--test-fraction"),
        (["simulate", "--visibility", "1.01"], "--visibility"),
        (["simulate", "--mode", "quantum"], "--mode"),
        (["simulate", "--verification-bits", "0"], "--verification-bits"),
    ])
    func invalidParametersStopBeforeAnyWork(arguments: [String], flag: String) throws {
        let dir = try temporaryDirectory().appendingPathComponent("never-created")
        let result = try diqkd(arguments + ["--out", dir.path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(flag))
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}
