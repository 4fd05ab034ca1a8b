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
    }

    func add(_ block: PreparedBlock, _ c: PostgresConnection, _ log: Logger) async throws {
        let number = Int64(block.number)
        for table in [blocks, retired] {
            for try await stored in try await c.query("SELECT fingerprint FROM \(unescaped: table) WHERE number = \(number)", logger: log)
                .decode(ByteBuffer.self)
            {
                guard constantTimeEqual(Array(stored.readableBytesView), block.fingerprint) else {
                    throw KeyStoreError(.conflict, "block \(block.number) is stored with another session or key.")
                }
                return
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
    }

    /// The oldest blocks with room that no other transaction has claimed (BLOCKS: the table).
    static let claimFew = "SELECT number, length, cursor FROM BLOCKS WHERE cursor < length ORDER BY number LIMIT 8 FOR UPDATE SKIP LOCKED"
    /// Every block with room, in ascending order (waits for other transactions' claims).
    static let claimAll = "SELECT number, length, cursor FROM BLOCKS WHERE cursor < length ORDER BY number FOR UPDATE"

    func issue(count: Int, bytes: Int, _ c: PostgresConnection, _ log: Logger) async throws -> [DeliveredKey] {
        // The lock that keeps replicas apart. First the oldest few blocks with room that no
        // other transaction holds (SKIP LOCKED), so concurrent requests carve different blocks
        // in parallel; when those cannot serve the request, every block with room, waiting for
        // the others, so "not enough key" is only said of the whole store.
        var candidates: [BlockCursor] = []
        var plan: CarvePlan?
        for query in [Self.claimFew, Self.claimAll] {
            var rows: [(number: UInt32, length: Int, cursor: Int)] = []
            let locked = try await c.query(PostgresQuery(unsafeSQL: query.replacingOccurrences(of: "BLOCKS", with: blocks)), logger: log)
            for try await (number, length, cursor) in locked.decode((Int64, Int64, Int64).self) {
                rows.append((UInt32(number), Int(length), Int(cursor)))
            }
            let ranges = try await deliveredRanges(rows.map { Int64($0.number) }, c, log)
            candidates = rows.map { BlockCursor(number: $0.number, length: $0.length, cursor: $0.cursor, delivered: ranges[$0.number] ?? []) }
            plan = carve(count: count, bytes: bytes, from: candidates)
            if plan != nil { break }
        }
        guard let plan else {
            let left = candidates.reduce(0) { $0 + $1.remaining }
            throw KeyStoreError(.insufficient, "asked for \(count) keys of \(bytes) bytes; the store holds \(left) undelivered bytes in \(candidates.count) blocks.")
        }
        var keys: [DeliveredKey] = []
        for move in plan.moved {
            let number = Int64(move.block.number)
            guard let idKey = try await fetchIDKey(blocks, number, c, log) else { preconditionFailure("locked block \(number) vanished") }
            var chunks = try await loadChunks(number, KeyChunks.indices(of: move.passed), c, log)
            for range in plan.ranges where range.block == move.block.number {
                keys.append(DeliveredKey(id: range.id(idKey), key: KeyChunks.take(Int(range.offset)..<range.end, from: &chunks)))
            }
            _ = KeyChunks.take(move.passed, from: &chunks)
            try await storeChunks(number, chunks, c, log)
            let cursor = Int64(move.block.cursor)
            try await c.query("UPDATE \(unescaped: blocks) SET cursor = \(cursor) WHERE number = \(number)", logger: log)
            try await c.query("DELETE FROM \(unescaped: delivered) WHERE block = \(number) AND end_byte <= \(cursor)", logger: log)
            if move.block.remaining == 0 { try await retire(number, c, log) }
        }
        return keys
    }

    func retrieve(_ ids: [UUID], _ parsed: [ParsedID], _ c: PostgresConnection, _ log: Logger) async throws -> [DeliveredKey] {
        let numbers = Array(Set(parsed.map { Int64($0.range.block) })).sorted()
        var states: [UInt32: StoredBlockState] = [:]
        let locked = try await c.query(
            "SELECT number, length, cursor, id_key FROM \(unescaped: blocks) WHERE number = ANY(\(numbers)) ORDER BY number FOR UPDATE",
            logger: log
        )
        var live: [(UInt32, Int, Int, IDKey)] = []
        for try await (number, length, cursor, idKey) in locked.decode((Int64, Int64, Int64, ByteBuffer).self) {
            live.append((UInt32(number), Int(length), Int(cursor), IDKey(Array(idKey.readableBytesView))))
        }
        let ranges = try await deliveredRanges(numbers, c, log)
        for (number, length, cursor, idKey) in live {
            states[number] = .live(BlockCursor(number: number, length: length, cursor: cursor, delivered: ranges[number] ?? []), idKey)
        }
        for number in numbers where states[UInt32(number)] == nil {
            if let idKey = try await fetchIDKey(retired, number, c, log) { states[UInt32(number)] = .retired(idKey) }
        }
        let touched = try recordDelivery(parsed.map { (range: $0.range, tag: $0.tag) }, in: states)
        var chunks: [UInt32: [Int: [UInt8]]] = [:]
        for id in parsed {
            let indices = KeyChunks.indices(of: Int(id.range.offset)..<id.range.end)
            if indices.allSatisfy({ chunks[id.range.block]?[$0] != nil }) { continue }
            let loaded = try await loadChunks(Int64(id.range.block), indices, c, log)
            chunks[id.range.block, default: [:]].merge(loaded) { old, _ in old }
        }
        var keys: [DeliveredKey] = []
        for (id, one) in zip(ids, parsed) {
            let range = one.range
            keys.append(DeliveredKey(id: id, key: KeyChunks.take(Int(range.offset)..<range.end, from: &chunks[range.block]!)))
            try await c.query("""
                INSERT INTO \(unescaped: delivered) (block, first_byte, end_byte)
                VALUES (\(Int64(range.block)), \(Int64(range.offset)), \(Int64(range.end)))
                """, logger: log)
        }
        for (number, block) in touched {
            try await storeChunks(Int64(number), chunks[number]!, c, log)
            if block.remaining == 0 { try await retire(Int64(number), c, log) }
        }
        return keys
    }

    func status(_ c: PostgresConnection, _ log: Logger) async throws -> KeyStoreStatus {
        let rows = try await c.query("""
            SELECT (SELECT count(*) FROM \(unescaped: blocks)),
                   (SELECT coalesce(sum(length - cursor), 0)::BIGINT FROM \(unescaped: blocks)),
                   (SELECT coalesce(sum(end_byte - first_byte), 0)::BIGINT FROM \(unescaped: delivered)),
                   greatest((SELECT coalesce(max(number), 0) FROM \(unescaped: blocks)),
                            (SELECT coalesce(max(number), 0) FROM \(unescaped: retired)))
            """, logger: log)
        for try await (count, open, given, last) in rows.decode((Int64, Int64, Int64, Int64).self) {
            return KeyStoreStatus(blocks: Int(count), storedKeyBits: 8 * Int(open - given), lastBlock: UInt64(last))
        }
        return KeyStoreStatus(blocks: 0, storedKeyBits: 0, lastBlock: 0)
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
        for try await bytes in rows.decode(ByteBuffer.self) { return IDKey(Array(bytes.readableBytesView)) }
        return nil
    }

    private func loadChunks(_ number: Int64, _ indices: ClosedRange<Int>, _ c: PostgresConnection, _ log: Logger) async throws -> [Int: [UInt8]] {
        let rows = try await c.query("""
            SELECT idx, bytes FROM \(unescaped: chunks)
            WHERE block = \(number) AND idx BETWEEN \(Int64(indices.lowerBound)) AND \(Int64(indices.upperBound))
            """, logger: log)
        var out: [Int: [UInt8]] = [:]
        for try await (index, bytes) in rows.decode((Int64, ByteBuffer).self) { out[Int(index)] = Array(bytes.readableBytesView) }
        return out
    }

    private func storeChunks(_ number: Int64, _ chunks: [Int: [UInt8]], _ c: PostgresConnection, _ log: Logger) async throws {
        for (index, bytes) in chunks {
            try await c.query(
                "UPDATE \(unescaped: self.chunks) SET bytes = \(ByteBuffer(bytes: bytes)) WHERE block = \(number) AND idx = \(Int64(index))",
                logger: log
            )
        }
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
