import Foundation
import SecurityBounds

/// The report of a run, with the stable field names of SPEC.md.
public struct ProtocolReport: Sendable, Codable {
    public let mode: ProtocolMode
    public let rounds: Int
    public let testRounds: Int
    public let rawKeyBits: Int
    public let epsilonEstimate: Double
    public let epsilonUpper: Double
    public let deltaEstimate: Double
    public let chshValue: Double
    public let syndromeBits: Int
    public let verificationBits: Int
    public private(set) var keyBits: Int
    public let epsilonPE: Double
    public let epsilonPA: Double
    public let epsilonSecurity: Double
    public let epsilonCorrectness: Double
    /// Lemma 19 at the observed errors: the rate this run would approach with many more rounds.
    public let asymptoticRate: Double
    public private(set) var aborted: Bool
    @NullWhenAbsent public var abortReason: String?
    public let seconds: Double
    /// Extra fields.
    public let stageSeconds: [String: Double]
    @NullWhenAbsent public var designErrorRate: Double?
    @NullWhenAbsent public var reconciliationEfficiency: Double?
    /// Syndrome bits over `rawKeyBits h(deltaEstimate)`: the reconciliation efficiency achieved.
    @NullWhenAbsent public var achievedEfficiency: Double?
    public let publicBits: Int
    /// Recorded data: how the non-signalling premise was established (`"audited"`, or
    /// `"assumed"` when the user passed `--assume-nonsignaling`), and the audit's verdict.
    @NullWhenAbsent public var premise: String?
    @NullWhenAbsent public var auditVerdict: String?

    init(configuration: ProtocolConfiguration, ledger: Ledger, alice: PartyOutcome, bob: PartyOutcome,
         seconds: Double, stageSeconds: [String: Double], publicBits: Int) {
        mode = configuration.mode
        rounds = configuration.rounds
        let estimate = ledger.estimate
        testRounds = estimate?.testRounds ?? 0
        rawKeyBits = estimate?.rawKeyBits ?? 0
        epsilonEstimate = estimate?.epsilonEstimate ?? 1
        epsilonUpper = estimate?.epsilonUpper ?? 1
        deltaEstimate = estimate?.deltaEstimate ?? 0.5
        chshValue = estimate?.chshValue ?? -4
        syndromeBits = ledger.syndromeBits
        // Every verification and frame hash disclosed; `t` when the run stopped before any.
        verificationBits = max(ledger.verificationBits, configuration.verificationBits)
        epsilonPE = configuration.epsilonPE
        epsilonPA = configuration.epsilonPA
        epsilonSecurity = configuration.epsilonPE + configuration.epsilonPA
        epsilonCorrectness = VerificationRecovery.epsilonCorrectness(verificationBits: configuration.verificationBits)
        asymptoticRate = KeyRate.nonSignaling(epsilon: min(epsilonEstimate, 1), delta: min(deltaEstimate, 1))
        var reason: String?
        if case .aborted(let r) = alice { reason = r }
        if case .aborted(let r) = bob { reason = reason ?? r }
        aborted = reason != nil
        abortReason = reason
        keyBits = aborted ? 0 : ledger.keyBits
        self.seconds = seconds
        self.stageSeconds = stageSeconds
        designErrorRate = ledger.designErrorRate
        reconciliationEfficiency = ledger.reconciliationEfficiency
        if ledger.syndromeBits > 0, rawKeyBits > 0, deltaEstimate > 0, deltaEstimate < 1 {
            achievedEfficiency = Double(ledger.syndromeBits) / (Double(rawKeyBits) * binaryEntropy(deltaEstimate))
        }
        self.publicBits = publicBits
    }

    /// The same report for a run whose key is withheld: marked aborted, with no key bits.
    public func refusingKey(reason: String) -> ProtocolReport {
        var copy = self
        copy.aborted = true
        copy.keyBits = 0
        copy.abortReason = reason
        return copy
    }
}
