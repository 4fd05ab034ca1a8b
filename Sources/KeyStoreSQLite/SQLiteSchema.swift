import Foundation
import GRDB
import KeyStore

/// The SQLite store's tables and the statements of each operation, run by ``SQLiteKeyStore``
/// inside one transaction each. The same schema as the PostgreSQL backend's
/// (docs/key-delivery.md).
enum SQLiteSchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS blocks (
                number INTEGER PRIMARY KEY,
                session TEXT NOT NULL,
                length INTEGER NOT NULL,
                cursor INTEGER NOT NULL,
                id_key BLOB NOT NULL,
                fingerprint BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS chunks (
                block INTEGER NOT NULL,
                idx INTEGER NOT NULL,
                bytes BLOB NOT NULL,
                PRIMARY KEY (block, idx));
            CREATE TABLE IF NOT EXISTS delivered (
                block INTEGER NOT NULL,
                first_byte INTEGER NOT NULL,
                end_byte INTEGER NOT NULL,
                PRIMARY KEY (block, first_byte)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS retired (
                number INTEGER PRIMARY KEY,
                session TEXT NOT NULL,
                id_key BLOB NOT NULL,
                fingerprint BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS simulated_blocks (
                number INTEGER PRIMARY KEY);
            """)
    }

    static func add(_ block: PreparedBlock, _ db: Database) throws -> Bool {
        for table in ["blocks", "retired"] {
            if let stored = try Data.fetchOne(db, sql: "SELECT fingerprint FROM \(table) WHERE number = ?", arguments: [block.number]) {
                guard constantTimeEqual([UInt8](stored), block.fingerprint) else {
                    throw KeyStoreError(.conflict, "block \(block.number) is stored with another session or key.")
                }
                return false
            }
        }
        try db.execute(
            sql: "INSERT INTO blocks (number, session, length, cursor, id_key, fingerprint) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [block.number, block.session, block.length, KeyRange.idKeyBytes, Data(block.idKey.bytes), Data(block.fingerprint)]
        )
        for (index, chunk) in block.chunks.enumerated() {
            try db.execute(sql: "INSERT INTO chunks (block, idx, bytes) VALUES (?, ?, ?)", arguments: [block.number, index, Data(chunk)])
        }
        if block.simulated { try db.execute(sql: "INSERT OR IGNORE INTO simulated_blocks (number) VALUES (?)", arguments: [block.number]) }
        return true
    }

    /// The blocks with bytes left, oldest first, with their delivered ranges.
    private static func openBlocks(_ db: Database) throws -> [BlockCursor] {
        var ranges: [UInt32: [Range<Int>]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT block, first_byte, end_byte FROM delivered ORDER BY block, first_byte") {
            ranges[row["block"] as UInt32, default: []].append(Int(row["first_byte"] as Int64)..<Int(row["end_byte"] as Int64))
        }
        return try Row.fetchAll(db, sql: "SELECT number, length, cursor FROM blocks WHERE cursor < length ORDER BY number").map { row in
            let number: UInt32 = row["number"]
            return BlockCursor(number: number, length: row["length"], cursor: row["cursor"], delivered: ranges[number] ?? [])
        }
    }

    static func issue(count: Int, bytes: Int, skipping skipped: Set<UInt32>, _ db: Database) throws -> [DeliveredKey] {
        let blocks = try openBlocks(db).filter { !skipped.contains($0.number) }
        guard let plan = carve(count: count, bytes: bytes, from: blocks) else {
            let left = blocks.reduce(0) { $0 + $1.remaining }
            throw KeyStoreError(.insufficient, "asked for \(count) keys of \(bytes) bytes; the store holds \(left) undelivered bytes in \(blocks.count) blocks.")
        }
        var keys: [DeliveredKey] = []
        for move in plan.moved {
            let number = move.block.number
            let stored = try Data.fetchOne(db, sql: "SELECT id_key FROM blocks WHERE number = ?", arguments: [number]) ?? Data()
            let idKey = try IDKey.stored([UInt8](stored), block: number)
            var chunks = try loadChunks(number, KeyChunks.indices(of: move.passed), db)
            for range in plan.ranges where range.block == number {
                keys.append(DeliveredKey(id: range.id(idKey), key: try KeyChunks.take(Int(range.offset)..<range.end, from: &chunks, block: number)))
            }
            _ = try KeyChunks.take(move.passed, from: &chunks, block: number)
            try storeChunks(number, chunks, db)
            try db.execute(sql: "UPDATE blocks SET cursor = ? WHERE number = ?", arguments: [move.block.cursor, number])
            try db.execute(sql: "DELETE FROM delivered WHERE block = ? AND end_byte <= ?", arguments: [number, move.block.cursor])
            if move.block.remaining == 0 { try retire(number, db) }
        }
        return keys
    }

    static func retrieve(_ ids: [UUID], _ parsed: [(range: KeyRange, tag: UInt64)], _ db: Database) throws -> [DeliveredKey] {
        var states: [UInt32: StoredBlockState] = [:]
        for number in Set(parsed.map(\.range.block)) {
            if let row = try Row.fetchOne(db, sql: "SELECT length, cursor, id_key FROM blocks WHERE number = ?", arguments: [number]) {
                let delivered = try Row.fetchAll(
                    db, sql: "SELECT first_byte, end_byte FROM delivered WHERE block = ? ORDER BY first_byte", arguments: [number]
                ).map { Int($0["first_byte"] as Int64)..<Int($0["end_byte"] as Int64) }
                let cursor = BlockCursor(number: number, length: row["length"], cursor: row["cursor"], delivered: delivered)
                states[number] = .live(cursor, try IDKey.stored([UInt8](row["id_key"] as Data), block: number))
            } else if let idKey = try Data.fetchOne(db, sql: "SELECT id_key FROM retired WHERE number = ?", arguments: [number]) {
                states[number] = .retired(try IDKey.stored([UInt8](idKey), block: number))
            }
        }
        let touched = try recordDelivery(parsed, in: states, lastBlock: UInt32(try lastBlock(db)))
        var chunks: [UInt32: [Int: [UInt8]]] = [:]
        for (range, _) in parsed {
            let indices = KeyChunks.indices(of: Int(range.offset)..<range.end)
            if indices.allSatisfy({ chunks[range.block]?[$0] != nil }) { continue }
            let loaded = try loadChunks(range.block, indices, db)
            chunks[range.block, default: [:]].merge(loaded) { old, _ in old }
        }
        var keys: [DeliveredKey] = []
        for (id, one) in zip(ids, parsed) {
            let range = one.range
            let bytes = try KeyChunks.take(Int(range.offset)..<range.end, from: &chunks[range.block, default: [:]], block: range.block)
            keys.append(DeliveredKey(id: id, key: bytes))
            try db.execute(
                sql: "INSERT INTO delivered (block, first_byte, end_byte) VALUES (?, ?, ?)",
                arguments: [range.block, Int(range.offset), range.end]
            )
        }
        for (number, block) in touched {
            try storeChunks(number, chunks[number] ?? [:], db)
            if block.remaining == 0 { try retire(number, db) }
        }
        return keys
    }

    static func status(_ db: Database) throws -> KeyStoreStatus {
        let blocks = try Int.fetchOne(db, sql: "SELECT count(*) FROM blocks") ?? 0
        let open = try Int.fetchOne(db, sql: "SELECT coalesce(sum(length - cursor), 0) FROM blocks") ?? 0
        let delivered = try Int.fetchOne(db, sql: "SELECT coalesce(sum(end_byte - first_byte), 0) FROM delivered") ?? 0
        let simulated = try Int.fetchOne(db, sql: "SELECT count(*) FROM simulated_blocks") ?? 0
        return KeyStoreStatus(blocks: blocks, storedKeyBits: 8 * (open - delivered), lastBlock: UInt64(try lastBlock(db)),
                              simulatedBlocks: simulated, openRuns: try Int.fetchAll(db, sql: openRunsSQL(blocks: "blocks", delivered: "delivered")))
    }

    /// The highest block number stored, retired ones included (0: none).
    private static func lastBlock(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: """
            SELECT max(coalesce((SELECT max(number) FROM blocks), 0), coalesce((SELECT max(number) FROM retired), 0))
            """) ?? 0
    }

    private static func loadChunks(_ number: UInt32, _ indices: ClosedRange<Int>, _ db: Database) throws -> [Int: [UInt8]] {
        var chunks: [Int: [UInt8]] = [:]
        let rows = try Row.fetchAll(
            db, sql: "SELECT idx, bytes FROM chunks WHERE block = ? AND idx BETWEEN ? AND ?",
            arguments: [number, indices.lowerBound, indices.upperBound]
        )
        for row in rows { chunks[row["idx"]] = [UInt8](row["bytes"] as Data) }
        return chunks
    }

    private static func storeChunks(_ number: UInt32, _ chunks: [Int: [UInt8]], _ db: Database) throws {
        for (index, bytes) in chunks {
            try db.execute(sql: "UPDATE chunks SET bytes = ? WHERE block = ? AND idx = ?", arguments: [Data(bytes), number, index])
        }
    }

    /// Moves a block with no undelivered byte left to `retired`, keeping only its ID key and
    /// fingerprint; its chunks and delivered ranges are deleted.
    private static func retire(_ number: UInt32, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO retired SELECT number, session, id_key, fingerprint FROM blocks WHERE number = ?", arguments: [number])
        for sql in ["DELETE FROM chunks WHERE block = ?", "DELETE FROM delivered WHERE block = ?", "DELETE FROM blocks WHERE number = ?"] {
            try db.execute(sql: sql, arguments: [number])
        }
    }
}
