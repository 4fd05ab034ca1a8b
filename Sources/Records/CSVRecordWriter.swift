#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Writes the per-party CSV format, buffered, to a temporary file that replaces the target
/// only when ``close()`` succeeds (no partial files).
public final class CSVRecordWriter {
    public let path: String
    public let columns: RecordColumns
    private let temporaryPath: String
    private var file: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8] = []

    public init(path: String, columns: RecordColumns) throws(RecordError) {
        self.path = path
        self.columns = columns
        temporaryPath = path + ".partial"
        guard let handle = fopen(temporaryPath, "w") else {
            throw RecordError(file: path, line: nil, message: "cannot create (\(String(cString: strerror(errno))))")
        }
        file = handle
        buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: Array((columns.header + "\n").utf8))
    }

    /// Appends every round of `batch`.
    public func write(_ batch: RecordBatch) throws(RecordError) {
        for i in 0..<batch.count {
            appendInteger(batch.rounds[i]); buffer.append(44)
            buffer.append(48 + batch.inputs[i]); buffer.append(44)
            buffer.append(48 + batch.outputs[i]); buffer.append(44)
            appendInteger(batch.timesNs[i]); buffer.append(44)
            appendDecimal(batch.x[i]); buffer.append(44)
            appendDecimal(batch.y[i]); buffer.append(44)
            appendDecimal(batch.z[i])
            if columns.timeUncertainty { buffer.append(44); appendDecimal(batch.uncertaintiesNs[i]) }
            if columns.testMarks { buffer.append(44); buffer.append(48 + batch.testMarks[i]) }
            buffer.append(10)
            if buffer.count >= 1 << 20 { try flush() }
        }
    }

    private func appendInteger(_ value: Int64) {
        if value < 0 { buffer.append(45) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(magnitude % 10) + 48
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for k in stride(from: count - 1, through: 0, by: -1) { buffer.append(raw[k]) }
        }
    }

    /// Shortest round-trip decimal of a double (Swift's description), which the reader parses.
    private func appendDecimal(_ value: Double) {
        if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int64(value))
        } else {
            buffer.append(contentsOf: Array(value.description.utf8))
        }
    }

    private func flush() throws(RecordError) {
        guard let file else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == buffer.count else {
            throw RecordError(file: path, line: nil, message: "write failed (\(String(cString: strerror(errno))))")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and moves the file into place.
    public func close() throws(RecordError) {
        try flush()
        guard let handle = file else { return }
        file = nil
        guard fclose(handle) == 0, rename(temporaryPath, path) == 0 else {
            unlink(temporaryPath)
            throw RecordError(file: path, line: nil, message: "cannot finish writing (\(String(cString: strerror(errno))))")
        }
    }

    /// Abandons the file.
    public func discard() {
        if let handle = file { fclose(handle) }
        file = nil
        unlink(temporaryPath)
    }

    deinit { if file != nil { discard() } }
}
