import Hashing
import Protocol
import Randomness
import Reconciliation

/// What Eve knows about the final key after a run, computed exactly from her partition record
/// and the public transcript (nothing of Alice's or Bob's private data).
///
/// For every raw-key round Eve knows Alice's bit when her element was deterministic; the other
/// bits are uniform and independent given everything she holds (a PR box's outputs are
/// uniform and Bob's are never public in key rounds). The public linear functions of the raw
/// key (syndromes, extra syndromes, the verification hash) then constrain the unknown bits to
/// an affine subspace, and a linear function of the key is known to Eve exactly when its
/// restriction to the unknown bits lies in the span of the public ones. With `k` independent
/// known linear functions of an `l`-bit key, the key is uniform on a coset of a subspace of
/// dimension `l - k`: its distance from uniform given Eve's information is `1 - 2^-k`.
public struct EveKnowledge: Sendable, Codable, Equatable {
    public var rawKeyBits: Int
    /// Raw-key bits Eve knows from her partition alone.
    public var knownRawBits: Int
    /// The rank of the public linear functions restricted to the bits she does not know.
    public var publicRank: Int
    public var keyBits: Int
    /// Key bits Eve determines exactly.
    public var knownKeyBits: Int
    /// Independent linear functions of the key Eve determines exactly (`k`).
    public var knownKeyParities: Int
    /// Whether every key bit Eve determined agrees with Alice's key (checked by the caller
    /// against the real key; `nil` when there was none to check).
    public var deductionsCorrect: Bool?
    /// `1 - 2^-k`.
    public var distanceFromUniform: Double { knownKeyParities == 0 ? 0 : 1 - pow2(-knownKeyParities) }

    private func pow2(_ e: Int) -> Double { e < -1000 ? 0 : Double(sign: .plus, exponent: e, significand: 1) }
}

public enum EveAnalysis {
    /// Eve's knowledge after one run.
    /// - Parameters:
    ///   - transcript: the public channel's transcript.
    ///   - partitionRecord: Eve's element for every round, in round order.
    ///   - aliceOutput: see ``EavesdropperDevices/aliceOutput``.
    ///   - aliceKey: Alice's final key, only to check Eve's deductions (never used to make them).
    ///   - hypotheticalKeyBits: analyse instead a key of this many bits hashed from the same raw
    ///     key with a fresh public seed drawn from `rng` (to show what a too-long key leaks).
    public static func analyse(transcript: [(from: Party, message: Message)], partitionRecord: [UInt32],
                               aliceOutput: [[Int?]], aliceKey: BitVector?, hypotheticalKeyBits: Int? = nil,
                               rng: inout Xoshiro256) -> EveKnowledge? {
        var aliceInputs: BitVector?, bobInputs: BitVector?, test: BitVector?
        var plan: SyndromeReconciliation.Plan?
        var syndromeBits = BitVector(count: 0)
        var extra: [(frames: [Int], attempt: Int, bits: BitVector)] = []
        var verifications: [(seed: BitVector, hash: BitVector)] = []
        var frameHashes: [(seed: BitVector, hashes: BitVector)] = []
        var amplification: (seed: BitVector, keyBits: Int)?
        for (from, message) in transcript {
            switch message {
            case .inputs(let v): if from == .alice { aliceInputs = v } else { bobInputs = v }
            case .testMarks(let t), .testSelection(let t): test = t
            case .syndromes(let p, let bits): plan = p; syndromeBits = bits
            case .extraSyndromes(let frames, let attempt, let bits): extra.append((frames, attempt, bits))
            case .verification(let seed, let hash): verifications.append((seed, hash))
            case .frameHashes(let seed, let hashes): frameHashes.append((seed, hashes))
            case .privacyAmplification(let seed, let keyBits): amplification = (seed, keyBits)
            default: break
            }
        }
        guard let aliceInputs, let bobInputs, let test, let plan, let amplification else { return nil }
        let selection = RoundSelection(test: test, aliceInputs: aliceInputs, bobInputs: bobInputs)
        let rounds = (0..<selection.rawKey.count).filter { selection.rawKey[$0] }
        let n = rounds.count
        // Eve's own bits, and the unknown positions as columns of her linear system.
        var known = [Int?](repeating: nil, count: n)
        var column = [Int](repeating: -1, count: n)
        var unknownCount = 0
        for (i, round) in rounds.enumerated() {
            let z = Int(partitionRecord[round])
            if let bit = aliceOutput[z][aliceInputs[round] ? 1 : 0] {
                known[i] = bit
            } else {
                column[i] = unknownCount
                unknownCount += 1
            }
        }
        var system = GF2Elimination(columns: unknownCount)
        // Public linear functions, given by raw-key positions and value, inserted in batches.
        let batchSize = 64
        var pendingRows: [[UInt64]] = []
        var pendingValues: [Bool] = []
        func flushPublic() {
            guard !pendingRows.isEmpty else { return }
            _ = system.insertBatch(pendingRows, rhs: pendingValues, prefix: 0)
            pendingRows.removeAll(keepingCapacity: true)
            pendingValues.removeAll(keepingCapacity: true)
        }
        func addPublic(_ positions: [Int], value: Bool) {
            var row = [UInt64](repeating: 0, count: system.words)
            var rhs = value
            for i in positions {
                if let bit = known[i] { rhs = rhs != (bit == 1) } else { row[column[i] >> 6] ^= 1 << UInt64(column[i] & 63) }
            }
            pendingRows.append(row)
            pendingValues.append(rhs)
            if pendingRows.count == batchSize { flushPublic() }
        }
        var offset = 0
        for k in 0..<plan.frames {
            let range = plan.frameRange(k)
            let code = plan.code(frame: k)
            for c in 0..<code.checks {
                addPublic(code.variables(ofCheck: c).map { range.lowerBound + $0 }, value: syndromeBits[offset + c])
            }
            offset += code.checks
        }
        for round in extra {
            var position = 0
            for k in round.frames {
                let range = plan.frameRange(k)
                let code = SyndromeReconciliation.extraCode(plan: plan, frame: k, attempt: round.attempt)
                for c in 0..<code.checks {
                    addPublic(code.variables(ofCheck: c).map { range.lowerBound + $0 }, value: round.bits[position + c])
                }
                position += code.checks
            }
        }
        for verification in verifications {
            let l = verification.hash.count
            for j in 0..<l {
                addPublic(toeplitzRow(seed: verification.seed, row: j, inputBits: n, outputBits: l), value: verification.hash[j])
            }
        }
        // A recovery's frame hashes: each frame's Toeplitz rows, shifted to the frame's place.
        for round in frameHashes {
            var position = 0
            for k in 0..<plan.frames {
                let range = plan.frameRange(k)
                let hash = VerificationRecovery.frameHash(frame: k, plan: plan, seed: round.seed)
                for j in 0..<hash.outputBits {
                    let row = toeplitzRow(seed: hash.seed, row: j, inputBits: hash.inputBits, outputBits: hash.outputBits)
                    addPublic(row.map { range.lowerBound + $0 }, value: round.hashes[position + j])
                }
                position += hash.outputBits
            }
        }
        flushPublic()
        let publicRank = system.rank

        // The key rows: the protocol's, or a hypothetical longer key with a fresh seed.
        let l = hypotheticalKeyBits ?? amplification.keyBits
        let seed = hypotheticalKeyBits == nil ? amplification.seed : BitVector.random(count: n + l - 1, using: &rng)
        // Key rows go into the same elimination after the public ones: a row the public rows
        // alone reduce to zero is a key bit Eve knows; every dependent row is a known parity.
        var knownBits = 0
        var correct = true
        // The key rows of Eve's unknowns: bit i of row j is seed[i - j + l - 1] restricted to
        // the unknown positions; the known positions add a constant.
        let unknownPositions = (0..<n).filter { known[$0] == nil }
        let knownPositions = (0..<n).filter { known[$0] != nil }
        for batchStart in stride(from: 0, to: l, by: batchSize) {
            let rowsHere = batchStart..<min(l, batchStart + batchSize)
            var batch: [[UInt64]] = []
            var constants: [Bool] = []
            for j in rowsHere {
                var row = [UInt64](repeating: 0, count: system.words)
                for (c, i) in unknownPositions.enumerated() where seed[i - j + l - 1] {
                    row[c >> 6] |= 1 << UInt64(c & 63)
                }
                var constant = false
                for i in knownPositions where seed[i - j + l - 1] && known[i] == 1 { constant.toggle() }
                batch.append(row)
                constants.append(constant)
            }
            let determined = system.insertBatch(batch, rhs: nil, prefix: publicRank)
            for (offset, value) in determined.enumerated() {
                guard let value else { continue }
                knownBits += 1
                let j = rowsHere.lowerBound + offset
                if hypotheticalKeyBits == nil, let aliceKey, aliceKey[j] != (value != constants[offset]) { correct = false }
            }
        }
        return EveKnowledge(rawKeyBits: n, knownRawBits: n - unknownCount, publicRank: publicRank, keyBits: l,
                            knownKeyBits: knownBits, knownKeyParities: l - (system.rank - publicRank),
                            deductionsCorrect: hypotheticalKeyBits == nil && aliceKey != nil ? correct : nil)
    }

    /// Row `j` of the Toeplitz matrix of SECURITY-MATH §4.5 (`T[j][i] = seed[i - j + l - 1]`):
    /// the raw-key positions it sums.
    static func toeplitzRow(seed: BitVector, row j: Int, inputBits n: Int, outputBits l: Int) -> [Int] {
        (0..<n).filter { seed[$0 - j + l - 1] }
    }
}
