import Testing
import Hashing
import Randomness
@testable import Reconciliation

func noisyCopy(of x: BitVector, errorRate p: Double, using rng: inout Xoshiro256) -> BitVector {
    var y = x
    for i in 0..<x.count where Double(rng.next() >> 11) * 0x1p-53 < p { y[i].toggle() }
    return y
}

@Suite("LDPC syndrome reconciliation")
struct ReconciliationTests {
    @Test func codeHasTheRequestedShape() {
        let code = LDPCCode(variables: 5000, checks: 700, columnWeight: 3, seed: 9)
        #expect(code.edges == 15_000)
        var degrees = [Int](repeating: 0, count: 700)
        for c in 0..<700 { degrees[c] = Int(code.checkStart[c + 1] - code.checkStart[c]) }
        #expect(degrees.max()! - degrees.min()! <= 1)
        // No variable joins the same check twice.
        for c in 0..<700 {
            let vars = code.edgeVariable[Int(code.checkStart[c])..<Int(code.checkStart[c + 1])]
            #expect(Set(vars).count == vars.count)
        }
        // The construction is a function of the seed.
        #expect(LDPCCode(variables: 5000, checks: 700, seed: 9).edgeVariable == code.edgeVariable)
    }

    @Test func syndromeIsLinear() {
        var rng = Xoshiro256(seed: 1)
        let code = LDPCCode(variables: 3000, checks: 400, seed: 2)
        let a = BitVector.random(count: 3000, using: &rng), b = BitVector.random(count: 3000, using: &rng)
        #expect(code.syndrome(a ^ b) == code.syndrome(a) ^ code.syndrome(b))
    }

    @Test(arguments: [0.01, 0.02, 0.04])
    func decodingRecoversAliceExactlyWheneverItSucceeds(errorRate: Double) {
        let seed: UInt64 = 0xDEC0DE
        print("reconciliation test seed \(seed), error rate \(errorRate)")
        var rng = Xoshiro256(seed: seed ^ UInt64(errorRate * 1000))
        var successes = 0
        for trial in 0..<6 {
            let x = BitVector.random(count: 8192, using: &rng)
            let y = noisyCopy(of: x, errorRate: errorRate, using: &rng)
            let plan = SyndromeReconciliation.plan(rawKeyBits: 8192, errorRate: errorRate, efficiency: 1.9,
                                                   frameBits: 4096, codeSeed: UInt64(trial))
            let syndromes = SyndromeReconciliation.syndromes(of: x, plan: plan)
            #expect(syndromes.count == plan.totalSyndromeBits)
            switch SyndromeReconciliation.correct(y, syndromes: syndromes, plan: plan) {
            case .corrected(let corrected, _):
                #expect(corrected == x)
                successes += 1
            case .failed(let frame):
                #expect(frame >= 0 && frame < plan.frames)
            }
        }
        #expect(successes >= 5)
    }

    /// The AVX-512 layer and the portable one decode the same frames to the same strings in
    /// nearly the same number of iterations (their sums differ only in rounding order).
    @Test(.enabled(if: SyndromeDecoder.vectorAvailable, "needs AVX-512; elsewhere only the portable decoder runs"),
          arguments: [0.005, 0.02])
    func vectorisedAndPortableDecodersAgree(errorRate: Double) throws {
        let seed: UInt64 = 0x5EED
        print("seed \(seed), error rate \(errorRate)")
        var rng = Xoshiro256(seed: seed)
        for trial in 0..<4 {
            let x = BitVector.random(count: 20_000, using: &rng)
            let y = noisyCopy(of: x, errorRate: errorRate, using: &rng)
            let plan = SyndromeReconciliation.plan(rawKeyBits: 20_000, errorRate: errorRate, efficiency: 1.5,
                                                   frameBits: 20_000, profile: DegreeProfile([(3, 0.6), (12, 0.4)], staircase: true),
                                                   codeSeed: UInt64(trial))
            let code = plan.code(frame: 0)
            let syndrome = code.syndrome(x)
            let vector = SyndromeDecoder(code: code, vectorised: true).decode(y, syndrome: syndrome, errorRate: errorRate)
            let portable = SyndromeDecoder(code: code, vectorised: false).decode(y, syndrome: syndrome, errorRate: errorRate)
            #expect(vector.corrected == x && portable.corrected == x)
            #expect(abs(vector.iterations - portable.iterations) <= 2)
        }
    }

    /// Sixteen frames (and fewer) under one code, decoded together: every reported success is
    /// Alice's exact string, a clean frame takes no iteration, a hopeless frame fails alone, and
    /// each frame's outcome agrees with decoding it by itself.
    @Test(.enabled(if: SyndromeDecoder.vectorAvailable, "the batch decoder needs AVX-512"), arguments: [16, 5])
    func batchDecodingMatchesFrameByFrame(lanes: Int) {
        let seed: UInt64 = 0xBA7C4
        print("batch decoding test seed \(seed), \(lanes) frames")
        var rng = Xoshiro256(seed: seed &+ UInt64(lanes))
        let n = 20_000, p = 0.02
        let plan = SyndromeReconciliation.plan(rawKeyBits: n, errorRate: p, efficiency: 1.4, frameBits: n,
                                               profile: DegreeProfile([(3, 0.65), (10, 0.35)], staircase: true), codeSeed: 8)
        let code = plan.code(frame: 0)
        var xs: [BitVector] = [], ys: [BitVector] = []
        for f in 0..<lanes {
            let x = BitVector.random(count: n, using: &rng)
            xs.append(x)
            ys.append(f == 1 ? x : noisyCopy(of: x, errorRate: f == 2 ? 0.2 : p, using: &rng))
        }
        let decoder = SyndromeDecoder(code: code)
        let batch = decoder.decode(batch: ys, syndromes: xs.map(code.syndrome), errorRate: p)
        #expect(batch.count == lanes)
        for f in 0..<lanes {
            let alone = decoder.decode(ys[f], syndrome: code.syndrome(xs[f]), errorRate: p)
            if let corrected = batch[f].corrected { #expect(corrected == xs[f], "frame \(f)") }
            #expect((batch[f].corrected == nil) == (alone.corrected == nil), "frame \(f)")
            #expect(abs(batch[f].iterations - alone.iterations) <= 3, "frame \(f)")
        }
        #expect(batch[1].iterations == 0 && batch[1].corrected == xs[1])
        #expect(batch[2].corrected == nil)
        #expect(batch.enumerated().filter { $0.offset != 2 }.allSatisfy { $0.element.corrected != nil })
    }

    /// The protocol's path: frames of one length share a code and go through the batch decoder
    /// when every core gets a full batch.
    @Test func sharedCodesAreBatched() {
        let plan = SyndromeReconciliation.plan(rawKeyBits: 100_000, errorRate: 0.02, efficiency: 1.5, frameBits: 2_000, codeSeed: 3)
        let codes = plan.codes()
        #expect(plan.frames == 50)
        let work = SyndromeReconciliation.batches(of: codes, cores: 2)
        #expect(work.flatMap { $0 }.sorted() == Array(0..<plan.frames))
        if SyndromeDecoder.vectorAvailable {
            #expect(work.map(\.count) == [16, 16, 16, 2])
            #expect(SyndromeReconciliation.batches(of: codes, cores: 4).count == plan.frames)
            let other = LDPCCode(variables: codes[0].variables, checks: codes[0].checks, seed: 1)
            #expect(SyndromeReconciliation.batches(of: Array(codes[0..<32]) + [other], cores: 2).map(\.count) == [16, 16, 1])
            // Codes too large for a batch's memory go one frame at a time.
            let huge = LDPCCode(variables: 800_000, checks: 100_000, columnWeight: 6, seed: 2)
            #expect(huge.edges > SyndromeReconciliation.maximumBatchEdges)
            #expect(SyndromeReconciliation.batches(of: Array(repeating: huge, count: 40), cores: 2).count == 40)
        } else {
            #expect(work.count == plan.frames)
        }
    }

    @Test func aHopelessFrameIsReportedNotDropped() {
        var rng = Xoshiro256(seed: 5)
        let x = BitVector.random(count: 4096, using: &rng)
        let y = noisyCopy(of: x, errorRate: 0.2, using: &rng)
        let plan = SyndromeReconciliation.plan(rawKeyBits: 4096, errorRate: 0.01, efficiency: 1.2, frameBits: 4096, codeSeed: 1)
        guard case .failed(frame: 0) = SyndromeReconciliation.correct(y, syndromes: SyndromeReconciliation.syndromes(of: x, plan: plan), plan: plan) else {
            Issue.record("a frame with 20% errors and a 1% code decoded")
            return
        }
    }

    @Test func leakageIsEverySyndromeBit() {
        let plan = SyndromeReconciliation.plan(rawKeyBits: 100_000, errorRate: 0.02, efficiency: 1.5, frameBits: 30_000, codeSeed: 3)
        // 100,000 bits in frames of about 30,000: three frames of 33,333 or 33,334 bits.
        #expect(plan.frames == 3)
        #expect(plan.frameRange(0) == 0..<33_333)
        #expect(plan.frameRange(2) == 66_666..<100_000)
        #expect(plan.totalSyndromeBits == plan.syndromeBits.reduce(0, +))
        #expect(plan.syndromeBits[0] == Int((1.5 * 33_333 * 0.14144054254182067).rounded(.up)))
    }
}

@Suite("column-weight profiles")
struct DegreeProfileTests {
    @Test func irregularProfilesGiveEachVariableItsWeight() {
        let profile = DegreeProfile([(2, 0.2), (3, 0.6), (10, 0.2)])
        let code = LDPCCode(variables: 10_000, checks: 1_500, profile: profile, seed: 4)
        #expect(code.edges == 2 * 2000 + 3 * 6000 + 10 * 2000)
        var perVariable = [Int](repeating: 0, count: 10_000)
        for v in code.edgeVariable { perVariable[Int(v)] += 1 }
        #expect(perVariable.filter { $0 == 2 }.count == 2000)
        #expect(perVariable.filter { $0 == 10 }.count == 2000)
        for c in 0..<1_500 {
            let vars = code.edgeVariable[Int(code.checkStart[c])..<Int(code.checkStart[c + 1])]
            #expect(Set(vars).count == vars.count)
        }
    }
}
