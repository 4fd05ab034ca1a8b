import Hashing
import Protocol

/// The link between a lab's device and the `source` service: the device sends its inputs in
/// batches and receives the outputs. It stands where the entangled-pair source and the lab's
/// measurement apparatus stand, so it is *not* authenticated: device independence means the
/// protocol trusts nothing the devices say beyond the statistics it checks. Decoding is still
/// total, with every length bounded before anything is allocated.
///
/// A frame is a 16-byte header — magic `DQKS`, version 1, type, two zero bytes, payload length
/// (u64, little-endian) — then the payload:
///
/// | type | payload |
/// |---|---|
/// | 1 `open` | role (u8: 0 Alice, 1 Bob), label (16 bytes: the run's session ID, which pairs the two labs' devices) |
/// | 2 `measure` | round count (u32, 1 ... 2^20), inputs (one bit a round, least significant bit first) |
/// | 3 `outputs` | round count (u32), outputs (same packing) |
/// | 4 `error` | UTF-8 reason, at most 4096 bytes (`encode` cuts a longer one after its last whole scalar) |
public enum SourceWire {
    public static let headerByteCount = 16
    /// The most rounds one `measure` may carry (the protocol's measurement batch).
    public static let maximumBatch = 1 << 20
    static let maximumPayload = 4 + maximumBatch / 8
    /// The longest frame, header included.
    public static let maximumFrameBytes = headerByteCount + maximumPayload
    static let maximumReason = 4096
    static let magic: [UInt8] = Array("DQKS".utf8)

    public enum Frame: Sendable, Equatable {
        case open(role: Party, label: [UInt8])
        case measure(BitVector)
        case outputs(BitVector)
        case error(String)
    }

    /// A malformed frame from the other end.
    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The transport's framing: the header fixes the length. (Node declares its conformance to
    /// Transport's `FrameFormat`, so that this module stays free of SwiftNIO and can be fuzzed.)
    public struct Format: Sendable {
        public init() {}
        public var headerByteCount: Int { SourceWire.headerByteCount }
        public func frameByteCount(header: UnsafeRawBufferPointer) throws -> Int {
            guard header.count == headerByteCount, Array(header[0..<4]) == SourceWire.magic else {
                throw DecodingError("source link: not a source frame (bad magic)")
            }
            guard header[4] == 1 else { throw DecodingError("source link: unsupported version \(header[4])") }
            let length = header.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
            guard length <= UInt64(SourceWire.maximumPayload) else {
                throw DecodingError("source link: payload of \(length) bytes exceeds \(SourceWire.maximumPayload)")
            }
            return headerByteCount + Int(length)
        }
    }

    /// The bytes of `frame`, header included.
    public static func encode(_ frame: Frame) -> [UInt8] {
        var payload: [UInt8] = []
        let type: UInt8
        switch frame {
        case .open(let role, let label):
            precondition(label.count == 16, "a label is 16 bytes")
            type = 1
            payload = [role == .alice ? 0 : 1] + label
        case .measure(let bits):
            type = 2
            payload = batch(bits)
        case .outputs(let bits):
            type = 3
            payload = batch(bits)
        case .error(let reason):
            type = 4
            payload = reasonBytes(reason)
        }
        return magic + [1, type, 0, 0] + withUnsafeBytes(of: UInt64(payload.count).littleEndian, Array.init) + payload
    }

    /// The frame in `bytes` (a whole frame as the transport delivers it).
    /// - Throws: ``DecodingError`` naming what is wrong; never traps.
    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> Frame {
        guard bytes.count >= headerByteCount else { throw DecodingError("source link: truncated header") }
        let length: Int
        do {
            length = try bytes.withUnsafeBytes { raw in
                try Format().frameByteCount(header: UnsafeRawBufferPointer(rebasing: raw[..<headerByteCount]))
            } - headerByteCount
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError("source link: \(error)")
        }
        guard bytes.count == headerByteCount + length else { throw DecodingError("source link: frame length does not match its header") }
        guard bytes[6] == 0, bytes[7] == 0 else { throw DecodingError("source link: reserved header bytes are not zero") }
        let payload = bytes[headerByteCount...]
        switch bytes[5] {
        case 1:
            guard payload.count == 17, payload.first! <= 1 else { throw DecodingError("source link: malformed open frame") }
            return .open(role: payload.first! == 0 ? .alice : .bob, label: Array(payload.dropFirst()))
        case 2, 3:
            let bits = try unpacked(payload)
            return bytes[5] == 2 ? .measure(bits) : .outputs(bits)
        case 4:
            guard let reason = String(validating: payload, as: UTF8.self), payload.count <= maximumReason else {
                throw DecodingError("source link: error frame is not UTF-8 text of at most \(maximumReason) bytes")
            }
            return .error(reason)
        default:
            throw DecodingError("source link: unknown frame type \(bytes[5])")
        }
    }

    /// The UTF-8 of `reason`, cut to at most ``maximumReason`` bytes at a scalar boundary: a cut
    /// inside a multi-byte scalar would make a frame the other end rejects as not UTF-8.
    static func reasonBytes(_ reason: String) -> [UInt8] {
        let utf8 = Array(reason.utf8)
        guard utf8.count > maximumReason else { return utf8 }
        var end = maximumReason
        // utf8[end] is the first byte left out; while it continues a scalar, that scalar began
        // before the cut and must go too.
        while end > 0, utf8[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(utf8[..<end])
    }

    static func batch(_ bits: BitVector) -> [UInt8] {
        precondition((1...maximumBatch).contains(bits.count), "a batch holds 1 to 2^20 rounds")
        return withUnsafeBytes(of: UInt32(bits.count).littleEndian, Array.init) + packed(bits)
    }

    static func packed(_ bits: BitVector) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (w, word) in bits.words.enumerated() {
            for b in 0..<8 where w * 8 + b < bytes.count { bytes[w * 8 + b] = UInt8(truncatingIfNeeded: word >> UInt64(8 * b)) }
        }
        return bytes
    }

    static func unpacked(_ payload: ArraySlice<UInt8>) throws(DecodingError) -> BitVector {
        guard payload.count >= 4 else { throw DecodingError("source link: truncated round count") }
        let start = payload.startIndex
        let count = Int(payload[start]) | Int(payload[start + 1]) << 8 | Int(payload[start + 2]) << 16 | Int(payload[start + 3]) << 24
        guard (1...maximumBatch).contains(count) else { throw DecodingError("source link: batch of \(count) rounds (1 to 2^20 allowed)") }
        let bytes = payload.dropFirst(4)
        guard bytes.count == (count + 7) / 8 else { throw DecodingError("source link: \(bytes.count) bytes for \(count) rounds") }
        if count % 8 != 0, bytes.last! >> UInt8(count % 8) != 0 { throw DecodingError("source link: bits set past the last round") }
        var words = [UInt64](repeating: 0, count: (count + 63) / 64)
        for (i, byte) in bytes.enumerated() { words[i / 8] |= UInt64(byte) << UInt64(8 * (i % 8)) }
        return BitVector(words: words, count: count)
    }
}
