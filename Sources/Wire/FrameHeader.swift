import Protocol

/// Which way a frame travels. Each direction has its own sequence numbers (and, in the
/// authentication module, its own tag keys).
public enum Direction: UInt8, Sendable, Hashable, CaseIterable {
    case aliceToBob = 0
    case bobToAlice = 1

    /// The direction of frames sent by `sender`.
    public init(from sender: Party) {
        self = sender == .alice ? .aliceToBob : .bobToAlice
    }

    /// The party that sends frames in this direction.
    public var sender: Party { self == .aliceToBob ? .alice : .bob }
}

/// What a frame's payload holds (header byte 6). The raw values are part of the wire format.
public enum FrameType: UInt8, Sendable, Hashable, CaseIterable {
    case hello = 0
    case testMarks = 1
    case begin = 2
    case inputs = 3
    case testSelection = 4
    case testOutputs = 5
    case syndromes = 6
    case reconciliationStatus = 7
    case extraSyndromes = 8
    case verification = 9
    case verified = 10
    case verificationFailed = 11
    case frameHashes = 12
    case frameMismatch = 13
    case privacyAmplification = 14
    case abort = 15
    /// Bob to Alice, after privacy amplification: Bob holds the key (empty payload).
    case keyConfirmed = 16
    /// Alice to Bob: Alice received the confirmation and delivers the key (empty payload).
    case keyAcknowledged = 17
}

/// The fixed 48 bytes at the start of every frame (docs/wire.md, "Header").
///
/// The payload of ``payloadLength`` bytes follows, then a ``tagByteCount``-byte tag over bytes
/// `0 ..< byteCount + payloadLength`, computed by the Authentication module.
public struct FrameHeader: Sendable, Hashable {
    /// The header's length in bytes.
    public static let byteCount = 48
    /// The length of the authentication tag that ends every frame.
    public static let tagByteCount = 16
    /// The only format version this module reads and writes.
    public static let version: UInt8 = 1
    /// "DQKD" in ASCII.
    public static let magic: [UInt8] = Array("DQKD".utf8)

    public var direction: Direction
    public var type: FrameType
    /// Chosen by the node that opened the connection, once per run.
    public var session: SessionID
    /// The bit offset, in the pre-shared key pool, of this run's authentication reservation.
    public var poolPosition: UInt64
    /// Per direction, from 0.
    public var sequence: UInt32
    /// The payload's length in bytes, at least 0.
    public var payloadLength: Int

    public init(direction: Direction, type: FrameType, session: SessionID, poolPosition: UInt64, sequence: UInt32,
                payloadLength: Int) {
        precondition(payloadLength >= 0)
        self.direction = direction
        self.type = type
        self.session = session
        self.poolPosition = poolPosition
        self.sequence = sequence
        self.payloadLength = payloadLength
    }

    /// The whole frame's length: header, payload and tag.
    public var frameByteCount: Int { Self.byteCount + payloadLength + Self.tagByteCount }

    /// The header's 48 bytes.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        writer.append(Self.magic)
        writer.u8(Self.version)
        writer.u8(direction.rawValue)
        writer.u8(type.rawValue)
        writer.u8(0)
        writer.append(session.bytes)
        writer.u64(poolPosition)
        writer.u32(sequence)
        writer.u32(UInt32(0))
        writer.u64(payloadLength)
        return writer.bytes
    }

    /// Reads a header.
    ///
    /// - Parameters:
    ///   - bytes: exactly ``byteCount`` bytes (fewer is ``WireError/Code/truncated``, more
    ///     ``WireError/Code/trailingBytes``).
    ///   - limits: the payload length must not exceed `limits.maximumPayloadBytes`.
    /// - Throws: ``WireError`` naming the first field that is wrong, checked in byte order.
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: WireLimits) throws(WireError) -> FrameHeader {
        var reader = ByteReader(bytes, context: "frame header")
        guard try reader.bytes(4, "magic") == magic else {
            throw reader.error(.badMagic, "magic is not \"DQKD\"")
        }
        let version = try reader.u8("version")
        guard version == Self.version else {
            throw reader.error(.unsupportedVersion, "version \(version) is not supported (this node speaks version \(Self.version))")
        }
        let directionByte = try reader.u8("direction")
        guard let direction = Direction(rawValue: directionByte) else {
            throw reader.error(.badDirection, "direction \(directionByte) is neither 0 (Alice to Bob) nor 1 (Bob to Alice)")
        }
        let typeByte = try reader.u8("frame type")
        guard let type = FrameType(rawValue: typeByte) else {
            throw reader.error(.unknownType, "frame type \(typeByte) is unknown")
        }
        let flags = try reader.u8("flags")
        guard flags == 0 else { throw reader.error(.badFlags, "flags \(flags) are not 0") }
        let session = SessionID(bytes: try reader.bytes(16, "session ID"))
        let poolPosition = try reader.u64("pool position")
        let sequence = try reader.u32("sequence number")
        let reserved = try reader.u32("reserved")
        guard reserved == 0 else { throw reader.error(.badReserved, "reserved bytes are not 0") }
        let length = try reader.u64("payload length")
        guard length <= UInt64(limits.maximumPayloadBytes) else {
            throw reader.error(.tooLong, "payload length \(length) bytes exceeds the limit of \(limits.maximumPayloadBytes) bytes")
        }
        try reader.finish()
        return FrameHeader(direction: direction, type: type, session: session, poolPosition: poolPosition,
                           sequence: sequence, payloadLength: Int(length))
    }
}
