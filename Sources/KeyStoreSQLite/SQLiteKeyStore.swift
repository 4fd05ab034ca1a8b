import Foundation
import GRDB
import KeyStore

/// A site's key store in one SQLite file (through GRDB): the embedded default.
///
/// The file is created with mode 0600 and refused when its group or others may read it; it
/// runs in WAL mode with `synchronous = FULL` (a returned call has reached the disk) and
/// `secure_delete = ON` (freed pages are zeroed). Each ``issue(count:bytes:)`` and
/// ``retrieve(_:)`` runs in one immediate transaction that overwrites the delivered bytes with
/// zeros; it is on the disk (and the key logically gone) when the call returns. A truncating
/// WAL checkpoint then copies the zeros over the old bytes in the database file, at most
/// ``checkpointInterval`` seconds later: one checkpoint per call would cost a second flush of
/// every request, and a burst of requests shares one. Schema and crash argument:
/// docs/key-delivery.md.
///
/// One process at a time should open a file; within it, calls are serialised by GRDB's
/// `DatabaseQueue`.
public final class SQLiteKeyStore: KeyStore {
    /// The database file.
    public let path: String
    /// The request limits.
    public let limits: KeyStoreLimits
    let queue: DatabaseQueue
    /// The longest time delivered bytes stay in the database file (not in the database) after
    /// a call returns, in seconds; 0 checkpoints after every delivery.
    public let checkpointInterval: Double
    private let checkpoints = CheckpointSchedule()

    /// Opens the store at `path`, creating it (mode 0600) and its tables if missing.
    /// - Parameters:
    ///   - path: the database file; its folder must exist.
    ///   - limits: the request limits.
    /// - Throws: ``KeyStoreError/Code/permissions`` when the file can be read by group or
    ///   others, or is not a regular file; ``KeyStoreError/Code/storage`` when it cannot be
    ///   created or opened, or is not a key store.
    ///   - checkpointInterval: see ``checkpointInterval`` (default 50 ms).
    public init(path: String, limits: KeyStoreLimits = KeyStoreLimits(), checkpointInterval: Double = 0.05) throws(KeyStoreError) {
        self.path = path
        self.limits = limits
        self.checkpointInterval = max(0, checkpointInterval)
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

    @discardableResult
    public func add(_ block: StoredBlock) async throws(KeyStoreError) -> Bool {
        let prepared = try PreparedBlock(block)
        return try await transaction(checkpoint: false) { db in try SQLiteSchema.add(prepared, db) }
    }

    public func issue(count: Int, bytes: Int, skipping skipped: Set<UInt32>) async throws(KeyStoreError) -> [DeliveredKey] {
        try limits.check(count: count, bytes: bytes)
        return try await transaction(checkpoint: true) { db in try SQLiteSchema.issue(count: count, bytes: bytes, skipping: skipped, db) }
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
        checkpoints.closing {
            _ = try? queue.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            try? queue.close()
        }
    }

    /// Runs `body` in one immediate transaction, then (when `checkpoint`) a truncating WAL
    /// checkpoint; maps database failures to ``KeyStoreError/Code/storage``.
    private func transaction<T: Sendable>(
        checkpoint: Bool, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(KeyStoreError) -> T {
        do {
            let value = try await queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                // Best effort: a checkpoint that cannot finish now leaves old frames in the
                // WAL until the next one (docs/key-delivery.md).
                if checkpoint && checkpoints.due(interval: checkpointInterval) { _ = try? db.checkpoint(.truncate) }
                return result!
            }
            if checkpoint && checkpoints.schedule() { scheduleCheckpoint() }
            return value
        } catch let error as KeyStoreError {
            throw error
        } catch {
            throw KeyStoreError(.storage, "key store \(path): \(error)")
        }
    }

    /// Checkpoints once the interval has passed since the last one, for deliveries no later
    /// call's checkpoint covers.
    private func scheduleCheckpoint() {
        let queue = queue, checkpoints = checkpoints, interval = checkpointInterval
        Task {
            try? await Task.sleep(for: .seconds(interval))
            checkpoints.scheduled = false
            // Not after `close()`: the connection would be gone.
            checkpoints.unlessClosed {
                _ = try? queue.writeWithoutTransaction { db in
                    checkpoints.ran()
                    return try db.checkpoint(.truncate)
                }
            }
        }
    }
}

/// When the last checkpoint ran and whether one is scheduled (shared by the store's calls).
final class CheckpointSchedule: @unchecked Sendable {
    private let lock = NSLock()
    /// Held by a scheduled checkpoint while it runs and by `close()`, so neither uses a closed
    /// connection.
    private let lifecycle = NSLock()
    private var closed = false

    /// Runs `body` unless the store has been closed.
    func unlessClosed(_ body: () -> Void) {
        lifecycle.lock(); defer { lifecycle.unlock() }
        if !closed { body() }
    }

    /// Marks the store closed and runs `body` (the last checkpoint and the close) alone.
    func closing(_ body: () -> Void) {
        lifecycle.lock(); defer { lifecycle.unlock() }
        guard !closed else { return }
        closed = true
        body()
    }
    private var last = ContinuousClock.now
    private var pending = false
    private var _scheduled = false

    /// Whether a checkpoint is due now; records it as run if so, or as pending otherwise.
    func due(interval: Double) -> Bool {
        lock.lock(); defer { lock.unlock() }
        if ContinuousClock.now - last >= .seconds(interval) {
            last = .now
            pending = false
            return true
        }
        pending = true
        return false
    }

    func ran() {
        lock.lock(); defer { lock.unlock() }
        last = .now
        pending = false
    }

    /// Whether the caller should schedule a checkpoint (one is pending and none scheduled).
    func schedule() -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard pending, !_scheduled else { return false }
        _scheduled = true
        return true
    }

    var scheduled: Bool {
        get { lock.lock(); defer { lock.unlock() }; return _scheduled }
        set { lock.lock(); _scheduled = newValue; lock.unlock() }
    }
}
