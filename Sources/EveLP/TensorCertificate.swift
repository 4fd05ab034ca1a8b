import NonSignaling

/// Lemma 12's certificate `lambda*^(x)n`: the tensor product of Appendix C's single-box duals,
/// kept as its `n` factors so that it can be checked for many boxes without the dense LP.
///
/// In the reduced form of ``DualCertificate`` a single box's dual is a 16-entry vector `w`
/// with `w - b` orthogonal to the non-signalling space. Appendix C's `lambda*_1` puts weight
/// one on exactly one bound row per CHSH-violating entry and nothing elsewhere; written as
/// the net weight of the upper minus the lower bound row it is, for public inputs `(u*, v*)`,
///
///     w(x, y | u, v) = (-1)^x * s(u, v) * [x XOR y != u v],   s(u, v) = -1 iff u != u* and v = 0,
///
/// (the only sign pattern on the violating entries that makes `w - b` orthogonal, for every
/// `v*`), so its value is `sum_{x XOR y != uv} P(x, y | u, v)` — `4 eps` for a box with CHSH
/// error `eps`, as Appendix C states. A box outside the parity set has `b = 1` on its input
/// pair and the certificate `w = b` (value 1: the normalisation).
///
/// For `n` boxes, `w = (x)_i w_i` and `w - (x)_i b_i` telescopes into a sum of terms each
/// carrying one factor `w_i - b_i`, which is orthogonal to the non-signalling space of box
/// `i`; hence checking the factors proves the product (Lemma 12). The value is
/// `sum_e P(e) prod_i |w_i(e_i)|`: the mass where every parity box violates CHSH — Lemma 14's
/// bound — and `prod_i 4 eps_i` for independent boxes (Lemma 6).
public struct TensorCertificate: Sendable {
    public let boxes: Int
    public let parity: Int
    public let aliceInputs: Int
    public let bobInputs: Int
    /// One 16-entry single-box vector per box (single-box flat layout).
    public let factors: [[Double]]

    public init(boxes n: Int, parity: Int, aliceInputs: Int, bobInputs: Int) {
        precondition(n >= 1 && n <= 8 && parity >= 1 && parity < 1 << n)
        boxes = n
        self.parity = parity
        self.aliceInputs = aliceInputs
        self.bobInputs = bobInputs
        factors = (0..<n).map { i in
            Self.singleBox(aliceInput: aliceInputs >> i & 1, bobInput: bobInputs >> i & 1,
                           inParity: parity >> i & 1 == 1)
        }
    }

    /// One box's certificate (see the type's documentation).
    public static func singleBox(aliceInput uStar: Int, bobInput vStar: Int, inParity: Bool) -> [Double] {
        let layout = Behaviour.Layout(boxes: 1)
        var w = [Double](repeating: 0, count: 16)
        for x in 0...1 {
            for y in 0...1 {
                for u in 0...1 {
                    for v in 0...1 {
                        let index = layout.index(x: x, y: y, u: u, v: v)
                        if inParity {
                            guard x ^ y != u & v else { continue }
                            let s: Double = (u != uStar && v == 0) ? -1 : 1
                            w[index] = (x == 0 ? 1 : -1) * s
                        } else if u == uStar && v == vStar {
                            w[index] = 1
                        }
                    }
                }
            }
        }
        return w
    }

    /// The single-box objective `b_i` for box `i`.
    public func factorObjective(_ i: Int) -> [Double] {
        let layout = Behaviour.Layout(boxes: 1)
        let uStar = aliceInputs >> i & 1, vStar = bobInputs >> i & 1
        var b = [Double](repeating: 0, count: 16)
        for x in 0...1 {
            for y in 0...1 {
                let sign: Double = (parity >> i & 1 == 1 && x == 1) ? -1 : 1
                b[layout.index(x: x, y: y, u: uStar, v: vStar)] = sign
            }
        }
        return b
    }

    /// Checks every factor: `M_1^T (w_i - b_i) = 0` exactly (all entries are 0 or +-1, so the
    /// arithmetic is exact). By the telescoping argument this proves `A^T lambda = b` and
    /// `lambda >= 0` for the `n`-box product without forming it.
    public func verifyFactors() -> Bool {
        let single = NonSignalingParametrisation(boxes: 1)
        return factors.indices.allSatisfy { i in
            let difference = zip(factors[i], factorObjective(i)).map { $0 - $1 }
            return single.multiplyTransposed(difference).allSatisfy { $0 == 0 }
        }
    }

    /// The certificate's value `c^T lambda` for independent boxes with the given single-box
    /// behaviours: `prod_i sum P_i |w_i|`. Eve's distance from uniform is at most half of it.
    public func value(independentBoxes: [Behaviour]) -> Double {
        precondition(independentBoxes.count == boxes && independentBoxes.allSatisfy { $0.boxes == 1 })
        return zip(factors, independentBoxes).reduce(1.0) { product, pair in
            product * zip(pair.1.probabilities, pair.0).reduce(0) { $0 + $1.0 * abs($1.1) }
        }
    }

    /// The dense `n`-box certificate `(x)_i w_i` in the flat layout (for checks against the
    /// dense LP; `16^n` entries).
    public func denseWeights() -> [Double] {
        precondition(boxes <= Behaviour.maximumBoxes)
        let layout = Behaviour.Layout(boxes: boxes)
        let single = Behaviour.Layout(boxes: 1)
        return (0..<layout.count).map { index in
            let (x, y, u, v) = layout.coordinates(of: index)
            var product = 1.0
            for i in 0..<boxes {
                product *= factors[i][single.index(x: x >> i & 1, y: y >> i & 1, u: u >> i & 1, v: v >> i & 1)]
                if product == 0 { break }
            }
            return product
        }
    }
}
