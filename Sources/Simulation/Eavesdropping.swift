import CCarryless
import EveLP
import Hashing
import NonSignaling
import Protocol
import Randomness
import Reconciliation
import SecurityBounds

/// Devices prepared by an eavesdropper: each round's box is an element of her box partition of
/// the honest behaviour (independent noisy PR boxes with CHSH error `eps` on every input), and
/// she remembers which element it was. Local elements are refined into local deterministic
/// boxes, so that whenever her element is local she knows Alice's output for either input.
public struct EavesdropperDevices {
    public enum Attack: Sendable, Hashable {
        /// Appendix A on every box: a PR box with weight `1 - 4 eps`, else one of the eight
        /// deterministic boxes with CHSH error 1/4.
        case individual(epsilon: Double)
        /// Lemma 24 on groups of `boxes` consecutive rounds (Lemma 23 for two).
        case collective(boxes: Int, epsilon: Double)

        public var epsilon: Double {
            switch self {
            case .individual(let e), .collective(_, let e): return e
            }
        }
    }

    public let attack: Attack
    /// The single boxes rounds are drawn from: index 0 the PR box, then the 16 local
    /// deterministic boxes.
    public let elements: [Behaviour]
    /// `aliceOutput[z][u]`: Alice's output on element `z` with input `u`, or `nil` when it is
    /// not determined (the PR box).
    public let aliceOutput: [[Int?]]
    public let source: BoxSource

    public enum Unavailable: Error, Sendable, CustomStringConvertible {
        case epsilon(Double)
        case collectiveThreshold(boxes: Int, epsilon: Double, limit: Double)

        public var description: String {
            switch self {
            case .epsilon(let e): return "the attacks need 0 <= eps <= 1/4 (got \(e))"
            case .collectiveThreshold(let n, let e, let limit):
                return "Lemma 24's partition of \(n) boxes exists only for eps <= \(limit) (got \(e))"
            }
        }
    }

    public init(attack: Attack, seed: UInt64) throws(Unavailable) {
        let epsilon = attack.epsilon
        guard (0...0.25).contains(epsilon) else { throw .epsilon(epsilon) }
        let deterministic = Behaviour.allLocalDeterministic
        elements = [Behaviour.prBox] + deterministic
        aliceOutput = elements.enumerated().map { z, box in
            guard z > 0 else { return [nil, nil] }
            return (0...1).map { u in box[0, 0, u, 0] + box[0, 1, u, 0] > 0.5 ? 0 : 1 }
        }
        // Deterministic boxes by CHSH error: 1/4 (win on three inputs) and 3/4 (win on one).
        let quarter = deterministic.indices.filter { deterministic[$0].chshError == 0.25 }.map { $0 + 1 }
        let threeQuarters = deterministic.indices.filter { deterministic[$0].chshError == 0.75 }.map { $0 + 1 }
        self.attack = attack
        switch attack {
        case .individual:
            // Appendix A: PR with 1 - 4 eps, each of the eight error-1/4 boxes with eps/2.
            let pr = 1 - 4 * epsilon
            source = BoxSource(boxes: elements, seed: seed, recordsPartition: true) { rng in
                let r = Double(rng.next() >> 11) * 0x1p-53
                guard r >= pr else { return [0] }
                return [quarter[Int(rng.next() % UInt64(quarter.count))]]
            }
        case .collective(let n, _):
            guard let collective = ExplicitAttack.collective(boxes: n, epsilon: epsilon) else {
                throw .collectiveThreshold(boxes: n, epsilon: epsilon, limit: 3 / Double(8 * n + 4))
            }
            var total = 0.0
            let cumulative = collective.partition.elements.map { total += $0.weight; return total }
            let patterns = collective.outcomes.map(\.localBoxes)
            source = BoxSource(boxes: elements, seed: seed, recordsPartition: true) { rng in
                let r = Double(rng.next() >> 11) * 0x1p-53 * total
                let pattern = patterns[cumulative.firstIndex { r < $0 } ?? patterns.count - 1]
                let localCount = pattern.filter { $0 }.count
                // Lemma 24: one local box has error 1/4, two or more have error 3/4; a local
                // noisy PR box is the uniform mixture of the eight deterministic boxes with
                // that error.
                let pool = localCount == 1 ? quarter : threeQuarters
                return pattern.map { $0 ? pool[Int(rng.next() % UInt64(pool.count))] : 0 }
            }
        }
    }
}

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
        var verification: (seed: BitVector, hash: BitVector)?
        var amplification: (seed: BitVector, keyBits: Int)?
        for (from, message) in transcript {
            switch message {
            case .inputs(let v): if from == .alice { aliceInputs = v } else { bobInputs = v }
            case .testMarks(let t), .testSelection(let t): test = t
            case .syndromes(let p, let bits): plan = p; syndromeBits = bits
            case .extraSyndromes(let frames, let attempt, let bits): extra.append((frames, attempt, bits))
            case .verification(let seed, let hash): verification = (seed, hash)
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
        if let verification {
            let l = verification.hash.count
            for j in 0..<l {
                addPublic(toeplitzRow(seed: verification.seed, row: j, inputBits: n, outputBits: l), value: verification.hash[j])
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

/// Gaussian elimination over GF(2) with right-hand sides, rows kept in echelon form with each
/// row's pivot its lowest set column (so reductions touch only words from the pivot on; the
/// XOR loop is `diqkd_gf2_reduce` in C, vectorised).
struct GF2Elimination: Sendable {
    let columns: Int
    let words: Int
    private var rows: [UInt64] = []
    private var rhs: [UInt8] = []
    private var pivots: [Int64] = []

    init(columns: Int) {
        self.columns = columns
        words = max(1, (columns + 63) / 64)
    }

    var rank: Int { pivots.count }

    /// Reduces `row` by the basis rows `range` (in order) and returns the accumulated
    /// right-hand side.
    private func reduce(_ row: inout [UInt64], _ range: Range<Int>? = nil) -> Bool {
        let range = range ?? 0..<pivots.count
        guard !range.isEmpty else { return false }
        return row.withUnsafeMutableBufferPointer { target in
            rows.withUnsafeBufferPointer { basis in
                pivots.withUnsafeBufferPointer { p in
                    rhs.withUnsafeBufferPointer { r in
                        diqkd_gf2_reduce(target.baseAddress, basis.baseAddress! + range.lowerBound * words,
                                         p.baseAddress! + range.lowerBound, r.baseAddress! + range.lowerBound,
                                         range.count, words) != 0
                    }
                }
            }
        }
    }

    /// Inserts a row whose right-hand side is unknown, in one pass: returns the value the first
    /// `prefix` basis rows imply for it when they alone determine it (the row is then
    /// dependent and not inserted), else `nil`.
    mutating func insertReportingPrefix(_ row: [UInt64], prefix: Int) -> Bool? {
        precondition(row.count == words && prefix <= rank)
        var row = row
        let first = reduce(&row, 0..<prefix)
        if row.allSatisfy({ $0 == 0 }) { return first }
        let second = reduce(&row, prefix..<rank)
        if let w = row.firstIndex(where: { $0 != 0 }) {
            pivots.append(Int64(w * 64 + row[w].trailingZeroBitCount))
            rows.append(contentsOf: row)
            rhs.append(first != second ? 1 : 0)
        }
        return nil
    }

    /// Adds a row (if independent of the basis). Returns `nil` when it was independent, else
    /// the value the basis implies for it (its right-hand side is then ignored).
    @discardableResult
    mutating func insert(_ row: [UInt64], rhs value: Bool) -> Bool? {
        precondition(row.count == words)
        var row = row
        let implied = reduce(&row)
        guard let w = row.firstIndex(where: { $0 != 0 }) else { return implied }
        pivots.append(Int64(w * 64 + row[w].trailingZeroBitCount))
        rows.append(contentsOf: row)
        rhs.append(value != implied ? 1 : 0)
        return nil
    }

    /// Inserts rows in order, as repeated ``insert(_:rhs:)`` or (with `rhs == nil`)
    /// ``insertReportingPrefix(_:prefix:)`` would, but reducing the whole batch against the
    /// existing basis in one sweep, so that each basis row is read from memory once per batch.
    /// - Returns: for each row, the value the first `prefix` basis rows imply when they alone
    ///   determine it (rows with unknown right-hand side only), else `nil`.
    mutating func insertBatch(_ batch: [[UInt64]], rhs values: [Bool]?, prefix: Int) -> [Bool?] {
        precondition(prefix <= rank)
        let count = batch.count
        var flat = batch.flatMap { $0 }
        var implied = [UInt8](repeating: 0, count: count)
        func sweep(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            flat.withUnsafeMutableBufferPointer { target in
                rows.withUnsafeBufferPointer { basis in
                    pivots.withUnsafeBufferPointer { p in
                        rhs.withUnsafeBufferPointer { r in
                            implied.withUnsafeMutableBufferPointer { out in
                                diqkd_gf2_reduce_batch(target.baseAddress, count, basis.baseAddress! + range.lowerBound * words,
                                                       p.baseAddress! + range.lowerBound, r.baseAddress! + range.lowerBound,
                                                       range.count, words, out.baseAddress)
                            }
                        }
                    }
                }
            }
        }
        sweep(0..<prefix)
        var determined = [Bool?](repeating: nil, count: count)
        for i in 0..<count where values == nil && flat[(i * words)..<((i + 1) * words)].allSatisfy({ $0 == 0 }) {
            determined[i] = implied[i] != 0
        }
        sweep(prefix..<rank)
        let start = rank
        for i in 0..<count where determined[i] == nil {
            var row = Array(flat[(i * words)..<((i + 1) * words)])
            // Reduce by the rows this batch has added so far.
            let more = reduce(&row, start..<rank)
            guard let w = row.firstIndex(where: { $0 != 0 }) else { continue }
            let value = ((values?[i] ?? false) != (implied[i] != 0)) != more
            pivots.append(Int64(w * 64 + row[w].trailingZeroBitCount))
            rows.append(contentsOf: row)
            rhs.append(value ? 1 : 0)
        }
        return determined
    }

    /// The value of the linear function `row` when it is determined by the rows inserted so
    /// far (it lies in their span), else `nil`.
    func solve(_ row: [UInt64]) -> Bool? {
        var row = row
        let value = reduce(&row)
        return row.allSatisfy { $0 == 0 } ? value : nil
    }
}

/// Many protocol runs on an eavesdropper's devices, each followed by Eve's exact analysis.
public enum EavesdroppingRun {
    public struct Report: Sendable, Codable {
        public var attack: String
        public var epsilon: Double
        /// Boxes per collective group (1 for the individual attack).
        public var groupBoxes: Int
        public var rounds: Int
        public var runs: Int
        public var runsWithKey: Int
        /// The largest `epsilonSecurity` the protocol claimed in a run with a key.
        @NullWhenAbsent public var claimedEpsilonSecurity: Double?
        /// Summed over runs with a key.
        public var keyBits: Int
        public var knownKeyBits: Int
        public var knownKeyParities: Int
        /// The mean over runs with a key of Eve's exact distance from uniform `1 - 2^-k`.
        public var measuredDistanceFromUniform: Double
        public var worstDistanceFromUniform: Double
        /// The mean fraction of raw-key bits Eve knew from her partition alone.
        public var knownRawFraction: Double
        /// Every key bit Eve determined matched Alice's key.
        public var deductionsCorrect: Bool
        /// `"consistent"` when the measured distance does not exceed the claim, else `"violated"`.
        public var verdict: String
        /// The same analysis for a hypothetical key of `hypotheticalKeyBits` bits (mean
        /// distance from uniform), to show that the key length matters.
        @NullWhenAbsent public var hypotheticalKeyBits: Int?
        @NullWhenAbsent public var hypotheticalDistanceFromUniform: Double?
        public var reports: [ProtocolReport]
        public var eve: [EveKnowledge]
    }

    /// - Parameters:
    ///   - seed: nature, Eve and both parties (an attack study is a simulation; reproducible).
    ///   - progress: called after each run with the number of runs finished.
    public static func run(attack: EavesdropperDevices.Attack, configuration: ProtocolConfiguration, runs: Int,
                           seed: UInt64, hypotheticalKeyBits: Int? = nil,
                           progress: (Int) -> Void = { _ in }) throws(EavesdropperDevices.Unavailable) -> Report {
        var reports: [ProtocolReport] = []
        var knowledge: [EveKnowledge] = []
        var hypothetical: [Double] = []
        var analysisRNG = Xoshiro256(seed: seed, stream: "eve.analysis")
        for r in 0..<runs {
            let runSeed = seed &+ UInt64(r) &* 0x9E37_79B9_7F4A_7C15
            let devices = try EavesdropperDevices(attack: attack, seed: runSeed)
            let pair = devices.source.makeDevices()
            let channel = InMemoryChannel()
            let result = SimulatedRun.run(devices: (pair.alice, pair.bob), configuration: configuration, seed: runSeed,
                                          channel: channel, progress: nil)
            reports.append(result.report)
            if case .key(let key) = result.alice {
                let aliceKey = key.withBits { $0 }
                if let eve = EveAnalysis.analyse(transcript: channel.transcript, partitionRecord: devices.source.partitionRecord,
                                                 aliceOutput: devices.aliceOutput, aliceKey: aliceKey, rng: &analysisRNG) {
                    knowledge.append(eve)
                }
                if let bits = hypotheticalKeyBits,
                   let eve = EveAnalysis.analyse(transcript: channel.transcript, partitionRecord: devices.source.partitionRecord,
                                                 aliceOutput: devices.aliceOutput, aliceKey: nil,
                                                 hypotheticalKeyBits: min(bits, result.report.rawKeyBits), rng: &analysisRNG) {
                    hypothetical.append(eve.distanceFromUniform)
                }
            }
            progress(r + 1)
        }
        let claimed = reports.filter { $0.keyBits > 0 }.map(\.epsilonSecurity).max()
        let measured = knowledge.isEmpty ? 0 : knowledge.reduce(0) { $0 + $1.distanceFromUniform } / Double(knowledge.count)
        let group: Int
        let name: String
        switch attack {
        case .individual: group = 1; name = "individual"
        case .collective(let n, _): group = n; name = "collective"
        }
        return Report(
            attack: name, epsilon: attack.epsilon, groupBoxes: group, rounds: configuration.rounds, runs: runs,
            runsWithKey: knowledge.count, claimedEpsilonSecurity: claimed,
            keyBits: knowledge.reduce(0) { $0 + $1.keyBits }, knownKeyBits: knowledge.reduce(0) { $0 + $1.knownKeyBits },
            knownKeyParities: knowledge.reduce(0) { $0 + $1.knownKeyParities },
            measuredDistanceFromUniform: measured,
            worstDistanceFromUniform: knowledge.map(\.distanceFromUniform).max() ?? 0,
            knownRawFraction: knowledge.isEmpty ? 0
                : knowledge.reduce(0) { $0 + Double($1.knownRawBits) / Double(max(1, $1.rawKeyBits)) } / Double(knowledge.count),
            deductionsCorrect: knowledge.allSatisfy { $0.deductionsCorrect ?? true },
            verdict: measured <= (claimed ?? 0) ? "consistent" : "violated",
            hypotheticalKeyBits: hypotheticalKeyBits,
            hypotheticalDistanceFromUniform: hypothetical.isEmpty ? nil : hypothetical.reduce(0, +) / Double(hypothetical.count),
            reports: reports, eve: knowledge)
    }
}
