import Foundation
import NonSignaling

/// Upper bounds on Eve's distance from uniform (Definition 6) against a non-signalling
/// adversary, SECURITY-MATH §2.
public enum DistanceBound {
    /// Lemma 5 (tight by Lemma 20 / Appendix A): one box with CHSH error `epsilon`, key bit
    /// `x`: `d <= 2 eps`.
    public static func singleBox(epsilon: Double) -> Double {
        2 * epsilon
    }

    /// Lemma 6: the XOR of the outputs of independent boxes with errors `epsilons`:
    /// `d <= 1/2 prod_i 4 eps_i` (tight). Boxes outside the parity set simply do not appear.
    public static func parity(epsilons: [Double]) -> Double {
        epsilons.reduce(0.5) { $0 * 4 * $1 }
    }

    /// Lemma 14 (with Lemma 10's factor 1/2) for any behaviour, independent or not: Eve's
    /// distance from uniform on the XOR of the outputs of the boxes in `mask` is at most half
    /// the mass on entries `(x, y, u, v)` where every box of the mask violates CHSH.
    ///
    /// For a mask that is not the full set, the other boxes are first summed out
    /// (their outputs are then simply not part of the parity, and by non-signalling their
    /// inputs do not matter). The behaviour must be non-signalling.
    public static func lemma14(_ behaviour: Behaviour, mask: Int) -> Double {
        let kept = (0..<behaviour.boxes).filter { mask >> $0 & 1 == 1 }
        precondition(!kept.isEmpty, "the parity mask selects no box")
        let marginal = kept.count == behaviour.boxes ? behaviour : behaviour.marginal(keeping: kept)
        return marginal.massWhereAllViolate(mask: (1 << kept.count) - 1) / 2
    }

    /// Lemmas 17 and 18, in log2 form to survive large `n`: `s` key bits and `m` leaked
    /// linear bits taken as uniformly random linear combinations of `n` box outputs, each with
    /// CHSH error at most `epsilon`, have
    /// `log2 d <= -1 + (s + m) + n log2((1 + 4 eps) / 2)`.
    public static func log2LinearKey(keyBits s: Int, leakedBits m: Int, boxes n: Int, epsilon: Double) -> Double {
        -1 + Double(s + m) + Double(n) * log2((1 + 4 * epsilon) / 2)
    }

    /// Lemma 25: from `eps >= 3 / (8n + 4)` on, the collective attack of Lemma 24 on `n`
    /// boxes makes at least one of them fully local for every outcome Eve sees, so she knows
    /// one bit of every `n` with certainty.
    public static func collectiveAttackThreshold(boxes n: Int) -> Double {
        precondition(n >= 1)
        return 3 / (8 * Double(n) + 4)
    }
}
