/// A block as the issuing side sees it: how far keys have been carved off, and which ranges
/// beyond that were delivered by ID at this site.
public struct BlockCursor: Sendable, Hashable {
    /// The block number.
    public let number: UInt32
    /// The block's size in bytes, including the ID key.
    public let length: Int
    /// The first byte not yet issued, ``KeyRange/idKeyBytes`` … `length`.
    public var cursor: Int
    /// Ranges at or beyond `cursor` delivered by ``KeyStore/retrieve(_:)`` at this site, sorted
    /// by start, disjoint (half-open byte ranges).
    public var delivered: [Range<Int>]

    public init(number: UInt32, length: Int, cursor: Int, delivered: [Range<Int>]) {
        self.number = number
        self.length = length
        self.cursor = cursor
        self.delivered = delivered.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Bytes neither issued nor delivered.
    public var remaining: Int {
        length - cursor - delivered.reduce(0) { $0 + $1.count }
    }
}

/// A block's cursor move in a ``CarvePlan``.
public struct CursorMove: Sendable, Hashable {
    /// The block after the carve (new cursor, delivered ranges behind it dropped).
    public var block: BlockCursor
    /// The bytes `[old cursor, new cursor)` the move passed over: issued now, or skipped
    /// because they were delivered already. The backend overwrites them with zeros.
    public var passed: Range<Int>
}

/// What ``carve(count:bytes:from:)`` decided: the ranges to hand out, in order, and the
/// blocks whose cursors moved.
public struct CarvePlan: Sendable, Hashable {
    /// The keys' ranges, oldest block first.
    public var ranges: [KeyRange] = []
    /// The touched blocks, in order.
    public var moved: [CursorMove] = []
}

/// Carves `count` keys of `bytes` bytes each off `blocks`, oldest first: a key never spans two
/// blocks, a block whose rest is too short is passed over (its rest stays for smaller
/// requests), and ranges delivered by ID are skipped.
///
/// Pure: the backends load the blocks with room and the delivered ranges, call this inside
/// their transaction and write the plan back.
/// - Parameters:
///   - count: keys wanted, ≥ 1.
///   - bytes: each key's size, 1 … 65535.
///   - blocks: the candidate blocks, sorted by number.
/// - Returns: the plan, or nil when the blocks do not hold `count` such keys.
/// - Complexity: O(count + Σ delivered ranges).
public func carve(count: Int, bytes: Int, from blocks: [BlockCursor]) -> CarvePlan? {
    precondition(count >= 1 && bytes >= 1 && bytes <= Int(UInt16.max), "invalid request \(count) × \(bytes)")
    var plan = CarvePlan()
    var left = count
    for var block in blocks where left > 0 {
        let start = block.cursor
        var position = block.cursor
        var taken = 0
        while left > 0 && position + bytes <= block.length {
            if let hit = block.delivered.first(where: { $0.upperBound > position && $0.lowerBound < position + bytes }) {
                position = hit.upperBound
                continue
            }
            plan.ranges.append(KeyRange(block: block.number, offset: UInt32(position), length: UInt16(bytes)))
            position += bytes
            left -= 1
            taken += 1
        }
        guard taken > 0 else { continue }
        block.cursor = position
        block.delivered.removeAll { $0.upperBound <= position }
        plan.moved.append(CursorMove(block: block, passed: start..<position))
    }
    return left == 0 ? plan : nil
}

/// The store's request limits: ``KeyStore/issue(count:bytes:)`` and
/// ``KeyStore/retrieve(_:)`` refuse requests outside them with
/// ``KeyStoreError/Code/invalidRequest``.
public struct KeyStoreLimits: Sendable, Hashable, Codable {
    /// The smallest key, in bytes (≥ 1).
    public var minKeyBytes: Int
    /// The largest key, in bytes (≤ 65535, the largest length an ID can carry).
    public var maxKeyBytes: Int
    /// The most keys (or IDs) in one request.
    public var maxKeysPerRequest: Int

    public init(minKeyBytes: Int = 1, maxKeyBytes: Int = 65535, maxKeysPerRequest: Int = 1024) {
        precondition(minKeyBytes >= 1 && minKeyBytes <= maxKeyBytes && maxKeyBytes <= Int(UInt16.max))
        precondition(maxKeysPerRequest >= 1)
        self.minKeyBytes = minKeyBytes
        self.maxKeyBytes = maxKeyBytes
        self.maxKeysPerRequest = maxKeysPerRequest
    }

    /// Checks an issue request.
    /// - Throws: ``KeyStoreError/Code/invalidRequest`` naming the limit.
    public func check(count: Int, bytes: Int) throws(KeyStoreError) {
        guard count >= 1, count <= maxKeysPerRequest else {
            throw KeyStoreError(.invalidRequest, "asked for \(count) keys; one request takes 1 to \(maxKeysPerRequest).")
        }
        guard bytes >= minKeyBytes, bytes <= maxKeyBytes else {
            throw KeyStoreError(.invalidRequest, "asked for keys of \(bytes) bytes; sizes are \(minKeyBytes) to \(maxKeyBytes) bytes.")
        }
    }

    /// Checks a retrieve request's size (the IDs themselves are checked against the blocks).
    /// - Throws: ``KeyStoreError/Code/invalidRequest``.
    public func check(ids: Int) throws(KeyStoreError) {
        guard ids >= 1, ids <= maxKeysPerRequest else {
            throw KeyStoreError(.invalidRequest, "asked for \(ids) key IDs; one request takes 1 to \(maxKeysPerRequest).")
        }
    }
}

/// The SQL both backends answer ``KeyStoreStatus/openRuns`` with, over their `blocks` and
/// `delivered` tables (names given, schema-qualified where needed): in each block with room,
/// the gaps between its delivered ranges from its cursor on, then its tail, empty ones left
/// out, oldest block first. Delivered ranges lie at or past the cursor and are disjoint, so
/// each gap is a range's start minus the previous range's end (or the cursor), and the tail
/// is the length minus the last range's end (or the cursor). One row per run, so a store with
/// many keys delivered by ID sends back only its gaps, not every range.
public func openRunsSQL(blocks: String, delivered: String) -> String {
    """
    SELECT run FROM (
        SELECT d.block AS run_block, d.first_byte AS run_start,
               d.first_byte - coalesce(lag(d.end_byte) OVER (PARTITION BY d.block ORDER BY d.first_byte), b.cursor) AS run
        FROM \(delivered) d JOIN \(blocks) b ON b.number = d.block WHERE b.cursor < b.length
        UNION ALL
        SELECT b.number, b.length, b.length - coalesce((SELECT max(x.end_byte) FROM \(delivered) x WHERE x.block = b.number), b.cursor)
        FROM \(blocks) b WHERE b.cursor < b.length
    ) AS runs WHERE run > 0 ORDER BY run_block, run_start
    """
}
