import Foundation

/// A block as the retrieving side finds it under an ID's block number.
public enum StoredBlockState: Sendable {
    /// Still holding undelivered bytes.
    case live(BlockCursor, IDKey)
    /// Every byte delivered and the key deleted; only the ID key and fingerprint are left, so
    /// a valid ID of it is told apart from a forged one.
    case retired(IDKey)
}

/// The ranges that `ids` claim, before any block is looked at.
/// - Throws: ``KeyStoreError/Code/unknownKey`` for an ID that is not a key ID of this scheme
///   (wrong version or variant, block 0, offset inside the ID key).
public func parseKeyIDs(_ ids: [UUID]) throws(KeyStoreError) -> [(range: KeyRange, tag: UInt64)] {
    var parsed: [(range: KeyRange, tag: UInt64)] = []
    parsed.reserveCapacity(ids.count)
    for id in ids {
        guard let one = KeyRange.parse(id) else {
            throw KeyStoreError(.unknownKey, "key ID \(id.uuidString) was not issued by a diqkd key store.")
        }
        parsed.append(one)
    }
    return parsed
}

/// Checks a batch of parsed IDs against the blocks they name and records them as delivered:
/// each tag must verify under its block's ID key, each range must lie inside its block, and
/// no range may overlap one issued or delivered before, nor another of the batch.
///
/// Pure; the backends load (and lock) the named blocks, call this, and write back the
/// returned blocks' new delivered ranges inside one transaction, so a batch with one bad ID
/// changes nothing.
/// - Parameters:
///   - parsed: the output of ``parseKeyIDs(_:)``, in request order.
///   - blocks: the stored state of every block number the batch names (absent: unknown).
///   - lastBlock: the highest block number stored here, retired ones included (0: none).
/// - Returns: the touched live blocks with their new delivered ranges, keyed by number.
/// - Throws: ``KeyStoreError/Code/notYetStored`` for a block above `lastBlock` (the other
///   site may hold it and this one not yet); ``KeyStoreError/Code/unknownKey`` for another
///   unknown block, a tag that does not verify or a range past the block's end;
///   ``KeyStoreError/Code/alreadyDelivered`` for an overlap with delivered bytes (the first
///   failing ID in request order decides).
public func recordDelivery(
    _ parsed: [(range: KeyRange, tag: UInt64)], in blocks: [UInt32: StoredBlockState], lastBlock: UInt32
) throws(KeyStoreError) -> [UInt32: BlockCursor] {
    var touched: [UInt32: BlockCursor] = [:]
    for (range, tag) in parsed {
        let name = "key ID for \(range)"
        switch blocks[range.block] {
        case nil where range.block > lastBlock:
            throw KeyStoreError(.notYetStored, "\(name): block \(range.block) is not stored at this site yet (the last is "
                                + "\(lastBlock)); its node stores it when it settles the block. Retry later.", block: range.block)
        case nil:
            throw KeyStoreError(.unknownKey, "\(name): no such block in this store.")
        case .retired(let idKey):
            guard range.verify(tag: tag, idKey) else { throw KeyStoreError(.unknownKey, "\(name): the tag does not verify.") }
            throw KeyStoreError(.alreadyDelivered, "\(name): every byte of that block was delivered already.")
        case .live(let stored, let idKey):
            guard range.verify(tag: tag, idKey) else { throw KeyStoreError(.unknownKey, "\(name): the tag does not verify.") }
            guard range.end <= stored.length else { throw KeyStoreError(.unknownKey, "\(name): past the block's end.") }
            var block = touched[range.block] ?? stored
            let bytes = Int(range.offset)..<range.end
            guard bytes.lowerBound >= block.cursor, !block.delivered.contains(where: { $0.overlaps(bytes) }) else {
                throw KeyStoreError(.alreadyDelivered, "\(name): delivered at this site already.")
            }
            let at = block.delivered.firstIndex { $0.lowerBound > bytes.lowerBound } ?? block.delivered.endIndex
            block.delivered.insert(bytes, at: at)
            touched[range.block] = block
        }
    }
    return touched
}

/// A block checked for ``KeyStore/add(_:)``: its ID key, its fingerprint and its key cut into
/// the chunks the backends store.
public struct PreparedBlock: Sendable {
    /// The block number, 1 ..< 2²⁴.
    public let number: UInt32
    public let session: String
    /// The key's size in bytes, including the ID key.
    public let length: Int
    /// The first 32 bytes (secret).
    public let idKey: IDKey
    /// ``IDKey/fingerprint(of:)`` of the block.
    public let fingerprint: [UInt8]
    /// The key in ``KeyChunks/size``-byte chunks, the last one shorter, with the ID key's
    /// bytes zeroed (the ID key is stored apart) (secret).
    public let chunks: [[UInt8]]
    /// ``StoredBlock/simulated``.
    public let simulated: Bool

    /// - Throws: ``KeyStoreError/Code/invalidRequest`` for a block number outside
    ///   1 ..< 2²⁴, or a key of 32 bytes or fewer (nothing to deliver) or over 2²⁸ bytes.
    public init(_ block: StoredBlock) throws(KeyStoreError) {
        guard block.number >= 1, block.number <= UInt64(KeyRange.maxBlock) else {
            throw KeyStoreError(.invalidRequest, "block number \(block.number) is outside 1 to \(KeyRange.maxBlock), the numbers a key ID can carry.")
        }
        guard block.key.count > KeyRange.idKeyBytes, block.key.count <= KeyRange.maxBlockBytes else {
            throw KeyStoreError(.invalidRequest, "block \(block.number) has \(block.key.count) bytes; a stored block has 33 to \(KeyRange.maxBlockBytes) (the first 32 key the IDs).")
        }
        number = UInt32(block.number)
        session = block.session
        simulated = block.simulated
        length = block.key.count
        idKey = IDKey(block.key[0..<KeyRange.idKeyBytes])
        fingerprint = idKey.fingerprint(of: block)
        var key = block.key
        for i in 0..<KeyRange.idKeyBytes { key[i] = 0 }
        chunks = stride(from: 0, to: key.count, by: KeyChunks.size).map { Array(key[$0..<min($0 + KeyChunks.size, key.count)]) }
    }
}

/// How the backends store a block's key: in rows of ``size`` bytes, so that handing out a few
/// bytes rewrites one or two small rows instead of the whole block.
public enum KeyChunks {
    /// Bytes per chunk; chunk `i` holds the key's bytes `i·size ..< (i+1)·size`.
    public static let size = 1024

    /// The chunk indices that `bytes` touches.
    public static func indices(of bytes: Range<Int>) -> ClosedRange<Int> {
        (bytes.lowerBound / size)...((bytes.upperBound - 1) / size)
    }

    /// Copies `bytes` out of `chunks` (indexed by chunk number) and overwrites them there with
    /// zeros.
    /// - Throws: ``KeyStoreError/Code/damaged`` naming `block` when a needed chunk is missing
    ///   or too short to hold its part of `bytes` (a damaged row); nothing is zeroed then.
    public static func take(_ bytes: Range<Int>, from chunks: inout [Int: [UInt8]], block: UInt32) throws(KeyStoreError) -> [UInt8] {
        for index in indices(of: bytes) {
            guard let chunk = chunks[index] else { throw .damaged(block, "chunk \(index) is missing") }
            guard chunk.count >= min(bytes.upperBound, (index + 1) * size) - index * size else {
                throw .damaged(block, "chunk \(index) holds \(chunk.count) bytes")
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for index in indices(of: bytes) {
            var chunk = chunks[index]!
            let base = index * size
            let from = max(bytes.lowerBound, base) - base
            let to = min(bytes.upperBound, base + size) - base
            out.append(contentsOf: chunk[from..<to])
            for i in from..<to { chunk[i] = 0 }
            chunks[index] = chunk
        }
        return out
    }
}
