import Foundation
import Testing
@testable import SecurityBounds

/// The field's CHSH statistics against numbers worked out by hand.
@Suite("correlation statistics")
struct CorrelationStatisticsTests {
    /// Counts `n[8u + 4v + 2x + y]` from per-pair outcome counts `[n00, n01, n10, n11]`.
    private func counts(_ pairs: [[Int]]) -> [Int] { pairs.flatMap { $0 } }

    /// Per pair (u,v) = (0,0): 40 same of 50 → E = (40 - 10) / 50 = 0.6, se = sqrt((1 - 0.36) / 50) = 0.11314;
    /// (0,1): 30 same of 40 → E = 0.5, se = sqrt(0.75 / 40) = 0.13693; (1,0): 45 of 60 → E = 0.5,
    /// se = sqrt(0.75 / 60) = 0.11180; (1,1): 10 same of 50 → E = -0.6, se = 0.11314.
    /// S = 0.6 + 0.5 + 0.5 + 0.6 = 2.2, se = sqrt(0.0128 + 0.01875 + 0.0125 + 0.0128) = sqrt(0.05685) = 0.23843.
    /// Failures: 10 + 10 + 15 + 10 = 45 of 200 trials, so the trial-weighted value 4 - 8 * 0.225
    /// is 2.2 as well here (the unbalanced case below separates the two).
    @Test func correlatorsAndSWithStandardErrors() {
        let s = CorrelationStatistics(counts: counts([[20, 5, 5, 20], [15, 5, 5, 15], [20, 7, 8, 25], [5, 20, 20, 5]]))
        #expect(s.trials == 200)
        let e = s.pairs.map { $0.correlator! }
        #expect(abs(e[0] - 0.6) < 1e-15 && abs(e[1] - 0.5) < 1e-15 && abs(e[2] - 0.5) < 1e-15 && abs(e[3] + 0.6) < 1e-15)
        let se = s.pairs.map { $0.standardError! }
        #expect(abs(se[0] - (0.64 / 50).squareRoot()) < 1e-15)
        #expect(abs(se[1] - (0.75 / 40).squareRoot()) < 1e-15)
        #expect(abs(se[2] - (0.75 / 60).squareRoot()) < 1e-15)
        #expect(abs(s.chshValue! - 2.2) < 1e-12)
        #expect(abs(s.chshStandardError! - 0.05685.squareRoot()) < 1e-12)
        #expect(abs(s.trialWeightedCHSH! - (4 - 8 * 45.0 / 200)) < 1e-12)
    }

    /// Unbalanced settings: the correlator S weights the pairs equally, the trial-weighted value
    /// weights the trials. Pair (0,0) has 900 trials with E = 0.8 (810 same), the others 100
    /// trials with E = 0.6 (80 same; (1,1) 80 different). S = 0.8 + 0.6 + 0.6 + 0.6 = 2.6.
    /// Failures 90 + 20 + 20 + 20 = 150 of 1200: 4 - 8 * 0.125 = 3.0.
    @Test func unbalancedSettingsSeparateTheTwoValues() {
        let s = CorrelationStatistics(counts: counts([[405, 45, 45, 405], [40, 10, 10, 40], [40, 10, 10, 40], [10, 40, 40, 10]]))
        #expect(abs(s.chshValue! - 2.6) < 1e-12)
        #expect(abs(s.trialWeightedCHSH! - 3.0) < 1e-12)
    }

    /// No signalling: Alice's P(x = 1 | u) is the same for both of Bob's settings, so z = 0, p = 1.
    /// Signalling: for u = 0, P(x = 1) is 0.2 of 100 when v = 0 and 0.4 of 100 when v = 1. Pooled
    /// p = 0.3, variance 0.3 * 0.7 * (2 / 100) = 0.0042, z = -0.2 / 0.064807 = -3.08607, two-sided
    /// p = erfc(3.08607 / sqrt 2) = 0.0020282; for u = 1 nothing changes (z = 0), so chi^2 = 9.5238
    /// with 2 degrees of freedom and p = exp(-4.7619) = 0.0085493.
    @Test func signallingTestsAliceAgainstBobsSetting() {
        // u = 0: v = 0 → x = 1 in 20 of 100; v = 1 → x = 1 in 40 of 100. u = 1: x = 1 in half of each.
        // Bob's outputs are all 0 (y = 0), so Bob's marginals do not depend on u: z undefined variance → 0.
        let s = CorrelationStatistics(counts: counts([[80, 0, 20, 0], [60, 0, 40, 0], [50, 0, 50, 0], [50, 0, 50, 0]]))
        let alice = s.signalling[0]
        #expect(alice.party == "alice")
        let z = try! #require(alice.marginals[0].z)
        #expect(abs(z - (-0.2 / (0.0042).squareRoot())) < 1e-12)
        #expect(abs(alice.marginals[0].pValue! - erfc(abs(z) / 2.0.squareRoot())) < 1e-15)
        #expect(abs(alice.marginals[0].pValue! - 0.0020282) < 1e-6)
        #expect(alice.marginals[1].z == 0 && alice.marginals[1].pValue == 1)
        #expect(alice.degreesOfFreedom == 2)
        #expect(abs(alice.chiSquared! - z * z) < 1e-12)
        #expect(abs(alice.pValue! - 0.0085493) < 1e-6)
        let bob = s.signalling[1]
        #expect(bob.pValue == 1)
        #expect(s.smallestSignallingPValue == alice.pValue)
    }

    @Test func anUntestedPairLeavesSUndefined() {
        let s = CorrelationStatistics(counts: counts([[1, 0, 0, 1], [1, 0, 0, 1], [1, 0, 0, 1], [0, 0, 0, 0]]))
        #expect(s.chshValue == nil && s.chshStandardError == nil)
        #expect(s.pairs[3].correlator == nil && s.pairs[0].correlator == 1 && s.pairs[0].standardError == 0)
        // Alice with u = 1 saw only v = 0: her test has one term.
        #expect(s.signalling[0].degreesOfFreedom == 1)
        #expect(s.signalling[0].marginals[1].z == nil)
    }

    /// Over the same rounds, the protocol's weighted estimate gives the same S: `4 - 8 eps_hat`.
    @Test func theProtocolsWeightedEstimateAgreesOnTheSameRounds() {
        let pairs = [[405, 45, 45, 405], [40, 10, 10, 40], [40, 10, 10, 40], [10, 40, 40, 10]]
        let s = CorrelationStatistics(counts: counts(pairs))
        let tests = pairs.map { $0.reduce(0, +) }
        let failures = pairs.enumerated().map { i, c in i == 3 ? c[0] + c[3] : c[1] + c[2] }
        let settings = SettingStatistics(tests: tests, failures: failures)
        #expect(abs(settings.chshValue! - s.chshValue!) < 1e-12)
    }
}
