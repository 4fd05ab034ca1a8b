import Foundation
import Testing
@testable import Records

/// The failing inputs of issue 16 (`Tests/Fixtures/records/`, copied from the shared cases)
/// and the two large layouts, each with its right value.
@Suite("space-like audit: reported cases")
struct AuditCaseTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/records").standardized

    static func audit(_ alice: String, _ bob: String) throws -> AuditReport {
        var run = try RecordedRun.load(alice: fixtures.appendingPathComponent(alice).path, bob: fixtures.appendingPathComponent(bob).path,
                                       needsTestMarks: false, collectAudit: true)
        let taken = run.audit.take()
        var audit = try #require(taken)
        return audit.run()
    }

    /// One `x_m` of 1e308 crashed the grid index. That event is more than 1e308 m from every
    /// other, so its pairs are space-like; the rest is the plain sequential layout (every pair
    /// in a lab time-like, across the labs all but the same round's).
    @Test func aPositionOf1e308IsSpaceLikeFromEverythingElse() throws {
        let report = try Self.audit("audit-huge-position_alice.csv", "plain_bob.csv")
        #expect(report.exact)
        #expect(report.violationsByCategory == [.aliceAlice: 499_500 - 999, .aliceBob: 999_000 - 999, .bobBob: 499_500])
        #expect(report.worstMarginNs == -999_000)
        #expect(report.verdict == .fail)
    }

    /// Times of -5e18 and +5e18 ns overflowed the time span. The two moved events now violate
    /// the premise with their own round's partner too; the worst pair is 1e19 ns apart.
    @Test func timesTenToTheNineteenApartAreAudited() throws {
        let report = try Self.audit("audit-time-span_alice.csv", "audit-time-span_bob.csv")
        #expect(report.violationsByCategory == [.aliceAlice: 499_500, .aliceBob: 1_000_000 - 998, .bobBob: 499_500])
        #expect(report.worstMarginNs == -1e19)
        #expect(Set([report.worstPair?.first.round, report.worstPair?.second.round]) == [1, 1000])
    }

    /// Uncertainties rounded to single precision turned this fail into a pass: 100 m / c =
    /// 333.5640952 ns is less than 2 x 166.78205 ns.
    @Test func uncertaintiesKeepDoublePrecision() throws {
        let report = try Self.audit("audit-uncertainty-precision_alice.csv", "audit-uncertainty-precision_bob.csv")
        #expect(report.verdict == .fail)
        #expect(report.violatingPairs == 1)
        let worst = try #require(report.worstMarginNs)
        #expect(abs(worst - (100 / SpaceLikeAudit.speedOfLight - 2 * 166.78205)) < 1e-12)
        #expect(abs(worst + 4.8018479e-6) < 1e-12)
    }

    /// The grid method missed the closest pair: Alice's round 1 and Bob's round 1, 1.5 m and
    /// 1 ns apart.
    @Test func theWorstMarginIsTheClosestPair() throws {
        let report = try Self.audit("audit-worst-margin_alice.csv", "audit-worst-margin_bob.csv")
        #expect(report.verdict == .pass)
        #expect(report.violatingPairs == 0)
        let worst = try #require(report.worstMarginNs)
        #expect(abs(worst - (1.5 / SpaceLikeAudit.speedOfLight - 1)) < 1e-12)
        #expect(abs(worst - 4.00346) < 1e-5)
        let pair = try #require(report.worstPair)
        #expect(Set([pair.first.party, pair.second.party]) == ["alice", "bob"])
        #expect(pair.first.round == 1 && pair.second.round == 1)
    }

    /// 10^5 devices per lab on a line 10 m apart, every event at t = 0, Bob's line 1 km away:
    /// every pair is space-like (it was reported as failing with 1.6e10 violating pairs).
    @Test func simultaneousLinesPass() throws {
        let perLab = 100_000
        var audit = SpaceLikeAudit()
        for bob in [false, true] {
            let k = (0..<perLab).map { Double($0) }
            var batch = events(rounds: (0..<perLab).map { Int64($0 + 1) }, times: Array(repeating: 0, count: perLab),
                               positions: k.map { ($0 * 10, bob ? 1000 : 0, 0) })
            batch.firstLine = 2
            try audit.add(batch, bob: bob)
        }
        let started = Date()
        let report = audit.run()
        let seconds = Date().timeIntervalSince(started)
        print("simultaneous lines, 2e5 events: \(seconds) s, \(report.method), \(report.examinedPairs) pairs examined")
        #expect(report.verdict == .pass)
        #expect(report.violatingPairs == 0)
        #expect(report.exact)
        #expect(abs((report.worstMarginNs ?? 0) - 10 / SpaceLikeAudit.speedOfLight) < 1e-9)
        #expect(seconds < 10)
    }

    /// Events uniform in a 1 km cube within 2 microseconds, 10^4 per lab (the layout,
    /// 1.5e5 per lab, is in `diqkd bench audit --layouts cube`): many pairs near the light cone;
    /// the counts are exact, equal to those of every pair examined one by one.
    @Test func aBurstInACubeIsCountedExactly() throws {
        var state: UInt64 = 99
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1p-53
        }
        let perLab = 10_000
        var audit = SpaceLikeAudit()
        var all: [(AuditEvent, Bool)] = []
        for bob in [false, true] {
            var batch = RecordBatch()
            for k in 0..<perLab {
                let e = AuditEvent(x: uniform() * 1000, y: uniform() * 1000, z: uniform() * 1000, t: Int64(uniform() * 2000))
                batch.rounds.append(Int64(k + 1)); batch.inputs.append(0); batch.outputs.append(0)
                batch.timesNs.append(e.t); batch.x.append(e.x); batch.y.append(e.y); batch.z.append(e.z)
                all.append((e, bob))
            }
            try audit.add(batch, bob: bob)
        }
        var expected = [0, 0, 0], worst = Double.infinity
        for i in all.indices {
            for j in (i + 1)..<all.count {
                let m = AuditMargin.margin(all[i].0, 0, all[j].0, 0)
                if m <= 0 { expected[(all[i].1 ? 1 : 0) + (all[j].1 ? 1 : 0)] += 1 }
                worst = min(worst, m)
            }
        }
        let report = audit.run()
        #expect(report.method == "kd-tree" && report.exact)
        #expect([SpaceLikeAudit.Category.aliceAlice, .aliceBob, .bobBob].map { report.violationsByCategory?[$0] } == expected)
        #expect(report.worstMarginNs == worst)
        // Output-sensitive: far fewer pairs examined than there are (2e8).
        #expect(report.examinedPairs < 60_000_000, "\(report.examinedPairs)")
    }
}
