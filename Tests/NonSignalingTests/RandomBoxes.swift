import NonSignaling

/// A small seeded generator (SplitMix64) so property tests are repeatable; every test prints
/// the seed it used.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The 24 vertices of the single-box non-signalling polytope: 16 local deterministic boxes and
/// the 8 relabelled PR boxes `x XOR y = uv XOR au XOR bv XOR c`.
let nonSignalingVertices: [Behaviour] = Behaviour.allLocalDeterministic + (0..<8).map { bits in
    let a = bits & 1, b = (bits >> 1) & 1, c = bits >> 2
    return Behaviour(boxes: 1) { x, y, u, v in (x ^ y) == ((u & v) ^ (a & u) ^ (b & v) ^ c) ? 0.5 : 0 }
}

/// A random non-signalling box: a random mixture of the polytope's vertices.
func randomNonSignalingBox(using rng: inout SeededGenerator) -> Behaviour {
    let weights = nonSignalingVertices.map { _ in Double.random(in: 0..<1, using: &rng) }
    let total = weights.reduce(0, +)
    return Behaviour.mixture(zip(weights, nonSignalingVertices).map { ($0 / total, $1) })
}
