import Hashing
import Randomness

/// The shape of a quasi-cyclic LDPC code: a small base matrix whose every nonzero entry stands
/// for a `lift x lift` cyclically shifted identity.
///
/// Base row `r` is a *layer* of `lift` checks and base column `j` a *block* of `lift`
/// variables; entry `(r, j)` with shift `s` joins check `k` of layer `r` to variable
/// `(k + s) mod lift` of block `j`. The checks of a layer share no variable, so a layered
/// decoder updates all of them at once with contiguous vectors (`qc.c`), where a code drawn edge
/// by edge needs a gather and a scatter per edge.
///
/// Frame bit `i` is variable `i / blocks` of block `i % blocks`; the variables past the
/// frame's end (fewer than `blocks`, one per block at most) are *shortened*: known zeros, not
/// key bits, and not disclosed. Only the first `lastLayerChecks` checks of the last layer
/// exist, so the syndrome has exactly the length the plan asks for.
public struct QuasiCyclicStructure: Sendable, Hashable {
    public let lift: Int
    public let blocks: Int
    public let layers: Int
    public let lastLayerChecks: Int
    /// `rowStart[r] ..< rowStart[r + 1]` are layer `r`'s entries.
    let rowStart: [Int32]
    let entryBlock: [Int32]
    let entryShift: [Int32]

    /// The accumulator ring: `ringBlocks[c]` joins layers `c` and `c + 1` (shift 0), the last
    /// one layer `ringBlocks.count - 1` and layer 0 (shifts 0 and 1); empty without a ring.
    let ringBlocks: [Int32]

    public var entries: Int { entryBlock.count }

    /// The most entries in one layer.
    var widestLayer: Int { (0..<layers).map { Int(rowStart[$0 + 1] - rowStart[$0]) }.max() ?? 0 }
}

extension LDPCCode {
    /// The lift the protocol's quasi-cyclic codes use (on frames of 2^20 bits and more, so base
    /// matrices have at least 1,024 blocks): 64 vectors per entry and layer. Measured against
    /// 256 and 512 on 2^20- and 2^21-bit frames at 2% (`bench reconcile --lift`): as good a
    /// frame error rate once stuck accumulator runs are repaired (`SyndromeDecoder`), and 15–55%
    /// faster (longer contiguous runs of beliefs per entry).
    public static let defaultLift = 1024

    /// Builds a quasi-cyclic code for frames of `n` bits with `m` checks, deterministically from
    /// the public `seed`.
    ///
    /// The base matrix follows `profile` at block level. With `profile.staircase`, one block per
    /// full layer has weight 2 (the eIRA accumulator): block `c` joins layers `c` and `c + 1`
    /// with shift 0, and the last joins the last full layer (shift 0) to layer 0 with shift 1, so
    /// the Z chains link into one ring through every check of the full layers. The ring has no
    /// ends: with open chains, a chain ending on a missing check of a partial last layer leaves
    /// a weight-1 variable, and two channel errors on a chain's last two variables then leave a
    /// single unsatisfied check the decoder cannot resolve (what made 2^20-bit frames at
    /// δ = 0.5% fail about once in 60, f = 1.18). The other blocks take the profile's weights, their
    /// layers drawn from a pool in which every layer has an equal share of the edges. Block roles
    /// are shuffled, so the shortened variables and the partial last layer fall on blocks of
    /// every weight.
    ///
    /// Shifts are chosen greedily, heaviest blocks first: each new entry takes the shift that
    /// closes the fewest 4-cycles with the entries already placed (a 4-cycle through layers
    /// `a`, `b` and blocks `j`, `j'` exists when `s(a,j) - s(b,j) + s(b,j') - s(a,j') = 0 mod Z`),
    /// ties broken at random. At the rates reconciliation needs the heavy blocks share too many
    /// layers to avoid every 4-cycle; the greedy choice keeps them to about a random graph's
    /// count or fewer.
    /// - Complexity: O(base edges * column weight * row weight) for the shifts, plus O(edges).
    public init(quasiCyclicVariables n: Int, checks m: Int, lift Z: Int = LDPCCode.defaultLift, profile: DegreeProfile,
                seed: UInt64) {
        precondition(n >= 1 && m >= 1 && Z >= 16 && Z % 16 == 0)
        var rng = Xoshiro256(seed: seed, stream: "ldpc-qc")
        let nb = (n + Z - 1) / Z
        let mb = (m + Z - 1) / Z
        let lastChecks = m - (mb - 1) * Z
        // Block roles: the accumulator chain, then the profile's weights (heaviest first, the
        // order shifts are chosen in).
        let fullLayers = lastChecks == Z ? mb : mb - 1
        let chain = profile.staircase && fullLayers >= 2 ? min(fullLayers, nb) : 0
        var weights = profile.columnWeights(variables: nb - chain, checks: mb)
        weights.sort(by: >)
        var blockOfRole = Array(0..<nb)
        blockOfRole.shuffle(using: &rng)
        // Layers of each role (the ring's link, the last chain block, goes from the last full
        // layer back to layer 0).
        var layersOfRole: [[Int]] = (0..<chain).map { $0 == fullLayers - 1 ? [$0, 0] : [$0, $0 + 1] }
        let randomEdges = weights.reduce(0, +)
        var pool = (0..<randomEdges).map { $0 % mb }
        var poolCount = randomEdges
        for w in weights {
            var chosen: [Int] = []
            for _ in 0..<w {
                var picked: Int?
                for _ in 0..<32 where poolCount > 0 {
                    let index = Int.random(in: 0..<poolCount, using: &rng)
                    if !chosen.contains(pool[index]) {
                        picked = pool[index]
                        pool.swapAt(index, poolCount - 1)
                        poolCount -= 1
                        break
                    }
                }
                if picked == nil {
                    var r = Int.random(in: 0..<mb, using: &rng)
                    while chosen.contains(r) { r = (r + 1) % mb }
                    picked = r
                }
                chosen.append(picked!)
            }
            chosen.shuffle(using: &rng)
            layersOfRole.append(chosen)
        }
        // Shifts, role by role: the chain first, then heaviest first.
        var shift = [Int32](repeating: -1, count: mb * nb)
        var blocksOfLayer = [[Int32]](repeating: [], count: mb)
        var conflicts = [Int32](repeating: 0, count: Z)
        for role in 0..<nb {
            let j = blockOfRole[role]
            let rows = layersOfRole[role]
            for (a, ra) in rows.enumerated() {
                // Chain blocks: shift 0, but 1 where the ring's link meets layer 0.
                var s = role == fullLayers - 1 && a == 1 ? 1 : 0
                if role >= chain {
                    if a == 0 {
                        s = Int.random(in: 0..<Z, using: &rng)
                    } else {
                        for i in 0..<Z { conflicts[i] = 0 }
                        for rb in rows[..<a] {
                            let sb = Int(shift[rb * nb + j])
                            for other in blocksOfLayer[ra] {
                                let sOtherB = shift[rb * nb + Int(other)]
                                if sOtherB < 0 { continue }
                                let forbidden = (Int(shift[ra * nb + Int(other)]) - Int(sOtherB) + sb + 2 * Z) % Z
                                conflicts[forbidden] += 1
                            }
                        }
                        let start = Int.random(in: 0..<Z, using: &rng)
                        var best = Int32.max
                        for i in 0..<Z {
                            let candidate = (start + i) % Z
                            if conflicts[candidate] < best { best = conflicts[candidate]; s = candidate }
                        }
                    }
                }
                shift[ra * nb + j] = Int32(s)
                blocksOfLayer[ra].append(Int32(j))
            }
        }
        // Entries layer by layer, blocks in increasing order (the decoder's memory order).
        var rowStart: [Int32] = [0]
        var entryBlock: [Int32] = [], entryShift: [Int32] = []
        for r in 0..<mb {
            for j in blocksOfLayer[r].sorted() {
                entryBlock.append(j)
                entryShift.append(shift[r * nb + Int(j)])
            }
            rowStart.append(Int32(entryBlock.count))
        }
        let structure = QuasiCyclicStructure(lift: Z, blocks: nb, layers: mb, lastLayerChecks: lastChecks,
                                             rowStart: rowStart, entryBlock: entryBlock, entryShift: entryShift,
                                             ringBlocks: chain == fullLayers ? (0..<chain).map { Int32(blockOfRole[$0]) } : [])
        // The same matrix written out check by check, over the frame's bits.
        var checkStart: [Int32] = [0]
        var edgeVariable: [Int32] = []
        checkStart.reserveCapacity(m + 1)
        edgeVariable.reserveCapacity(entryBlock.count * Z)
        for r in 0..<mb {
            for k in 0..<(r == mb - 1 ? lastChecks : Z) {
                for e in Int(rowStart[r])..<Int(rowStart[r + 1]) {
                    let variable = ((k + Int(entryShift[e])) % Z) * nb + Int(entryBlock[e])
                    if variable < n { edgeVariable.append(Int32(variable)) }
                }
                checkStart.append(Int32(edgeVariable.count))
            }
        }
        self.init(variables: n, checks: m, checkStart: checkStart, edgeVariable: edgeVariable)
        quasiCyclic = structure
    }
}

extension QuasiCyclicStructure {
    /// The decoder's belief layout: block `j` at `j * (lift + 16)`, its first sixteen slots
    /// mirrored after its end.
    var beliefStride: Int { lift + 16 }

    /// Where frame bit `i` lives in that layout: slot `i / blocks` of block `i % blocks`.
    func beliefIndex(_ i: Int) -> Int { (i % blocks) * beliefStride + i / blocks }

    /// Calls `body(i, beliefIndex(i))` for the frame's `n` bits, block by block (no divisions;
    /// the belief indices ascend, so a long frame's beliefs are written or read in order).
    @inline(__always)
    func forEachFrameBit(_ n: Int, _ body: (Int, Int) -> Void) {
        for j in 0..<blocks {
            var i = j, index = j * beliefStride
            while i < n {
                body(i, index)
                i += blocks
                index += 1
            }
        }
    }

    /// The ring's checks in ring order: check `k` of layer `c` (c below the ring's length) is
    /// at position `(lift - 1 - k) * ring + c`; the variable after position `q` (between it and
    /// `q + 1`) is slot `lift - 1 - q / ring` of ring block `q % ring`.
    func ringPosition(check: Int) -> Int? {
        let ring = ringBlocks.count, layer = check / lift
        guard ring > 0, layer < ring else { return nil }
        return (lift - 1 - check % lift) * ring + layer
    }

    /// The ring variable after ring position `q`: its block and slot.
    func ringVariable(after q: Int) -> (block: Int, slot: Int) {
        let ring = ringBlocks.count
        return (Int(ringBlocks[q % ring]), lift - 1 - q / ring)
    }

    /// Pairs up the given ring positions (an even number) along the ring so that the arcs
    /// between partners are shortest in total (of the two ways to pair neighbours on a
    /// cycle), and returns the positions whose following variable lies on an arc; nothing
    /// when an arc would be longer than `longest` (a run of errors is short; a long arc
    /// means the unsatisfied checks come from something else).
    func ringArcs(_ positions: [Int], longest: Int) -> [Int] {
        let sorted = positions.sorted(), length = lift * ringBlocks.count, count = sorted.count
        guard count >= 2, count % 2 == 0 else { return [] }
        func arcs(offset: Int) -> [(from: Int, to: Int)] {
            stride(from: 0, to: count, by: 2).map { i in
                let a = sorted[(i + offset) % count], b = sorted[(i + offset + 1) % count]
                return (a, b >= a ? b : b + length)
            }
        }
        let first = arcs(offset: 0), second = arcs(offset: 1)
        let best = first.map { $0.to - $0.from }.reduce(0, +) <= second.map { $0.to - $0.from }.reduce(0, +) ? first : second
        guard best.allSatisfy({ $0.to - $0.from <= longest }) else { return [] }
        return best.flatMap { ($0.from..<$0.to).map { $0 % length } }
    }
}
