import Foundation
import Testing

/// `diqkd audit` and `diqkd bench audit` run as a user runs them: the reported case files,
/// exit codes, budgets.
@Suite("audit through the command line", .serialized)
struct AuditCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/records").standardized

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    @Test(arguments: [
        // alice, bob, exit status, violating pairs
        ("audit-huge-position_alice.csv", "plain_bob.csv", Int32(3), 1_996_002),
        ("audit-time-span_alice.csv", "audit-time-span_bob.csv", 3, 1_998_002),
        ("audit-uncertainty-precision_alice.csv", "audit-uncertainty-precision_bob.csv", 3, 1),
        ("audit-worst-margin_alice.csv", "audit-worst-margin_bob.csv", 0, 0),
    ])
    func reportedCasesGiveTheRightAnswer(alice: String, bob: String, status: Int32, violating: Int) throws {
        let result = try diqkd(["audit", "--alice", Self.fixture(alice), "--bob", Self.fixture(bob), "--json"])
        #expect(!result.signalled)
        #expect(result.status == status, "\(result.stderr)")
        let report = try result.json()
        #expect(report["violatingPairs"] as? Int == violating)
        #expect(report["verdict"] as? String == (status == 0 ? "pass" : "fail"))
        #expect(["time-sweep", "kd-tree"].contains(report["method"] as? String ?? ""))
        if status == 3 { #expect(result.stderr.contains("premise fails")) }
    }

    @Test func theWorstMarginIsExactInTheText() throws {
        let result = try diqkd(["audit", "--alice", Self.fixture("audit-worst-margin_alice.csv"),
                                "--bob", Self.fixture("audit-worst-margin_bob.csv")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("worst margin: 4.00346"), "\(result.stdout)")
        #expect(result.stdout.contains("verdict: PASS"))
    }

    /// Times of ±5e18 ns crashed `postprocess` too: now its audit refuses the key.
    @Test func postprocessAuditsExtremeTimes() throws {
        let dir = try temporaryDirectory()
        let result = try diqkd(["postprocess", "--alice", Self.fixture("audit-time-span_alice.csv"),
                                "--bob", Self.fixture("audit-time-span_bob.csv"), "--out", dir.appendingPathComponent("o").path, "--json"])
        #expect(!result.signalled)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o/alice.key").path))
    }

    /// A budget too small for the count: bounds, labelled, and no count; the verdict stands.
    @Test func aBudgetGivesLabelledBounds() throws {
        let dir = try temporaryDirectory()
        let alice = dir.appendingPathComponent("a.csv"), bob = dir.appendingPathComponent("b.csv")
        // 3,000 events per lab in a 1 km cube within 2 microseconds (many pairs near the light cone).
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1p-53
        }
        for url in [alice, bob] {
            var text = "round,input,output,time_ns,x_m,y_m,z_m\n"
            for k in 1...3000 {
                text += "\(k),0,0,\(Int(uniform() * 2000)),\(uniform() * 1000),\(uniform() * 1000),\(uniform() * 1000)\n"
            }
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let bounded = try diqkd(["audit", "--alice", alice.path, "--bob", bob.path, "--budget-pairs", "1000", "--json"])
        #expect(bounded.status == 3, "\(bounded.stderr)")
        let report = try bounded.json()
        #expect(report["exact"] as? Bool == false)
        #expect(report["violatingPairs"] == nil && report["violationsByCategory"] == nil)
        let lower = try #require(report["violatingPairsLower"] as? Int), upper = try #require(report["violatingPairsUpper"] as? Int)
        let full = try diqkd(["audit", "--alice", alice.path, "--bob", bob.path, "--json"]).json()
        let count = try #require(full["violatingPairs"] as? Int)
        #expect(lower <= count && count <= upper && lower < upper)
        #expect(full["worstMarginNs"] as? Double == report["worstMarginNs"] as? Double)
        let text = try diqkd(["audit", "--alice", alice.path, "--bob", bob.path, "--budget-pairs", "1000"])
        #expect(text.stdout.contains("lower bound") && text.stdout.contains("upper bound"))
        // Both methods agree.
        let sweep = try diqkd(["audit", "--alice", alice.path, "--bob", bob.path, "--method", "time-sweep", "--json"]).json()
        #expect(sweep["violatingPairs"] as? Int == count && sweep["method"] as? String == "time-sweep")
    }

    @Test func benchAuditReportsEachLayout() throws {
        let result = try diqkd(["bench", "audit", "--sizes", "2000", "--layouts", "sequential,line,grid,mixed,cube", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == 5)
        for line in lines {
            #expect(line["benchmark"] as? String == "audit")
            #expect(line["events"] as? Int == 2000)
            #expect(line["seconds"] as? NSNumber != nil && line["bytesPerEvent"] as? NSNumber != nil)
            #expect(["time-sweep", "kd-tree"].contains(line["method"] as? String ?? ""))
        }
        #expect(lines.first { $0["layout"] as? String == "line" }?["verdict"] as? String == "pass")
        #expect(lines.first { $0["layout"] as? String == "sequential" }?["method"] as? String == "time-sweep")
    }
}
