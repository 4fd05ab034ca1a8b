import Foundation

/// Parameter estimation from test rounds (Appendix D, SECURITY-MATH §4.2).
public enum ParameterEstimation {
    /// The sampling deviation `xi = 4 sqrt(ln(2 / eps_PE) / k)` of Lemma 21 with two outcomes
    /// (the box failed CHSH or not): the observed and unobserved error fractions differ by at
    /// most `xi (n + k) / n` except with probability `eps_PE`.
    ///
    /// `k` may be an effective number of rounds (``SettingStatistics/effectiveTestRounds``).
    /// `ln(2 / eps_PE)` is computed as `ln 2 - ln eps_PE`, finite for every positive `eps_PE`.
    /// - Precondition: `k > 0`, `0 < eps_PE < 1`.
    public static func deviation(testRounds k: Double, epsilonPE: Double) -> Double {
        precondition(k > 0 && epsilonPE > 0 && epsilonPE < 1)
        return 4 * ((log(2) - log(epsilonPE)) / k).squareRoot()
    }

    /// ``deviation(testRounds:epsilonPE:)`` for `k` equally weighted rounds.
    public static func deviation(testRounds k: Int, epsilonPE: Double) -> Double {
        deviation(testRounds: Double(k), epsilonPE: epsilonPE)
    }

    /// The upper bound `eps_up = eps_hat + xi (n + k) / n` on the CHSH error of the `n`
    /// raw-key boxes, from `k` test rounds with observed error fraction `observed`.
    ///
    /// This is the paper's argument, which treats each box's failure as a symmetric random
    /// variable; a fully general finite-size proof against non-signalling adversaries is
    /// beyond the paper.
    public static func upperBound(observed: Double, testRounds k: Int, rawKeyBits n: Int, epsilonPE: Double) -> Double {
        upperBound(observed: observed, effectiveTestRounds: Double(k), testRounds: k, rawKeyBits: n, epsilonPE: epsilonPE)
    }

    /// The bound for the setting-weighted estimate `eps_hat = 1/4 sum_uv f_uv / k_uv`
    /// (SECURITY-MATH §8): `eps_up = eps_hat + xi(k_eff) (n + k) / n` with
    /// `k_eff = 16 / sum_uv (1 / k_uv)`.
    ///
    /// Why `k_eff`: the weighted estimate gives test round `j` the weight
    /// `w_j = 1 / (4 k_uv(j))`. Tail bounds for a weighted mean of bounded variables (Hoeffding's
    /// inequality, on which sampling bounds such as Lemma 21 rest) depend on the weights only
    /// through `sum_j w_j^2`, which is `1 / k` for `k` equally weighted rounds; so the weighted
    /// estimate concentrates like `k_eff = 1 / sum_j w_j^2` equally weighted rounds, and Lemma 21's
    /// deviation is taken at `k_eff`. When the four pairs were tested equally often `k_eff = k`
    /// and this is the paper's bound exactly; otherwise `k_eff < k` and the bound widens, driven
    /// by the least-tested pair (`k_eff <= 16 min k_uv`). The factor `(n + k) / n` relates the
    /// test sample to the untested boxes as in Appendix D.
    /// - Parameters:
    ///   - observed: `eps_hat`, in [0, 1].
    ///   - effectiveTestRounds: `k_eff > 0`.
    ///   - testRounds: `k`, all test rounds.
    ///   - rawKeyBits: `n > 0`.
    ///   - epsilonPE: the failure probability of the estimate, in (0, 1).
    public static func upperBound(observed: Double, effectiveTestRounds: Double, testRounds k: Int, rawKeyBits n: Int,
                                  epsilonPE: Double) -> Double {
        precondition(n > 0)
        return observed + deviation(testRounds: effectiveTestRounds, epsilonPE: epsilonPE) * Double(n + k) / Double(n)
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
    /// `log2(1 / eps_PA)` is computed as `-log2 eps_PA`, finite for every positive `eps_PA`
    /// (even subnormal ones); a result below `-2^53` is returned as `-2^53`.
    public static func length(rawKeyBits n: Int, epsilonUpper: Double, leakedBits: Int, epsilonPA: Double) -> Int {
        precondition(n >= 0 && leakedBits >= 0 && epsilonPA > 0 && epsilonPA < 1 && epsilonUpper >= 0 && epsilonUpper.isFinite)
        let bits = Double(n) * (1 - log2(1 + 4 * epsilonUpper)) - Double(leakedBits) + log2(epsilonPA) + 1
        return Int(max(bits, -0x1p53).rounded(.down))
    }
}
