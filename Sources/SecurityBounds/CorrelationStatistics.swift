import Foundation

/// The CHSH statistics a Bell-test paper reports, from the counts of every trial: per setting
/// pair the correlator `E_uv = P(x = y | u, v) - P(x != y | u, v)` with its standard error,
/// `S = E00 + E01 + E10 - E11` with its standard error, each party's outcome marginals, and a
/// test of whether one party's outcomes depend on the other's setting (signalling in the data).
///
/// These weight the four setting pairs equally whatever their counts; the trial-weighted value
/// `4 - 8 f / n` (`f` CHSH failures among `n` trials) is given beside them as
/// ``trialWeightedCHSH``, since the two differ when the setting counts are unbalanced. The
/// protocol's `eps_hat` (``SettingStatistics``) weights the pairs equally as well, but counts
/// only the test rounds: over the same rounds, `S = 4 - 8 eps_hat` exactly.
///
/// The tests are the textbook ones for 2 × 2 tables: the two-proportion z statistic with the
/// pooled proportion, whose square is Pearson's chi-squared statistic of the table, and the sum of
/// independent chi-squared statistics over strata (Agresti, *Categorical Data Analysis*, 3rd ed.,
/// 2013, §2.4 and §3.1). With one or two degrees of freedom the chi-squared tail has a closed form,
/// so no incomplete gamma function is needed.
public struct CorrelationStatistics: Sendable, Hashable, Codable {
    /// One setting pair's trials.
    public struct SettingPair: Sendable, Hashable, Codable {
        /// Alice's and Bob's input bits.
        public let alice: Int
        public let bob: Int
        public let trials: Int
        /// Trials with outputs `(x, y)` at index `2x + y`.
        public let outcomes: [Int]
        /// `E_uv`, `nil` without trials.
        public let correlator: Double?
        /// `sqrt((1 - E^2) / n)`: the standard deviation of the mean of `n` independent ±1
        /// products with mean `E`, at the observed `E`.
        public let standardError: Double?
    }

    /// One party's outcomes for one of its settings, split by the other party's setting.
    public struct Marginal: Sendable, Hashable, Codable {
        public let setting: Int
        public let trials: Int
        /// `P(output = 1 | setting)` over all trials with this setting.
        public let probabilityOne: Double?
        /// `P(output = 1 | setting, other's setting = 0 / 1)`.
        public let probabilityOneGivenOther: [Double?]
        /// The two-proportion z statistic of the difference, with the pooled proportion, and its
        /// two-sided p-value `erfc(|z| / sqrt 2)`; `nil` when the other party never chose one of
        /// its settings here. A p-value of 1 when every outcome was the same.
        public let z: Double?
        public let pValue: Double?
    }

    /// Whether one party's outcome distribution depends on the other's setting.
    public struct SignallingTest: Sendable, Hashable, Codable {
        /// `"alice"` (Alice's outcomes against Bob's setting) or `"bob"`.
        public let party: String
        public let marginals: [Marginal]
        /// `chi^2 = z_0^2 + z_1^2` over the party's settings (each `z^2` is Pearson's statistic
        /// of a 2 × 2 table, independent across settings), with `degreesOfFreedom` terms.
        public let chiSquared: Double?
        public let degreesOfFreedom: Int
        /// `P(chi^2_k >= observed)`: `exp(-chi^2 / 2)` for k = 2, `erfc(sqrt(chi^2 / 2))` for k = 1.
        /// A small value (below 10^-3, say) means the outcomes depend on the distant setting:
        /// faulty data, a setting leak, or a timing problem.
        public let pValue: Double?
    }

    /// Trials counted.
    public let trials: Int
    public let pairs: [SettingPair]
    /// `S` from the correlators and `sqrt(sum_uv se_uv^2)`; `nil` when a pair has no trial.
    public let chshValue: Double?
    public let chshStandardError: Double?
    /// `4 - 8 (failures / trials)`, every trial weighted equally.
    public let trialWeightedCHSH: Double?
    public let signalling: [SignallingTest]

    /// - Parameter counts: 16 trial counts, index `8u + 4v + 2x + y` for inputs `(u, v)` and
    ///   outputs `(x, y)`.
    /// - Precondition: 16 non-negative counts.
    public init(counts: [Int]) {
        precondition(counts.count == 16 && counts.allSatisfy { $0 >= 0 }, "16 non-negative counts")
        func n(_ u: Int, _ v: Int, _ x: Int, _ y: Int) -> Int { counts[8 * u + 4 * v + 2 * x + y] }
        trials = counts.reduce(0, +)
        var pairs: [SettingPair] = []
        var failures = 0
        for u in 0..<2 {
            for v in 0..<2 {
                let outcomes = (0..<4).map { n(u, v, $0 >> 1, $0 & 1) }
                let total = outcomes.reduce(0, +)
                let same = outcomes[0] + outcomes[3]
                failures += u & v == 1 ? same : total - same
                let e = total > 0 ? Double(2 * same - total) / Double(total) : nil
                pairs.append(SettingPair(alice: u, bob: v, trials: total, outcomes: outcomes, correlator: e,
                                         standardError: e.map { ((1 - $0 * $0) / Double(total)).squareRoot() }))
            }
        }
        self.pairs = pairs
        let es = pairs.compactMap(\.correlator)
        if es.count == 4 {
            chshValue = es[0] + es[1] + es[2] - es[3]
            chshStandardError = pairs.reduce(0) { $0 + $1.standardError! * $1.standardError! }.squareRoot()
        } else {
            chshValue = nil
            chshStandardError = nil
        }
        trialWeightedCHSH = trials > 0 ? 4 - 8 * Double(failures) / Double(trials) : nil
        signalling = [
            CorrelationStatistics.signallingTest(party: "alice") { own, other, out in (0..<2).reduce(0) { $0 + n(own, other, out, $1) } },
            CorrelationStatistics.signallingTest(party: "bob") { own, other, out in (0..<2).reduce(0) { $0 + n(other, own, $1, out) } },
        ]
    }

    /// - Parameter count: trials with the party's setting, the other's setting and the party's output.
    private static func signallingTest(party: String, _ count: (Int, Int, Int) -> Int) -> SignallingTest {
        var marginals: [Marginal] = []
        for own in 0..<2 {
            let ones = (0..<2).map { count(own, $0, 1) }
            let totals = (0..<2).map { count(own, $0, 0) + count(own, $0, 1) }
            let trials = totals[0] + totals[1]
            let pooled = trials > 0 ? Double(ones[0] + ones[1]) / Double(trials) : nil
            let given = (0..<2).map { totals[$0] > 0 ? Double(ones[$0]) / Double(totals[$0]) : nil }
            var z: Double?
            if let p0 = given[0], let p1 = given[1], let pooled {
                let variance = pooled * (1 - pooled) * (1 / Double(totals[0]) + 1 / Double(totals[1]))
                z = variance > 0 ? (p0 - p1) / variance.squareRoot() : 0
            }
            marginals.append(Marginal(setting: own, trials: trials, probabilityOne: pooled, probabilityOneGivenOther: given,
                                      z: z, pValue: z.map { erfc(abs($0) / 2.0.squareRoot()) }))
        }
        let zs = marginals.compactMap(\.z)
        let chi = zs.isEmpty ? nil : zs.reduce(0) { $0 + $1 * $1 }
        let p = chi.map { zs.count == 2 ? exp(-$0 / 2) : erfc(($0 / 2).squareRoot()) }
        return SignallingTest(party: party, marginals: marginals, chiSquared: chi, degreesOfFreedom: zs.count, pValue: p)
    }

    /// The smallest signalling p-value of the two parties, `nil` when neither could be tested.
    public var smallestSignallingPValue: Double? { signalling.compactMap(\.pValue).min() }
}
