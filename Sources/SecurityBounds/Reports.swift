import Foundation

/// Everything `diqkd rate` reports about a pair `(eps, delta)`.
public struct RateReport: Sendable, Codable, Equatable {
    public let epsilon: Double
    public let delta: Double
    /// `S = 4 - 8 eps`.
    public let chshValue: Double
    /// Lemma 19's non-signalling rate; negative means no key.
    public let rate: Double
    /// Corollary 2's largest `eps` with a positive rate at this `delta`.
    public let epsilonThreshold: Double
    public let keyAgreementPossible: Bool
    /// The smallest quantum-reachable `eps` at this `delta`.
    public let quantumMinimumEpsilon: Double
    /// The quantum-adversary comparison rate, `nil` where it does not apply (`S <= 2` or beyond
    /// Tsirelson's bound).
    @NullWhenAbsent public var quantumAdversaryRate: Double?

    public init(epsilon: Double, delta: Double) {
        self.epsilon = epsilon
        self.delta = delta
        chshValue = 4 - 8 * epsilon
        rate = KeyRate.nonSignaling(epsilon: epsilon, delta: delta)
        epsilonThreshold = KeyRate.epsilonThreshold(delta: delta)
        keyAgreementPossible = epsilon < epsilonThreshold
        quantumMinimumEpsilon = KeyRate.quantumMinimumEpsilon(delta: delta)
        quantumAdversaryRate = KeyRate.quantumAdversary(chshValue: chshValue, delta: delta)
    }
}

/// A point `(delta, eps)` on a boundary of Figure 4.
public struct RegionPoint: Sendable, Codable, Equatable {
    public let delta: Double
    public let epsilon: Double
}

/// The boundary curves of Figure 4, tabulated on `0 <= delta <= 1/2`.
public struct RegionReport: Sendable, Codable, Equatable {
    /// Corollary 2: key agreement is possible strictly below this curve.
    public let keyAgreementBoundary: [RegionPoint]
    /// Quantum boxes reach exactly the points on or above this curve (for `eps <= 1/2`).
    public let quantumBoundary: [RegionPoint]
    /// Where the two cross: the largest `delta` with a quantum box that gives key.
    public let largestQuantumKeyDelta: Double

    public init(samples: Int = 201) {
        precondition(samples >= 2)
        let deltas = (0..<samples).map { 0.5 * pow(Double($0) / Double(samples - 1), 2) }
        keyAgreementBoundary = deltas.map { RegionPoint(delta: $0, epsilon: max(0, KeyRate.epsilonThreshold(delta: $0))) }
        quantumBoundary = deltas.map { RegionPoint(delta: $0, epsilon: KeyRate.quantumMinimumEpsilon(delta: $0)) }
        largestQuantumKeyDelta = KeyRate.largestQuantumKeyDelta()
    }
}

/// Everything `diqkd plan` reports.
public struct PlanReport: Sendable, Codable {
    public let epsilon: Double
    public let delta: Double
    public let mode: ProtocolMode
    public let testFraction: Double
    public let epsilonPE: Double
    public let epsilonPA: Double
    public let epsilonSecurity: Double
    public let verificationBits: Int
    public let reconciliationEfficiency: Double
    /// Lemma 19's rate per raw-key round with the assumed reconciliation efficiency,
    /// `1 - f h(delta) - log2(1 + 4 eps)`: the limit the finite-size curve approaches.
    public let asymptoticRate: Double
    /// The asymptotic key per *round* (raw-key rounds per round times the rate). With an
    /// optimised test fraction it is the limit `gamma -> 0`: the best test fraction shrinks as
    /// the rounds grow, so the optimised curve approaches the whole untested share.
    public let asymptoticKeyPerRound: Double
    @NullWhenAbsent public var minimumRounds: Int?
    public let points: [Point]

    /// Whether each point uses its own best test fraction (then `testFraction` above is unused).
    public let optimisedTestFraction: Bool

    public struct Point: Sendable, Codable {
        public let rounds: Int
        public let testFraction: Double
        public let testRounds: Int
        public let rawKeyBits: Int
        public let epsilonUpper: Double
        public let keyBits: Int
        public let keyBitsPerRound: Double
    }

    /// Computes the plan on `count` log-spaced round counts in `rounds`, or on a range chosen
    /// around the minimum number of rounds when `rounds` is `nil`.
    public init(epsilon: Double, delta: Double, parameters: FiniteSizeParameters,
                rounds: ClosedRange<Int>? = nil, count: Int = 61, optimiseTestFraction: Bool = false) {
        optimisedTestFraction = optimiseTestFraction
        self.epsilon = epsilon
        self.delta = delta
        mode = parameters.mode
        testFraction = parameters.testFraction
        epsilonPE = parameters.epsilonPE
        epsilonPA = parameters.epsilonPA
        epsilonSecurity = parameters.epsilonSecurity
        verificationBits = parameters.verificationBits
        reconciliationEfficiency = parameters.reconciliationEfficiency
        asymptoticRate = 1 - parameters.reconciliationEfficiency * binaryEntropy(delta) - log2(1 + 4 * epsilon)
        let keyShare = (optimiseTestFraction ? 1 : 1 - parameters.testFraction) * (parameters.mode == .paper ? 0.25 : 1)
        asymptoticKeyPerRound = max(0, asymptoticRate) * keyShare
        let minimum = FiniteSizePlan.minimumRounds(epsilon: epsilon, delta: delta, parameters: parameters,
                                                   optimiseTestFraction: optimiseTestFraction)
        minimumRounds = minimum
        let start = minimum.map { max(10, Int(pow(10, floor(log10(Double($0)))))) } ?? 1000
        let range = rounds ?? start...FiniteSizePlan.defaultCurveEnd(from: start)
        points = FiniteSizePlan.curve(from: range.lowerBound, to: range.upperBound, count: count,
                                      epsilon: epsilon, delta: delta, parameters: parameters).map { fixed in
            let p = optimiseTestFraction
                ? FiniteSizePlan.bestTestFraction(rounds: fixed.rounds, epsilon: epsilon, delta: delta, parameters: parameters).point
                : fixed
            return Point(rounds: p.rounds, testFraction: p.testFraction, testRounds: p.testRounds, rawKeyBits: p.rawKeyBits,
                         epsilonUpper: p.epsilonUpper, keyBits: p.keyBits, keyBitsPerRound: p.keyBitsPerRound)
        }
    }
}
