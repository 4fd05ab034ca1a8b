/// The standard single boxes of the paper.
extension Behaviour {
    /// The PR box (Definition 2): `x XOR y = u v` always, with uniform outputs; `eps = 0`.
    public static let prBox = noisyPRBox(errors: [0, 0, 0, 0])

    /// A PR box whose CHSH condition fails with probability `errors[2u + v]` on input `(u, v)`,
    /// with uniform marginals (hence non-signalling for any errors in `[0, 1]`).
    ///
    /// With equal errors `e` this is the "approximation of a PR box with error `e`" used
    /// throughout Sections 4 and 5; with `errors[0] = delta` it is the box of Figure 13.
    public static func noisyPRBox(errors: [Double]) -> Behaviour {
        precondition(errors.count == 4 && errors.allSatisfy { (0...1).contains($0) },
                     "need four errors in [0, 1], indexed 2u + v")
        return Behaviour(boxes: 1) { x, y, u, v in
            let error = errors[2 * u + v]
            return (x ^ y) == (u & v) ? (1 - error) / 2 : error / 2
        }
    }

    /// A noisy PR box with the same error `epsilon` on every input pair.
    public static func noisyPRBox(epsilon: Double) -> Behaviour {
        noisyPRBox(errors: [epsilon, epsilon, epsilon, epsilon])
    }

    /// The local deterministic box `x = a(u)`, `y = b(v)`, where `alice[u]` and `bob[v]` are
    /// the output bits chosen for each input.
    public static func localDeterministic(alice: [Int], bob: [Int]) -> Behaviour {
        precondition(alice.count == 2 && bob.count == 2, "one output bit per input")
        return Behaviour(boxes: 1) { x, y, u, v in
            (x == alice[u] && y == bob[v]) ? 1 : 0
        }
    }

    /// All sixteen local deterministic boxes, the vertices of the local polytope.
    public static var allLocalDeterministic: [Behaviour] {
        (0..<16).map { bits in
            localDeterministic(alice: [bits & 1, (bits >> 1) & 1], bob: [(bits >> 2) & 1, (bits >> 3) & 1])
        }
    }

    /// The behaviour of `n` boxes in which every box is `box`, independently.
    public static func independent(_ box: Behaviour, count: Int) -> Behaviour {
        precondition(count >= 1)
        return (1..<count).reduce(box) { product, _ in product.tensor(box) }
    }

    /// A weighted mixture `sum_k w_k P_k` of behaviours with the same number of boxes.
    public static func mixture(_ parts: [(weight: Double, behaviour: Behaviour)]) -> Behaviour {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.behaviour.boxes == parts[0].behaviour.boxes })
        var result = [Double](repeating: 0, count: parts[0].behaviour.probabilities.count)
        for (weight, behaviour) in parts {
            for (index, p) in behaviour.probabilities.enumerated() { result[index] += weight * p }
        }
        return try! Behaviour(boxes: parts[0].behaviour.boxes, probabilities: result)
    }
}
