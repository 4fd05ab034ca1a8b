/// Depolarisation (Appendix E): local relabellings, chosen at random and announced, that turn
/// any box into an unbiased box with the same CHSH error on every input.
///
/// For each box, independently: with probability 1/2 both parties flip their outputs; then,
/// with probability 1/4 each, one of the four maps below is applied. Write `(u', v')` for the
/// parties' inputs and `(x', y')` for what they output; the box itself receives
/// `(u' XOR a, v' XOR b)` and returns `(x, y)`, and
///
///     x' = x XOR f XOR b (u' XOR a),     y' = y XOR f XOR a v',
///
/// with `f` the output flip. `(a, b) = (0,0), (0,1), (1,0), (1,1)` are the paper's maps 1–4.
/// In every case `x' XOR y' XOR u'v' = x XOR y XOR uv`, so CHSH errors are preserved entry by
/// entry, while each input pair now sees the average over all four of the box's input pairs.
/// (The paper writes map 4's output change as `x -> x XOR u XOR 1`, where `u` is the party's
/// own input before the input flip; with the flipped input the map would swap success and
/// failure of the CHSH condition.)
public enum Depolarisation {
    /// One of the eight local relabellings of a single box.
    public struct Relabelling: Sendable, Hashable {
        /// Both outputs flipped.
        public let flip: Int
        /// Alice's input flipped on the way into the box.
        public let a: Int
        /// Bob's input flipped on the way into the box.
        public let b: Int

        public init(flip: Int, a: Int, b: Int) {
            self.flip = flip
            self.a = a
            self.b = b
        }

        /// All eight, each used with probability 1/8.
        public static let all: [Relabelling] = (0..<8).map { Relabelling(flip: $0 & 1, a: ($0 >> 1) & 1, b: $0 >> 2) }

        /// The box's own inputs and outputs that produce the parties' `(x', y', u', v')`.
        @inline(__always)
        func boxEntry(x: Int, y: Int, u: Int, v: Int) -> (x: Int, y: Int, u: Int, v: Int) {
            (x ^ flip ^ (b & (u ^ a)), y ^ flip ^ (a & v), u ^ a, v ^ b)
        }
    }

    /// The behaviour seen by the parties after applying `relabelling` to box `box`.
    public static func apply(_ relabelling: Relabelling, toBox box: Int, of behaviour: Behaviour) -> Behaviour {
        let layout = behaviour.layout
        let bit = 1 << box
        return Behaviour(boxes: behaviour.boxes) { x, y, u, v in
            let local = relabelling.boxEntry(x: (x >> box) & 1, y: (y >> box) & 1, u: (u >> box) & 1, v: (v >> box) & 1)
            let index = layout.index(x: (x & ~bit) | (local.x << box), y: (y & ~bit) | (local.y << box),
                                     u: (u & ~bit) | (local.u << box), v: (v & ~bit) | (local.v << box))
            return behaviour.probabilities[index]
        }
    }

    /// The average over the eight relabellings of box `box`.
    public static func depolarise(box: Int, of behaviour: Behaviour) -> Behaviour {
        Behaviour.mixture(Relabelling.all.map { (1.0 / 8, apply($0, toBox: box, of: behaviour)) })
    }

    /// Depolarisation of every box, independently: the map of Lemma 14.
    ///
    /// The result is a mixture of products of unbiased boxes with input-independent errors,
    /// and has the same total mass on entries where every box violates CHSH.
    /// - Complexity: O(8 n 16^n).
    public static func depolarise(_ behaviour: Behaviour) -> Behaviour {
        (0..<behaviour.boxes).reduce(behaviour) { depolarise(box: $1, of: $0) }
    }
}
