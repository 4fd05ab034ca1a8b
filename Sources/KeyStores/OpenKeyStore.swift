import Foundation
import KeyStore
import KeyStorePostgres
import KeyStoreSQLite

/// Where a site keeps its keys, as the command line names it: a file path for the embedded
/// SQLite store, or `postgres://user[:password]@host[:port]/database[?schema=NAME]` for a
/// PostgreSQL database that several KME replicas share (schema `diqkd` by default).
public enum KeyStoreLocation {
    /// Opens the store `location` names.
    /// - Throws: ``KeyStoreError`` (`.invalidRequest` for a malformed URL, `.permissions` for a
    ///   file others may read, `.storage` when the database cannot be reached).
    public static func open(_ location: String, limits: KeyStoreLimits = KeyStoreLimits()) async throws(KeyStoreError) -> any KeyStore {
        guard location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") else {
            return try SQLiteKeyStore(path: location, limits: limits)
        }
        var parts = URLComponents(string: location)
        let schema = parts?.queryItems?.first { $0.name == "schema" }?.value ?? "diqkd"
        parts?.queryItems = nil
        return try await PostgresKeyStore(url: parts?.string ?? location, schema: schema, limits: limits)
    }

    /// `location` fit for messages and output: a PostgreSQL URL's password replaced by `***`
    /// (a file path as it is).
    public static func displayed(_ location: String) -> String {
        guard location.hasPrefix("postgres://") || location.hasPrefix("postgresql://"),
              var parts = URLComponents(string: location), parts.password != nil else { return location }
        parts.password = "***"
        return parts.string ?? location
    }
}
