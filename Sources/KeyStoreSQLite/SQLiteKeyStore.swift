import Foundation
import GRDB
import KeyStore

/// A site's key store in one SQLite file (through GRDB): the embedded default.
///
/// The file is created with mode 0600 and refused when its group or others may read it; it
/// runs in WAL mode with `synchronous = FULL` (a returned call has reached the disk) and
/// `secure_delete = ON` (freed pages are zeroed). Each ``issue(count:bytes:)`` and
/// ``retrieve(_:)`` runs in one immediate transaction that overwrites the delivered bytes with
/// zeros, followed by a truncating WAL checkpoint, so the key bytes leave both the database
/// and its WAL file before the call returns. Schema and crash argument: docs/key-delivery.md.
///
/// One process at a time should open a file; within it, calls are serialised by GRDB's
/// `DatabaseQueue`.
public final class SQLiteKeyStore: KeyStore {
    /// The database file.
    public let path: String
    /// The request limits.
    public let limits: KeyStoreLimits
    let queue: DatabaseQueue

    /// Opens the store at `path`, creating it (mode 0600) and its tables if missing.
    /// - Parameters:
    ///   - path: the database file; its folder must exist.
    ///   - limits: the request limits.
    /// - Throws: ``KeyStoreError/Code/permissions`` when the file can be read by group or
    ///   others, or is not a regular file; ``KeyStoreError/Code/storage`` when it cannot be
    ///   created or opened, or is not a key store.
    public init(path: String, limits: KeyStoreLimits = KeyStoreLimits()) throws(KeyStoreError) {
        self.path = path
        self.limits = limits
        try StoreFile.prepare(path)
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try queue.write { db in try SQLiteSchema.create(db) }
        } catch {
            throw KeyStoreError(.storage, "cannot open key store \(path): \(error)")
        }
    }

    public func add(_ block: StoredBlock) async throws(KeyStoreError) {
        let prepared = try PreparedBlock(block)
        try await transaction(checkpoint: false) { db in try SQLiteSchema.add(prepared, db) }
    }

    public func issue(count: Int, bytes: Int) async throws(KeyStoreError) -> [DeliveredKey] {
        try limits.check(count: count, bytes: bytes)
        return try await transaction(checkpoint: true) { db in try SQLiteSchema.issue(count: count, bytes: bytes, db) }
    }

    public func retrieve(_ ids: [UUID]) async throws(KeyStoreError) -> [DeliveredKey] {
        try limits.check(ids: ids.count)
        let parsed = try parseKeyIDs(ids)
        return try await transaction(checkpoint: true) { db in try SQLiteSchema.retrieve(ids, parsed, db) }
    }

    public func status() async throws(KeyStoreError) -> KeyStoreStatus {
        try await transaction(checkpoint: false) { db in try SQLiteSchema.status(db) }
    }

    public func close() async {
        try? queue.close()
    }

    /// Runs `body` in one immediate transaction, then (when `checkpoint`) a truncating WAL
    /// checkpoint; maps database failures to ``KeyStoreError/Code/storage``.
    private func transaction<T: Sendable>(
        checkpoint: Bool, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(KeyStoreError) -> T {
        do {
            return try await queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                // Best effort: a checkpoint that cannot finish now leaves old frames in the
                // WAL until the next one (docs/key-delivery.md).
                if checkpoint { _ = try? db.checkpoint(.truncate) }
                return result!
            }
        } catch let error as KeyStoreError {
            throw error
        } catch {
            throw KeyStoreError(.storage, "key store \(path): \(error)")
        }
    }
}
