import Foundation
import KeyStore
import Logging
import PostgresNIO

/// A site's key store in a PostgreSQL schema (through postgres-nio): for a KME run as several
/// replicas on one database.
///
/// Every operation is one transaction. ``issue(count:bytes:)`` locks the blocks it carves
/// before it reads their cursors: first the oldest ones no other transaction holds, one by
/// one (`FOR UPDATE SKIP LOCKED`), so concurrent requests carve different blocks in parallel;
/// when those cannot serve it, in a second transaction, every block with room in ascending
/// order, waiting for the others. Either way a replica carves a block only while it holds
/// the block's row lock, after any other's committed cursor: two replicas never hand out the
/// same range. ``retrieve(_:)`` locks the
/// blocks its IDs name in the same order. Delivered bytes are overwritten with zeros in the
/// same transaction; PostgreSQL keeps the old row versions until `VACUUM` reclaims them
/// (docs/key-delivery.md).
///
/// Owns a `PostgresClient` (a connection pool) and the task that runs it until ``close()``.
public final class PostgresKeyStore: KeyStore {
    /// The schema holding the tables.
    public let schema: String
    /// The request limits.
    public let limits: KeyStoreLimits
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger: Logger
    let tables: PostgresSchema

    /// Opens the store in `schema` of the database `configuration` names, creating the schema
    /// and its tables if missing.
    /// - Parameters:
    ///   - configuration: where and as whom to connect.
    ///   - schema: the schema's name: a letter or `_`, then letters, digits or `_` (at most 63).
    ///   - limits: the request limits.
    /// - Throws: ``KeyStoreError/Code/invalidRequest`` for a bad schema name;
    ///   ``KeyStoreError/Code/storage`` when the database cannot be reached or set up.
    public init(
        configuration: PostgresClient.Configuration, schema: String = "diqkd", limits: KeyStoreLimits = KeyStoreLimits()
    ) async throws(KeyStoreError) {
        guard let tables = PostgresSchema(schema) else {
            throw KeyStoreError(.invalidRequest, "schema name \"\(schema)\" is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63).")
        }
        self.schema = schema
        self.limits = limits
        self.tables = tables
        logger = Logger(label: "diqkd.keystore.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
        let log = logger
        do {
            try await client.withTransaction(logger: log) { connection in
                try await tables.create(connection, log)
            }
        } catch {
            runner.cancel()
            throw KeyStoreError(.storage, "cannot set up key store schema \(schema): \(Self.describe(error))")
        }
    }

    /// Opens the store from a URL `postgres://user[:password]@host[:port]/database` (port
    /// 5432 by default; no TLS, for loopback or a trusted network).
    /// - Throws: ``KeyStoreError/Code/invalidRequest`` for a URL that does not parse;
    ///   otherwise as ``init(configuration:schema:limits:)``.
    public convenience init(url: String, schema: String = "diqkd", limits: KeyStoreLimits = KeyStoreLimits()) async throws(KeyStoreError) {
        try await self.init(configuration: try Self.configuration(url: url), schema: schema, limits: limits)
    }

    /// The client configuration a `postgres://` (or `postgresql://`) URL names.
    /// - Throws: ``KeyStoreError/Code/invalidRequest``.
    public static func configuration(url: String) throws(KeyStoreError) -> PostgresClient.Configuration {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, !host.isEmpty, let user = parts.user, !user.isEmpty
        else {
            throw KeyStoreError(.invalidRequest, "a PostgreSQL URL reads postgres://user:password@host:port/database.")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        return PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: database.isEmpty ? nil : database, tls: .disable
        )
    }

    @discardableResult
    public func add(_ block: StoredBlock) async throws(KeyStoreError) -> Bool {
        let prepared = try PreparedBlock(block)
        return try await transaction { [tables, logger] connection in try await tables.add(prepared, connection, logger) }
    }

    public func issue(count: Int, bytes: Int, skipping skipped: Set<UInt32>) async throws(KeyStoreError) -> [DeliveredKey] {
        try limits.check(count: count, bytes: bytes)
        let skipped = skipped.sorted().map(Int64.init)
        // The fast path's statement cannot leave blocks out: with skipped blocks, the general path.
        if skipped.isEmpty, count * bytes <= Self.oneBlockLimit, let keys = try await statement({ [tables, logger] connection in
            try await tables.issueOneBlock(count: count, bytes: bytes, connection, logger)
        }) {
            return keys
        }
        if let keys = try await transaction({ [tables, logger] connection in
            try await tables.issue(count: count, bytes: bytes, waitForAll: false, skipping: skipped, connection, logger)
        }) {
            return keys
        }
        return try await transaction { [tables, logger] connection in
            try await tables.issue(count: count, bytes: bytes, waitForAll: true, skipping: skipped, connection, logger)!
        }
    }

    public func retrieve(_ ids: [UUID]) async throws(KeyStoreError) -> [DeliveredKey] {
        try limits.check(ids: ids.count)
        let parsed = try parseKeyIDs(ids).map { ParsedID(range: $0.range, tag: $0.tag) }
        return try await transaction { [tables, logger] connection in try await tables.retrieve(ids, parsed, connection, logger) }
    }

    public func status() async throws(KeyStoreError) -> KeyStoreStatus {
        try await transaction { [tables, logger] connection in try await tables.status(connection, logger) }
    }

    public func close() async {
        runner.cancel()
        await runner.value
    }

    /// The largest request (bytes in all) the one-statement fast path serves.
    static let oneBlockLimit = 1 << 20

    /// Runs `body`, one statement in its own implicit transaction, on a connection of the
    /// pool, with the error mapping and retries of ``transaction(_:)``.
    private func statement<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(KeyStoreError) -> T {
        try await retrying { [client] in try await client.withConnection { connection in try await body(connection) } }
    }

    /// Runs `body` in one transaction, again (up to 5 times in all) when PostgreSQL aborts it
    /// for a deadlock, a serialisation failure or a concurrent insert of the same key, and
    /// maps failures to ``KeyStoreError``.
    private func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(KeyStoreError) -> T {
        try await retrying { [client, logger] in try await client.withTransaction(logger: logger) { connection in try await body(connection) } }
    }

    /// Runs `work` up to 5 times while PostgreSQL aborts it for a deadlock, a serialisation
    /// failure or a concurrent insert of the same key; maps failures to ``KeyStoreError``.
    private func retrying<T: Sendable>(_ work: () async throws -> T) async throws(KeyStoreError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await work()
            } catch {
                if let storeError = Self.storeError(in: error) { throw storeError }
                let state = Self.sqlState(of: error)
                if attempt < 5, let state, ["40P01", "40001", "23505"].contains(state) { continue }
                throw KeyStoreError(.storage, "key store schema \(schema): \(Self.describe(error))")
            }
        }
    }

    private static func storeError(in error: any Error) -> KeyStoreError? {
        if let error = error as? KeyStoreError { return error }
        if let error = error as? PostgresTransactionError, let inner = error.closureError { return storeError(in: inner) }
        return nil
    }

    private static func sqlState(of error: any Error) -> String? {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] }
        if let error = error as? PostgresTransactionError {
            for inner in [error.closureError, error.commitError, error.beginError] {
                if let inner, let state = sqlState(of: inner) { return state }
            }
        }
        return nil
    }

    /// The server's message and SQL state (never the query's bound values, which may be key).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return "\(message) (SQL state \(error.serverInfo?[.sqlState] ?? "?"))" }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            for inner in [error.closureError, error.commitError, error.beginError, error.rollbackError] {
                if let inner { return describe(inner) }
            }
        }
        return String(describing: type(of: error))
    }
}

/// A parsed key ID, `Sendable` for crossing into a transaction.
struct ParsedID: Sendable {
    let range: KeyRange
    let tag: UInt64
}
