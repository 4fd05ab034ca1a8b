import Hashing
import Randomness

/// How many variables have each column weight (node perspective): `(degree, fraction)` pairs.
///
/// Irregular profiles (many weight-2 and -3 columns for fast convergence, a few heavy ones
/// that anchor the rest) reach much closer to the Shannon limit than regular codes at the high
/// rates reconciliation needs.
public struct DegreeProfile: Sendable, Hashable, Codable {
    public let degrees: [Int]
    public let fractions: [Double]

    public init(_ pairs: [(degree: Int, fraction: Double)]) {
        precondition(!pairs.isEmpty && pairs.allSatisfy { $0.degree >= 1 && $0.fraction >= 0 })
        let total = pairs.reduce(0) { $0 + $1.fraction }
        degrees = pairs.map(\.degree)
        fractions = pairs.map { $0.fraction / total }
    }

    public static func regular(_ w: Int) -> DegreeProfile { DegreeProfile([(w, 1)]) }

    /// The column weight of each of `n` variables, at most `m`.
    func columnWeights(variables n: Int, checks m: Int) -> [Int] {
        var weights: [Int] = []
        weights.reserveCapacity(n)
        var assigned = 0.0
        for (k, d) in degrees.enumerated() {
            assigned += fractions[k] * Double(n)
            let upTo = k == degrees.count - 1 ? n : min(n, Int(assigned.rounded()))
            while weights.count < upTo { weights.append(min(d, m)) }
        }
        return weights
    }
}

/// A sparse binary parity-check matrix `H` (`checks x variables`) with a chosen column-weight
/// profile, stored by check.
///
/// Alice discloses the syndrome `H x`: `checks` linear functions of her raw key, which is what
/// SECURITY-MATH §5 allows the privacy-amplification bound to absorb.
public struct LDPCCode: Sendable {
    public let variables: Int
    public let checks: Int
    /// `checkStart[c] ..< checkStart[c + 1]` indexes the edges of check `c` in `edgeVariable`.
    let checkStart: [Int32]
    /// The variable at the end of each edge, edges grouped by check.
    let edgeVariable: [Int32]

    public var edges: Int { edgeVariable.count }

    /// A code in which every variable joins `columnWeight` checks.
    public init(variables n: Int, checks m: Int, columnWeight w: Int = 3, seed: UInt64) {
        self.init(variables: n, checks: m, profile: .regular(w), seed: seed)
    }

    /// Builds a random code deterministically from `seed` (a public value Alice announces, so
    /// Bob rebuilds the same matrix): every variable joins as many distinct checks as the
    /// profile gives it, and check degrees differ by at most one.
    /// - Complexity: O(edges) expected.
    public init(variables n: Int, checks m: Int, profile: DegreeProfile, seed: UInt64) {
        precondition(n >= 1 && m >= 1)
        variables = n
        checks = m
        var rng = Xoshiro256(seed: seed, stream: "ldpc")
        let weights = profile.columnWeights(variables: n, checks: m)
        var start = [Int](repeating: 0, count: n + 1)
        for v in 0..<n { start[v + 1] = start[v] + weights[v] }
        // Sockets: check c appears as often as its degree; a random permutation deals them to
        // the variables' slots.
        let edgeCount = start[n]
        var sockets = [Int32](repeating: 0, count: edgeCount)
        for e in 0..<edgeCount { sockets[e] = Int32(e % m) }
        sockets.shuffle(using: &rng)
        // Repair repeated checks within one variable by swapping with random sockets elsewhere;
        // a swap can create a clash in the other variable, so sweep until a sweep is clean.
        var clean = false
        while !clean {
            clean = true
            for v in 0..<n where weights[v] > 1 {
                let base = start[v]
                for k in 1..<weights[v] where (0..<k).contains(where: { sockets[base + $0] == sockets[base + k] }) {
                    sockets.swapAt(base + k, Int.random(in: 0..<edgeCount, using: &rng))
                    clean = false
                }
            }
        }
        var owner = [Int32](repeating: 0, count: edgeCount)
        for v in 0..<n { for e in start[v]..<start[v + 1] { owner[e] = Int32(v) } }
        var degree = [Int32](repeating: 0, count: m + 1)
        for c in sockets { degree[Int(c) + 1] += 1 }
        for c in 0..<m { degree[c + 1] += degree[c] }
        var fill = degree
        var edgeVariable = [Int32](repeating: 0, count: edgeCount)
        for e in 0..<edgeCount {
            let c = Int(sockets[e])
            edgeVariable[Int(fill[c])] = owner[e]
            fill[c] += 1
        }
        checkStart = degree
        self.edgeVariable = edgeVariable
    }

    /// The code whose parity checks are this code's followed by `other`'s, on the same
    /// variables: used when a frame that failed to decode gets extra syndrome bits.
    public func stacked(with other: LDPCCode) -> LDPCCode {
        precondition(other.variables == variables)
        let offset = Int32(edgeVariable.count)
        return LDPCCode(variables: variables, checks: checks + other.checks,
                        checkStart: checkStart + other.checkStart.dropFirst().map { $0 + offset },
                        edgeVariable: edgeVariable + other.edgeVariable)
    }

    init(variables: Int, checks: Int, checkStart: [Int32], edgeVariable: [Int32]) {
        self.variables = variables
        self.checks = checks
        self.checkStart = checkStart
        self.edgeVariable = edgeVariable
    }

    /// The syndrome `H x`.
    public func syndrome(_ x: BitVector) -> BitVector {
        precondition(x.count == variables)
        var s = BitVector(count: checks)
        x.words.withUnsafeBufferPointer { words in
            for c in 0..<checks {
                var parity: UInt64 = 0
                for e in Int(checkStart[c])..<Int(checkStart[c + 1]) {
                    let v = Int(edgeVariable[e])
                    parity ^= words[v >> 6] >> UInt64(v & 63)
                }
                if parity & 1 == 1 { s[c] = true }
            }
        }
        return s
    }
}
