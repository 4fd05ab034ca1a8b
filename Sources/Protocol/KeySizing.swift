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
        let epsilonUpper = estimate.epsilonUpper
        predictedKeyBits = n == 0 ? 0 : FiniteSizeKey.length(
            rawKeyBits: n, epsilonUpper: min(epsilonUpper, 1), leakedBits: predictedSyndromeBits + configuration.verificationBits,
            epsilonPA: configuration.epsilonPA)
        let epsilonText = String(format: "%.4f", estimate.epsilonEstimate)
        if estimate.testRounds == 0 || n == 0 {
            abortReason = "parameter estimation: \(estimate.testRounds) test rounds and \(n) raw-key rounds are too few"
                + KeySizing.roundsHint(estimate: estimate, configuration: configuration, efficiency: efficiency)
        } else if epsilonUpper >= 0.25 {
            abortReason = "parameter estimation: observed CHSH error \(epsilonText), certified bound "
                + String(format: "%.4f", epsilonUpper) + " is not below 1/4"
                + KeySizing.roundsHint(estimate: estimate, configuration: configuration, efficiency: efficiency)
        } else if predictedKeyBits <= 0 {
            abortReason = "parameter estimation: the key length would be \(predictedKeyBits) bits (CHSH error \(epsilonText))"
                + KeySizing.roundsHint(estimate: estimate, configuration: configuration, efficiency: efficiency)
        } else {
            abortReason = nil
        }
    }

    /// "; roughly N rounds would be needed", or why no number of rounds helps.
    static func roundsHint(estimate: ParameterEstimate, configuration: ProtocolConfiguration, efficiency: Double) -> String {
        let parameters = configuration.finiteSizeParameters(reconciliationEfficiency: efficiency)
        guard estimate.testRounds > 0, let needed = FiniteSizePlan.minimumRounds(
            epsilon: estimate.epsilonEstimate, delta: estimate.deltaEstimate, parameters: parameters) else {
            return "; at the observed error rates no number of rounds gives a key"
        }
        return "; roughly \(needed) rounds would be needed at the observed error rates"
    }
}
