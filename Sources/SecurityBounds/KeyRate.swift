import Foundation

/// Asymptotic key rates and the regions of Figure 4 (SECURITY-MATH §3).
public enum KeyRate {
    /// Lemma 19: `q = 1 - h(delta) - log2(1 + 4 eps)` secret bits per raw-key box against a
    /// non-signalling adversary, in the limit of many boxes. Negative means no key.
    public static func nonSignaling(epsilon: Double, delta: Double) -> Double {
        1 - binaryEntropy(delta) - log2(1 + 4 * epsilon)
    }

    /// Corollary 2: the key rate is positive iff `eps` is below `2^(-h(delta) - 1) - 1/4`.
    /// This is the upper edge of the key-agreement region of Figure 4.
    public static func epsilonThreshold(delta: Double) -> Double {
        pow(2, -binaryEntropy(delta) - 1) - 0.25
    }

    /// The smallest CHSH error that quantum mechanics reaches with key-basis error `delta`,
    /// the lower edge of the quantum region of Figure 4:
    /// `eps_min = [delta + 3/2 (1 - sin((pi - asin(1 - 2 delta)) / 3))] / 4`.
    ///
    /// With unbiased marginals, correlators `E_uv` are quantum iff
    /// `|asin E00 + asin E01 + asin E10 - asin E11| <= pi` (and relabellings). Fixing
    /// `E00 = 1 - 2 delta`, the total error of the other three inputs is smallest when they
    /// share the remaining angle equally. `eps_min(0) = 3/16`: the singlet box of Figure 13.
    public static func quantumMinimumEpsilon(delta: Double) -> Double {
        precondition((0...1).contains(delta))
        let c = sin((Double.pi - asin(1 - 2 * delta)) / 3)
        return (delta + 1.5 * (1 - c)) / 4
    }

    /// The device-independent rate against *quantum* adversaries with collective attacks
    /// (Pironio et al. 2009), `1 - h(delta) - h((1 + sqrt((S/2)^2 - 1)) / 2)`, for comparison
    /// only. `nil` outside `2 < S <= 2 sqrt 2`, where the formula does not apply.
    public static func quantumAdversary(chshValue s: Double, delta: Double) -> Double? {
        guard s > 2, s <= 2 * 2.0.squareRoot() + 1e-12 else { return nil }
        let root = max(0, (s / 2) * (s / 2) - 1).squareRoot()
        return 1 - binaryEntropy(delta) - binaryEntropy(min(1, (1 + root) / 2))
    }

    /// The key-basis error at which the key-agreement and quantum boundaries cross: for
    /// larger `delta` no quantum box gives a non-signalling key (the right tip of the green
    /// region of Figure 4).
    public static func largestQuantumKeyDelta() -> Double {
        var low = 0.0, high = 0.5
        for _ in 0..<100 {
            let mid = (low + high) / 2
            if quantumMinimumEpsilon(delta: mid) < epsilonThreshold(delta: mid) { low = mid } else { high = mid }
        }
        return low
    }
}
