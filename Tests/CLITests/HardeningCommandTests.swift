import Foundation
import Testing

/// The faults found by trying diqkd as a new user and as an attacker would, each with the
/// right behaviour.
@Suite("hardening cases through the command line", .serialized)
struct HardeningCommandTests {
    /// Spot-check records post-processed in paper mode certified a key 160 times too long: the
    /// test rounds were mostly (0,0) rounds. Now the `test` column is refused in paper mode, and
    /// without it the skewed inputs fail the uniformity test (exit 3, no key).
    @Test func spotCheckRecordsInPaperModeCertifyNothing() throws {
        let dir = try temporaryDirectory()
        let rec = dir.appendingPathComponent("rec").path
        let made = try diqkd(["simulate", "--rounds", "3000000", "--seed", "7", "--record", rec, "--out", dir.appendingPathComponent("sim").path])
        #expect([0, 3].contains(made.status), "\(made.stderr)")
        let withMarks = try diqkd(["postprocess", "--alice", "\(rec)/alice.csv", "--bob", "\(rec)/bob.csv", "--mode", "paper",
                                   "--assume-nonsignaling", "--out", dir.appendingPathComponent("p1").path])
        #expect(withMarks.status == 2)
        #expect(withMarks.stderr.contains("'test' column") && withMarks.stderr.contains("--mode spot-check"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("p1").path))

        // The same data without the column.
        let lines = try String(contentsOfFile: "\(rec)/alice.csv", encoding: .utf8).split(separator: "\n")
        let stripped = lines.map { $0.split(separator: ",").prefix(7).joined(separator: ",") }.joined(separator: "\n") + "\n"
        try stripped.write(toFile: "\(rec)/alice-nomarks.csv", atomically: true, encoding: .utf8)
        let skewed = try diqkd(["postprocess", "--alice", "\(rec)/alice-nomarks.csv", "--bob", "\(rec)/bob.csv", "--mode", "paper",
                                "--assume-nonsignaling", "--json", "--out", dir.appendingPathComponent("p2").path])
        #expect(skewed.status == 3)
        let report = try skewed.json()
        #expect((report["abortReason"] as? String)?.contains("not consistent with independent uniform settings") == true)
        #expect((report["inputUniformity"] as? [String: Any])?["passed"] as? Bool == false)
        #expect(report["keyBits"] as? Int == 0)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("p2/alice.key").path))
        // The weighted estimate is the boxes' real CHSH error (0.1875 + noise), not the pooled 0.02.
        let epsilon = try #require(report["epsilonEstimate"] as? Double)
        #expect(abs(epsilon - 0.19) < 0.01)
        #expect((report["pooledEpsilon"] as? Double ?? 1) < 0.05)
    }

    /// With no test rounds nothing was observed: the estimates are null with a reason, and the
    /// abort does not claim that no number of rounds gives a key.
    /// A one-letter relative output folder (Foundation's path functions trap on it on Linux).
    @Test(arguments: ["A", "B/", "./C", "d/E"])
    func shortRelativeOutputFoldersWork(_ out: String) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try diqkd(["simulate", "--rounds", "200000", "--seed", "1", "--out", out], in: folder)
        #expect(!result.signalled && [0, 3].contains(result.status), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(out).appendingPathComponent("report.json").path))
    }

    @Test func noTestRoundsMeansNullEstimates() throws {
        let dir = try temporaryDirectory()
        let result = try diqkd(["simulate", "--rounds", "1000", "--test-fraction", "1e-6", "--json", "--out", dir.path])
        #expect(result.status == 3)
        let report = try result.json()
        for field in ["epsilonEstimate", "epsilonUpper", "deltaEstimate", "chshValue", "asymptoticRate"] {
            #expect(report[field] is NSNull, "\(field)")
        }
        #expect((report["estimateUnavailableReason"] as? String)?.contains("no test rounds") == true)
        #expect((report["abortReason"] as? String)?.contains("no number of rounds") == false)
    }

    /// Two runs into one folder: the second is refused while the first holds the lock, and an
    /// earlier run's keys are moved aside, never deleted.
    @Test func aFolderInUseIsRefusedAndEarlierKeysAreKept() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("out").path
        let first = try diqkd(["simulate", "--rounds", "1500000", "--epsilon-pe", "1e-3", "--epsilon-pa", "1e-3", "--out", out])
        #expect(first.status == 0, "\(first.stderr)")
        let key = try #require(FileManager.default.contents(atPath: "\(out)/alice.key"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Bundle.main.bundlePath).appendingPathComponent("diqkd")
        process.arguments = ["simulate", "--rounds", "40000000", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(700_000)
        let refused = try diqkd(["simulate", "--rounds", "200000", "--out", out])
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("in use by another diqkd run (process \(process.processIdentifier))"), "\(refused.stderr)")
        // An aborting run moves the earlier pair aside with a message.
        let aborted = try diqkd(["simulate", "--rounds", "200000", "--out", out])
        #expect(aborted.status == 3)
        #expect(aborted.stderr.contains("were moved to"))
        #expect(!FileManager.default.fileExists(atPath: "\(out)/alice.key"))
        let earlier = try FileManager.default.contentsOfDirectory(atPath: "\(out)/earlier")
        let kept = earlier.compactMap { FileManager.default.contents(atPath: "\(out)/earlier/\($0)/alice.key") }
        #expect(kept == [key])
    }

    /// A run killed half-way through publishing (some files moved up, some still in the commit)
    /// is finished by the next run: no key is lost and every result stays complete.
    @Test func aHalfDoneCommitIsFinished() throws {
        let out = try temporaryDirectory().path
        let fm = FileManager.default
        func write(_ bytes: [UInt8], _ path: String) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        let reportA = #"{"aborted": false, "keyBits": 16}"#, reportB = #"{"aborted": false, "keyBits": 8}"#
        // Earlier pair A: Alice's key already moved aside, Bob's and the report still on top.
        try fm.createDirectory(atPath: "\(out)/earlier/A", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: "\(out)/earlier")
        try write([1, 2], "\(out)/earlier/A/alice.key")
        try write([1, 2], "\(out)/bob.key")
        try write(Array(reportA.utf8), "\(out)/report.json")
        // New pair B: Alice's key already on top, the rest in the commit.
        try fm.createDirectory(atPath: "\(out)/.diqkd-commit", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try write([9], "\(out)/alice.key")
        try write([9], "\(out)/.diqkd-commit/bob.key")
        try write(Array(reportB.utf8), "\(out)/.diqkd-commit/report.json")
        try write(Array("alice.key bob.key report.json\nearlier/A\n".utf8), "\(out)/.diqkd-commit/manifest")
        try write([7], "\(out)/.diqkd-tmp-99999-alice.key")

        let next = try diqkd(["simulate", "--rounds", "200000", "--out", out])
        #expect(next.status == 3)
        #expect(!fm.fileExists(atPath: "\(out)/.diqkd-commit"))
        #expect(!fm.fileExists(atPath: "\(out)/.diqkd-tmp-99999-alice.key"))
        #expect(fm.contents(atPath: "\(out)/earlier/A/alice.key") == Data([1, 2]))
        #expect(fm.contents(atPath: "\(out)/earlier/A/bob.key") == Data([1, 2]))
        #expect(fm.contents(atPath: "\(out)/earlier/A/report.json") == Data(reportA.utf8))
        let others = try fm.contentsOfDirectory(atPath: "\(out)/earlier").filter { $0 != "A" }
        #expect(others.count == 1)
        let b = "\(out)/earlier/\(others.first ?? "")"
        #expect(fm.contents(atPath: "\(b)/alice.key") == Data([9]))
        #expect(fm.contents(atPath: "\(b)/bob.key") == Data([9]))
        #expect(fm.contents(atPath: "\(b)/report.json") == Data(reportB.utf8))
        try KillLoopTests.check(out, iteration: 0)
    }

    @Test func amplifyNeverOverwritesItsInput() throws {
        let dir = try temporaryDirectory()
        let x = dir.appendingPathComponent("x.key").path, seed = dir.appendingPathComponent("seed.bin").path
        try Data([0xA0, 0xB8]).write(to: URL(fileURLWithPath: x))
        try Data([0x8B, 0xA9, 0x00]).write(to: URL(fileURLWithPath: seed))
        let common = ["amplify", "--input", x, "--input-bits", "13", "--seed", seed, "--output-bits", "5"]
        let same = try diqkd(common + ["--out", x])
        #expect(same.status == 2)
        #expect(same.stderr.contains("same file as --input"))
        #expect(FileManager.default.contents(atPath: x) == Data([0xA0, 0xB8]))
        let folder = try diqkd(common + ["--out", dir.path])
        #expect(folder.status == 2)
        #expect(folder.stderr.contains("--out") && folder.stderr.contains("is a folder"))
        let written = try diqkd(common + ["--out", dir.appendingPathComponent("k.key").path])
        #expect(written.status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("k.key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".diqkd-tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func outputPathsThatAreFoldersOrFilesAreUsageErrors() throws {
        let dir = try temporaryDirectory()
        let plan = try diqkd(["plan", "--visibility", "0.99", "--svg", dir.path])
        #expect(plan.status == 2)
        #expect(plan.stderr.contains("--svg") && plan.stderr.contains("is a folder"))
        let file = dir.appendingPathComponent("file").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let out = dir.appendingPathComponent("fresh").path
        let record = try diqkd(["simulate", "--rounds", "20000", "--record", file, "--out", out])
        #expect(record.status == 2)
        #expect(record.stderr.contains("--record"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func negativeValuesAreAcceptedWhereTheyMeanSomething() throws {
        let joined = try diqkd(["rate", "--alice-angles", "-30,0", "--json"])
        let equals = try diqkd(["rate", "--alice-angles=-30,0", "--json"])
        #expect(joined.status == 0, "\(joined.stderr)")
        #expect(joined.stdout == equals.stdout)
    }
}

/// The commands of ../shared/cases/README.md (hardening) that trapped or ended with a raw
/// `EncodingError`: each now exits 0, 2 or 3, and the run with `--epsilon-pe 1e-320` reports.
@Suite("the recorded hardening cases")
struct RecordedHardeningCases {
    @Test(arguments: [
        ["rate", "--alice-angles", "1e308,0"],
        ["plan", "--alice-angles", "1e308,0"],
        ["simulate", "--rounds", "20000", "--alice-angles", "1e308,0"],
        ["plan", "--epsilon", "0.19", "--delta", "0.005", "--test-fraction", "1e-9"],
        ["plan", "--visibility", "0.99", "--epsilon-pa", "1e-320"],
        ["simulate", "--rounds", "200000", "--epsilon-pa", "1e-320"],
        ["plan", "--visibility", "0.99", "--reconciliation-efficiency", "1e308"],
        ["plan", "--epsilon", "0.19", "--delta", "0.01", "--min-rounds", "562949953421311", "--points", "3"],
        ["bench", "reconcile", "--frame", "4096", "--frames", "1", "--profile", "3:0.5,8:0.2"],
        ["bench", "reconcile", "--frame", "4096", "--frames", "1", "--profile", "100000:1"],
        ["bench", "reconcile", "--frame", "4096", "--frames", "1", "--lift", "1048576"],
        ["attack", "--rounds", "4000", "--runs", "1", "--hypothetical-key-bits", "5000"],
    ])
    func exitsCleanly(_ arguments: [String]) throws {
        let dir = try temporaryDirectory()
        let extra = arguments.first == "simulate" ? ["--out", dir.path] : []
        let result = try diqkd(arguments + extra)
        #expect(!result.signalled && [0, 2, 3].contains(result.status), "\(arguments): \(result.stderr.suffix(300))")
        if arguments.first == "bench" || arguments.first == "attack" { #expect(result.status == 2, "\(arguments)") }
    }

    @Test func aSubnormalEpsilonPEStillGivesAReport() throws {
        let dir = try temporaryDirectory()
        let result = try diqkd(["simulate", "--rounds", "200000", "--epsilon-pe", "1e-320", "--json", "--out", dir.path])
        #expect(result.status == 3)
        let report = try result.json()
        #expect(report["epsilonPE"] as? Double == 1e-320)
        #expect((report["epsilonUpper"] as? Double)?.isFinite == true)
    }

    /// With an optimised test fraction the asymptote is the `gamma -> 0` limit: the whole rate
    /// per round in spot-check mode, above every finite-size point.
    @Test func theOptimisedPlansAsymptoteIsTheLimit() throws {
        let result = try diqkd(["plan", "--epsilon", "0.19", "--delta", "0.01", "--optimise-test-fraction", "--points", "5", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try result.json()
        let rate = try #require(json["asymptoticRate"] as? Double), perRound = try #require(json["asymptoticKeyPerRound"] as? Double)
        #expect(abs(perRound - rate) < 1e-12)
        let points = try #require(json["points"] as? [[String: Any]])
        #expect(points.allSatisfy { ($0["keyBitsPerRound"] as? Double ?? 0) <= perRound })
    }
}

/// Whole files a command reads into memory have caps: an endless file (`/dev/zero`) is refused
/// with exit 2 naming it once the cap is passed, and nothing beyond it is read.
@Suite("bounded file readers")
struct BoundedFileTests {
    @Test(arguments: [
        (["bound", "--behaviour", "/dev/zero"], "larger than 67,108,864 bytes"),
        (["kme", "--config", "/dev/zero", "--site", "alice"], "larger than 1048576 bytes"),
    ])
    func endlessFilesAreRefused(_ arguments: [String], _ message: String) throws {
        let result = try diqkd(arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("/dev/zero") && result.stderr.contains(message), "\(result.stderr)")
    }
}
