import CDecoder
import Foundation
import Hashing

/// Belief-propagation decoding of a syndrome: Bob finds the `x` with `H x = s` that is most
/// likely given his noisy copy `y` (each bit flipped with probability `p`).
///
/// Layered sum-product: checks are processed one after another, each updating the beliefs of
/// its variables at once, which converges in about half the iterations of flooding. Decoding
/// stops as soon as the hard decision matches the syndrome.
public struct SyndromeDecoder: Sendable {
    public let code: LDPCCode
    public var maximumIterations: Int
    /// Use the AVX-512 layer when the processor has it (`false`: the portable Swift loop).
    public var vectorised: Bool

    /// Whether this processor runs the vectorised layer.
    public static let vectorAvailable = diqkd_ldpc_vector_available() != 0

    /// The iteration limit the protocol decodes with.
    public static let defaultMaximumIterations = 80

    public init(code: LDPCCode, maximumIterations: Int = SyndromeDecoder.defaultMaximumIterations, vectorised: Bool = SyndromeDecoder.vectorAvailable) {
        self.code = code
        self.maximumIterations = maximumIterations
        self.vectorised = vectorised && SyndromeDecoder.vectorAvailable
    }

    public struct Outcome: Sendable {
        /// The decoded string, or `nil` when no string matching the syndrome was found.
        public let corrected: BitVector?
        public let iterations: Int
    }

    /// Decodes Bob's `y` against Alice's syndrome.
    /// - Parameters:
    ///   - y: Bob's raw key for this frame (secret).
    ///   - syndrome: Alice's public syndrome `H x`.
    ///   - errorRate: the crossover probability assumed for the channel from `x` to `y`.
    public func decode(_ y: BitVector, syndrome: BitVector, errorRate: Double) -> Outcome {
        let n = code.variables
        precondition(y.count == n && syndrome.count == code.checks)
        let p = min(max(errorRate, 1e-7), 0.5 - 1e-7)
        let prior = Float(log((1 - p) / p))
        if vectorised, let structure = code.quasiCyclic {
            return decodeQuasiCyclic(y, syndrome: syndrome, prior: prior, structure: structure)
        }
        if code.syndrome(y) == syndrome { return Outcome(corrected: y, iterations: 0) }
        var belief = [Float](repeating: 0, count: n)
        for v in 0..<n { belief[v] = y[v] ? -prior : prior }
        var messages = [Float](repeating: 0, count: code.edges)
        for iteration in 1...maximumIterations {
            layer(belief: &belief, messages: &messages, syndrome: syndrome)
            if satisfies(belief, syndrome) { return Outcome(corrected: hardDecision(belief), iterations: iteration) }
        }
        // The ring repair of quasi-cyclic codes (see `decodeQuasiCyclic`), here on beliefs in frame order.
        if let structure = code.quasiCyclic {
            var spent = maximumIterations
            for _ in 0..<Self.ringRepairs {
                guard let bits = ringRepair(hardDecision(belief), syndrome: syndrome, structure: structure) else { break }
                for i in bits { belief[i] = -belief[i] }
                for extra in 1...Self.ringRepairIterations {
                    layer(belief: &belief, messages: &messages, syndrome: syndrome)
                    if satisfies(belief, syndrome) { return Outcome(corrected: hardDecision(belief), iterations: spent + extra) }
                }
                spent += Self.ringRepairIterations
            }
        }
        return Outcome(corrected: nil, iterations: maximumIterations)
    }

    /// Frames decoded together by `decode(batch:syndromes:errorRate:)`.
    public static let batchWidth = 16

    /// Decodes up to sixteen frames that share this decoder's code at once: lane `f` of every
    /// vector holds frame `f`, so beliefs and messages move as whole vectors instead of being
    /// gathered and scattered edge by edge (`batch.c`; messages stored in half precision).
    /// Each frame stops counting iterations when its own syndrome is met; the batch runs until
    /// every frame has converged or the limit is reached. Without AVX-512, frame by frame.
    public func decode(batch ys: [BitVector], syndromes: [BitVector], errorRate: Double) -> [Outcome] {
        precondition(!ys.isEmpty && ys.count <= Self.batchWidth && ys.count == syndromes.count)
        guard vectorised, ys.count > 1, code.quasiCyclic == nil else {
            return zip(ys, syndromes).map { decode($0, syndrome: $1, errorRate: errorRate) }
        }
        let n = code.variables, lanes = ys.count, width = Self.batchWidth
        precondition(ys.allSatisfy { $0.count == n } && syndromes.allSatisfy { $0.count == code.checks })
        let p = min(max(errorRate, 1e-7), 0.5 - 1e-7)
        let prior = Float(log((1 - p) / p))
        var belief = [Float](repeating: 0, count: width * n)
        belief.withUnsafeMutableBufferPointer { L in
            for f in 0..<width {
                let words = ys[min(f, lanes - 1)].words
                for v in 0..<n { L[width * v + f] = (words[v >> 6] >> UInt64(v & 63)) & 1 == 1 ? -prior : prior }
            }
        }
        var masks = [UInt16](repeating: 0, count: code.checks)
        for f in 0..<width {
            let words = syndromes[min(f, lanes - 1)].words
            for c in 0..<code.checks where (words[c >> 6] >> UInt64(c & 63)) & 1 == 1 { masks[c] |= 1 << UInt16(f) }
        }
        var messages = [UInt16](repeating: 0, count: width * code.edges)
        var outcomes = [Outcome?](repeating: nil, count: lanes)
        var pending = UInt32((1 << lanes) - 1)
        func settle(_ failing: UInt32, iterations: Int) {
            let done = pending & ~failing
            for f in 0..<lanes where done >> UInt32(f) & 1 == 1 {
                outcomes[f] = Outcome(corrected: laneDecision(belief, lane: f), iterations: iterations)
            }
            pending &= failing
        }
        code.checkStart.withUnsafeBufferPointer { start in
            code.edgeVariable.withUnsafeBufferPointer { edgeVariable in
                masks.withUnsafeBufferPointer { syndrome in
                    PhiTable.shared.values.withUnsafeBufferPointer { table in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: 32 * code.maximumCheckDegree) { scratch in
                            let unsatisfied = {
                                belief.withUnsafeBufferPointer { L in
                                    diqkd_ldpc_unsatisfied16(L.baseAddress, start.baseAddress, edgeVariable.baseAddress,
                                                             code.checks, syndrome.baseAddress)
                                }
                            }
                            settle(unsatisfied(), iterations: 0)
                            var iteration = 0
                            while pending != 0 && iteration < maximumIterations {
                                iteration += 1
                                belief.withUnsafeMutableBufferPointer { L in
                                    messages.withUnsafeMutableBufferPointer { R in
                                        diqkd_ldpc_layer16(L.baseAddress, R.baseAddress, start.baseAddress, edgeVariable.baseAddress,
                                                           code.checks, syndrome.baseAddress, table.baseAddress, PhiTable.scale,
                                                           Int32(PhiTable.steps), scratch.baseAddress)
                                    }
                                }
                                settle(unsatisfied(), iterations: iteration)
                            }
                        }
                    }
                }
            }
        }
        return outcomes.map { $0 ?? Outcome(corrected: nil, iterations: maximumIterations) }
    }

    /// Frame `lane`'s hard decisions from interleaved beliefs.
    private func laneDecision(_ belief: [Float], lane: Int) -> BitVector {
        let n = code.variables, width = Self.batchWidth
        var words = [UInt64](repeating: 0, count: (n + 63) / 64)
        belief.withUnsafeBufferPointer { L in
            for v in 0..<n where L[width * v + lane] < 0 { words[v >> 6] |= 1 << UInt64(v & 63) }
        }
        return BitVector(words: words, count: n)
    }

    /// One pass over all checks, in the log domain of Gallager's function
    /// `phi(x) = -log tanh(x / 2)` (its own inverse): a check's outgoing magnitude on edge `e` is
    /// `phi(sum_{e' != e} phi(|t_e'|))` and its sign the parity of the other signs and the
    /// syndrome bit. `phi` comes from a table, two lookups per edge instead of a tanh and an atanh.
    private func layer(belief: inout [Float], messages: inout [Float], syndrome: BitVector) {
        if vectorised {
            vectorLayer(belief: &belief, messages: &messages, syndrome: syndrome)
            return
        }
        let syndromeWords = syndrome.words
        code.checkStart.withUnsafeBufferPointer { start in
            code.edgeVariable.withUnsafeBufferPointer { edgeVariable in
                belief.withUnsafeMutableBufferPointer { L in
                    messages.withUnsafeMutableBufferPointer { R in
                        PhiTable.shared.values.withUnsafeBufferPointer { table in
                            // Scratch for one check's magnitudes, sized for the largest check (a plain
                            // buffer: a captured array would be checked for exclusive access per edge).
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: code.maximumCheckDegree) { magnitudes in
                            for c in 0..<code.checks {
                                let first = Int(start[c]), last = Int(start[c + 1])
                                var total: Float = 0
                                var negative = syndromeWords[c >> 6] >> UInt64(c & 63) & 1 == 1
                                for e in first..<last {
                                    let t = L[Int(edgeVariable[e])] - R[e]
                                    R[e] = t
                                    if t < 0 { negative.toggle() }
                                    let m = PhiTable.phi(abs(t), table)
                                    magnitudes[e - first] = m
                                    total += m
                                }
                                for e in first..<last {
                                    let t = R[e]
                                    let magnitude = PhiTable.phi(max(0, total - magnitudes[e - first]), table)
                                    let message = (negative != (t < 0)) ? -magnitude : magnitude
                                    L[Int(edgeVariable[e])] = t + message
                                    R[e] = message
                                }
                            }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The same pass in C with AVX-512 (`CDecoder`), sixteen edges at a time.
    private func vectorLayer(belief: inout [Float], messages: inout [Float], syndrome: BitVector) {
        code.checkStart.withUnsafeBufferPointer { start in
            code.edgeVariable.withUnsafeBufferPointer { edgeVariable in
                belief.withUnsafeMutableBufferPointer { L in
                    messages.withUnsafeMutableBufferPointer { R in
                        PhiTable.shared.values.withUnsafeBufferPointer { table in
                            syndrome.words.withUnsafeBufferPointer { words in
                                withUnsafeTemporaryAllocation(of: Float.self, capacity: code.maximumCheckDegree + 16) { scratch in
                                    diqkd_ldpc_layer(L.baseAddress, R.baseAddress, start.baseAddress, edgeVariable.baseAddress,
                                                     code.checks, words.baseAddress, table.baseAddress, PhiTable.scale,
                                                     Int32(PhiTable.steps), scratch.baseAddress)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether the hard decisions of `belief` (negative means 1) have syndrome `syndrome`,
    /// checked straight from the beliefs and stopping at the first unsatisfied check.
    private func satisfies(_ belief: [Float], _ syndrome: BitVector) -> Bool {
        if vectorised {
            return code.checkStart.withUnsafeBufferPointer { start in
                code.edgeVariable.withUnsafeBufferPointer { edgeVariable in
                    belief.withUnsafeBufferPointer { L in
                        syndrome.words.withUnsafeBufferPointer { words in
                            diqkd_ldpc_satisfied(L.baseAddress, start.baseAddress, edgeVariable.baseAddress, code.checks,
                                                 words.baseAddress) != 0
                        }
                    }
                }
            }
        }
        let syndromeWords = syndrome.words
        return code.checkStart.withUnsafeBufferPointer { start in
            code.edgeVariable.withUnsafeBufferPointer { edgeVariable in
                belief.withUnsafeBufferPointer { L in
                    for c in 0..<code.checks {
                        var parity = syndromeWords[c >> 6] >> UInt64(c & 63) & 1 == 1
                        for e in Int(start[c])..<Int(start[c + 1]) where L[Int(edgeVariable[e])] < 0 { parity.toggle() }
                        if parity { return false }
                    }
                    return true
                }
            }
        }
    }

    private func hardDecision(_ belief: [Float]) -> BitVector {
        var words = [UInt64](repeating: 0, count: (belief.count + 63) / 64)
        for v in belief.indices where belief[v] < 0 { words[v >> 6] |= 1 << UInt64(v & 63) }
        return BitVector(words: words, count: belief.count)
    }
}

/// `phi(x) = log((e^x + 1) / (e^x - 1))` tabulated on `[0, 20]` in 65,536 steps (256 KiB,
/// cache-resident), each entry the value at its cell's midpoint: one load per evaluation, no
/// interpolation. Arguments below one step are treated as half a step (phi is about 8.8
/// there), which bounds messages the way the clamping of tanh-based decoders does.
final class PhiTable: Sendable {
    static let shared = PhiTable()
    static let steps = 65536
    static let range: Float = 20
    static let scale = Float(steps) / range
    let values: [Float]

    private init() {
        values = (0...PhiTable.steps).map { k in
            let x = (Double(k) + 0.5) / Double(PhiTable.scale)
            return Float(log((exp(x) + 1) / (exp(x) - 1)))
        }
    }

    @inline(__always)
    static func phi(_ x: Float, _ table: UnsafeBufferPointer<Float>) -> Float {
        table[Int(min(x * scale, Float(steps)))]
    }
}
