import Foundation

/// Counts of test rounds per setting pair and CHSH failures among them: everything the
/// estimators of SECURITY-MATH §4.2 and §8 need. Index `2u + v` for inputs `(u, v)`.
public struct SettingStatistics: Sendable, Hashable, Codable {
    /// Test rounds with inputs `(u, v)` at index `2u + v`.
    public let tests: [Int]
    /// Test rounds with inputs `(u, v)` whose outputs fail the CHSH condition `x XOR y = u v`.
    public let failures: [Int]

    /// - Precondition: four non-negative counts each, `failures[i] <= tests[i]`.
    public init(tests: [Int], failures: [Int]) {
        precondition(tests.count == 4 && failures.count == 4)
        precondition(zip(tests, failures).allSatisfy { $0 >= 0 && $1 >= 0 && $1 <= $0 })
        self.tests = tests
        self.failures = failures
    }

    /// All test rounds, `k`.
    public var testRounds: Int { tests.reduce(0, +) }

    /// All failing test rounds.
    public var totalFailures: Int { failures.reduce(0, +) }

    /// The setting pairs with no test round, as `(u,v)` text; empty when every pair was tested.
    public var untestedSettings: [String] {
        (0..<4).filter { tests[$0] == 0 }.map(SettingStatistics.pairName)
    }

    /// `(u,v)` for the pair at index `2u + v`.
    public static func pairName(_ index: Int) -> String { "(\(index >> 1),\(index & 1))" }

    /// The CHSH error estimate `eps_hat = 1/4 sum_uv f_uv / k_uv`: each setting pair's failure
    /// fraction, weighted equally, as the definition `eps = 1/4 sum_uv P(fail | u, v)` does
    /// (SECURITY-MATH §1). Unlike the pooled fraction `sum f_uv / k`, it is unbiased whatever
    /// the setting frequencies (§8). `nil` when a setting pair has no test round.
    public var epsilonEstimate: Double? {
        guard untestedSettings.isEmpty else { return nil }
        return (0..<4).reduce(0) { $0 + Double(failures[$1]) / Double(tests[$1]) } / 4
    }

    /// The pooled failure fraction `sum f_uv / k`, the paper's `eps_meas` (Appendix D): equal to
    /// ``epsilonEstimate`` up to sampling noise when settings are uniform, biased otherwise.
    /// `nil` without test rounds.
    public var pooledEpsilon: Double? {
        testRounds == 0 ? nil : Double(totalFailures) / Double(testRounds)
    }

    /// The CHSH value from per-setting correlators, `S = E00 + E01 + E10 - E11`, as experiments
    /// report it. `E_uv = 1 - 2 P(x != y | u, v)`; a failure is `x != y` for `(u,v) != (1,1)` and
    /// `x = y` for `(1,1)`, so `S = 4 - 8 eps_hat` exactly. `nil` when a pair is untested.
    public var chshValue: Double? { epsilonEstimate.map { 4 - 8 * $0 } }

    /// The correlators `E_uv` at index `2u + v`, `nil` where the pair is untested.
    public var correlators: [Double?] {
        (0..<4).map { i in
            guard tests[i] > 0 else { return nil }
            let fail = Double(failures[i]) / Double(tests[i])
            return i == 3 ? 2 * fail - 1 : 1 - 2 * fail
        }
    }

    /// The effective number of test rounds of the weighted estimate,
    /// `k_eff = 1 / sum_j w_j^2 = 16 / sum_uv (1 / k_uv)` with `w_j = 1 / (4 k_uv)` the weight of
    /// test round `j`. `k_eff <= k`, with equality exactly when the four pairs were tested
    /// equally often; `0` when a pair is untested. See ``ParameterEstimation/upperBound(observed:effectiveTestRounds:testRounds:rawKeyBits:epsilonPE:)``.
    public var effectiveTestRounds: Double {
        guard untestedSettings.isEmpty else { return 0 }
        return 16 / tests.reduce(0) { $0 + 1 / Double($1) }
    }
}

/// A check that recorded inputs are consistent with independent, uniform setting choices
/// (SECURITY-MATH §8): in paper mode over every round, in spot-check mode over the test
/// rounds. The estimator ``SettingStatistics/epsilonEstimate`` is unbiased either way; this
/// test refuses data whose setting choice evidently was not what the protocol requires — a
/// device that can anticipate its inputs voids the Bell test.
///
/// The statistic: for `M` rounds with pair counts `c_uv`, reject when some
/// `|c_uv / M - 1/4| > t` with `t = sqrt(ln(8 / alpha) / (2 M))`. For independent uniform
/// inputs Hoeffding's inequality gives `P[|c_uv / M - 1/4| >= t] <= 2 exp(-2 M t^2)` per pair,
/// so by the union bound over four pairs uniform data are rejected with probability at most
/// `alpha` (``falseRejectionProbability``).
public struct InputUniformityTest: Sendable, Hashable, Codable {
    /// The false-rejection probability used by the protocol.
    public static let defaultFalseRejectionProbability = 1e-9

    /// `M`, the rounds whose inputs should be uniform.
    public let rounds: Int
    /// `c_uv` at index `2u + v`.
    public let counts: [Int]
    /// `alpha`: the probability that independent uniform inputs fail the test.
    public let falseRejectionProbability: Double
    /// `t`, the largest deviation of a pair's frequency from 1/4 the test accepts; `nil` when
    /// there are no rounds to test.
    public let tolerance: Double?
    /// `max_uv |c_uv / M - 1/4|`.
    public let largestDeviation: Double
    public let passed: Bool

    /// - Precondition: four non-negative counts, `0 < alpha < 1`.
    public init(counts: [Int], falseRejectionProbability alpha: Double = defaultFalseRejectionProbability) {
        precondition(counts.count == 4 && counts.allSatisfy { $0 >= 0 } && alpha > 0 && alpha < 1)
        self.counts = counts
        rounds = counts.reduce(0, +)
        falseRejectionProbability = alpha
        guard rounds > 0 else {
            tolerance = nil
            largestDeviation = 0
            passed = true
            return
        }
        let m = Double(rounds)
        let t = ((log(8) - log(alpha)) / (2 * m)).squareRoot()
        tolerance = t
        largestDeviation = counts.map { abs(Double($0) / m - 0.25) }.max()!
        passed = largestDeviation <= t
    }

    /// One sentence naming what was seen, for an abort reason.
    public var failureDescription: String {
        let shares = (0..<4).map { i in
            "\(SettingStatistics.pairName(i)) \(String(format: "%.2f", 100 * Double(counts[i]) / Double(max(rounds, 1))))%"
        }
        return "inputs are not consistent with independent uniform settings: over \(groupedDigits(rounds)) rounds the setting pairs were "
            + shares.joined(separator: ", ") + String(format: "; uniform choices deviate from 25%% by at most %.2f%% ", 100 * (tolerance ?? 0))
            + "except with probability \(falseRejectionProbability)"
    }
}
