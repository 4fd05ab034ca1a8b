/// The CHSH quantities of SECURITY-MATH §1.
///
/// The CHSH condition of one box is `x XOR y = u AND v`; a PR box (Definition 2) meets it
/// always. Errors are averaged over uniform inputs.
extension Behaviour {
    /// `P(x XOR y != u v | u, v)` of a single box for each input pair, indexed `2u + v`.
    public var errorsPerInput: [Double] {
        precondition(boxes == 1, "errorsPerInput is defined for a single box; take a marginal first")
        var errors = [0.0, 0.0, 0.0, 0.0]
        for u in 0...1 {
            for v in 0...1 {
                for x in 0...1 {
                    for y in 0...1 where (x ^ y) != (u & v) { errors[2 * u + v] += self[x, y, u, v] }
                }
            }
        }
        return errors
    }

    /// The CHSH error `eps = 1/4 sum_{x XOR y != uv} P(x, y | u, v)` of a single box.
    public var chshError: Double { errorsPerInput.reduce(0, +) / 4 }

    /// The key-basis error `delta = P(x != y | u = 0, v = 0)` of a single box.
    public var keyBasisError: Double { errorsPerInput[0] }

    /// The CHSH value `S = 4 - 8 eps` (local boxes reach at most 2, quantum boxes `2 sqrt 2`).
    public var chshValue: Double { 4 - 8 * chshError }

    /// The correlators `E(u, v) = P(x = y | u, v) - P(x != y | u, v)` of a single box, indexed
    /// `2u + v`.
    public var correlators: [Double] {
        precondition(boxes == 1, "correlators are defined for a single box")
        return (0..<4).map { pair in
            let u = pair >> 1, v = pair & 1
            return self[0, 0, u, v] + self[1, 1, u, v] - self[0, 1, u, v] - self[1, 0, u, v]
        }
    }

    /// The largest of the eight CHSH expressions `|sum_{uv} (+-) E(u, v)|` with an odd number
    /// of minus signs.
    public var maximalCHSHValue: Double {
        let e = correlators
        return (0..<4).map { negated in
            abs((0..<4).reduce(0.0) { $0 + ($1 == negated ? -e[$1] : e[$1]) })
        }.max()!
    }

    /// Whether a single non-signalling box is local, i.e. a mixture of local deterministic boxes.
    ///
    /// For two inputs and two outputs per side, Fine's theorem makes the eight CHSH
    /// inequalities the complete list of facets of the local polytope within the
    /// non-signalling polytope; for unbiased boxes this is the statement of SECURITY-MATH §1
    /// that `eps >= 1/4` under every relabelling (Bell, Lemma 1).
    public func isLocal(tolerance: Double = Behaviour.defaultTolerance) -> Bool {
        precondition(boxes == 1, "locality is decided here for a single box")
        return maximalCHSHValue <= 2 + tolerance
    }

    /// The CHSH error of every box, read from its one-box marginal.
    public var chshErrorsPerBox: [Double] { (0..<boxes).map { marginal(keeping: [$0]).chshError } }

    /// The probability mass, summed over all `(x, y, u, v)` *without* averaging over inputs,
    /// of the entries in which every box of `mask` violates the CHSH condition.
    ///
    /// For a product of boxes with errors `eps_i` this is `prod_{i in mask} 4 eps_i`; Lemma 14
    /// bounds Eve's distance from uniform on the parity by half of it.
    public func massWhereAllViolate(mask: Int) -> Double {
        let layout = self.layout
        var sum = 0.0
        for (index, p) in probabilities.enumerated() {
            let (x, y, u, v) = layout.coordinates(of: index)
            // Bit i of `satisfied` is 1 where box i meets x_i XOR y_i = u_i v_i.
            let satisfied = ~(x ^ y ^ (u & v))
            if satisfied & mask == 0 { sum += p }
        }
        return sum
    }
}
