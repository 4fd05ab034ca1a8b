import Hashing

/// Random bit strings for inputs and round marks.
enum RandomBits {
    /// Each bit 1 independently with probability `p` (resolution 2^-32).
    static func bernoulli<G: RandomNumberGenerator>(count: Int, probability p: Double, using rng: inout G) -> BitVector {
        var result = BitVector(count: count)
        let threshold = UInt64((p * 4_294_967_296).rounded())
        var i = 0
        while i < count {
            let word = rng.next()
            if word & 0xFFFF_FFFF < threshold { result[i] = true }
            if i + 1 < count, word >> 32 < threshold { result[i + 1] = true }
            i += 2
        }
        return result
    }

    /// The inputs of one party: uniform where `uniformRounds` is set, 0 elsewhere.
    static func inputs<G: RandomNumberGenerator>(uniformRounds: BitVector, using rng: inout G) -> BitVector {
        BitVector.random(count: uniformRounds.count, using: &rng) & uniformRounds
    }
}

/// Progress of long steps: the stage and the fraction done.
public typealias ProgressHandler = @Sendable (_ stage: String, _ fraction: Double) -> Void

extension Device {
    /// Measures all rounds in batches, reporting progress.
    func measureAll(_ inputs: BitVector, stage: String, progress: ProgressHandler?) -> BitVector {
        let batch = 1 << 20
        var outputs = BitVector(count: 0)
        var start = 0
        while start < inputs.count {
            let end = min(inputs.count, start + batch)
            outputs.append(contentsOf: measure(inputs.slice(start..<end)))
            start = end
            progress?(stage, Double(end) / Double(inputs.count))
        }
        return outputs
    }
}
