import Foundation
import Testing

/// `simulate` killed with SIGKILL at random moments, again and again into one folder: after
/// every kill the folder holds complete, private results only (SPEC: keys are never exposed,
/// lost or clobbered).
@Suite("kill -9 during simulate", .serialized)
struct KillLoopTests {
    static let iterations = 100

    @Test func everyKillLeavesCompletePrivateResults() throws {
        // DIQKD_KILL_LOOP_SEED replays a printed seed.
        var seed = ProcessInfo.processInfo.environment["DIQKD_KILL_LOOP_SEED"].flatMap { UInt64($0) }
            ?? UInt64(Date().timeIntervalSince1970 * 1000)
        print("kill loop seed \(seed)")
        func next() -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return seed >> 11
        }
        let root = try temporaryDirectory()
        let out = root.appendingPathComponent("out").path
        let binary = URL(fileURLWithPath: Bundle.main.bundlePath).appendingPathComponent("diqkd")
        // Relaxed security parameters and 1.5 million rounds: a key in about 0.3 s.
        let arguments = ["simulate", "--rounds", "1500000", "--epsilon-pe", "1e-3", "--epsilon-pa", "1e-3", "--out", out, "--json"]
        var killedDuringCommit = 0
        for iteration in 0..<Self.iterations {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(next() % 600_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: "\(out)/.diqkd-commit") { killedDuringCommit += 1 }
            try Self.check(out, iteration: iteration)
        }
        // One run to the end: it finishes or removes what the last kill left.
        let finished = try diqkd(arguments)
        #expect([0, 3].contains(finished.status), "\(finished.stderr)")
        try Self.check(out, iteration: Self.iterations)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix(".diqkd-tmp-") || $0 == ".diqkd-commit" }
        #expect(leftovers.isEmpty, "\(leftovers)")
        print("kill loop: \(Self.iterations) kills, \(killedDuringCommit) during a commit, "
              + "\((try? FileManager.default.contentsOfDirectory(atPath: "\(out)/earlier").count) ?? 0) earlier results kept")
    }

    /// A kill while a finished commit was being removed used to leave `.diqkd-commit` without
    /// its manifest, which every later run refused (found by the loop above). Such a folder
    /// holding no result is removed; one still holding a key is left for the user.
    @Test func aCommitLeftWithoutManifestIsRemovedOnlyWhenEmptyOfResults() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: "\(out)/.diqkd-commit", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let arguments = ["simulate", "--rounds", "200000", "--seed", "3", "--out", out]
        let run = try diqkd(arguments)
        #expect([0, 3].contains(run.status), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(out)/.diqkd-commit"))
        try FileManager.default.createDirectory(atPath: "\(out)/.diqkd-commit", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        FileManager.default.createFile(atPath: "\(out)/.diqkd-commit/alice.key", contents: Data([1, 2, 3]),
                                       attributes: [.posixPermissions: 0o600])
        let refused = try diqkd(arguments)
        #expect(refused.status == 1 && refused.stderr.contains("has no manifest"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(out)/.diqkd-commit/alice.key"))
    }

    /// The folder's invariants: nothing readable by group or others; the top level (when no
    /// commit is half done) and every kept earlier result are each a complete result — a report,
    /// plus both keys, equal and of the report's length, exactly when the report has a key.
    static func check(_ out: String, iteration: Int) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: out) else { return }
        let enumerator = fm.enumerator(atPath: out)!
        while let relative = enumerator.nextObject() as? String {
            let attributes = try fm.attributesOfItem(atPath: "\(out)/\(relative)")
            let mode = (attributes[.posixPermissions] as? Int) ?? 0o777
            #expect(mode & 0o077 == 0, "kill \(iteration): \(relative) has mode \(String(mode, radix: 8))")
        }
        var results: [String] = []
        if !fm.fileExists(atPath: "\(out)/.diqkd-commit") { results.append(out) }
        // `earlier/.partial-*` is an earlier result being gathered (renamed whole when complete).
        for name in (try? fm.contentsOfDirectory(atPath: "\(out)/earlier")) ?? [] where !name.hasPrefix(".partial-") {
            results.append("\(out)/earlier/\(name)")
        }
        for folder in results { try checkResult(folder, iteration: iteration) }
        for name in try fm.contentsOfDirectory(atPath: out) {
            let allowed = ["alice.key", "bob.key", "report.json", ".diqkd.lock", "earlier", ".diqkd-commit"].contains(name)
                || name.hasPrefix(".diqkd-tmp-")
            #expect(allowed, "kill \(iteration): unexpected \(name) in the output folder")
        }
    }

    static func checkResult(_ folder: String, iteration: Int) throws {
        let fm = FileManager.default
        let alice = fm.contents(atPath: "\(folder)/alice.key"), bob = fm.contents(atPath: "\(folder)/bob.key")
        guard let reportData = fm.contents(atPath: "\(folder)/report.json") else {
            #expect(alice == nil && bob == nil, "kill \(iteration): keys without a report in \(folder)")
            return
        }
        let report = try #require(try JSONSerialization.jsonObject(with: reportData) as? [String: Any], "kill \(iteration): \(folder)")
        let keyBits = try #require(report["keyBits"] as? Int)
        if report["aborted"] as? Bool == false {
            let a = try #require(alice, "kill \(iteration): \(folder) has a key report but no alice.key")
            #expect(a == bob, "kill \(iteration): \(folder): Alice's and Bob's keys differ or one is missing")
            #expect(a.count == (keyBits + 7) / 8, "kill \(iteration): \(folder): \(a.count) bytes for \(keyBits) bits")
        } else {
            #expect(alice == nil && bob == nil, "kill \(iteration): keys beside an aborted report in \(folder)")
        }
    }
}
