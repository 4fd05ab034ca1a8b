import Foundation
import Hashing
import Protocol

/// The folder a run writes into. Keys are written atomically and only after verification; a
/// run that aborts removes key files an earlier run left, so the folder never pairs a report
/// with keys it did not produce.
struct OutputFolder {
    let path: String

    /// Creates the folder if needed; fails as a usage error when it cannot be made.
    init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CLIError.usage("--out \(path) exists and is not a folder.") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw CLIError.usage("--out \(path): cannot create the folder (\(error.localizedDescription)).")
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else { throw CLIError.usage("--out \(path) is not writable.") }
    }

    func write(report: ProtocolReport, aliceKey: SecretBits?, bobKey: SecretBits?) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        if let aliceKey, let bobKey {
            try writeKey(aliceKey, name: "alice.key")
            try writeKey(bobKey, name: "bob.key")
        } else {
            try removeKeys()
        }
        try writeAtomically(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n", to: "\(path)/report.json")
    }

    func removeKeys() throws {
        for name in ["alice.key", "bob.key"] where FileManager.default.fileExists(atPath: "\(path)/\(name)") {
            try FileManager.default.removeItem(atPath: "\(path)/\(name)")
        }
    }

    private func writeKey(_ key: SecretBits, name: String) throws {
        let data = key.withBits { Data($0.bytesMSBFirst()) }
        let url = URL(fileURLWithPath: "\(path)/\(name)")
        do {
            try data.write(to: url, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        } catch {
            throw CLIError.failure("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
