/// Writes the binary form (``BinaryFormat``, version 3) to a temporary file moved into place
/// by ``close()``: records are gathered into blocks of under 8 KiB, each with its checksum.
public final class BinaryRecordWriter {
    public let path: String
    public let columns: RecordColumns
    private let output: BufferedFileOutput
    private var previousRound: Int64 = 0
    private var previousTime: Int64 = 0
    private var position: (Double, Double, Double)?
    private var uncertainty: Double?
    /// The open block's payload and record count, and blocks written so far.
    private var payload: [UInt8] = []
    private var blockRecords: UInt32 = 0
    private var blocks: UInt64 = 0
    private var records: UInt64 = 0

    public init(path: String, columns: RecordColumns) throws(RecordError) {
        self.path = path
        self.columns = columns
        output = try BufferedFileOutput(path: path)
        output.buffer = BinaryFormat.header(columns)
        payload.reserveCapacity(BinaryFormat.maximumPayload)
    }

    public func write(_ batch: RecordBatch) throws(RecordError) {
        func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                payload.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            payload.append(UInt8(v))
        }
        func double(_ value: Double) { withUnsafeBytes(of: value.bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
        for i in 0..<batch.count {
            if payload.count + BinaryFormat.maximumRecord > BinaryFormat.maximumPayload { try closeBlock() }
            let p = (batch.x[i], batch.y[i], batch.z[i])
            let moved = position.map { $0 != p } ?? true
            let u = columns.timeUncertainty ? batch.uncertaintiesNs[i] : 0
            let newUncertainty = columns.timeUncertainty && uncertainty != u
            var tag = batch.inputs[i] | batch.outputs[i] << 1 | (moved ? 8 : 0) | (newUncertainty ? 16 : 0)
            if columns.testMarks { tag |= batch.testMarks[i] << 2 }
            payload.append(tag)
            varint(UInt64(bitPattern: batch.rounds[i] &- previousRound))
            let dt = batch.timesNs[i] &- previousTime
            varint(UInt64(bitPattern: (dt << 1) ^ (dt >> 63)))
            if moved { double(p.0); double(p.1); double(p.2) }
            if newUncertainty { double(u) }
            previousRound = batch.rounds[i]
            previousTime = batch.timesNs[i]
            position = p
            uncertainty = u
            blockRecords += 1
            records += 1
        }
    }

    /// Appends the open block (when it holds records) with its checksum.
    private func closeBlock() throws(RecordError) {
        guard blockRecords > 0 else { return }
        appendBlock(count: blockRecords, payload)
        payload.removeAll(keepingCapacity: true)
        blockRecords = 0
        try output.flushIfFull()
    }

    private func appendBlock(count: UInt32, _ bytes: [UInt8]) {
        let block = BinaryFormat.littleEndian(count) + BinaryFormat.littleEndian(UInt32(bytes.count)) + bytes
        let crc = block.withUnsafeBytes { BinaryFormat.blockChecksum(index: blocks, $0) }
        output.buffer += block
        output.buffer += BinaryFormat.littleEndian(crc)
        blocks += 1
    }

    /// Writes the last block and the end block, flushes, closes and moves the file into place.
    public func close() throws(RecordError) {
        try closeBlock()
        appendBlock(count: 0, BinaryFormat.littleEndian(records))
        try output.close()
    }

    /// Abandons the file.
    public func discard() { output.discard() }
}
