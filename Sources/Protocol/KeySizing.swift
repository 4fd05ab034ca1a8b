import Foundation
import Hashing
import Reconciliation
import SecurityBounds

/// What a party ends with.
public enum PartyOutcome: Sendable {
    case key(SecretBits)
    case aborted(reason: String)
}

/// A party's account of the public quantities of a run.
public struct Ledger: Sendable {
    public var estimate: ParameterEstimate?
    public var designErrorRate: Double?
    public var reconciliationEfficiency: Double?
    public var syndromeBits = 0
    public var verificationBits = 0
    public var keyBits = 0
    public var decoderIterations: [Int] = []

    public init() {}
}

/// The decisions both parties derive from the parameter estimate: how to size the codes,
/// what key length that leaves, and whether to go on (SECURITY-MATH §4.2 and §4.6).
struct KeySizing {
    let designErrorRate: Double
    let efficiency: Double
    /// The column-weight profile of the codes.
    let profile: DegreeProfile
    /// The lift of quasi-cyclic codes, `nil` for codes drawn edge by edge.
    let lift: Int?
    let predictedSyndromeBits: Int
    let predictedKeyBits: Int
    let abortReason: String?

    init(estimate: ParameterEstimate, configuration: ProtocolConfiguration) {
        designErrorRate = ReconciliationMargin.designErrorRate(errors: estimate.keyBasisErrors, samples: estimate.keyBasisTests)
        let n = estimate.rawKeyBits
        efficiency = ReconciliationMargin.efficiency(errorRate: designErrorRate, rawKeyBits: n, frameBits: configuration.frameBits)
        profile = ReconciliationMargin.profile(errorRate: designErrorRate, rawKeyBits: n, frameBits: configuration.frameBits)
        lift = ReconciliationMargin.lift(rawKeyBits: n, frameBits: configuration.frameBits)
        predictedSyndromeBits = n == 0 ? 0 : SyndromeReconciliation.plan(
            rawKeyBits: n, errorRate: designErrorRate, efficiency: efficiency, frameBits: configuration.frameBits,
            profile: profile, codeSeed: 0
        ).totalSyndromeBits
        // `nil` without raw key or estimate.
        let epsilonUpper = estimate.epsilonUpper
        let leaked = predictedSyndromeBits + configuration.verificationBits
        predictedKeyBits = epsilonUpper.map {
            FiniteSizeKey.length(rawKeyBits: n, epsilonUpper: min($0, 1), leakedBits: leaked, epsilonPA: configuration.epsilonPA)
        } ?? 0
        // Planned only for an abort's message: it searches over round counts.
        let (designErrorRate, efficiency) = (self.designErrorRate, self.efficiency)
        func hint() -> String {
            KeySizing.roundsHint(estimate: estimate, configuration: configuration, designErrorRate: designErrorRate,
                                 efficiency: efficiency)
        }
        if let missing = estimate.missingEstimateReason {
            abortReason = "parameter estimation: \(missing)" + hint()
        } else if !estimate.inputUniformity.passed {
            abortReason = "parameter estimation: " + estimate.inputUniformity.failureDescription
        } else if n == 0 {
            abortReason = "parameter estimation: no raw-key rounds" + hint()
        } else if let epsilonUpper, let observed = estimate.epsilonEstimate, epsilonUpper >= 0.25 {
            abortReason = "parameter estimation: observed CHSH error " + String(format: "%.4f", observed) + ", certified bound "
                + (epsilonUpper >= 1 ? probabilityBoundText(epsilonUpper) : String(format: "%.4f", epsilonUpper)) + " is not below 1/4" + hint()
        } else if predictedKeyBits <= 0 {
            abortReason = "parameter estimation: the key length would be \(groupedDigits(predictedKeyBits)) bits (CHSH error "
                + String(format: "%.4f", estimate.epsilonEstimate ?? .nan) + ")" + hint()
        } else {
            abortReason = nil
        }
    }

    /// "; roughly N rounds would be needed", or why no number of rounds helps.
    ///
    /// The estimate plans with what this run used: the code's design error rate and the
    /// reconciliation efficiency of its frames (`--frame-bits`), the configured test fraction
    /// and security parameters. "No number of rounds" is said only when Lemma 19's asymptotic
    /// rate at the estimates is not positive.
    static func roundsHint(estimate: ParameterEstimate, configuration: ProtocolConfiguration, designErrorRate: Double,
                           efficiency: Double) -> String {
        guard let epsilon = estimate.epsilonEstimate, let delta = estimate.deltaEstimate else {
            return "; test more rounds (more rounds or a larger --test-fraction) so that every input pair is tested"
        }
        guard KeyRate.nonSignaling(epsilon: epsilon, delta: delta) > 0 else {
            return "; at the observed error rates (CHSH error " + String(format: "%.4f", epsilon) + ", key-basis error "
                + String(format: "%.4f", delta) + ") the asymptotic key rate is not positive, so no number of rounds gives a key"
        }
        let parameters = configuration.finiteSize.with(reconciliationEfficiency: efficiency)
        guard let needed = FiniteSizePlan.minimumRounds(epsilon: epsilon, delta: max(delta, designErrorRate),
                                                        parameters: parameters) else {
            return "; more than 2^50 rounds would be needed at the observed error rates"
        }
        guard needed > configuration.rounds else {
            return "; on average \(groupedDigits(configuration.rounds)) rounds suffice at the observed error rates, so this "
                + "shortfall is statistical: a somewhat longer run should give a key"
        }
        return "; roughly \(groupedDigits(needed)) rounds would be needed at the observed error rates"
    }
}

/// A bound on a probability as text: the number with `digits` significant digits, or
/// "≥ 1 (no bound)" when it is 1 or more — a finite-size bound that large (few test rounds make
/// the confidence term exceed 1) says nothing, and printing it as a number would read as a
/// probability above 1. Reports keep the computed number.
public func probabilityBoundText(_ value: Double, digits: Int = 4) -> String {
    value >= 1 ? "≥ 1 (no bound)" : String(format: "%.\(digits)g", value)
}
