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
}
