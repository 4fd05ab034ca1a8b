import CDecoder
import Foundation
import Hashing

/// Decoding of quasi-cyclic codes (`LDPCCode.quasiCyclic`): the layered decoder over the lift
/// and the repair of stuck runs on the accumulator ring, which the portable decoder shares.
extension SyndromeDecoder {
    /// The frame bits a ring repair reverses, or `nil` when the unsatisfied checks of `decision`
    /// are too many, not all on the accumulator ring, or too far apart along it.
    func ringRepair(_ decision: BitVector, syndrome: BitVector, structure qc: QuasiCyclicStructure) -> [Int]? {
        let unsatisfied = code.syndrome(decision) ^ syndrome
        let checks = (0..<code.checks).filter { unsatisfied[$0] }
        guard (1...Self.ringRepairChecks).contains(checks.count) else { return nil }
        let positions = checks.compactMap { qc.ringPosition(check: $0) }
        guard positions.count == checks.count else { return nil }
        let bits = qc.ringArcs(positions, longest: Self.ringRepairArc).compactMap { q -> Int? in
            let (block, slot) = qc.ringVariable(after: q)
            let i = slot * qc.blocks + block
            return i < code.variables ? i : nil
        }
        return bits.isEmpty ? nil : bits
    }

    /// Layered decoding of a quasi-cyclic code (`qc.c`): a base-matrix row's `lift` checks at a
    /// time, sixteen per vector, beliefs loaded and stored as contiguous vectors. The same
    /// sum-product rule as the other decoders, in bits rather than natural units; shortened
    /// variables start at a belief of 40 bits (certainly zero), and checks past the syndrome's
    /// end in the last layer send nothing.
    func decodeQuasiCyclic(_ y: BitVector, syndrome: BitVector, prior: Float,
                                   structure qc: QuasiCyclicStructure) -> Outcome {
        let n = code.variables, Z = qc.lift, stride = qc.beliefStride
        // `qc.c` works in bits (log2 likelihood ratios).
        let prior = prior * Float(M_LOG2E)
        let beliefStorage = LargeBuffer<Float>(count: qc.blocks * stride), L = beliefStorage.buffer
        L.update(repeating: 40)
        y.words.withUnsafeBufferPointer { words in
            qc.forEachFrameBit(n) { i, index in L[index] = (words[i >> 6] >> UInt64(i & 63)) & 1 == 1 ? -prior : prior }
            for j in 0..<qc.blocks {
                for i in 0..<16 { L[j * stride + Z + i] = L[j * stride + i] }
            }
        }
        let chunks = qc.layers * Z / 16
        var chunkBits = [UInt16](repeating: 0, count: chunks)
        syndrome.words.withUnsafeBufferPointer { words in
            for t in 0..<min(chunks, (syndrome.count + 15) / 16) {
                chunkBits[t] = UInt16(truncatingIfNeeded: words[t >> 2] >> UInt64(16 * (t & 3)))
            }
        }
        let messageStorage = LargeBuffer<UInt16>(count: qc.entries * Z), R = messageStorage.buffer
        /// Hard decisions of the current beliefs, in frame order.
        func decisions() -> BitVector {
            var words = [UInt64](repeating: 0, count: (n + 63) / 64)
            qc.forEachFrameBit(n) { i, index in if L[index] < 0 { words[i >> 6] |= 1 << UInt64(i & 63) } }
            return BitVector(words: words, count: n)
        }
        /// Runs up to `limit` iterations; the number run when the syndrome is met, else nil.
        func iterate(_ limit: Int) -> Int? {
            qc.rowStart.withUnsafeBufferPointer { rowStart in
                qc.entryBlock.withUnsafeBufferPointer { entryBlock in
                    qc.entryShift.withUnsafeBufferPointer { entryShift in
                        var shape = diqkd_qc_code(lift: Int32(Z), layers: Int32(qc.layers), last_lanes: Int32(qc.lastLayerChecks),
                                                  row_start: rowStart.baseAddress, entry_block: entryBlock.baseAddress,
                                                  entry_shift: entryShift.baseAddress)
                        return chunkBits.withUnsafeBufferPointer { bits in
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: 32 * max(1, qc.widestLayer)) { scratch in
                                if diqkd_qc_satisfied(L.baseAddress, &shape, bits.baseAddress) != 0 { return 0 }
                                for iteration in 1...max(1, limit) {
                                    diqkd_qc_iteration(L.baseAddress, R.baseAddress, &shape, bits.baseAddress, scratch.baseAddress)
                                    if diqkd_qc_satisfied(L.baseAddress, &shape, bits.baseAddress) != 0 { return iteration }
                                }
                                return nil
                            }
                        }
                    }
                }
            }
        }
        if let iterations = iterate(maximumIterations) { return Outcome(corrected: decisions(), iterations: iterations) }
        // Stuck. The usual cause at these rates is a run of consecutive accumulator variables
        // in error: every check inside the run is met, only the two at its ends are not, and
        // their messages (from checks of 40 to 160 edges) are too weak to turn the run. When
        // the few unsatisfied checks all lie on the accumulator ring and pair up along short
        // arcs (at most `ringRepairArc` variables each), reverse the beliefs along those arcs
        // and iterate again; only a decision that meets the whole syndrome counts. (Reversing
        // long arcs was tried: it can settle on another string with the same syndrome.)
        var spent = maximumIterations
        for _ in 0..<Self.ringRepairs {
            guard let bits = ringRepair(decisions(), syndrome: syndrome, structure: qc) else { break }
            for i in bits {
                let index = qc.beliefIndex(i), slot = i / qc.blocks
                L[index] = -L[index]
                if slot < 16 { L[index + Z] = L[index] }
            }
            if let extra = iterate(Self.ringRepairIterations) {
                return Outcome(corrected: decisions(), iterations: spent + extra)
            }
            spent += Self.ringRepairIterations
        }
        return Outcome(corrected: nil, iterations: maximumIterations)
    }

    /// Repair rounds after a quasi-cyclic decode is stuck, the most unsatisfied checks a
    /// repair is tried for, and the iterations after each repair.
    static let ringRepairs = 2
    static let ringRepairChecks = 16
    static let ringRepairIterations = 20
    /// The longest run of accumulator variables a repair reverses.
    static let ringRepairArc = 8
}

/// Zeroed storage from `diqkd_large_alloc` (2 MiB aligned, huge pages where offered), freed
/// with its owner. The decoder's beliefs and messages of a long frame span thousands of pages.
final class LargeBuffer<Element: BitwiseCopyable> {
    let buffer: UnsafeMutableBufferPointer<Element>
    private let bytes: Int

    init(count: Int) {
        bytes = max(1, count) * MemoryLayout<Element>.stride
        guard let raw = diqkd_large_alloc(bytes) else { fatalError("out of memory for \(bytes) bytes of decoder state") }
        buffer = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Element.self, capacity: max(1, count)), count: count)
    }

    deinit { diqkd_large_free(buffer.baseAddress, bytes) }
}
