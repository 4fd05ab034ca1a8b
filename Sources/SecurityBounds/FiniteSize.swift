import Foundation

/// Parameter estimation from test rounds (Appendix D, SECURITY-MATH §4.2).
public enum ParameterEstimation {
    /// The sampling deviation `xi = 4 sqrt(ln(2 / eps_PE) / k)` of Lemma 21 with two outcomes
    /// (the box failed CHSH or not): the observed and unobserved error fractions differ by at
    /// most `xi (n + k) / n` except with probability `eps_PE`.
    public static func deviation(testRounds k: Int, epsilonPE: Double) -> Double {
        precondition(k > 0 && epsilonPE > 0 && epsilonPE < 1)
        return 4 * (log(2 / epsilonPE) / Double(k)).squareRoot()
    }

    /// The upper bound `eps_up = eps_hat + xi (n + k) / n` on the CHSH error of the `n`
    /// raw-key boxes, from `k` test rounds with observed error fraction `observed`.
    ///
    /// This is the paper's argument, which treats each box's failure as a symmetric random
    /// variable; a fully general finite-size proof against non-signalling adversaries is
    /// beyond the paper.
    public static func upperBound(observed: Double, testRounds k: Int, rawKeyBits n: Int, epsilonPE: Double) -> Double {
        precondition(n > 0)
        return observed + deviation(testRounds: k, epsilonPE: epsilonPE) * Double(n + k) / Double(n)
    }
}

/// The finite-size key length of SECURITY-MATH §4.6: the one function every command and test
/// uses.
public enum FiniteSizeKey {
    /// The largest `l` with `1/2 2^(l + leak) ((1 + 4 eps_up)/2)^n <= eps_PA` (Lemma 18), i.e.
    ///
    ///     l = floor( n (1 - log2(1 + 4 eps_up)) - leak - log2(1 / eps_PA) + 1 ).
    ///
    /// - Parameters:
    ///   - rawKeyBits: `n`, the length of Alice's raw key.
    ///   - epsilonUpper: `eps_up`, the certified bound on the raw-key boxes' CHSH error.
    ///   - leakedBits: every linear bit disclosed about the raw key (syndrome and verification).
    ///   - epsilonPA: the soundness target of privacy amplification.
    /// - Returns: the key length; zero or negative means no key can be extracted.
    public static func length(rawKeyBits n: Int, epsilonUpper: Double, leakedBits: Int, epsilonPA: Double) -> Int {
        precondition(n >= 0 && leakedBits >= 0 && epsilonPA > 0 && epsilonPA < 1 && epsilonUpper >= 0)
        let bits = Double(n) * (1 - log2(1 + 4 * epsilonUpper)) - Double(leakedBits) - log2(1 / epsilonPA) + 1
        return Int(bits.rounded(.down))
    }
}
