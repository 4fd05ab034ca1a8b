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
    /// Extended irregular repeat-accumulate structure: the first `checks - 1` variables have
    /// weight 2 and form a staircase (variable `i` joins checks `i` and `i + 1`), so weight-2
    /// columns never close a cycle among themselves; `degrees` and `fractions` then describe
    /// the other variables.
    public let staircase: Bool

    public init(_ pairs: [(degree: Int, fraction: Double)], staircase: Bool = false) {
        precondition(!pairs.isEmpty && pairs.allSatisfy { $0.degree >= 1 && $0.fraction >= 0 })
        let total = pairs.reduce(0) { $0 + $1.fraction }
        degrees = pairs.map(\.degree)
        fractions = pairs.map { $0.fraction / total }
        self.staircase = staircase
    }

    /// A profile with exactly these fractions, not normalised again (so a profile read back from
    /// its encoding is bit-for-bit the one that was written); `degrees` and `fractions` are
    /// parallel, non-empty, degrees at least 1, fractions finite and non-negative.
    public init(degrees: [Int], fractions: [Double], staircase: Bool) {
        precondition(!degrees.isEmpty && degrees.count == fractions.count && degrees.allSatisfy { $0 >= 1 }
                     && fractions.allSatisfy { $0.isFinite && $0 >= 0 })
        self.degrees = degrees
        self.fractions = fractions
        self.staircase = staircase
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
    /// The base matrix and shifts when the code is quasi-cyclic (decoded layer by layer with
    /// contiguous vectors); `nil` for codes drawn edge by edge.
    public internal(set) var quasiCyclic: QuasiCyclicStructure? = nil

    public var edges: Int { edgeVariable.count }

    /// The largest number of variables in one check.
    var maximumCheckDegree: Int {
        var largest = 1
        for c in 0..<checks { largest = max(largest, Int(checkStart[c + 1] - checkStart[c])) }
        return largest
    }

    /// A code in which every variable joins `columnWeight` checks.
    public init(variables n: Int, checks m: Int, columnWeight w: Int = 3, seed: UInt64) {
        self.init(variables: n, checks: m, profile: .regular(w), seed: seed)
    }

    /// Builds a random code deterministically from `seed` (a public value Alice announces, so
    /// Bob rebuilds the same matrix): every variable joins as many distinct checks as the
    /// profile gives it (at most `m`), and check degrees stay close to equal.
    /// - Complexity: O(edges * weight) expected.
    public init(variables n: Int, checks m: Int, profile: DegreeProfile, seed: UInt64) {
        precondition(n >= 1 && m >= 1)
        variables = n
        checks = m
        var rng = Xoshiro256(seed: seed, stream: "ldpc")
        let chain = profile.staircase ? min(m - 1, n) : 0
        let weights = Array(repeating: 2, count: chain) + profile.columnWeights(variables: n - chain, checks: m)
        // Each check offers as many sockets as its share of the edges (shares differ by at most
        // one); every variable draws its checks from the remaining sockets, redrawing a check it
        // already has. When the sockets left cannot give a variable distinct checks (small codes
        // near the end of the draw), it takes any check it lacks: construction always ends.
        let randomEdges = weights[chain...].reduce(0, +)
        var pool = [Int32](repeating: 0, count: randomEdges)
        for e in 0..<randomEdges { pool[e] = Int32(e % m) }
        var poolCount = randomEdges
        var variableOfEdge: [Int32] = []
        var checkOfEdge: [Int32] = []
        variableOfEdge.reserveCapacity(2 * chain + randomEdges)
        checkOfEdge.reserveCapacity(2 * chain + randomEdges)
        for v in 0..<chain {
            variableOfEdge.append(Int32(v)); checkOfEdge.append(Int32(v))
            variableOfEdge.append(Int32(v)); checkOfEdge.append(Int32(v + 1))
        }
        var chosen: [Int32] = []
        for v in chain..<n {
            chosen.removeAll(keepingCapacity: true)
            for _ in 0..<weights[v] {
                var picked: Int32?
                for _ in 0..<32 where poolCount > 0 {
                    let index = Int.random(in: 0..<poolCount, using: &rng)
                    if !chosen.contains(pool[index]) {
                        picked = pool[index]
                        pool[index] = pool[poolCount - 1]
                        poolCount -= 1
                        break
                    }
                }
                if picked == nil {
                    var c = Int32(Int.random(in: 0..<m, using: &rng))
                    while chosen.contains(c) { c = (c + 1) % Int32(m) }
                    picked = c
                }
                chosen.append(picked!)
                variableOfEdge.append(Int32(v)); checkOfEdge.append(picked!)
            }
        }
        let edgeCount = variableOfEdge.count
        var degree = [Int32](repeating: 0, count: m + 1)
        for c in checkOfEdge { degree[Int(c) + 1] += 1 }
        for c in 0..<m { degree[c + 1] += degree[c] }
        var fill = degree
        var edgeVariable = [Int32](repeating: 0, count: edgeCount)
        for e in 0..<edgeCount {
            let c = Int(checkOfEdge[e])
            edgeVariable[Int(fill[c])] = variableOfEdge[e]
            fill[c] += 1
        }
        checkStart = degree
        self.edgeVariable = edgeVariable
    }

    /// The code whose parity checks are this code's followed by `other`'s, on the same
    /// variables: used when a frame that failed to decode gets extra syndrome bits.
    public func stacked(with other: LDPCCode) -> LDPCCode {
        precondition(other.variables == variables)
        // (The stack is no longer quasi-cyclic: it decodes with the general decoder.)
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

    /// Whether `other` is this very matrix (a copy of the same built code, sharing its storage):
    /// frames under one matrix can be decoded as a batch.
    func sharesMatrix(with other: LDPCCode) -> Bool {
        guard variables == other.variables, checks == other.checks, edges == other.edges else { return false }
        return edgeVariable.withUnsafeBufferPointer { a in other.edgeVariable.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
            && checkStart.withUnsafeBufferPointer { a in other.checkStart.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
    }

    /// The variables of check `c`: row `c` of `H` (what an eavesdropper reads off the code).
    public func variables(ofCheck c: Int) -> [Int] {
        (Int(checkStart[c])..<Int(checkStart[c + 1])).map { Int(edgeVariable[$0]) }
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
