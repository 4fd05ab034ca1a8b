import Foundation
import KeyStore
import KeyStorePostgres
import KeyStoreSQLite
import Logging
import PostgresNIO
import Randomness

/// The backends the shared behaviour suite runs against: SQLite always, PostgreSQL when
/// `DIQKD_POSTGRES_URL` names a server (`scripts/postgres-for-tests` starts one and prints it).
enum Backend: String, Sendable, CustomStringConvertible {
    case sqlite, postgres

    var description: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["DIQKD_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static let available: [Backend] = postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
}

/// A fresh place for a test's stores: a temporary folder (SQLite) or fresh schemas (PostgreSQL),
/// removed by ``destroy()``. Each site name gets its own file or schema.
struct StorePlace: Sendable {
    let backend: Backend
    let tag: String
    let folder: String

    init(_ backend: Backend) {
        self.backend = backend
        tag = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        folder = NSTemporaryDirectory() + "diqkd-keystore-" + tag
        if backend == .sqlite { try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    }

    func path(_ site: String) -> String { "\(folder)/\(site).sqlite" }

    func schema(_ site: String) -> String { "\(tag)_\(site)" }

    func open(_ site: String, limits: KeyStoreLimits = KeyStoreLimits()) async throws -> any KeyStore {
        switch backend {
        case .sqlite: return try SQLiteKeyStore(path: path(site), limits: limits)
        case .postgres: return try await PostgresKeyStore(url: Backend.postgresURL!, schema: schema(site), limits: limits)
        }
    }

    func destroy() async {
        switch backend {
        case .sqlite:
            try? FileManager.default.removeItem(atPath: folder)
        case .postgres:
            let client = PostgresClient(configuration: try! PostgresKeyStore.configuration(url: Backend.postgresURL!))
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                let rows = try? await client.query(
                    "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE \(tag + "%")"
                )
                var names: [String] = []
                if let rows { do { for try await name in rows.decode(String.self) { names.append(name) } } catch {} }
                for name in names { _ = try? await client.query("DROP SCHEMA \(unescaped: "\"\(name)\"") CASCADE") }
                group.cancelAll()
            }
        }
    }
}

/// Runs `body` with a fresh place, destroying it afterwards whatever happens.
func withPlace(_ backend: Backend, _ body: (StorePlace) async throws -> Void) async throws {
    let place = StorePlace(backend)
    do {
        try await body(place)
    } catch {
        await place.destroy()
        throw error
    }
    await place.destroy()
}

/// Blocks of seeded random key, as both sites would hold them.
func makeBlocks(_ sizes: [Int], seed: UInt64, first: UInt64 = 1) -> [StoredBlock] {
    var rng = Xoshiro256(seed: seed)
    return sizes.enumerated().map { i, size in
        StoredBlock(number: first + UInt64(i), session: "session-\(seed)", key: (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
}

/// The error code `body` throws, or nil if it returns.
func code(_ body: () async throws -> Any) async -> KeyStoreError.Code? {
    do {
        _ = try await body()
        return nil
    } catch let error as KeyStoreError {
        return error.code
    } catch {
        return .storage
    }
}

extension StorePlace {
    /// Runs one SQL statement against the PostgreSQL server, outside any store (to set up
    /// states a store would not make itself, such as one from an older version).
    func execute(_ sql: String) async throws {
        let client = PostgresClient(configuration: try PostgresKeyStore.configuration(url: Backend.postgresURL!))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query(PostgresQuery(unsafeSQL: sql))
            group.cancelAll()
        }
    }
}

extension StorePlace {
    /// Alice's (master) and Bob's (slave) stores, both holding `blocks`.
    func sites(holding blocks: [StoredBlock]) async throws -> (master: any KeyStore, slave: any KeyStore) {
        let master = try await open("alice"), slave = try await open("bob")
        for block in blocks {
            try await master.add(block)
            try await slave.add(block)
        }
        return (master, slave)
    }
}
