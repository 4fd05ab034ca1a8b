import Crypto
import Foundation

/// Where a delivered key lies: a byte range of one stored block, as a key ID names it.
///
/// A key ID is an RFC 9562 version-8 UUID whose 122 free bits carry, most significant first,
/// the block number (24 bits), the byte offset within the block (28 bits), the length in bytes
/// (16 bits) and the first 54 bits of HMAC-SHA256 over those fields, keyed by the block's ID key
/// (its first 32 bytes, never handed out). The slave side checks an ID against its own copy of
/// the block, with no message from the master side; a forged ID passes with probability 2⁻⁵⁴
/// per attempt. The layout is in docs/key-delivery.md; `scripts/key-id-vectors.py` computes
/// the same IDs independently.
public struct KeyRange: Sendable, Hashable, CustomStringConvertible {
    /// The block number, 1 ..< 2²⁴.
    public let block: UInt32
    /// The first byte within the block, 32 ..< 2²⁸ (the first 32 bytes are the ID key).
    public let offset: UInt32
    /// The length in bytes, 1 … 65535.
    public let length: UInt16

    /// The largest block number an ID can carry (2²⁴ − 1).
    public static let maxBlock: UInt32 = (1 << 24) - 1
    /// The largest block size in bytes an ID can address (2²⁸: offsets are 28 bits).
    public static let maxBlockBytes = 1 << 28
    /// The bytes at the start of every block that key the IDs' tags and are never delivered.
    public static let idKeyBytes = 32

    /// A range; traps on fields outside the ranges above (programmer error).
    public init(block: UInt32, offset: UInt32, length: UInt16) {
        precondition(block >= 1 && block <= Self.maxBlock, "block number \(block) outside 1 ..< 2^24")
        precondition(offset < UInt32(Self.maxBlockBytes), "offset \(offset) outside 0 ..< 2^28")
        precondition(length >= 1, "a key has at least one byte")
        self.block = block
        self.offset = offset
        self.length = length
    }

    /// One past the last byte.
    public var end: Int { Int(offset) + Int(length) }

    public var description: String { "block \(block) bytes \(offset)..<\(end)" }

    /// The 9 bytes the tag authenticates: block (3 bytes), offset (4 bytes), length (2 bytes),
    /// each big-endian, after the label `diqkd key id v1`.
    var tagMessage: [UInt8] {
        Array("diqkd key id v1".utf8) + [
            UInt8(truncatingIfNeeded: block >> 16), UInt8(truncatingIfNeeded: block >> 8), UInt8(truncatingIfNeeded: block),
            UInt8(truncatingIfNeeded: offset >> 24), UInt8(truncatingIfNeeded: offset >> 16),
            UInt8(truncatingIfNeeded: offset >> 8), UInt8(truncatingIfNeeded: offset),
            UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length),
        ]
    }

    /// The first 54 bits of HMAC-SHA256(idKey, ``tagMessage``), right-aligned.
    func tag(_ idKey: IDKey) -> UInt64 {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: tagMessage, using: idKey.key))
        var first: UInt64 = 0
        for byte in mac[0..<8] { first = first << 8 | UInt64(byte) }
        return first >> 10
    }

    /// The key ID for this range, tagged with the block's ID key (secret).
    public func id(_ idKey: IDKey) -> UUID {
        // The 122-bit payload, split in a high 64-bit word (block, offset, 12 bits of length)
        // and a low 58-bit word (4 bits of length, 54-bit tag).
        let high = UInt64(block) << 40 | UInt64(offset) << 12 | UInt64(length) >> 4
        let low = (UInt64(length) & 0xF) << 54 | tag(idKey)
        return Self.uuid(payloadHigh: high, payloadLow: low)
    }

    /// Places a 122-bit payload (`high`: 64 bits, `low`: 58 bits) into the free bits of a
    /// version-8 UUID: bits 0–47, 52–63 and 66–127 in that order.
    static func uuid(payloadHigh high: UInt64, payloadLow low: UInt64) -> UUID {
        let first = (high >> 16) << 16 | 0x8000 | (high >> 4) & 0x0FFF
        let second = 0x8000_0000_0000_0000 | (high & 0xF) << 58 | low
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: first >> (56 - 8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: second >> (56 - 8 * UInt64(i)))
        }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// The range and tag an ID claims, before any check against a block; nil when the UUID is
    /// not version 8 with variant 0b10, or a field is outside its range (block 0, offset below
    /// 32, length 0).
    public static func parse(_ id: UUID) -> (range: KeyRange, tag: UInt64)? {
        let u = id.uuid
        let b = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
        var first: UInt64 = 0
        var second: UInt64 = 0
        for i in 0..<8 {
            first = first << 8 | UInt64(b[i])
            second = second << 8 | UInt64(b[8 + i])
        }
        guard first >> 12 & 0xF == 8, second >> 62 == 0b10 else { return nil }
        let high = (first >> 16) << 16 | (first & 0x0FFF) << 4 | (second >> 58) & 0xF
        let low = second & ((1 << 58) - 1)
        let block = UInt32(high >> 40)
        let offset = UInt32(high >> 12 & 0x0FFF_FFFF)
        let length = UInt16(truncatingIfNeeded: (high & 0xFFF) << 4 | low >> 54)
        guard block >= 1, offset >= UInt32(idKeyBytes), length >= 1 else { return nil }
        return (KeyRange(block: block, offset: offset, length: length), low & ((1 << 54) - 1))
    }

    /// Whether `tag` is this range's tag under `idKey` (secret). Compares the whole 54 bits at
    /// once, so the time does not depend on where they differ.
    public func verify(tag: UInt64, _ idKey: IDKey) -> Bool {
        self.tag(idKey) ^ tag == 0
    }
}

/// A block's ID key: its first 32 bytes, which key the tags of the IDs of that block's keys
/// and the block's fingerprint. Secret; never delivered; no description prints it; held in
/// swift-crypto's `SymmetricKey`, which wipes its bytes when released.
///
/// `@unchecked Sendable`: `SymmetricKey` is an immutable value (copy-on-write storage that is
/// never written after creation) but is not marked `Sendable` in swift-crypto 3.
public struct IDKey: @unchecked Sendable {
    let key: SymmetricKey

    /// - Parameter bytes: the block's first ``KeyRange/idKeyBytes`` bytes (secret).
    public init(_ bytes: some Collection<UInt8>) {
        precondition(bytes.count == KeyRange.idKeyBytes, "an ID key has \(KeyRange.idKeyBytes) bytes")
        key = SymmetricKey(data: Array(bytes))
    }

    /// The ID key of block `number` as its store holds it.
    /// - Throws: ``KeyStoreError/Code/damaged`` when the stored bytes are not
    ///   ``KeyRange/idKeyBytes`` long.
    public static func stored(_ bytes: some Collection<UInt8>, block number: UInt32) throws(KeyStoreError) -> IDKey {
        guard bytes.count == KeyRange.idKeyBytes else {
            throw .damaged(number, "its ID key has \(bytes.count) bytes, not \(KeyRange.idKeyBytes)")
        }
        return IDKey(bytes)
    }

    /// The key's bytes, for storing it (secret).
    public var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    /// A 32-byte digest that tells whether two blocks under one number are the same block:
    /// HMAC-SHA256 keyed by the ID key over the label `diqkd block v1`, the session's length
    /// (8 bytes, big-endian), the session and the whole key. Stored in place of the key
    /// once bytes have been delivered, so a repeated ``KeyStore/add(_:)`` can be recognised.
    public func fingerprint(of block: StoredBlock) -> [UInt8] {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array("diqkd block v1".utf8))
        let session = Array(block.session.utf8)
        mac.update(data: (0..<8).map { UInt8(truncatingIfNeeded: UInt64(session.count) >> (56 - 8 * UInt64($0))) })
        mac.update(data: session)
        mac.update(data: block.key)
        return Array(mac.finalize())
    }
}

/// Compares two byte strings in time that depends only on their lengths.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in a.indices { diff |= a[i] ^ b[i] }
    return diff == 0
}
