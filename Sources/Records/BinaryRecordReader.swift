/// Reads the binary form (``BinaryFormat``, version 3) block by block: each block's checksum is
/// checked before any of its records is returned, and the end block is required. Errors name
/// the record. Files of version 2 (no checksums) are refused with a message saying so: their
/// corruption could not be detected.
public struct BinaryRecordReader: RecordReader {
    public let path: String
    public let columns: RecordColumns
    public private(set) var importReport: ImportReport
    private let input: FileInput
    private var buffer: [UInt8] = []
    private var position = 0
    /// Records decoded so far.
    private var record = 0
    private var previousRound: Int64 = 0
    private var previousTime: Int64 = 0
    private var x = 0.0, y = 0.0, z = 0.0, uncertainty = 0.0
    /// Version 3: blocks checked so far, records left in the current block and where its
    /// payload ends in ``buffer``; whether the end block was read.
    private var blocks: UInt64 = 0
    private var blockRemaining = 0
    private var payloadEnd = 0
    private var ended = false
    private let chunkBytes: Int

    /// Whether the file starts like a binary record file of any version (so that it is never
    /// parsed as CSV).
    static func isBinary(_ path: String) throws(RecordError) -> Bool {
        let input = try FileInput(path: path)
        var head: [UInt8] = []
        while head.count < 8, try input.read(into: &head, count: 8 - head.count) > 0 {}
        return head.starts(with: BinaryFormat.magicPrefix)
    }

    /// Opens a file and checks its header.
    /// - Parameters:
    ///   - path: the binary record file.
    ///   - chunkBytes: bytes read at a time (at least 1). Records and errors do not depend on
    ///     it; small chunks let tests and fuzzing cross chunk boundaries in small files.
    /// - Throws: ``RecordError`` for a file that is not a binary record file, of a version this
    ///   code does not read, or whose header fails its checksum.
    public init(path: String, chunkBytes: Int = CSVRecordReader.defaultChunkBytes) throws(RecordError) {
        precondition(chunkBytes >= 1, "chunkBytes must be at least 1")
        self.path = path
        self.chunkBytes = chunkBytes
        input = try FileInput(path: path)
        while buffer.count < BinaryFormat.headerBytes, try input.read(into: &buffer, count: BinaryFormat.headerBytes - buffer.count) > 0 {}
        guard buffer.count >= 9, buffer.starts(with: BinaryFormat.magicPrefix) else {
            throw RecordError(file: path, line: nil, message: "not a diqkd binary record file (no DIQKDRC header)")
        }
        let version = buffer[7]
        guard version == BinaryFormat.magic[7] else {
            if version == 50 {
                throw RecordError(file: path, line: nil, message: "a binary record file of version 2, written by an older diqkd "
                                  + "without checksums, so corruption in it could not be detected; it is not read: convert its CSV "
                                  + "again with this diqkd (version 3)")
            }
            let shown = version >= 32 && version < 127 ? "'\(String(UnicodeScalar(version)))'" : "byte \(version)"
            throw RecordError(file: path, line: nil, message: "a binary record file of version \(shown), which this diqkd "
                              + "does not read (it reads version 3)")
        }
        let flags = buffer[8]
        guard buffer.count == BinaryFormat.headerBytes else {
            throw RecordError(file: path, line: nil, message: "truncated: the file ends inside its 16-byte header")
        }
        let crc = buffer[0..<12].withUnsafeBytes { BinaryFormat.crc32($0) }
        guard crc == BinaryFormat.readUInt32(buffer, 12), buffer[9..<12].allSatisfy({ $0 == 0 }), flags & ~7 == 0 else {
            throw RecordError(file: path, line: nil, message: "the header fails its checksum: the file is corrupt")
        }
        position = BinaryFormat.headerBytes
        columns = RecordColumns(timeUncertainty: flags & 1 != 0, testMarks: flags & 2 != 0, simulated: flags & 4 != 0)
        importReport = ImportReport(file: path, format: "binary")
        importReport.binaryVersion = Int(version - 48)
        importReport.simulated = columns.simulated
    }

    public var fractionRead: Double {
        input.size > 0 ? Double(input.bytesRead - (buffer.count - position)) / Double(input.size) : 0
    }

    /// Makes at least `count` unread bytes available if the file has them.
    private mutating func ensure(_ count: Int) throws(RecordError) -> Bool {
        while buffer.count - position < count && !input.atEnd {
            if position > 0 {
                buffer.removeFirst(position)
                if payloadEnd > 0 { payloadEnd -= position }
                position = 0
            }
            _ = try input.read(into: &buffer, count: max(chunkBytes, count - buffer.count))
        }
        return buffer.count - position >= count
    }

    public mutating func next() throws(RecordError) -> RecordBatch? {
        var batch = RecordBatch()
        // A record takes at least 3 bytes: small files get small batches.
        batch.reserve(min(CSVRecordReader.batchSize, max(0, input.size - input.bytesRead + buffer.count - position) / 3 + 1))
        batch.firstLine = record + 1
        batch.numberedByRecord = true
        while batch.count < CSVRecordReader.batchSize {
            if blockRemaining == 0 {
                guard try openBlock() else { break }
                continue
            }
            if let failure = decodeOne(end: payloadEnd, into: &batch) {
                throw RecordError(file: path, record: record + 1, message: failure)
            }
            record += 1
            blockRemaining -= 1
            if blockRemaining == 0 {
                guard position == payloadEnd else {
                    throw RecordError(file: path, record: record, message: "block \(blocks) has \(payloadEnd - position) bytes after its last record")
                }
                position += 4
                payloadEnd = 0
            }
        }
        importReport.rounds = record
        return batch.count == 0 ? nil : batch
    }

    /// Reads and checks the next block's header and checksum; `false` after the end block.
    private mutating func openBlock() throws(RecordError) -> Bool {
        if ended { return false }
        let truncated = "truncated: the file ends after record \(record) without its end block"
        guard try ensure(8) else {
            throw RecordError(file: path, record: record + 1, message: buffer.count == position ? truncated : truncated + " (inside a block header)")
        }
        let count = Int(BinaryFormat.readUInt32(buffer, position))
        let length = Int(BinaryFormat.readUInt32(buffer, position + 4))
        guard length <= BinaryFormat.maximumPayload, count <= length, count > 0 || length == 8 else {
            throw RecordError(file: path, record: record + 1, message: "block \(blocks) declares \(count) records in \(length) bytes: the file is corrupt")
        }
        guard try ensure(8 + length + 4) else {
            throw RecordError(file: path, record: record + 1, message: "truncated: the file ends inside block \(blocks) (records from \(record + 1))")
        }
        let crc = buffer[position..<(position + 8 + length)].withUnsafeBytes { BinaryFormat.blockChecksum(index: blocks, $0) }
        guard crc == BinaryFormat.readUInt32(buffer, position + 8 + length) else {
            throw RecordError(file: path, record: record + 1, message: "block \(blocks) (records from \(record + 1)) fails its checksum: "
                              + "the file is corrupt or its blocks are out of order")
        }
        blocks += 1
        if count == 0 {
            let total = BinaryFormat.readUInt64(buffer, position + 8)
            guard total == UInt64(record) else {
                throw RecordError(file: path, record: record + 1, message: "the end block counts \(total) records, but the file holds \(record)")
            }
            position += 8 + length + 4
            ended = true
            guard try !ensure(1) else {
                throw RecordError(file: path, record: record + 1, message: "bytes after the end block: the file is corrupt")
            }
            return false
        }
        blockRemaining = count
        payloadEnd = position + 8 + length
        position += 8
        return true
    }

    /// Decodes one record from `position` up to `end` (the block's payload end).
    private mutating func decodeOne(end: Int, into batch: inout RecordBatch) -> String? {
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
        guard p < end else { return "the block ends before this record" }
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
        } else if record == 0 {
            return "the first record carries no position"
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
