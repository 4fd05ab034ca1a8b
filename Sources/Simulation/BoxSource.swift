import Hashing
import NonSignaling
import Protocol
import Randomness

/// Nature in a simulation: the shared physical system behind two devices, one box per round.
///
/// Each round's box is drawn from a mixture `sum_z p_z P^z` of single-box behaviours (one
/// element for honest devices; Eve's box partition for devices she prepares, in which case
/// the source remembers `z` for her). Whichever device measures a round first gets an output
/// from its marginal — the same for any input on the other side, since every `P^z` is
/// non-signalling — and the other device's output is then drawn conditionally. Once both
/// sides have measured a round, the source forgets it.
///
/// The parties never hold the source: each holds only its own ``SimulatedDevice``, which
/// takes that party's inputs and returns that party's outputs.
public final class BoxSource {
    private struct Tables {
        /// `P(x = 0 | u)` indexed `u`, and `P(y = 0 | v)` indexed `v`.
        var aliceFirst: [Double], bobFirst: [Double]
        /// `P(y = 0 | u, x, v)` indexed `4u + 2x + v`, and `P(x = 0 | v, y, u)` indexed `4v + 2y + u`.
        var bobGivenAlice: [Double], aliceGivenBob: [Double]

        init(_ box: Behaviour) {
            func conditional(_ joint: Double, _ marginal: Double) -> Double { marginal > 0 ? min(1, joint / marginal) : 0 }
            aliceFirst = (0...1).map { u in box[0, 0, u, 0] + box[0, 1, u, 0] }
            bobFirst = (0...1).map { v in box[0, 0, 0, v] + box[1, 0, 0, v] }
            bobGivenAlice = (0..<8).map { i in
                let u = i >> 2, x = (i >> 1) & 1, v = i & 1
                return conditional(box[x, 0, u, v], box[x, 0, u, v] + box[x, 1, u, v])
            }
            aliceGivenBob = (0..<8).map { i in
                let v = i >> 2, y = (i >> 1) & 1, u = i & 1
                return conditional(box[0, y, u, v], box[0, y, u, v] + box[1, y, u, v])
            }
        }
    }

    private let tables: [Tables]
    /// Draws the elements of the next group of rounds (one per round).
    private let schedule: (inout Xoshiro256) -> [Int]
    private var scheduled: [Int] = []
    private var scheduledNext = 0
    private var rng: Xoshiro256
    /// Rounds measured so far by each side.
    private var measured: [Party: Int] = [.alice: 0, .bob: 0]
    /// For rounds only the leading side has measured: bit 0 input, bit 1 output, bits 2... `z`.
    private var pending: [UInt32] = []
    private var pendingStart = 0
    private var consumed = 0
    /// Which box `z` each round came from; kept only when `recordsPartition` (Eve's devices).
    public private(set) var partitionRecord: [UInt32] = []
    public let recordsPartition: Bool

    /// A source of independent copies of one box (honest devices).
    public convenience init(box: Behaviour, seed: UInt64) {
        self.init(partition: BoxPartition([(1, box)]), seed: seed, recordsPartition: false)
    }

    /// A source that draws each round's box from a partition.
    /// - Parameters:
    ///   - seed: seeds nature's randomness (not the parties').
    ///   - recordsPartition: whether to keep each round's `z` (Eve's side information).
    public convenience init(partition: BoxPartition, seed: UInt64, recordsPartition: Bool) {
        precondition(!partition.elements.isEmpty)
        let sum = partition.elements.reduce(0) { $0 + $1.weight }
        var total = 0.0
        let cumulative = partition.elements.map { total += $0.weight; return total / sum }
        self.init(boxes: partition.elements.map(\.behaviour), seed: seed, recordsPartition: recordsPartition) { rng in
            guard cumulative.count > 1 else { return [0] }
            let r = Double(rng.next() >> 11) * 0x1p-53
            return [cumulative.firstIndex { r < $0 } ?? cumulative.count - 1]
        }
    }

    /// A source whose rounds come in groups prepared together: `schedule` returns the boxes
    /// (indices into `boxes`) of the next group of consecutive rounds. This is how an
    /// eavesdropper's collective partition of `n` boxes (Appendix F) is realised: each element
    /// is a product of single boxes, drawn once per group.
    public init(boxes: [Behaviour], seed: UInt64, recordsPartition: Bool,
                schedule: @escaping (inout Xoshiro256) -> [Int]) {
        precondition(!boxes.isEmpty && boxes.count < 1 << 30)
        for box in boxes {
            precondition(box.boxes == 1 && box.isNonSignaling(tolerance: 1e-9), "a source needs single non-signalling boxes")
        }
        tables = boxes.map { Tables($0) }
        self.schedule = schedule
        rng = Xoshiro256(seed: seed, stream: "nature")
        self.recordsPartition = recordsPartition
    }

    /// The two devices, one for each lab.
    public func makeDevices() -> (alice: SimulatedDevice, bob: SimulatedDevice) {
        (SimulatedDevice(source: self, side: .alice), SimulatedDevice(source: self, side: .bob))
    }

    private func chooseElement() -> Int {
        if scheduledNext == scheduled.count {
            scheduled = schedule(&rng)
            scheduledNext = 0
            precondition(!scheduled.isEmpty && scheduled.allSatisfy { tables.indices.contains($0) })
        }
        scheduledNext += 1
        return scheduled[scheduledNext - 1]
    }

    func measure(_ inputs: BitVector, side: Party) -> BitVector {
        let other: Party = side == .alice ? .bob : .alice
        let first = measured[side]!, otherCount = measured[other]!
        var outputs = BitVector(count: inputs.count)
        var outWords = [UInt64](repeating: 0, count: outputs.words.count)
        let inWords = inputs.words
        for i in 0..<inputs.count {
            let round = first + i
            let input = Int(inWords[i >> 6] >> UInt64(i & 63) & 1)
            var output: Int
            if round < otherCount {
                // The other side measured first: sample conditionally on its input and output.
                let state = pending[round - pendingStart]
                let z = Int(state >> 2)
                let index = 4 * Int(state & 1) + 2 * Int((state >> 1) & 1) + input
                let p0 = side == .alice ? tables[z].aliceGivenBob[index] : tables[z].bobGivenAlice[index]
                output = Double(rng.next() >> 11) * 0x1p-53 < p0 ? 0 : 1
                consumed += 1
            } else {
                let z = chooseElement()
                let p0 = side == .alice ? tables[z].aliceFirst[input] : tables[z].bobFirst[input]
                output = Double(rng.next() >> 11) * 0x1p-53 < p0 ? 0 : 1
                pending.append(UInt32(input) | UInt32(output) << 1 | UInt32(z) << 2)
                if recordsPartition { partitionRecord.append(UInt32(z)) }
            }
            if output == 1 { outWords[i >> 6] |= 1 << UInt64(i & 63) }
        }
        measured[side] = first + inputs.count
        // Forget rounds both sides have measured.
        if consumed > 0 && consumed * 2 >= pending.count {
            pending.removeFirst(consumed)
            pendingStart += consumed
            consumed = 0
        }
        outputs = BitVector(words: outWords, count: inputs.count)
        return outputs
    }
}

/// One lab's device: hands its party's inputs to the source and returns that party's outputs.
public final class SimulatedDevice: Device {
    private let source: BoxSource
    public let side: Party

    init(source: BoxSource, side: Party) {
        self.source = source
        self.side = side
    }

    public func measure(_ inputs: BitVector) -> BitVector {
        source.measure(inputs, side: side)
    }
}
