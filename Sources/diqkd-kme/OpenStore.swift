import CommandLineSupport
import KeyStore
import KeyStores

/// The site's key store that `location` names: a file (SQLite) or a `postgres://` URL.
/// - Throws: ``CLIError`` with exit 2 naming the flag and the reason.
func openStore(_ location: String, flag: String = "--store") async throws -> any KeyStore {
    do { return try await KeyStoreLocation.open(location) } catch {
        throw CLIError.usage("\(flag) \(KeyStoreLocation.displayed(location)): \(error.description)")
    }
}
