import Dispatch
import Foundation
import Hashing
import SecurityBounds

/// One-way syndrome reconciliation of a whole raw key, frame by frame (SECURITY-MATH §4.3).
///
/// Alice cuts her raw key into frames, computes an LDPC syndrome for each, and sends them in
/// one message. Bob decodes each frame; a frame that fails is reported, never dropped.
public enum SyndromeReconciliation {
    /// The public description of the codes: enough for Bob to rebuild every matrix.
    public struct Plan: Sendable, Hashable, Codable {
        public let rawKeyBits: Int
        public let frameBits: Int
        /// Syndrome length of each frame.
        public let syndromeBits: [Int]
        /// The error rate the codes were sized for (Bob's decoder assumes it too).
        public let designErrorRate: Double
        /// The column-weight profile of every frame's code.
        public let profile: DegreeProfile
        /// The public seed of the code construction.
        public let codeSeed: UInt64
        /// The lift of quasi-cyclic codes (`LDPCCode(quasiCyclicVariables:...)`), or `nil` for
        /// codes drawn edge by edge.
        public var lift: Int? = nil

        /// A plan from its fields as announced; ``SyndromeReconciliation/plan(rawKeyBits:errorRate:efficiency:frameBits:profile:lift:codeSeed:)``
        /// sizes one. Nothing is checked here: a plan read from the network is validated by its
        /// decoder before any code is built from it.
        public init(rawKeyBits: Int, frameBits: Int, syndromeBits: [Int], designErrorRate: Double, profile: DegreeProfile,
                    codeSeed: UInt64, lift: Int? = nil) {
            self.rawKeyBits = rawKeyBits
            self.frameBits = frameBits
            self.syndromeBits = syndromeBits
            self.designErrorRate = designErrorRate
            self.profile = profile
            self.codeSeed = codeSeed
            self.lift = lift
        }

        public var frames: Int { syndromeBits.count }
        public var totalSyndromeBits: Int { syndromeBits.reduce(0, +) }

        /// Frame `k`: the raw key is cut into `frames` nearly equal frames of about `frameBits`
        /// bits (never a short leftover frame, which would decode poorly).
        public func frameRange(_ k: Int) -> Range<Int> {
            Plan.range(k, frames: frames, rawKeyBits: rawKeyBits)
        }

        static func range(_ k: Int, frames: Int, rawKeyBits n: Int) -> Range<Int> {
            (k * n / frames)..<((k + 1) * n / frames)
        }

        /// Frame `k`'s code. Frames of the same length share one code (frames differ in length
        /// by at most one bit, so a plan has at most two): building a code takes about as long
        /// as decoding a frame, and the syndromes of several frames under one public code
        /// disclose exactly as many bits as under different codes.
        public func code(frame k: Int) -> LDPCCode {
            let length = frameRange(k).count
            let seed = codeSeed &+ UInt64(length) &* 0x9E37_79B9_7F4A_7C15
            if let lift {
                return LDPCCode(quasiCyclicVariables: length, checks: syndromeBits[k], lift: lift, profile: profile, seed: seed)
            }
            return LDPCCode(variables: length, checks: syndromeBits[k], profile: profile, seed: seed)
        }

        /// Every frame's code, each distinct one built once (on all cores).
        public func codes() -> [LDPCCode] {
            var firstFrameOfLength: [Int: Int] = [:]
            for k in 0..<frames where firstFrameOfLength[frameRange(k).count] == nil {
                firstFrameOfLength[frameRange(k).count] = k
            }
            let distinct = firstFrameOfLength.values.sorted()
            let built = FrameResults<LDPCCode>(count: distinct.count)
            DispatchQueue.concurrentPerform(iterations: distinct.count) { i in built[i] = code(frame: distinct[i]) }
            let byLength = Dictionary(uniqueKeysWithValues: distinct.indices.map { (frameRange(distinct[$0]).count, built[$0]!) })
            return (0..<frames).map { byLength[frameRange($0).count]! }
        }
    }

    /// How many frames a plan cuts `n` raw-key bits into, for frames of about `frameBits`.
    public static func frameCount(rawKeyBits n: Int, frameBits: Int) -> Int { max(1, n / max(1, frameBits)) }

    /// The shortest frame of such a plan (never shorter than `frameBits` unless the whole key is).
    public static func shortestFrame(rawKeyBits n: Int, frameBits: Int) -> Int {
        n / frameCount(rawKeyBits: n, frameBits: frameBits)
    }

    /// Sizes the codes: each frame discloses `ceil(f n_frame h(p))` bits.
    ///
    /// - Parameters:
    ///   - errorRate: the design crossover probability (the estimate plus a margin).
    ///   - efficiency: `f`, the ratio to the Shannon minimum; regular column-weight-3 codes with
    ///     min-sum decoding need about 1.3 or more at the error rates of this protocol.
    public static func plan(rawKeyBits n: Int, errorRate: Double, efficiency: Double, frameBits: Int = 1 << 16,
                            profile: DegreeProfile = .regular(3), lift: Int? = nil, codeSeed: UInt64) -> Plan {
        precondition(n >= 1 && frameBits >= 1 && efficiency >= 1)
        let p = min(max(errorRate, 1e-4), 0.5)
        let frames = frameCount(rawKeyBits: n, frameBits: frameBits)
        let syndromeBits = (0..<frames).map { k -> Int in
            let length = Plan.range(k, frames: frames, rawKeyBits: n).count
            return min(length, max(profile.degrees.max()! + 1, Int((efficiency * Double(length) * binaryEntropy(p)).rounded(.up))))
        }
        return Plan(rawKeyBits: n, frameBits: frameBits, syndromeBits: syndromeBits, designErrorRate: p,
                    profile: profile, codeSeed: codeSeed, lift: lift)
    }

    /// Alice's syndromes, one per frame, concatenated. Frames are independent, so they are
    /// computed on all cores.
    public static func syndromes(of x: BitVector, plan: Plan) -> BitVector {
        precondition(x.count == plan.rawKeyBits)
        let codes = plan.codes()
        let perFrame = FrameResults<BitVector>(count: plan.frames)
        DispatchQueue.concurrentPerform(iterations: plan.frames) { k in
            perFrame[k] = codes[k].syndrome(x.slice(plan.frameRange(k)))
        }
        var all = BitVector(count: 0)
        for k in 0..<plan.frames { all.append(contentsOf: perFrame[k]!) }
        return all
    }

    /// Bob's result.
    public enum Correction: Sendable {
        case corrected(BitVector, iterations: [Int])
        /// Decoding found no string matching the syndrome of this frame.
        case failed(frame: Int)
    }

    /// How many extra checks a frame that failed to decode gets on each retry: as many again as
    /// its first code. Failures are rare (the codes are sized for that), so a generous retry
    /// costs little on average and rescues frames stuck on an unlucky error pattern.
    public static func extraChecks(plan: Plan, frame k: Int) -> Int {
        max(16, plan.syndromeBits[k])
    }

    /// The extra code for a failed frame, from the plan's public seed.
    public static func extraCode(plan: Plan, frame k: Int, attempt: Int) -> LDPCCode {
        LDPCCode(variables: plan.frameRange(k).count, checks: extraChecks(plan: plan, frame: k), columnWeight: 3,
                 seed: plan.codeSeed ^ (UInt64(k) &* 0xD6E8_FEB8_6659_FD93) ^ (UInt64(attempt) &* 0xA076_1D64_78BD_642F))
    }

    /// Decodes the frames listed in `frames` (each with its code and syndrome so far) on all
    /// cores; returns the corrected frames, `nil` where decoding failed.
    ///
    /// Frames that share one code (the plan's frames of equal length) are decoded sixteen at a
    /// time with the batch decoder where the processor has AVX-512; the others one by one.
    public static func decode(frames: [(index: Int, y: BitVector, code: LDPCCode, syndrome: BitVector)],
                              errorRate: Double) -> [(corrected: BitVector?, iterations: Int)] {
        let outcomes = FrameResults<SyndromeDecoder.Outcome>(count: frames.count)
        let work = batches(of: frames.map(\.code))
        DispatchQueue.concurrentPerform(iterations: work.count) { w in
            let members = work[w]
            let decoder = SyndromeDecoder(code: frames[members[0]].code)
            let results = members.count == 1
                ? [decoder.decode(frames[members[0]].y, syndrome: frames[members[0]].syndrome, errorRate: errorRate)]
                : decoder.decode(batch: members.map { frames[$0].y }, syndromes: members.map { frames[$0].syndrome },
                                 errorRate: errorRate)
            for (i, outcome) in zip(members, results) { outcomes[i] = outcome }
        }
        return (0..<frames.count).map { (outcomes[$0]!.corrected, outcomes[$0]!.iterations) }
    }

    /// Groups frames into work items: frames whose codes are one shared matrix go together in
    /// batches of `batchWidth`, when there are enough of them to give every core at least one
    /// full batch (a batch costs about the same whatever its size, and a batch decodes about
    /// 1.5 times as many bits per second as single frames); everything else alone.
    static let maximumBatchEdges = 4_000_000

    static func batches(of codes: [LDPCCode], cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> [[Int]] {
        guard SyndromeDecoder.vectorAvailable else { return codes.indices.map { [$0] } }
        var groups: [[Int]] = []
        for i in codes.indices {
            if let g = groups.firstIndex(where: { codes[$0[0]].sharesMatrix(with: codes[i]) }) { groups[g].append(i) }
            else { groups.append([i]) }
        }
        let width = SyndromeDecoder.batchWidth
        var work: [[Int]] = []
        for group in groups {
            // A batch holds 16 beliefs per variable and 16 half-precision messages per edge: keep
            // it to codes of at most 4 million edges (128 MiB of messages).
            if group.count >= width * max(1, cores), codes[group[0]].edges <= maximumBatchEdges,
               codes[group[0]].quasiCyclic == nil {
                for first in stride(from: 0, to: group.count, by: width) {
                    work.append(Array(group[first..<min(first + width, group.count)]))
                }
            } else {
                work.append(contentsOf: group.map { [$0] })
            }
        }
        return work
    }

    /// Bob corrects his raw key `y` to Alice's. Frames are decoded independently, on all cores.
    public static func correct(_ y: BitVector, syndromes: BitVector, plan: Plan) -> Correction {
        precondition(y.count == plan.rawKeyBits && syndromes.count == plan.totalSyndromeBits)
        let offsets = plan.syndromeBits.reduce(into: [0]) { $0.append($0.last! + $1) }
        let codes = plan.codes()
        let outcomes = decode(frames: (0..<plan.frames).map { k in
            (k, y.slice(plan.frameRange(k)), codes[k], syndromes.slice(offsets[k]..<offsets[k + 1]))
        }, errorRate: plan.designErrorRate)
        var corrected = BitVector(count: 0)
        for (k, outcome) in outcomes.enumerated() {
            guard let frame = outcome.corrected else { return .failed(frame: k) }
            corrected.append(contentsOf: frame)
        }
        return .corrected(corrected, iterations: outcomes.map(\.iterations))
    }
}

/// One slot per frame, written by parallel workers (each slot by exactly one), read after
/// they have all finished.
final class FrameResults<Value>: @unchecked Sendable {
    private var values: [Value?]
    private let lock = NSLock()

    init(count: Int) {
        values = Array(repeating: nil, count: count)
    }

    subscript(index: Int) -> Value? {
        get { lock.withLock { values[index] } }
        set { lock.withLock { values[index] = newValue } }
    }
}
