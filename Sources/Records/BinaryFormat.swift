import CZlib

/// The compact binary form of the record format, version 3:
///
/// - a 16-byte header: the magic `DIQKDRC3`, a flags byte (bit 0: time uncertainty present,
///   bit 1: test marks present, bit 2: written by a simulation), three zero bytes, and the
///   CRC-32 of those 12 bytes
///   (little-endian, as every integer here);
/// - blocks, each: its record count (u32, at least 1), its payload length in bytes (u32, at
///   most ``maximumPayload``), the payload, and the CRC-32 of the block's index (u64, 0 for
///   the first block), count, length and payload. The index makes a block moved, dropped or
///   repeated fail its check, not only a block whose bits changed;
/// - an end block: count 0, length 8, the total number of records (u64) and its CRC-32, then
///   the end of the file. A file cut anywhere, even between blocks, lacks it.
///
/// A record inside a payload is variable-length:
/// - a tag byte: input (bit 0), output (bit 1), test mark (bit 2), position changed (bit 3),
///   uncertainty changed (bit 4);
/// - the round's increase over the previous round (LEB128 varint, at least 1; the first
///   record's is its round minus 0 as a 64-bit pattern, so 0 for round 0);
/// - the time's change from the previous round (zigzag LEB128 varint);
/// - when changed: x, y, z (Float64), and the uncertainty (Float64).
/// The previous round, time, position and uncertainty carry over from block to block. A
/// sequential run with fixed detectors takes 4 to 5 bytes a round, a sixth of its CSV.
///
/// The checksum is zlib's CRC-32 (the polynomial of IEEE 802.3, as in gzip and PNG): it detects
/// every error of up to 3 bits in a block of up to 11,450 bytes, and every burst of up to 32
/// bits (Koopman, "32-bit cyclic redundancy codes for Internet applications", DSN 2002), so
/// blocks are kept under 8 KiB. Version 2 (magic `DIQKDRC2`, the same records without blocks
/// or checksums) is refused: a flipped bit in it changed an output or a round silently.
enum BinaryFormat {
    static let magicPrefix = Array("DIQKDRC".utf8)
    static let version: UInt8 = 3
    static let magic = magicPrefix + [48 + version]
    static let headerBytes = 16
    /// Longest possible record: tag, two 10-byte varints, four doubles.
    static let maximumRecord = 1 + 10 + 10 + 32
    /// A block's payload is at most this long; writers close a block before it would pass it.
    static let maximumPayload = 8192
    /// Count, length, and the checksum after the payload.
    static let blockOverhead = 12

    /// zlib's CRC-32 of `bytes`, continuing from `crc` (0 to start).
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return UInt32(CZlib.crc32(UInt(crc), base.assumingMemoryBound(to: UInt8.self), UInt32(bytes.count)))
    }

    /// The checksum of block `index` whose count, length and payload are `bytes`.
    static func blockChecksum(index: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let seed = withUnsafeBytes(of: index.littleEndian) { crc32($0) }
        return crc32(bytes, continuing: seed)
    }

    /// The 16-byte header for `columns`.
    static func header(_ columns: RecordColumns) -> [UInt8] {
        var bytes = magic + [(columns.timeUncertainty ? 1 : 0) | (columns.testMarks ? 2 : 0) | (columns.simulated ? 4 : 0), 0, 0, 0]
        let crc = bytes.withUnsafeBytes { crc32($0) }
        bytes += littleEndian(crc)
        return bytes
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    static func readUInt32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
    }

    static func readUInt64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
    }
}
