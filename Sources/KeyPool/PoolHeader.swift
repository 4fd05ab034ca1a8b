/// The 64-byte header at the start of a pool file (docs/authentication.md), integers
/// little-endian:
///
/// | bytes   | field                                   |
/// |---------|-----------------------------------------|
/// | 0..<8   | magic `DQKDPOOL`                        |
/// | 8..<12  | format version, u32 = 3 (1 and 2 are read too) |
/// | 12..<16 | flags, u32 = 0                          |
/// | 16..<32 | pool ID, 16 random bytes (same in both files of a pair) |
/// | 32..<40 | capacity in bytes, u64                  |
/// | 40..<48 | position (next unused byte), u64        |
/// | 48..<56 | last refill's block number, u64 (0: none; version 1: zero) |
/// | 56..<64 | refill chain, u64 (``PoolState/chained(block:session:bytes:)``; versions 1 and 2: zero) |
///
/// The refill field makes ``KeyPool/refill(_:block:)`` idempotent: a node that crashes after
/// refilling from a block and before recording the block delivered refills again on
/// restart, and the field tells it the bytes are in already (a second copy would desynchronise
/// the pair's pools and reuse pads). Version 1 files, written before the field existed, read
/// as "no refill recorded" and are rewritten as version 3 at their next header write.
///
/// The refill chain condenses which runs refilled the pool (their blocks and public session
/// IDs, never key bytes), so two nodes can tell from their hellos that their pools took
/// different refills — a copied pool used by a third node, or a lost block.
///
/// The key follows: `capacity` bytes from offset 64.
///
/// Not part of the public API: visible outside the module only to clients that ask for the
/// `Fuzzing` SPI (`@_spi(Fuzzing) import KeyPool`), which is how Fuzz/'s `PoolHeaderFuzzer`
/// reaches the parser without a file.
@_spi(Fuzzing) public struct PoolHeader: Equatable, Sendable {
    public static let byteCount = 64
    static let magic = Array("DQKDPOOL".utf8)
    static let version: UInt32 = 3

    public var id: [UInt8]
    public var capacity: UInt64
    public var position: UInt64
    /// The block number of the last refill (0: none).
    public var lastRefillBlock: UInt64
    /// The refill chain (0: no refill recorded, or a version 1 or 2 file).
    public var refillChain: UInt64

    init(id: [UInt8], capacity: UInt64, position: UInt64, lastRefillBlock: UInt64 = 0, refillChain: UInt64 = 0) {
        self.id = id
        self.capacity = capacity
        self.position = position
        self.lastRefillBlock = lastRefillBlock
        self.refillChain = refillChain
    }

    /// The 64 bytes of this header as they are stored.
    public func encoded() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        out.replaceSubrange(0..<8, with: Self.magic)
        out.withUnsafeMutableBytes { buffer in
            buffer.storeBytes(of: Self.version.littleEndian, toByteOffset: 8, as: UInt32.self)
            buffer.storeBytes(of: UInt32(0), toByteOffset: 12, as: UInt32.self)
            buffer.storeBytes(of: capacity.littleEndian, toByteOffset: 32, as: UInt64.self)
            buffer.storeBytes(of: position.littleEndian, toByteOffset: 40, as: UInt64.self)
            buffer.storeBytes(of: lastRefillBlock.littleEndian, toByteOffset: 48, as: UInt64.self)
            buffer.storeBytes(of: refillChain.littleEndian, toByteOffset: 56, as: UInt64.self)
        }
        out.replaceSubrange(16..<32, with: id)
        return out
    }

    /// Parses and checks the header of the pool file at `path`, which is `fileLength` bytes
    /// long: the header's own fields, then that the file holds the key the header promises.
    /// Pure: `KeyPool.open` reads the bytes and the length, this decides.
    /// - Parameter bytes: the file's first 64 bytes (fewer, or none, when it is shorter).
    /// - Throws: `.format` naming the field that is wrong; never traps.
    public static func decode(_ bytes: [UInt8], fileLength: UInt64, path: String) throws(KeyPoolError) -> PoolHeader {
        func bad(_ what: String) -> KeyPoolError {
            KeyPoolError(.format, path: path, "\(path) is not a diqkd key pool: \(what).")
        }
        guard fileLength >= UInt64(byteCount), bytes.count == byteCount else {
            throw bad("the file is shorter than the \(byteCount)-byte header")
        }
        guard Array(bytes[0..<8]) == magic else { throw bad("it does not start with DQKDPOOL") }
        let (version, flags, capacity, position, lastRefillBlock, refillChain) = bytes.withUnsafeBytes { b in
            (UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
             UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 12, as: UInt32.self)),
             UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 32, as: UInt64.self)),
             UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 40, as: UInt64.self)),
             UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 48, as: UInt64.self)),
             UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 56, as: UInt64.self)))
        }
        guard (1...Self.version).contains(version) else {
            throw bad("format version \(version), this build reads versions 1 to \(Self.version)")
        }
        guard flags == 0 else { throw bad("unknown flags \(flags)") }
        let reserved = version == 1 ? 48 : (version == 2 ? 56 : 64)
        guard bytes[reserved..<64].allSatisfy({ $0 == 0 }) else { throw bad("the reserved header bytes are not zero") }
        guard capacity <= KeyPool.maximumByteCount, capacity % KeyPool.granule == 0 else {
            throw bad("capacity \(capacity) bytes is not a multiple of \(KeyPool.granule) up to \(KeyPool.maximumByteCount)")
        }
        guard position <= capacity, position % KeyPool.granule == 0 else {
            throw bad("position \(position) is beyond the capacity \(capacity) or not a multiple of \(KeyPool.granule)")
        }
        guard fileLength - UInt64(byteCount) >= capacity else {
            throw KeyPoolError(.format, path: path, "\(path) is truncated: its header promises \(capacity) bytes of key, the file holds \(fileLength - UInt64(byteCount)).")
        }
        return PoolHeader(id: Array(bytes[16..<32]), capacity: capacity, position: position, lastRefillBlock: lastRefillBlock,
                          refillChain: version == 3 ? refillChain : 0)
    }
}
