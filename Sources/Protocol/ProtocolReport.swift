import Foundation
import SecurityBounds

/// The report of a run, with the stable field names of SPEC.md.
public struct ProtocolReport: Sendable, Codable {
    public let mode: ProtocolMode
    public let rounds: Int
    public let testRounds: Int
    public let rawKeyBits: Int
    /// `eps_hat`, weighted per setting pair (SECURITY-MATH §8); `null` when not every input
    /// pair was tested (``estimateUnavailableReason`` says why).
    @NullWhenAbsent public var epsilonEstimate: Double?
    /// `eps_up`, the certified bound; `null` without an estimate or raw key.
    @NullWhenAbsent public var epsilonUpper: Double?
    /// `delta_hat`; `null` without `(0, 0)` test rounds.
    @NullWhenAbsent public var deltaEstimate: Double?
    /// `S = E00 + E01 + E10 - E11 = 4 - 8 eps_hat`; `null` with ``epsilonEstimate``.
    @NullWhenAbsent public var chshValue: Double?
    public let syndromeBits: Int
    public let verificationBits: Int
    public private(set) var keyBits: Int
    public let epsilonPE: Double
    public let epsilonPA: Double
    public let epsilonSecurity: Double
    public let epsilonCorrectness: Double
    /// Lemma 19 at the observed errors: the rate this run would approach with many more
    /// rounds; `null` without both estimates.
    @NullWhenAbsent public var asymptoticRate: Double? = nil
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
    /// Why the estimates are `null`, if they are.
    @NullWhenAbsent public var estimateUnavailableReason: String?
    /// Test rounds and CHSH failures per input pair (index `2u + v`).
    @NullWhenAbsent public var settings: SettingStatistics?
    /// The pooled failure fraction of the test rounds, the paper's `eps_meas`, for comparison
    /// with the weighted ``epsilonEstimate``.
    @NullWhenAbsent public var pooledEpsilon: Double?
    /// `k_eff`, the effective number of test rounds of the weighted estimate.
    @NullWhenAbsent public var effectiveTestRounds: Double?
    /// The check that inputs were chosen uniformly (``InputUniformityTest``).
    @NullWhenAbsent public var inputUniformity: InputUniformityTest?
    /// Statements about the data a user should see, such as a CHSH value beyond Tsirelson's bound.
    public var warnings: [String]
    /// Whether the measurements were simulated (`simulate`, `attack`, a node on `diqkd source`):
    /// such a key is for testing and never secret, whatever its ε — the simulator saw, and could
    /// have set, every output. `false` for a lab's recorded or live measurements; `null` in
    /// reports written before the field existed.
    @NullWhenAbsent public var simulation: Bool?
    /// Networked runs: pre-shared key the authentication of the public channel consumed (one
    /// run's reservation of the pool, SECURITY-MATH §7); `null` in one process, where the channel
    /// is authentic by construction.
    @NullWhenAbsent public var authenticationBits: Int?
    /// Networked runs: the probability that a forged or altered frame passed authentication,
    /// summed over the run's frames (each `L / 2^128`, `L` its 128-bit blocks).
    @NullWhenAbsent public var epsilonAuthentication: Double?
    /// Networked runs: `epsilonPE + epsilonPA + epsilonCorrectness + epsilonAuthentication`, the
    /// composed failure probability of the whole run (errors of composable components add:
    /// Portmann and Renner, "Cryptographic security of quantum key distribution", 2014, §4;
    /// Portmann, IEEE Trans. Inf. Theory 60(7), 2014, for the authentication).
    @NullWhenAbsent public var epsilonTotal: Double?
    /// Networked runs: `keyBits - authenticationBits`, what the link gained after paying for
    /// its own authentication (negative when a run cost more than it made).
    @NullWhenAbsent public var netKeyBits: Int?

    /// One party's report of a run it took part in over a network: the same public fields as
    /// the report of both parties together (each party keeps the same ledger of public
    /// quantities), with this party's outcome.
    public init(configuration: ProtocolConfiguration, ledger: Ledger, outcome: PartyOutcome, seconds: Double,
                stageSeconds: [String: Double], publicBits: Int) {
        self.init(configuration: configuration, ledger: ledger, alice: outcome, bob: outcome, seconds: seconds,
                  stageSeconds: stageSeconds, publicBits: publicBits)
    }

    init(configuration: ProtocolConfiguration, ledger: Ledger, alice: PartyOutcome, bob: PartyOutcome,
         seconds: Double, stageSeconds: [String: Double], publicBits: Int) {
        mode = configuration.mode
        rounds = configuration.rounds
        let estimate = ledger.estimate
        testRounds = estimate?.testRounds ?? 0
        rawKeyBits = estimate?.rawKeyBits ?? 0
        epsilonEstimate = estimate?.epsilonEstimate
        epsilonUpper = estimate?.epsilonUpper
        deltaEstimate = estimate?.deltaEstimate
        chshValue = estimate?.chshValue
        syndromeBits = ledger.syndromeBits
        // Every verification and frame hash disclosed; `t` when the run stopped before any.
        verificationBits = max(ledger.verificationBits, configuration.verificationBits)
        epsilonPE = configuration.epsilonPE
        epsilonPA = configuration.epsilonPA
        epsilonSecurity = configuration.epsilonPE + configuration.epsilonPA
        epsilonCorrectness = VerificationRecovery.epsilonCorrectness(verificationBits: configuration.verificationBits)
        if let epsilon = estimate?.epsilonEstimate, let delta = estimate?.deltaEstimate {
            asymptoticRate = KeyRate.nonSignaling(epsilon: epsilon, delta: delta)
        }
        estimateUnavailableReason = estimate == nil ? "the run stopped before parameter estimation" : estimate?.missingEstimateReason
        settings = estimate?.settings
        pooledEpsilon = estimate?.settings.pooledEpsilon
        effectiveTestRounds = estimate.flatMap { $0.settings.untestedSettings.isEmpty ? $0.settings.effectiveTestRounds : nil }
        inputUniformity = estimate?.inputUniformity
        warnings = estimate.map(ProtocolReport.warnings(for:)) ?? []
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
        if ledger.syndromeBits > 0, rawKeyBits > 0, let deltaEstimate = estimate?.deltaEstimate, deltaEstimate > 0, deltaEstimate < 1 {
            achievedEfficiency = Double(ledger.syndromeBits) / (Double(rawKeyBits) * binaryEntropy(deltaEstimate))
        }
        self.publicBits = publicBits
    }

    /// Tsirelson's bound `S <= 2 sqrt 2` holds for every quantum device; a value beyond it by
    /// more than the sampling deviation of Appendix D (`8 xi(k_eff)` in `S`) cannot come from
    /// quantum devices, only from non-signalling ones or from faulty data (for example test
    /// rounds whose settings are not what the records say). Not an abort: the security claim
    /// does not assume quantum theory.
    static func warnings(for estimate: ParameterEstimate) -> [String] {
        // A CHSH value exists only when every pair was tested, so `k_eff > 0`.
        guard let s = estimate.chshValue else { return [] }
        let margin = 8 * ParameterEstimation.deviation(testRounds: estimate.settings.effectiveTestRounds,
                                                       epsilonPE: estimate.epsilonPE)
        let tsirelson = 2 * 2.0.squareRoot()
        guard s - margin > tsirelson else { return [] }
        return ["CHSH value S = " + String(format: "%.4f", s) + " exceeds Tsirelson's bound 2.8284 by more than its "
                + "statistical margin " + String(format: "%.4f", margin) + ": impossible for quantum devices; check the data"]
    }

    /// The report with the authentication account of a networked run.
    /// - Parameters:
    ///   - authenticationBits: pool bits the run consumed.
    ///   - epsilonAuthentication: summed forgery probability of its frames.
    public func authenticated(authenticationBits: Int, epsilonAuthentication: Double) -> ProtocolReport {
        var copy = self
        copy.authenticationBits = authenticationBits
        copy.epsilonAuthentication = epsilonAuthentication
        copy.epsilonTotal = epsilonPE + epsilonPA + epsilonCorrectness + epsilonAuthentication
        copy.netKeyBits = keyBits - authenticationBits
        return copy
    }

    /// The same report for a run whose key is withheld: marked aborted, with no key bits.
    public func refusingKey(reason: String) -> ProtocolReport {
        var copy = self
        copy.aborted = true
        copy.keyBits = 0
        copy.abortReason = reason
        if let authenticationBits { copy.netKeyBits = -authenticationBits }
        return copy
    }
}
