import Hashing
import SecurityBounds

/// The public bookkeeping both parties do identically once inputs, test rounds and test
/// outputs are announced (SECURITY-MATH §4.1–4.2).
public struct RoundSelection: Sendable {
    /// Test rounds.
    public let test: BitVector
    /// Raw-key rounds: untested rounds with inputs `(0, 0)` (in spot-check mode every untested
    /// round has those inputs).
    public let rawKey: BitVector

    public init(test: BitVector, aliceInputs: BitVector, bobInputs: BitVector) {
        self.test = test
        rawKey = ~test & ~aliceInputs & ~bobInputs
    }

    public var testRounds: Int { test.popCount }
    public var rawKeyBits: Int { rawKey.popCount }
}

/// The observed statistics of the test rounds and what they certify (SECURITY-MATH §4.2, §8).
public struct ParameterEstimate: Sendable, Hashable, Codable {
    public let rawKeyBits: Int
    /// Test rounds and CHSH failures per setting pair.
    public let settings: SettingStatistics
    /// Test rounds with inputs `(0, 0)`, and those among them with `x != y`.
    public var keyBasisTests: Int { settings.tests[0] }
    public let keyBasisErrors: Int
    public let epsilonPE: Double
    /// The check that the inputs were chosen uniformly: over every round in paper mode, over the
    /// test rounds in spot-check mode.
    public let inputUniformity: InputUniformityTest

    /// `k`, all test rounds.
    public var testRounds: Int { settings.testRounds }
    /// Test rounds with `x XOR y != u v`.
    public var chshFailures: Int { settings.totalFailures }

    /// `eps_hat`, weighted per setting pair (``SettingStatistics/epsilonEstimate``); `nil` when a
    /// setting pair has no test round.
    public var epsilonEstimate: Double? { settings.epsilonEstimate }
    /// `delta_hat`, the fraction of `(0, 0)` test rounds with `x != y`; `nil` without such rounds.
    public var deltaEstimate: Double? { keyBasisTests == 0 ? nil : Double(keyBasisErrors) / Double(keyBasisTests) }
    /// `S = E00 + E01 + E10 - E11 = 4 - 8 eps_hat`.
    public var chshValue: Double? { settings.chshValue }

    /// Appendix D's bound on the raw-key boxes' CHSH error with the setting weights of §8
    /// (``ParameterEstimation/upperBound(observed:effectiveTestRounds:testRounds:rawKeyBits:epsilonPE:)``);
    /// `nil` when there is nothing to bound with.
    public var epsilonUpper: Double? {
        guard let observed = epsilonEstimate, rawKeyBits > 0 else { return nil }
        return ParameterEstimation.upperBound(observed: observed, effectiveTestRounds: settings.effectiveTestRounds,
                                              testRounds: testRounds, rawKeyBits: rawKeyBits, epsilonPE: epsilonPE)
    }

    /// Why ``epsilonEstimate`` or ``deltaEstimate`` is missing, or `nil` when both exist.
    public var missingEstimateReason: String? {
        if testRounds == 0 { return "no test rounds, so nothing was observed" }
        let untested = settings.untestedSettings
        if !untested.isEmpty {
            return "no test round had the input pair\(untested.count > 1 ? "s" : "") \(untested.joined(separator: ", ")), "
                + "so the CHSH error cannot be estimated"
        }
        return nil
    }

    /// Counts the statistics from announced data (test outputs scattered back to full length).
    /// - Parameter uniformRounds: the rounds whose inputs the protocol draws uniformly (every
    ///   round in paper mode, the test rounds in spot-check mode), for ``inputUniformity``.
    public init(selection: RoundSelection, aliceInputs u: BitVector, bobInputs v: BitVector,
                aliceOutputs x: BitVector, bobOutputs y: BitVector, uniformRounds: BitVector, epsilonPE: Double) {
        let failures = (x ^ y ^ (u & v)) & selection.test
        let pairs = [~u & ~v, ~u & v, u & ~v, u & v]
        settings = SettingStatistics(tests: pairs.map { ($0 & selection.test).popCount },
                                     failures: pairs.map { ($0 & failures).popCount })
        inputUniformity = InputUniformityTest(counts: pairs.map { ($0 & uniformRounds).popCount })
        rawKeyBits = selection.rawKeyBits
        keyBasisErrors = ((x ^ y) & selection.test & pairs[0]).popCount
        self.epsilonPE = epsilonPE
    }
}
