import CommandLineSupport
import Crypto
import Foundation
import Hashing
import KeyStore
import Node

/// Runs async work from this synchronous command and waits for it (the node's loop is
/// synchronous; the key store's API is async).
/// - Throws: what the work threw, a key store's refusal as ``CLIError`` exit 1.
func waitFor(_ work: @escaping @Sendable () async throws -> Void) throws {
    final class Outcome: @unchecked Sendable { var error: (any Error)? }
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { try await work() } catch { outcome.error = error }
        done.signal()
    }
    // blocking-exception: the synchronous command's main thread waits; the work runs on the pool.
    done.wait()
    if let error = outcome.error as? KeyStoreError { throw CLIError.failure("--store: \(error.description)") }
    if let error = outcome.error { throw error }
}

/// The node's ``KeyJournal``: its output folder's `pending-NNNNNN/` and `deliver-NNNNNN/`
/// folders, each written whole with one flushed rename.
struct FolderJournal: KeyJournal {
    let folder: OutputFolder
    let keyName: String

    func hold(_ number: UInt64, key: SecretBits, report: NodeReport) throws {
        try folder.holdPending(number, keyName: keyName, key: key, report: report, checksum: try Self.checksum(key, report))
    }

    func commit(_ number: UInt64, key: SecretBits, report: NodeReport) throws {
        try folder.commit(number, keyName: keyName, key: key, report: report, checksum: try Self.checksum(key, report))
    }

    /// SHA-256 of the key file's bytes, then the report file's, as lower-case hex: what a
    /// pending or committed folder's `checksum` file holds, checked before its key is delivered.
    static func checksum(key: [UInt8], report: [UInt8]) -> [UInt8] {
        var hash = SHA256()
        hash.update(data: key)
        hash.update(data: report)
        return Array(hash.finalize().map { String(format: "%02x", $0) }.joined().utf8)
    }

    private static func checksum(_ key: SecretBits, _ report: NodeReport) throws -> [UInt8] {
        var bytes = key.withBits { $0.bytesMSBFirst() }
        defer { for i in bytes.indices { bytes[i] = 0 } }
        return checksum(key: bytes, report: try OutputFolder.json(report))
    }

    func commitHeld(_ number: UInt64) throws { try folder.commitPending(number) }

    func discardHeld(_ number: UInt64) throws { try folder.discardPending(number) }
}
