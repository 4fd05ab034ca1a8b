import Hashing
import Randomness

/// A sparse binary parity-check matrix `H` (`checks x variables`) with a fixed number of ones
/// per column, stored both by check and by variable.
///
/// Alice discloses the syndrome `H x`: `checks` linear functions of her raw key, which is what
/// SECURITY-MATH §5 allows the privacy-amplification bound to absorb.
public struct LDPCCode: Sendable {
    public let variables: Int
    public let checks: Int
    public let columnWeight: Int
    /// `checkStart[c] ..< checkStart[c + 1]` indexes the edges of check `c` in `edgeVariable`.
    let checkStart: [Int32]
    /// The variable at the end of each edge, edges grouped by check.
    let edgeVariable: [Int32]

    public var edges: Int { edgeVariable.count }

    /// Builds a random code deterministically from `seed` (a public value Alice announces, so
    /// Bob rebuilds the same matrix): every variable joins `columnWeight` distinct checks and
    /// check degrees differ by at most one.
    /// - Complexity: O(n w) expected.
    public init(variables n: Int, checks m: Int, columnWeight w: Int = 3, seed: UInt64) {
        precondition(n >= 1 && m >= 1 && w >= 1)
        let weight = min(w, m)
        variables = n
        checks = m
        columnWeight = weight
        var rng = Xoshiro256(seed: seed, stream: "ldpc")
        // Sockets: check c appears as often as its degree; a random permutation deals them to
        // variables `weight` at a time.
        let edgeCount = n * weight
        var sockets = [Int32](repeating: 0, count: edgeCount)
        for e in 0..<edgeCount { sockets[e] = Int32(e % m) }
        sockets.shuffle(using: &rng)
        // Repair repeated checks within one variable by swapping with random sockets elsewhere;
        // a swap can create a clash in the other variable, so sweep until a sweep is clean.
        var clean = weight == 1
        while !clean {
            clean = true
            for v in 0..<n {
                let base = v * weight
                for k in 1..<weight where (0..<k).contains(where: { sockets[base + $0] == sockets[base + k] }) {
                    sockets.swapAt(base + k, Int.random(in: 0..<edgeCount, using: &rng))
                    clean = false
                }
            }
        }
        var degree = [Int32](repeating: 0, count: m + 1)
        for c in sockets { degree[Int(c) + 1] += 1 }
        for c in 0..<m { degree[c + 1] += degree[c] }
        var fill = degree
        var edgeVariable = [Int32](repeating: 0, count: edgeCount)
        for e in 0..<edgeCount {
            let c = Int(sockets[e])
            edgeVariable[Int(fill[c])] = Int32(e / weight)
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
        return LDPCCode(variables: variables, checks: checks + other.checks, columnWeight: columnWeight + other.columnWeight,
                        checkStart: checkStart + other.checkStart.dropFirst().map { $0 + offset },
                        edgeVariable: edgeVariable + other.edgeVariable)
    }

    init(variables: Int, checks: Int, columnWeight: Int, checkStart: [Int32], edgeVariable: [Int32]) {
        self.variables = variables
        self.checks = checks
        self.columnWeight = columnWeight
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
