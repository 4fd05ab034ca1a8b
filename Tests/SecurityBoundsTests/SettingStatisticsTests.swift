import Foundation
import Testing
@testable import SecurityBounds

@Suite("CHSH estimation with unequal setting frequencies (SECURITY-MATH §8)")
struct SettingStatisticsTests {
    /// Balanced settings: the weighted estimate is the pooled fraction, `k_eff = k`, and the
    /// bound is the paper's Appendix D bound exactly.
    @Test func balancedSettingsGiveThePapersBound() {
        let stats = SettingStatistics(tests: [250, 250, 250, 250], failures: [40, 50, 45, 55])
        #expect(stats.epsilonEstimate == 0.19)
        #expect(stats.pooledEpsilon == 0.19)
        #expect(abs(stats.effectiveTestRounds - 1000) < 1e-9)
        let weighted = ParameterEstimation.upperBound(observed: stats.epsilonEstimate!, effectiveTestRounds: stats.effectiveTestRounds,
                                                      testRounds: 1000, rawKeyBits: 9000, epsilonPE: 1e-9)
        let paper = ParameterEstimation.upperBound(observed: 0.19, testRounds: 1000, rawKeyBits: 9000, epsilonPE: 1e-9)
        #expect(abs(weighted - paper) < 1e-15)
    }

    /// The case that certified a key 160 times too long: 90% of the test rounds at `(0, 0)`,
    /// where boxes rarely fail. Each pair fails with its own probability `p_uv`; the true CHSH
    /// error is `1/4 sum p_uv = 0.19`. The pooled fraction is 0.0438 (S = 3.65, beyond Tsirelson);
    /// the weighted estimate is 0.19 exactly, and the bound widens with `k_eff`.
    @Test func skewedSettingsDoNotBiasTheWeightedEstimate() {
        let p = [0.01, 0.25, 0.25, 0.25]
        let tests = [900_000, 33_333, 33_333, 33_334]
        let failures = zip(tests, p).map { Int((Double($0) * $1).rounded()) }
        let stats = SettingStatistics(tests: tests, failures: failures)
        let truth = p.reduce(0, +) / 4
        #expect(abs(stats.epsilonEstimate! - truth) < 1e-5)
        #expect(abs(stats.pooledEpsilon! - 0.0339) < 1e-3)
        #expect(abs(stats.chshValue! - (4 - 8 * truth)) < 1e-4)
        // k_eff = 16 / sum 1/k_uv: dominated by the three small pairs.
        let inverseSum: Double = tests.reduce(0) { $0 + 1 / Double($1) }
        let expected = 16 / inverseSum
        #expect(abs(stats.effectiveTestRounds - expected) < 1e-9)
        let smallPairsBound: Double = 16 * 33_333 / 3 + 1
        #expect(stats.effectiveTestRounds < smallPairsBound)
        #expect(stats.effectiveTestRounds < Double(stats.testRounds))
    }

    /// `S = E00 + E01 + E10 - E11` from the correlators equals `4 - 8 eps_hat`.
    @Test func correlatorsGiveTheSameCHSHValue() {
        let stats = SettingStatistics(tests: [400, 300, 200, 100], failures: [60, 45, 40, 30])
        let e = stats.correlators.map { $0! }
        #expect(abs((e[0] + e[1] + e[2] - e[3]) - stats.chshValue!) < 1e-12)
    }

    @Test func anUntestedPairLeavesNoEstimate() {
        let stats = SettingStatistics(tests: [10, 0, 4, 0], failures: [1, 0, 1, 0])
        #expect(stats.epsilonEstimate == nil)
        #expect(stats.chshValue == nil)
        #expect(stats.effectiveTestRounds == 0)
        #expect(stats.untestedSettings == ["(0,1)", "(1,1)"])
    }

    /// Seeded: uniform independent settings pass the uniformity test (its false-rejection
    /// probability is 1e-9); the spot-check records read in paper mode (92.5% at (0,0)) fail.
    @Test func uniformityTest() {
        var seed: UInt64 = 0x5EED_0017
        print("uniformity test seed \(seed)")
        for _ in 0..<20 {
            var counts = [0, 0, 0, 0]
            for _ in 0..<100_000 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                counts[Int(seed >> 62)] += 1
            }
            let test = InputUniformityTest(counts: counts)
            #expect(test.passed, "\(counts)")
            #expect(abs(test.tolerance! - (log(8e9) / 200_000).squareRoot()) < 1e-12)
        }
        let skewed = InputUniformityTest(counts: [2_774_700, 74_700, 75_000, 75_600])
        #expect(!skewed.passed)
        #expect(skewed.failureDescription.contains("(0,0) 92.49%"))
        #expect(InputUniformityTest(counts: [0, 0, 0, 0]).passed)
    }

    /// Extreme but valid security parameters give finite numbers (they trapped before).
    @Test func subnormalEpsilonsStayFinite() {
        #expect(ParameterEstimation.deviation(testRounds: 1000, epsilonPE: 1e-320).isFinite)
        let l = FiniteSizeKey.length(rawKeyBits: 1_000_000, epsilonUpper: 0.2, leakedBits: 10, epsilonPA: 1e-320)
        #expect(l == Int((1_000_000 * (1 - log2(1.8)) - 10 + log2(1e-320) + 1).rounded(.down)))
    }
}
