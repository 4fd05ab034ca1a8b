import Hashing
import Protocol
import SecurityBounds

extension RecordedRun {
    /// The trial counts of every recorded round by inputs and outputs, index `8u + 4v + 2x + y`,
    /// counted 64 rounds at a time from the packed bits.
    /// - Complexity: O(rounds / 64).
    public var jointCounts: [Int] {
        var counts = [Int](repeating: 0, count: 16)
        let u = alice.inputs.words, v = bob.inputs.words, x = alice.outputs.words, y = bob.outputs.words
        for w in 0..<u.count {
            // Bits past the last round are zero in every vector, so they fall in (0,0,0,0):
            // that cell is recovered from the total instead.
            for cell in 1..<16 {
                let mu = cell & 8 != 0 ? u[w] : ~u[w], mv = cell & 4 != 0 ? v[w] : ~v[w]
                let mx = cell & 2 != 0 ? x[w] : ~x[w], my = cell & 1 != 0 ? y[w] : ~y[w]
                counts[cell] += (mu & mv & mx & my).nonzeroBitCount
            }
        }
        counts[0] = rounds - counts[1...].reduce(0, +)
        return counts
    }

    /// The field's CHSH statistics over every recorded round (``CorrelationStatistics``).
    public var fieldStatistics: CorrelationStatistics { CorrelationStatistics(counts: jointCounts) }

    /// Spot-check mode: rounds Alice's `test` column leaves untested (so key rounds) whose inputs
    /// are not `(0, 0)`. The protocol takes key only from `(0, 0)` rounds, so these give no key;
    /// they are counted rather than dropped silently, since many of them mean the devices did not
    /// use the agreed key setting. `nil` without test marks.
    public var keyRoundsWithOtherInputs: Int? {
        guard let marks = alice.testMarks else { return nil }
        let u = alice.inputs.words, v = bob.inputs.words, t = marks.words
        var count = 0
        for w in 0..<u.count { count += (~t[w] & (u[w] | v[w])).nonzeroBitCount }
        return count
    }
}
