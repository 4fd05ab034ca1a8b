/// The compact binary form of the record format: the magic `DIQKDRC2`, one flags byte
/// (bit 0: time uncertainty present, bit 1: test marks present), then one variable-length
/// record per round:
/// - a tag byte: input (bit 0), output (bit 1), test mark (bit 2), position changed (bit 3),
///   uncertainty changed (bit 4);
/// - the round's increase over the previous round (LEB128 varint, at least 1; the first
///   record's is its round minus 0 as a 64-bit pattern, so 0 for round 0);
/// - the time's change from the previous round (zigzag LEB128 varint);
/// - when changed: x, y, z (little-endian Float64), and the uncertainty (Float64).
/// A sequential run with fixed detectors takes 4 to 5 bytes a round, a sixth of its CSV.
enum BinaryFormat {
    static let magic = Array("DIQKDRC2".utf8)
    /// Longest possible record: tag, two 10-byte varints, four doubles.
    static let maximumRecord = 1 + 10 + 10 + 32
}

public struct BinaryRecordReader: RecordReader {
    public let path: String
    public let columns: RecordColumns
    private let input: FileInput
    private var buffer: [UInt8] = []
    private var position = 0
    private var record = 0
    private var previousRound: Int64 = 0
    private var previousTime: Int64 = 0
    private var x = 0.0, y = 0.0, z = 0.0, uncertainty = 0.0

    static func isBinary(_ path: String) throws(RecordError) -> Bool {
        let input = try FileInput(path: path)
        var head: [UInt8] = []
        while head.count < 8, try input.read(into: &head, count: 8 - head.count) > 0 {}
        return head == BinaryFormat.magic
    }

    private let chunkBytes: Int

    /// Opens a file and reads its magic bytes and flags.
    /// - Parameters:
    ///   - path: the binary record file.
    ///   - chunkBytes: bytes read at a time (at least 1). Records and errors do not depend on
    ///     it; small chunks let tests and fuzzing cross chunk boundaries in small files.
    public init(path: String, chunkBytes: Int = CSVRecordReader.defaultChunkBytes) throws(RecordError) {
        precondition(chunkBytes >= 1, "chunkBytes must be at least 1")
        self.path = path
        self.chunkBytes = chunkBytes
        input = try FileInput(path: path)
        while buffer.count < 9, try input.read(into: &buffer, count: 9 - buffer.count) > 0 {}
        guard buffer.count == 9, Array(buffer[0..<8]) == BinaryFormat.magic, buffer[8] & ~3 == 0 else {
            throw RecordError(file: path, line: nil, message: "not a diqkd binary record file (or an older version)")
        }
        columns = RecordColumns(timeUncertainty: buffer[8] & 1 != 0, testMarks: buffer[8] & 2 != 0)
        position = 9
    }

    public var fractionRead: Double {
        input.size > 0 ? Double(input.bytesRead - (buffer.count - position)) / Double(input.size) : 0
    }

    public mutating func next() throws(RecordError) -> RecordBatch? {
        var batch = RecordBatch()
        batch.reserve(CSVRecordReader.batchSize)
        batch.firstLine = record + 1
        while batch.count < CSVRecordReader.batchSize {
            if buffer.count - position < BinaryFormat.maximumRecord && !input.atEnd {
                buffer.removeFirst(position)
                position = 0
                _ = try input.read(into: &buffer, count: chunkBytes)
                continue
            }
            guard position < buffer.count else { break }
            if let failure = decodeOne(into: &batch) { throw RecordError(file: path, line: record + 1, message: failure) }
            record += 1
        }
        return batch.count == 0 ? nil : batch
    }

    private mutating func decodeOne(into batch: inout RecordBatch) -> String? {
        let end = buffer.count
        var p = position
        func varint() -> UInt64? {
            var value: UInt64 = 0, shift: UInt64 = 0
            while p < end, shift < 64 {
                let byte = buffer[p]
                p += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        func double() -> Double? {
            guard end - p >= 8 else { return nil }
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(buffer[p + k]) << UInt64(8 * k) }
            p += 8
            return Double(bitPattern: bits)
        }
        let tag = buffer[p]
        p += 1
        guard tag & ~0x1F == 0, columns.testMarks || tag & 4 == 0, columns.timeUncertainty || tag & 16 == 0 else {
            return "invalid record tag \(tag)"
        }
        // The first round is stored as its difference from 0, so it is 0 when the first round is.
        guard let roundStep = varint(), roundStep >= 1 || record == 0, let timeStep = varint() else {
            return "truncated or invalid round/time encoding"
        }
        let round = previousRound &+ Int64(bitPattern: roundStep)
        guard round > previousRound || record == 0 else { return "round numbers overflow" }
        let time = previousTime &+ (Int64(bitPattern: timeStep >> 1) ^ -Int64(bitPattern: timeStep & 1))
        if tag & 8 != 0 {
            guard let nx = double(), let ny = double(), let nz = double(), nx.isFinite, ny.isFinite, nz.isFinite else {
                return "truncated or non-finite position"
            }
            (x, y, z) = (nx, ny, nz)
        }
        if tag & 16 != 0 {
            guard let u = double(), u.isFinite, u >= 0 else { return "truncated or invalid time uncertainty" }
            uncertainty = u
        }
        previousRound = round
        previousTime = time
        position = p
        batch.rounds.append(round); batch.inputs.append(tag & 1); batch.outputs.append((tag >> 1) & 1)
        batch.timesNs.append(time); batch.x.append(x); batch.y.append(y); batch.z.append(z)
        if columns.timeUncertainty { batch.uncertaintiesNs.append(uncertainty) }
        if columns.testMarks { batch.testMarks.append((tag >> 2) & 1) }
        return nil
    }
}

/// Writes the binary form to a temporary file moved into place by ``close()``.
public final class BinaryRecordWriter {
    public let path: String
    public let columns: RecordColumns
    private let output: BufferedFileOutput
    private var previousRound: Int64 = 0
    private var previousTime: Int64 = 0
    private var position: (Double, Double, Double)?
    private var uncertainty: Double?

    public init(path: String, columns: RecordColumns) throws(RecordError) {
        self.path = path
        self.columns = columns
        output = try BufferedFileOutput(path: path)
        output.buffer = BinaryFormat.magic + [(columns.timeUncertainty ? 1 : 0) | (columns.testMarks ? 2 : 0)]
    }

    public func write(_ batch: RecordBatch) throws(RecordError) {
        func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                output.buffer.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            output.buffer.append(UInt8(v))
        }
        func double(_ value: Double) { withUnsafeBytes(of: value.bitPattern.littleEndian) { output.buffer.append(contentsOf: $0) } }
        for i in 0..<batch.count {
            let p = (batch.x[i], batch.y[i], batch.z[i])
            let moved = position.map { $0 != p } ?? true
            let u = columns.timeUncertainty ? batch.uncertaintiesNs[i] : 0
            let newUncertainty = columns.timeUncertainty && uncertainty != u
            var tag = batch.inputs[i] | batch.outputs[i] << 1 | (moved ? 8 : 0) | (newUncertainty ? 16 : 0)
            if columns.testMarks { tag |= batch.testMarks[i] << 2 }
            output.buffer.append(tag)
            varint(UInt64(bitPattern: batch.rounds[i] &- previousRound))
            let dt = batch.timesNs[i] &- previousTime
            varint(UInt64(bitPattern: (dt << 1) ^ (dt >> 63)))
            if moved { double(p.0); double(p.1); double(p.2) }
            if newUncertainty { double(u) }
            previousRound = batch.rounds[i]
            previousTime = batch.timesNs[i]
            position = p
            uncertainty = u
            try output.flushIfFull()
        }
    }

    /// Flushes, closes and moves the file into place.
    public func close() throws(RecordError) { try output.close() }

    /// Abandons the file.
    public func discard() { output.discard() }
}
