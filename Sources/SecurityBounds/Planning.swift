import Foundation

/// How rounds are split between testing and key (SECURITY-MATH §4.1).
public enum ProtocolMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// Protocol 1: uniform inputs in every round; a random fraction of rounds is tested; the
    /// raw key is every untested round with inputs `(0, 0)` (about a quarter of them).
    case paper
    /// Beyond the paper: a public random bit, revealed after all measurements, marks each
    /// round test (probability `gamma`, uniform inputs) or key (inputs `(0, 0)`).
    case spotCheck = "spot-check"
}

/// The classical parameters of a run that decide how much key a number of rounds gives: the
/// one type that the planner, the protocol configuration and every command use, validated once
/// by ``validate()``.
public struct FiniteSizeParameters: Sendable, Hashable {
    public var mode: ProtocolMode
    /// The fraction of rounds used for testing (`gamma` in spot-check mode), in (0, 1).
    public var testFraction: Double
    /// The failure probability of parameter estimation, in (0, 1).
    public var epsilonPE: Double
    /// The soundness target of privacy amplification, in (0, 1).
    public var epsilonPA: Double
    /// `t`, the length of the verification hash, in ``verificationBitsRange``; `eps_cor = 2^-t`.
    public var verificationBits: Int
    /// `f`, syndrome bits disclosed per Shannon-minimum bit `h(delta)`, in
    /// ``reconciliationEfficiencyRange`` (below 1 is impossible; above 10 no code is that poor).
    public var reconciliationEfficiency: Double

    /// The verification hash lengths every command accepts: at least one bit (a run without
    /// verification has no correctness guarantee), at most 1024 (`2^-1024` is far below any
    /// other error term).
    public static let verificationBitsRange = 1...1024
    public static let reconciliationEfficiencyRange = 1.0...10.0

    public init(mode: ProtocolMode = .spotCheck, testFraction: Double = 0.1, epsilonPE: Double = 5e-10,
                epsilonPA: Double = 5e-10, verificationBits: Int = 64, reconciliationEfficiency: Double = 1.2) {
        self.mode = mode
        self.testFraction = testFraction
        self.epsilonPE = epsilonPE
        self.epsilonPA = epsilonPA
        self.verificationBits = verificationBits
        self.reconciliationEfficiency = reconciliationEfficiency
    }

    /// Total soundness `eps_sec = eps_PE + eps_PA`.
    public var epsilonSecurity: Double { epsilonPE + epsilonPA }

    /// A copy with another reconciliation efficiency.
    public func with(reconciliationEfficiency f: Double) -> FiniteSizeParameters {
        var copy = self
        copy.reconciliationEfficiency = f
        return copy
    }

    /// Checks every range.
    /// - Throws: ``InvalidParameter`` naming the flag as the command line spells it.
    public func validate() throws(InvalidParameter) {
        guard testFraction.isFinite, testFraction > 0, testFraction < 1 else {
            throw InvalidParameter(flag: "--test-fraction", "must be strictly between 0 and 1", testFraction)
        }
        guard epsilonPE.isFinite, epsilonPE > 0, epsilonPE < 1 else {
            throw InvalidParameter(flag: "--epsilon-pe", "must be strictly between 0 and 1", epsilonPE)
        }
        guard epsilonPA.isFinite, epsilonPA > 0, epsilonPA < 1 else {
            throw InvalidParameter(flag: "--epsilon-pa", "must be strictly between 0 and 1", epsilonPA)
        }
        guard Self.verificationBitsRange.contains(verificationBits) else {
            throw InvalidParameter(flag: "--verification-bits", "must be between 1 and 1024", verificationBits)
        }
        guard reconciliationEfficiency.isFinite, Self.reconciliationEfficiencyRange.contains(reconciliationEfficiency) else {
            throw InvalidParameter(flag: "--reconciliation-efficiency", "must be between 1 and 10", reconciliationEfficiency)
        }
    }
}

/// A parameter outside its documented range, named as the command line names it.
public struct InvalidParameter: Error, Sendable, CustomStringConvertible {
    /// The flag, such as `--test-fraction`.
    public let flag: String
    /// One sentence: the flag, its range and the value given (no final period).
    public let description: String

    public init<Value>(flag: String, _ requirement: String, _ value: Value) {
        self.flag = flag
        description = "\(flag) \(requirement) (got \(value))"
    }
}

/// The expected outcome of a run of `rounds` rounds on boxes with errors `(eps, delta)`.
public struct PlanPoint: Sendable, Hashable, Codable {
    public let rounds: Int
    public let testRounds: Int
    public let rawKeyBits: Int
    public let epsilonUpper: Double
    public let leakedBits: Int
    /// The test fraction this point used.
    public var testFraction: Double { rounds == 0 ? 0 : Double(testRounds) / Double(rounds) }
    /// The §4.6 key length, at least 0.
    public let keyBits: Int
    public var keyBitsPerRound: Double { Double(keyBits) / Double(rounds) }
}

/// Finite-size planning: key length against the number of rounds, assuming the observed
/// errors equal their expected values.
public enum FiniteSizePlan {
    /// The expected split of `rounds` and the resulting key length.
    public static func point(rounds: Int, epsilon: Double, delta: Double, parameters: FiniteSizeParameters) -> PlanPoint {
        let testRounds = Int((Double(rounds) * parameters.testFraction).rounded())
        let untested = rounds - testRounds
        let rawKeyBits = parameters.mode == .paper ? untested / 4 : untested
        guard testRounds > 0, rawKeyBits > 0 else {
            return PlanPoint(rounds: rounds, testRounds: testRounds, rawKeyBits: rawKeyBits,
                             epsilonUpper: 1, leakedBits: 0, keyBits: 0)
        }
        let epsilonUpper = ParameterEstimation.upperBound(observed: epsilon, testRounds: testRounds,
                                                          rawKeyBits: rawKeyBits, epsilonPE: parameters.epsilonPE)
        let syndrome = Int((parameters.reconciliationEfficiency * Double(rawKeyBits) * binaryEntropy(delta)).rounded(.up))
        let leaked = syndrome + parameters.verificationBits
        let length = epsilonUpper >= 0.25 ? 0 : FiniteSizeKey.length(rawKeyBits: rawKeyBits, epsilonUpper: epsilonUpper,
                                                                      leakedBits: leaked, epsilonPA: parameters.epsilonPA)
        return PlanPoint(rounds: rounds, testRounds: testRounds, rawKeyBits: rawKeyBits,
                         epsilonUpper: epsilonUpper, leakedBits: leaked, keyBits: max(0, length))
    }

    /// The test fraction that gives the longest key at `rounds` rounds, and that key: more tests
    /// tighten `eps_up`, fewer leave more raw key. A log-spaced scan of `[1e-4, 0.9]` followed
    /// by a golden-section refinement around the best scan point.
    public static func bestTestFraction(rounds: Int, epsilon: Double, delta: Double,
                                        parameters: FiniteSizeParameters) -> (fraction: Double, point: PlanPoint) {
        func evaluate(_ gamma: Double) -> PlanPoint {
            var p = parameters
            p.testFraction = gamma
            return point(rounds: rounds, epsilon: epsilon, delta: delta, parameters: p)
        }
        let grid = (0..<48).map { 1e-4 * pow(9000, Double($0) / 47) }
        let scanned = grid.map { ($0, evaluate($0)) }
        let bestIndex = scanned.indices.max { scanned[$0].1.keyBits < scanned[$1].1.keyBits }!
        var low = grid[max(0, bestIndex - 1)], high = grid[min(grid.count - 1, bestIndex + 1)]
        var best = scanned[bestIndex]
        let golden = (5.0.squareRoot() - 1) / 2
        for _ in 0..<30 {
            let a = high - golden * (high - low), b = low + golden * (high - low)
            let pa = evaluate(a), pb = evaluate(b)
            if pa.keyBits > best.1.keyBits { best = (a, pa) }
            if pb.keyBits > best.1.keyBits { best = (b, pb) }
            if pa.keyBits >= pb.keyBits { high = b } else { low = a }
        }
        return best
    }

    /// The smallest number of rounds (within bisection on an integer grid) that gives a key
    /// longer than `keyBitsAbove` bits (default 0: a positive key), or `nil` when none up to
    /// `limit` does (for example when the asymptotic rate is not positive). With
    /// `optimiseTestFraction`, each candidate uses its best test fraction.
    public static func minimumRounds(epsilon: Double, delta: Double, parameters: FiniteSizeParameters,
                                     optimiseTestFraction: Bool = false, limit: Int = maximumRounds,
                                     keyBitsAbove: Int = 0) -> Int? {
        func positive(_ n: Int) -> Bool {
            if optimiseTestFraction {
                return bestTestFraction(rounds: n, epsilon: epsilon, delta: delta, parameters: parameters).point.keyBits > keyBitsAbove
            }
            return point(rounds: n, epsilon: epsilon, delta: delta, parameters: parameters).keyBits > keyBitsAbove
        }
        var high = 16
        while !positive(high) {
            guard high <= limit / 2 else { return nil }
            high *= 2
        }
        var low = high / 2
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if positive(mid) { high = mid } else { low = mid }
        }
        return high
    }

    /// The most rounds the planner considers: 2^50 (a run of more is not a plan).
    public static let maximumRounds = 1 << 50

    /// The default end of a curve starting at `start` rounds: five decades further, at most
    /// ``maximumRounds`` and always past `start`.
    public static func defaultCurveEnd(from start: Int) -> Int {
        let (end, overflow) = start.multipliedReportingOverflow(by: 100_000)
        return max(start + 1, overflow ? maximumRounds : min(maximumRounds, end))
    }

    /// Points at `count` logarithmically spaced round counts from `from` to `to`.
    public static func curve(from: Int, to: Int, count: Int, epsilon: Double, delta: Double,
                             parameters: FiniteSizeParameters) -> [PlanPoint] {
        precondition(from >= 1 && to >= from && count >= 2)
        let low = log10(Double(from)), high = log10(Double(to))
        return (0..<count).map { i in
            let rounds = Int(pow(10, low + (high - low) * Double(i) / Double(count - 1)).rounded())
            return point(rounds: rounds, epsilon: epsilon, delta: delta, parameters: parameters)
        }
    }
}
