/// Writes the per-party CSV format, buffered, to a temporary file that replaces the target
/// only when ``close()`` succeeds (no partial files).
public final class CSVRecordWriter {
    public let path: String
    public let columns: RecordColumns
    private let output: BufferedFileOutput

    public init(path: String, columns: RecordColumns) throws(RecordError) {
        self.path = path
        self.columns = columns
        output = try BufferedFileOutput(path: path)
        if columns.simulated { output.buffer.append(contentsOf: Array((RecordColumns.simulatedMarker + "\n").utf8)) }
        output.buffer.append(contentsOf: Array((columns.header + "\n").utf8))
    }

    /// Appends every round of `batch`.
    public func write(_ batch: RecordBatch) throws(RecordError) {
        for i in 0..<batch.count {
            appendInteger(batch.rounds[i]); output.buffer.append(44)
            output.buffer.append(48 + batch.inputs[i]); output.buffer.append(44)
            output.buffer.append(48 + batch.outputs[i]); output.buffer.append(44)
            appendInteger(batch.timesNs[i]); output.buffer.append(44)
            appendDecimal(batch.x[i]); output.buffer.append(44)
            appendDecimal(batch.y[i]); output.buffer.append(44)
            appendDecimal(batch.z[i])
            if columns.timeUncertainty { output.buffer.append(44); appendDecimal(batch.uncertaintiesNs[i]) }
            if columns.testMarks { output.buffer.append(44); output.buffer.append(48 + batch.testMarks[i]) }
            output.buffer.append(10)
            try output.flushIfFull()
        }
    }

    private func appendInteger(_ value: Int64) {
        if value < 0 { output.buffer.append(45) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var count = 0
            repeat {
                digits[count] = UInt8(magnitude % 10) + 48
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for k in stride(from: count - 1, through: 0, by: -1) { output.buffer.append(digits[k]) }
        }
    }

    /// Shortest round-trip decimal of a double (Swift's description), which the reader parses.
    private func appendDecimal(_ value: Double) {
        if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int64(value))
        } else {
            output.buffer.append(contentsOf: Array(value.description.utf8))
        }
    }

    /// Flushes, closes and moves the file into place.
    public func close() throws(RecordError) { try output.close() }

    /// Abandons the file.
    public func discard() { output.discard() }
}
