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

/// The observed statistics of the test rounds and what they certify.
public struct ParameterEstimate: Sendable, Hashable, Codable {
    public let testRounds: Int
    public let rawKeyBits: Int
    /// Test rounds with `x XOR y != u v`.
    public let chshFailures: Int
    /// Test rounds with inputs `(0, 0)`, and those among them with `x != y`.
    public let keyBasisTests: Int
    public let keyBasisErrors: Int
    public let epsilonPE: Double

    public var epsilonEstimate: Double { testRounds == 0 ? 1 : Double(chshFailures) / Double(testRounds) }
    public var deltaEstimate: Double { keyBasisTests == 0 ? 0.5 : Double(keyBasisErrors) / Double(keyBasisTests) }
    public var chshValue: Double { 4 - 8 * epsilonEstimate }

    /// Appendix D's bound on the raw-key boxes' CHSH error, or 1 when there is nothing to
    /// bound with.
    public var epsilonUpper: Double {
        guard testRounds > 0, rawKeyBits > 0 else { return 1 }
        return ParameterEstimation.upperBound(observed: epsilonEstimate, testRounds: testRounds,
                                              rawKeyBits: rawKeyBits, epsilonPE: epsilonPE)
    }

    /// Counts the statistics from announced data (test outputs scattered back to full length).
    public init(selection: RoundSelection, aliceInputs u: BitVector, bobInputs v: BitVector,
                aliceOutputs x: BitVector, bobOutputs y: BitVector, epsilonPE: Double) {
        let failures = (x ^ y ^ (u & v)) & selection.test
        let keyBasis = selection.test & ~u & ~v
        testRounds = selection.testRounds
        rawKeyBits = selection.rawKeyBits
        chshFailures = failures.popCount
        keyBasisTests = keyBasis.popCount
        keyBasisErrors = ((x ^ y) & keyBasis).popCount
        self.epsilonPE = epsilonPE
    }
}
