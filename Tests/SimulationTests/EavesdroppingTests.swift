import Foundation
import Testing
import Hashing
import NonSignaling
import Protocol
import Randomness
import Reconciliation
@testable import Simulation

@Suite("an eavesdropper's devices and her exact knowledge")
struct EavesdroppingTests {
    /// Her devices imitate the honest behaviour, and whenever her element is deterministic she
    /// knows Alice's output.
    @Test(arguments: [EavesdropperDevices.Attack.individual(epsilon: 0.1), .collective(boxes: 2, epsilon: 0.1),
                      .collective(boxes: 3, epsilon: 0.05)])
    func devicesLookHonestAndEveKnowsTheLocalOutputs(attack: EavesdropperDevices.Attack) throws {
        let devices = try EavesdropperDevices(attack: attack, seed: 17)
        let rounds = 240_000
        var rng = Xoshiro256(seed: 9)
        let u = BitVector.random(count: rounds, using: &rng), v = BitVector.random(count: rounds, using: &rng)
        let pair = devices.source.makeDevices()
        let x = pair.alice.measure(u), y = pair.bob.measure(v)
        var failures = 0, keyBasis = 0, keyBasisErrors = 0, aliceZeros = 0
        for i in 0..<rounds {
            if (x[i] != y[i]) != (u[i] && v[i]) { failures += 1 }
            if !u[i] && !v[i] { keyBasis += 1; if x[i] != y[i] { keyBasisErrors += 1 } }
            if !x[i] { aliceZeros += 1 }
            let z = Int(devices.source.partitionRecord[i])
            if let known = devices.aliceOutput[z][u[i] ? 1 : 0] { #expect((known == 1) == x[i]) }
        }
        let sigma = (0.1 * 0.9 / Double(rounds)).squareRoot()
        #expect(abs(Double(failures) / Double(rounds) - attack.epsilon) < 6 * sigma + 1e-3)
        #expect(abs(Double(keyBasisErrors) / Double(keyBasis) - attack.epsilon) < 0.01)
        #expect(abs(Double(aliceZeros) / Double(rounds) - 0.5) < 0.01)
    }

    @Test func collectiveAttackBeyondLemma25IsRefused() {
        #expect(throws: EavesdropperDevices.Unavailable.self) {
            try EavesdropperDevices(attack: .collective(boxes: 2, epsilon: 0.2), seed: 1)
        }
    }

    /// The elimination against brute force: every combination of up to eight random rows.
    @Test func eliminationMatchesTheSpanByEnumeration() {
        let seed: UInt64 = 77
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<40 {
            let columns = 10
            let count = Int.random(in: 1...8, using: &rng)
            let rows = (0..<count).map { _ in UInt64.random(in: 0..<(1 << columns), using: &rng) & (rng.next() | rng.next()) }
            let values = (0..<count).map { _ in Bool.random(using: &rng) }
            var span: [UInt64: Bool] = [:]
            var consistent = true
            for mask in 0..<(1 << count) {
                var row: UInt64 = 0, value = false
                for k in 0..<count where mask >> k & 1 == 1 { row ^= rows[k]; value = value != values[k] }
                if let old = span[row], old != value { consistent = false }
                span[row] = value
            }
            guard consistent else { continue }   // contradictory random system: skip
            var sequential = GF2Elimination(columns: columns)
            for k in 0..<count { sequential.insert([rows[k]], rhs: values[k]) }
            var batched = GF2Elimination(columns: columns)
            _ = batched.insertBatch(rows.map { [$0] }, rhs: values, prefix: 0)
            #expect(sequential.rank == Int(log2(Double(span.count))))
            #expect(batched.rank == sequential.rank)
            for probe in 0..<UInt64(1 << columns) {
                #expect(sequential.solve([probe]) == span[probe])
                #expect(batched.solve([probe]) == span[probe])
            }
        }
    }

    /// Synthetic runs (every round a key round): Eve's element per round and Alice's raw key.
    private func syntheticRun(rounds: Int, prFraction: Double, using rng: inout Xoshiro256) -> ([UInt32], BitVector) {
        var record = [UInt32](repeating: 0, count: rounds)
        var raw = BitVector(count: rounds)
        for i in 0..<rounds {
            let roll = Double.random(in: 0..<1, using: &rng)
            record[i] = roll < prFraction ? 0 : (roll < (1 + prFraction) / 2 ? 1 : 2)
            raw[i] = record[i] == 0 ? Bool.random(using: &rng) : record[i] == 2
        }
        return (record, raw)
    }

    private func transcript(raw: BitVector, keyBits: Int, using rng: inout Xoshiro256)
        -> (messages: [(from: Party, message: Message)], key: BitVector)
    {
        let zeros = BitVector(count: raw.count)
        let plan = SyndromeReconciliation.plan(rawKeyBits: raw.count, errorRate: 0.02, efficiency: 1.3, frameBits: raw.count,
                                               profile: ReconciliationMargin.profile, codeSeed: 5)
        let syndromes = SyndromeReconciliation.syndromes(of: raw, plan: plan)
        let hash = ToeplitzHash.random(inputBits: raw.count, outputBits: keyBits, using: &rng)
        return ([(.alice, .testMarks(zeros)), (.bob, .inputs(zeros)), (.alice, .inputs(zeros)),
                 (.alice, .syndromes(plan: plan, bits: syndromes)),
                 (.alice, .privacyAmplification(seed: hash.seed, keyBits: keyBits))], hash.hash(raw))
    }

    private let elements: [[Int?]] = [[nil, nil], [0, 0], [1, 1]]

    /// Eve knows 90% of the raw key and the syndromes (about 550 bits) pin down the ~300 others:
    /// she deduces every key bit, and every deduction is right.
    @Test func eveDeducesEveryBitWhenTheSyndromesFixTheRest() throws {
        let seed: UInt64 = 123
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let (record, raw) = syntheticRun(rounds: 3000, prFraction: 0.1, using: &rng)
        let run = transcript(raw: raw, keyBits: 500, using: &rng)
        let eve = try #require(EveAnalysis.analyse(transcript: run.messages, partitionRecord: record, aliceOutput: elements,
                                                   aliceKey: run.key, rng: &rng))
        #expect(eve.knownRawBits == record.filter { $0 != 0 }.count)
        #expect(eve.publicRank == 3000 - eve.knownRawBits)
        #expect(eve.knownKeyBits == 500 && eve.knownKeyParities == 500)
        #expect(eve.deductionsCorrect == true)
        // A key that differs in one bit is caught.
        var wrong = run.key
        wrong[17].toggle()
        let checked = try #require(EveAnalysis.analyse(transcript: run.messages, partitionRecord: record, aliceOutput: elements,
                                                       aliceKey: wrong, rng: &rng))
        #expect(checked.deductionsCorrect == false)
    }

    /// Eve knows 40%: a key longer than the unknowns the syndromes leave gives away parities; a
    /// shorter one gives nothing.
    @Test func onlyAKeyLongerThanWhatIsLeftLeaks() throws {
        let seed: UInt64 = 321
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let (record, raw) = syntheticRun(rounds: 3000, prFraction: 0.6, using: &rng)
        let long = transcript(raw: raw, keyBits: 2000, using: &rng)
        let leaky = try #require(EveAnalysis.analyse(transcript: long.messages, partitionRecord: record, aliceOutput: elements,
                                                     aliceKey: long.key, rng: &rng))
        let left = 3000 - leaky.knownRawBits - leaky.publicRank
        #expect(left > 500)
        #expect(leaky.knownKeyParities >= 2000 - left)
        #expect(leaky.distanceFromUniform == 1)
        let short = transcript(raw: raw, keyBits: left - 64, using: &rng)
        let safe = try #require(EveAnalysis.analyse(transcript: short.messages, partitionRecord: record, aliceOutput: elements,
                                                    aliceKey: short.key, rng: &rng))
        #expect(safe.knownKeyBits == 0 && safe.knownKeyParities == 0)
        #expect(safe.distanceFromUniform == 0)
    }
}
