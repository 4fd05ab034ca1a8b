import Foundation
import KeyStore
import Logging
import NIOCore
import PostgresNIO

/// The PostgreSQL store's tables in one schema and the statements of each operation, run by
/// ``PostgresKeyStore`` inside one transaction each. The same tables as the SQLite backend's
/// (docs/key-delivery.md).
struct PostgresSchema: Sendable {
    let blocks: String
    let chunks: String
    let delivered: String
    let retired: String
    let simulated: String
    let quoted: String

    /// Nil unless `name` is a plain identifier, so that it can be spliced into statements.
    init?(_ name: String) {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63,
              first == "_" || (first.isASCII && first.properties.isAlphabetic),
              name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) })
        else { return nil }
        quoted = "\"\(name)\""
        blocks = "\(quoted).blocks"
        chunks = "\(quoted).chunks"
        delivered = "\(quoted).delivered"
        retired = "\(quoted).retired"
        simulated = "\(quoted).simulated_blocks"
    }

    func create(_ c: PostgresConnection, _ log: Logger) async throws {
        // Replicas starting together would race on CREATE … IF NOT EXISTS; one lock orders them.
        try await c.query("SELECT pg_advisory_xact_lock(hashtext('diqkd key store ' || \(quoted)))", logger: log)
        try await c.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: quoted)", logger: log)
        try await c.query("""
            CREATE TABLE IF NOT EXISTS \(unescaped: blocks) (
                number BIGINT PRIMARY KEY, session TEXT NOT NULL, length BIGINT NOT NULL,
                cursor BIGINT NOT NULL, id_key BYTEA NOT NULL, fingerprint BYTEA NOT NULL)
            """, logger: log)
        try await c.query("""
            CREATE TABLE IF NOT EXISTS \(unescaped: chunks) (
                block BIGINT NOT NULL, idx BIGINT NOT NULL, bytes BYTEA NOT NULL, PRIMARY KEY (block, idx))
            """, logger: log)
        try await c.query("""
            CREATE TABLE IF NOT EXISTS \(unescaped: delivered) (
                block BIGINT NOT NULL, first_byte BIGINT NOT NULL, end_byte BIGINT NOT NULL, PRIMARY KEY (block, first_byte))
            """, logger: log)
        try await c.query("""
            CREATE TABLE IF NOT EXISTS \(unescaped: retired) (
                number BIGINT PRIMARY KEY, session TEXT NOT NULL, id_key BYTEA NOT NULL, fingerprint BYTEA NOT NULL)
            """, logger: log)
        try await c.query("CREATE TABLE IF NOT EXISTS \(unescaped: simulated) (number BIGINT PRIMARY KEY)", logger: log)
        // Set, under the block's row lock, by every retrieve that records a range of the block:
        // the one-block fast path (issueOneBlock) leaves such blocks to the general path. Stores
        // made before the column existed get it from their delivered ranges.
        let existing = try await c.query("""
            SELECT count(*) FROM information_schema.columns
            WHERE table_schema = \(quotedNameValue) AND table_name = 'blocks' AND column_name = 'has_delivered'
            """, logger: log)
        var hasColumn = false
        for try await count in existing.decode(Int64.self) { hasColumn = count > 0 }
        if !hasColumn {
            try await c.query("ALTER TABLE \(unescaped: blocks) ADD COLUMN has_delivered BOOLEAN NOT NULL DEFAULT false", logger: log)
            try await c.query("UPDATE \(unescaped: blocks) SET has_delivered = true WHERE number IN (SELECT block FROM \(unescaped: delivered))",
                              logger: log)
        }
        try await c.query(PostgresQuery(unsafeSQL: issueOneBlockFunction), logger: log)
    }

    /// The schema's name as a string value (for catalog queries).
    private var quotedNameValue: String { String(quoted.dropFirst().dropLast()) }

    func add(_ block: PreparedBlock, _ c: PostgresConnection, _ log: Logger) async throws -> Bool {
        let number = Int64(block.number)
        for table in [blocks, retired] {
            for try await stored in try await c.query("SELECT fingerprint FROM \(unescaped: table) WHERE number = \(number)", logger: log)
                .decode(ByteBuffer.self)
            {
                guard constantTimeEqual(Array(stored.readableBytesView), block.fingerprint) else {
                    throw KeyStoreError(.conflict, "block \(block.number) is stored with another session or key.")
                }
                return false
            }
        }
        try await c.query("""
            INSERT INTO \(unescaped: blocks) (number, session, length, cursor, id_key, fingerprint)
            VALUES (\(number), \(block.session), \(Int64(block.length)), \(Int64(KeyRange.idKeyBytes)),
                    \(ByteBuffer(bytes: block.idKey.bytes)), \(ByteBuffer(bytes: block.fingerprint)))
            """, logger: log)
        for (index, chunk) in block.chunks.enumerated() {
            try await c.query(
                "INSERT INTO \(unescaped: chunks) (block, idx, bytes) VALUES (\(number), \(Int64(index)), \(ByteBuffer(bytes: chunk)))",
                logger: log
            )
        }
        if block.simulated {
            try await c.query("INSERT INTO \(unescaped: simulated) (number) VALUES (\(number)) ON CONFLICT DO NOTHING", logger: log)
        }
        return true
    }

    /// How many blocks ``issue(count:bytes:_:_:)`` claims one by one before it waits for all.
    static let claimOneLimit = 8

    /// Issues keys in the transaction `c`, locking the blocks it carves (the lock that keeps
    /// replicas apart).
    ///
    /// With `waitForAll` false it claims the oldest blocks with room that no other transaction
    /// holds (SKIP LOCKED), one at a time until they can serve the request, so concurrent
    /// requests carve different blocks in parallel and each holds only what it needs; it
    /// returns nil when ``claimOneLimit`` such blocks (or all there are) cannot serve it. The
    /// caller then ends the transaction, releasing those locks, and calls again with
    /// `waitForAll` true, which locks every block with room in ascending order, waiting for
    /// the others, so "not enough key" is only said of the whole store. Waiting only while
    /// holding nothing else, and only in ascending order, keeps issuers from deadlocking.
    /// Delivered ranges are read after the lock, in a statement of their own, so they include
    /// everything committed before it.
    func issue(count: Int, bytes: Int, waitForAll: Bool, skipping skipped: [Int64], _ c: PostgresConnection, _ log: Logger) async throws -> [DeliveredKey]? {
        var claimed: [(cursor: BlockCursor, idKey: IDKey)] = []
        var plan: CarvePlan?
        while !waitForAll, plan == nil, claimed.count < Self.claimOneLimit {
            // The oldest block with room that no other transaction holds and that is not
            // claimed yet. `length` and `id_key` never change and `cursor` only under this
            // lock, so the locked row's values are current.
            let numbers = claimed.map { Int64($0.cursor.number) } + skipped
            let rows = try await lockedBlocks("""
                SELECT number, length, cursor, id_key FROM \(unescaped: blocks) WHERE cursor < length AND number <> ALL(\(numbers))
                ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED
                """, c, log)
            guard let row = rows.first else { break }
            let ranges = try await deliveredRanges([Int64(row.cursor.number)], c, log)
            claimed.append((BlockCursor(number: row.cursor.number, length: row.cursor.length, cursor: row.cursor.cursor,
                                        delivered: ranges[row.cursor.number] ?? []), row.idKey))
            claimed.sort { $0.cursor.number < $1.cursor.number }
            plan = carve(count: count, bytes: bytes, from: claimed.map(\.cursor))
        }
        if plan == nil, !waitForAll { return nil }
        if plan == nil {
            let rows = try await lockedBlocks(
                """
                SELECT number, length, cursor, id_key FROM \(unescaped: blocks) WHERE cursor < length AND number <> ALL(\(skipped))
                ORDER BY number FOR UPDATE
                """, c, log
            )
            let ranges = try await deliveredRanges(rows.map { Int64($0.cursor.number) }, c, log)
            claimed = rows.map { row in
                (BlockCursor(number: row.cursor.number, length: row.cursor.length, cursor: row.cursor.cursor,
                             delivered: ranges[row.cursor.number] ?? []), row.idKey)
            }
            plan = carve(count: count, bytes: bytes, from: claimed.map(\.cursor))
        }
        guard let plan else {
            let left = claimed.reduce(0) { $0 + $1.cursor.remaining }
            throw KeyStoreError(.insufficient, "asked for \(count) keys of \(bytes) bytes; the store holds \(left) undelivered bytes in \(claimed.count) blocks.")
        }
        let idKeys = Dictionary(claimed.map { ($0.cursor.number, $0.idKey) }, uniquingKeysWith: { first, _ in first })
        var chunks = try await loadChunks(plan.moved.map { ($0.block.number, KeyChunks.indices(of: $0.passed)) }, c, log)
        var keys: [DeliveredKey] = []
        keys.reserveCapacity(count)
        for move in plan.moved {
            let number = move.block.number
            guard let idKey = idKeys[number] else { preconditionFailure("carved block \(number) was not claimed") }
            for range in plan.ranges where range.block == number {
                keys.append(DeliveredKey(id: range.id(idKey), key: try KeyChunks.take(Int(range.offset)..<range.end, from: &chunks[number, default: [:]], block: number)))
            }
            _ = try KeyChunks.take(move.passed, from: &chunks[number, default: [:]], block: number)
        }
        // One statement writes the zeroed chunks, the new cursors and drops the delivered
        // ranges the cursors passed.
        let zeroed = ChunkArrays(chunks)
        let numbers = plan.moved.map { Int64($0.block.number) }, cursors = plan.moved.map { Int64($0.block.cursor) }
        try await c.query("""
            WITH moved AS (SELECT * FROM unnest(\(numbers)::BIGINT[], \(cursors)::BIGINT[]) AS m(number, cursor)),
                 zeroed AS (UPDATE \(unescaped: self.chunks) c SET bytes = w.bytes
                            FROM unnest(\(zeroed.blocks)::BIGINT[], \(zeroed.indices)::BIGINT[], \(zeroed.bytes)::BYTEA[]) AS w(block, idx, bytes)
                            WHERE c.block = w.block AND c.idx = w.idx RETURNING 1),
                 passed AS (DELETE FROM \(unescaped: delivered) x USING moved WHERE x.block = moved.number AND x.end_byte <= moved.cursor RETURNING 1)
            UPDATE \(unescaped: blocks) b SET cursor = moved.cursor FROM moved WHERE b.number = moved.number
            """, logger: log)
        for move in plan.moved where move.block.remaining == 0 { try await retire(Int64(move.block.number), c, log) }
        return keys
    }

    func retrieve(_ ids: [UUID], _ parsed: [ParsedID], _ c: PostgresConnection, _ log: Logger) async throws -> [DeliveredKey] {
        let numbers = Array(Set(parsed.map { Int64($0.range.block) })).sorted()
        var states: [UInt32: StoredBlockState] = [:]
        let live = try await lockedBlocks(
            "SELECT number, length, cursor, id_key FROM \(unescaped: blocks) WHERE number = ANY(\(numbers)) ORDER BY number FOR UPDATE", c, log
        )
        let ranges = try await deliveredRanges(numbers, c, log)
        for row in live {
            let number = row.cursor.number
            states[number] = .live(BlockCursor(number: number, length: row.cursor.length, cursor: row.cursor.cursor, delivered: ranges[number] ?? []), row.idKey)
        }
        for number in numbers where states[UInt32(number)] == nil {
            if let idKey = try await fetchIDKey(retired, number, c, log) { states[UInt32(number)] = .retired(idKey) }
        }
        let touched = try recordDelivery(parsed.map { (range: $0.range, tag: $0.tag) }, in: states, lastBlock: UInt32(try await lastBlock(c, log)))
        var chunks = try await loadChunks(parsed.map { ($0.range.block, KeyChunks.indices(of: Int($0.range.offset)..<$0.range.end)) }, c, log)
        var keys: [DeliveredKey] = []
        keys.reserveCapacity(ids.count)
        for (id, one) in zip(ids, parsed) {
            let range = one.range
            keys.append(DeliveredKey(id: id, key: try KeyChunks.take(Int(range.offset)..<range.end, from: &chunks[range.block, default: [:]], block: range.block)))
        }
        // One statement records the delivered ranges and writes the zeroed chunks.
        let zeroed = ChunkArrays(chunks)
        let blockNumbers = parsed.map { Int64($0.range.block) }, starts = parsed.map { Int64($0.range.offset) }, ends = parsed.map { Int64($0.range.end) }
        try await c.query("""
            WITH zeroed AS (UPDATE \(unescaped: self.chunks) c SET bytes = w.bytes
                            FROM unnest(\(zeroed.blocks)::BIGINT[], \(zeroed.indices)::BIGINT[], \(zeroed.bytes)::BYTEA[]) AS w(block, idx, bytes)
                            WHERE c.block = w.block AND c.idx = w.idx RETURNING 1),
                 flagged AS (UPDATE \(unescaped: blocks) SET has_delivered = true WHERE number = ANY(\(blockNumbers)::BIGINT[]) RETURNING 1)
            INSERT INTO \(unescaped: delivered) (block, first_byte, end_byte) SELECT * FROM unnest(\(blockNumbers)::BIGINT[], \(starts)::BIGINT[], \(ends)::BIGINT[])
            """, logger: log)
        for (number, block) in touched where block.remaining == 0 { try await retire(Int64(number), c, log) }
        return keys
    }

    func status(_ c: PostgresConnection, _ log: Logger) async throws -> KeyStoreStatus {
        let rows = try await c.query("""
            SELECT (SELECT count(*) FROM \(unescaped: blocks)),
                   (SELECT coalesce(sum(length - cursor), 0)::BIGINT FROM \(unescaped: blocks)),
                   (SELECT coalesce(sum(end_byte - first_byte), 0)::BIGINT FROM \(unescaped: delivered)),
                   greatest((SELECT coalesce(max(number), 0) FROM \(unescaped: blocks)),
                            (SELECT coalesce(max(number), 0) FROM \(unescaped: retired))),
                   (SELECT count(*) FROM \(unescaped: simulated))
            """, logger: log)
        var figures: (Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0)
        for try await row in rows.decode((Int64, Int64, Int64, Int64, Int64).self) { figures = row }
        let (count, open, given, last, simulatedCount) = figures
        var runs: [Int] = []
        let runRows = try await c.query(PostgresQuery(unsafeSQL: openRunsSQL(blocks: blocks, delivered: delivered)), logger: log)
        for try await run in runRows.decode(Int64.self) { runs.append(Int(run)) }
        return KeyStoreStatus(blocks: Int(count), storedKeyBits: 8 * Int(open - given), lastBlock: UInt64(last),
                              simulatedBlocks: Int(simulatedCount), openRuns: runs)
    }

    /// Delivered ranges by block, sorted; of the blocks `numbers` (nil: all).
    private func deliveredRanges(_ numbers: [Int64]?, _ c: PostgresConnection, _ log: Logger) async throws -> [UInt32: [Range<Int>]] {
        let rows: PostgresRowSequence
        if let numbers {
            rows = try await c.query(
                "SELECT block, first_byte, end_byte FROM \(unescaped: delivered) WHERE block = ANY(\(numbers)) ORDER BY block, first_byte",
                logger: log
            )
        } else {
            rows = try await c.query("SELECT block, first_byte, end_byte FROM \(unescaped: delivered) ORDER BY block, first_byte", logger: log)
        }
        var ranges: [UInt32: [Range<Int>]] = [:]
        for try await (block, first, end) in rows.decode((Int64, Int64, Int64).self) {
            ranges[UInt32(block), default: []].append(Int(first)..<Int(end))
        }
        return ranges
    }

    private func fetchIDKey(_ table: String, _ number: Int64, _ c: PostgresConnection, _ log: Logger) async throws -> IDKey? {
        let rows = try await c.query("SELECT id_key FROM \(unescaped: table) WHERE number = \(number)", logger: log)
        for try await bytes in rows.decode(ByteBuffer.self) { return try IDKey.stored(Array(bytes.readableBytesView), block: UInt32(number)) }
        return nil
    }

    /// The highest block number stored, retired ones included (0: none).
    private func lastBlock(_ c: PostgresConnection, _ log: Logger) async throws -> Int64 {
        let rows = try await c.query("""
            SELECT greatest((SELECT coalesce(max(number), 0) FROM \(unescaped: blocks)),
                            (SELECT coalesce(max(number), 0) FROM \(unescaped: retired)))::BIGINT
            """, logger: log)
        for try await last in rows.decode(Int64.self) { return last }
        return 0
    }

    /// Runs a locking `SELECT number, length, cursor, id_key …` and decodes its rows (the
    /// cursors without delivered ranges).
    private func lockedBlocks(_ query: PostgresQuery, _ c: PostgresConnection, _ log: Logger) async throws -> [(cursor: BlockCursor, idKey: IDKey)] {
        var out: [(cursor: BlockCursor, idKey: IDKey)] = []
        let rows = try await c.query(query, logger: log)
        for try await (number, length, cursor, idKey) in rows.decode((Int64, Int64, Int64, ByteBuffer).self) {
            let key = try IDKey.stored(Array(idKey.readableBytesView), block: UInt32(number))
            out.append((BlockCursor(number: UInt32(number), length: Int(length), cursor: Int(cursor), delivered: []), key))
        }
        return out
    }

    /// The chunks that the byte ranges `wanted` touch, by block and index, in one statement.
    private func loadChunks(_ wanted: [(block: UInt32, indices: ClosedRange<Int>)], _ c: PostgresConnection, _ log: Logger) async throws -> [UInt32: [Int: [UInt8]]] {
        var pairs = Set<[Int64]>()
        for (block, indices) in wanted { for index in indices { pairs.insert([Int64(block), Int64(index)]) } }
        let blockNumbers = pairs.map { $0[0] }, indices = pairs.map { $0[1] }
        let rows = try await c.query("""
            SELECT c.block, c.idx, c.bytes FROM \(unescaped: chunks) c, unnest(\(blockNumbers)::BIGINT[], \(indices)::BIGINT[]) AS w(block, idx)
            WHERE c.block = w.block AND c.idx = w.idx
            """, logger: log)
        var out: [UInt32: [Int: [UInt8]]] = [:]
        for try await (block, index, bytes) in rows.decode((Int64, Int64, ByteBuffer).self) {
            out[UInt32(block), default: [:]][Int(index)] = Array(bytes.readableBytesView)
        }
        return out
    }

    /// Moves a block with no undelivered byte left to `retired` (ID key and fingerprint only)
    /// and deletes its chunks and delivered ranges.
    private func retire(_ number: Int64, _ c: PostgresConnection, _ log: Logger) async throws {
        try await c.query("""
            INSERT INTO \(unescaped: retired) SELECT number, session, id_key, fingerprint FROM \(unescaped: blocks) WHERE number = \(number)
            """, logger: log)
        try await c.query("DELETE FROM \(unescaped: chunks) WHERE block = \(number)", logger: log)
        try await c.query("DELETE FROM \(unescaped: delivered) WHERE block = \(number)", logger: log)
        try await c.query("DELETE FROM \(unescaped: blocks) WHERE number = \(number)", logger: log)
    }
}

/// Chunks by block and index as the three parallel arrays an `unnest` in a statement takes.
struct ChunkArrays {
    var blocks: [Int64] = []
    var indices: [Int64] = []
    /// The chunks' bytes (secret).
    var bytes: [ByteBuffer] = []

    init(_ chunks: [UInt32: [Int: [UInt8]]]) {
        for (block, byIndex) in chunks {
            for (index, chunk) in byIndex {
                blocks.append(Int64(block))
                indices.append(Int64(index))
                bytes.append(ByteBuffer(bytes: chunk))
            }
        }
    }
}
