#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import Hashing

/// A node's output: one folder per block, `block-000001/` holding this node's key
/// (`alice.key` or `bob.key`, raw bytes, most significant bit first) and its report, published
/// with one atomic rename of a private staged folder, so a block is there whole or not at all.
/// Reports of runs that ended without a key go to `aborted-<session>.json`.
extension OutputFolder {
    /// The folder name of block `number`.
    package static func blockName(_ number: UInt64) -> String {
        let digits = String(number)
        return "block-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// One more than the highest block number present (1 for an empty folder).
    package func nextBlock() -> UInt64 {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let numbers = entries.compactMap { name -> UInt64? in
            guard name.hasPrefix("block-") else { return nil }
            return UInt64(name.dropFirst(6))
        }
        return (numbers.max() ?? 0) + 1
    }

    /// Publishes block `number`: the key (if any) and the report.
    /// - Throws: `CLIError.failure` when the block exists already (never clobbered) or a write fails.
    package func publishBlock<Report: Encodable>(_ number: UInt64, keyName: String, key: SecretBits?, report: Report) throws {
        let target = "\(path)/\(Self.blockName(number))"
        guard isFolder(target) == nil else {
            throw CLIError.failure("\(target) exists already; a block is never overwritten")
        }
        let stage = "\(path)/\(SecretFiles.temporaryPrefix)\(getpid())"
        SecretFiles.removeTree(stage)
        guard mkdir(stage, 0o700) == 0 else { throw CLIError.failure("cannot create \(stage): \(String(cString: strerror(errno)))") }
        if let key {
            try SecretFiles.create("\(stage)/\(keyName)", bytes: key.withBits { $0.bytesMSBFirst() })
        }
        try SecretFiles.create("\(stage)/report.json", bytes: try Self.json(report))
        SecretFiles.syncFolder(stage)
        try SecretFiles.rename(stage, to: target)
    }

    /// Writes the report of a run that produced no key.
    package func publishAborted<Report: Encodable>(session: String, report: Report) throws {
        try SecretFiles.writeAtomically(try Self.json(report), to: "\(path)/aborted-\(session).json")
    }

    static func json<Report: Encodable>(_ report: Report) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(report)) + [0x0A] } catch {
            throw CLIError.failure("cannot encode the report: \(error)")
        }
    }
}
