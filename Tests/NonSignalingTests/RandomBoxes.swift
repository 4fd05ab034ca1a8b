import NonSignaling
import Randomness

/// The project's seeded generator; every test prints the seed it used.
typealias SeededGenerator = Xoshiro256

/// The 24 vertices of the single-box non-signalling polytope: 16 local deterministic boxes and
/// the 8 relabelled PR boxes `x XOR y = uv XOR au XOR bv XOR c`.
let nonSignalingVertices: [Behaviour] = Behaviour.allLocalDeterministic + (0..<8).map { bits in
    let a = bits & 1, b = (bits >> 1) & 1, c = bits >> 2
    return Behaviour(boxes: 1) { x, y, u, v in (x ^ y) == ((u & v) ^ (a & u) ^ (b & v) ^ c) ? 0.5 : 0 }
}

/// A random non-signalling box: a random mixture of the polytope's vertices.
func randomNonSignalingBox(using rng: inout Xoshiro256) -> Behaviour {
    let weights = nonSignalingVertices.map { _ in Double.random(in: 0..<1, using: &rng) }
    let total = weights.reduce(0, +)
    return Behaviour.mixture(zip(weights, nonSignalingVertices).map { ($0 / total, $1) })
}
