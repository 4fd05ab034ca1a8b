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

    public init(code: LDPCCode, maximumIterations: Int = 80) {
        self.code = code
        self.maximumIterations = maximumIterations
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
        var belief = [Float](repeating: 0, count: n)
        for v in 0..<n { belief[v] = y[v] ? -prior : prior }
        var messages = [Float](repeating: 0, count: code.edges)
        if code.syndrome(y) == syndrome { return Outcome(corrected: y, iterations: 0) }
        for iteration in 1...maximumIterations {
            layer(belief: &belief, messages: &messages, syndrome: syndrome)
            let decided = hardDecision(belief)
            if code.syndrome(decided) == syndrome { return Outcome(corrected: decided, iterations: iteration) }
        }
        return Outcome(corrected: nil, iterations: maximumIterations)
    }

    /// One pass over all checks. For check `c` and edge `e`,
    /// `tanh(r_e / 2) = (-1)^(s_c) prod_{e' != e} tanh(t_e' / 2)` with `t` the extrinsic beliefs;
    /// the product over all edges is divided by the edge's own factor, kept away from zero.
    private func layer(belief: inout [Float], messages: inout [Float], syndrome: BitVector) {
        code.checkStart.withUnsafeBufferPointer { start in
            code.edgeVariable.withUnsafeBufferPointer { edgeVariable in
                belief.withUnsafeMutableBufferPointer { L in
                    messages.withUnsafeMutableBufferPointer { R in
                        var factors = [Float](repeating: 0, count: 64)
                        for c in 0..<code.checks {
                            let first = Int(start[c]), last = Int(start[c + 1])
                            if last - first > factors.count { factors = [Float](repeating: 0, count: last - first) }
                            var product: Float = syndrome[c] ? -1 : 1
                            for e in first..<last {
                                let t = L[Int(edgeVariable[e])] - R[e]
                                var factor = tanhf(0.5 * t)
                                if abs(factor) < 1e-7 { factor = t < 0 ? -1e-7 : 1e-7 }
                                R[e] = t
                                factors[e - first] = factor
                                product *= factor
                            }
                            for e in first..<last {
                                let ratio = min(max(product / factors[e - first], -0.999_999), 0.999_999)
                                let message = 2 * atanhf(ratio)
                                L[Int(edgeVariable[e])] = R[e] + message
                                R[e] = message
                            }
                        }
                    }
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
