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

    /// One more than the highest block number published or committed (`deliver-NNNNNN/`)
    /// here (1 for an empty folder).
    package func nextBlock() -> UInt64 {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let numbers = entries.compactMap { name -> UInt64? in
            for prefix in ["block-", "deliver-"] where name.hasPrefix(prefix) { return UInt64(name.dropFirst(prefix.count)) }
            return nil
        }
        return (numbers.max() ?? 0) + 1
    }

    /// Whether block `number` is published.
    package func hasBlock(_ number: UInt64) -> Bool { isFolder("\(path)/\(Self.blockName(number))") == true }

    /// Publishes block `number`: the key (if any) and the report.
    /// - Throws: `CLIError.failure` when the block exists already (never clobbered) or a write fails.
    package func publishBlock<Report: Encodable>(_ number: UInt64, keyName: String, key: SecretBits?, report: Report) throws {
        try publishFolder(Self.blockName(number), keyName: keyName, key: key, report: report, what: "a block is never overwritten")
    }

    /// Writes a key (if any) and a report into a private staged folder and renames it to
    /// `name`, so the folder appears whole or not at all.
    private func publishFolder<Report: Encodable>(_ name: String, keyName: String, key: SecretBits?, report: Report,
                                                  what: String, extra: [String: [UInt8]] = [:]) throws {
        let target = "\(path)/\(name)"
        guard isFolder(target) == nil else { throw CLIError.failure("\(target) exists already; \(what)") }
        let stage = "\(path)/\(SecretFiles.temporaryPrefix)\(getpid())"
        SecretFiles.removeTree(stage)
        guard mkdir(stage, 0o700) == 0 else { throw CLIError.failure("cannot create \(stage): \(String(cString: strerror(errno)))") }
        if let key {
            try SecretFiles.create("\(stage)/\(keyName)", bytes: key.withBits { $0.bytesMSBFirst() })
        }
        try SecretFiles.create("\(stage)/report.json", bytes: try Self.json(report))
        for (file, bytes) in extra.sorted(by: { $0.key < $1.key }) { try SecretFiles.create("\(stage)/\(file)", bytes: bytes) }
        SecretFiles.syncFolder(stage)
        try SecretFiles.rename(stage, to: target)
    }

    /// Writes the report of a run that produced no key, as `aborted-<UTC time>-<session>.json`
    /// (never replacing an earlier one).
    package func publishAborted<Report: Encodable>(session: String, report: Report) throws {
        let stem = "\(path)/aborted-\(Self.timestamp())-\(session)"
        var name = "\(stem).json"
        var n = 1
        while FileManager.default.fileExists(atPath: name) {
            n += 1
            name = "\(stem)-\(n).json"
        }
        try SecretFiles.writeAtomically(try Self.json(report), to: name)
    }

    /// A report as the block folders hold it: sorted keys, pretty-printed, a final newline.
    package static func json<Report: Encodable>(_ report: Report) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(report)) + [0x0A] } catch {
            throw CLIError.failure("cannot encode the report: \(error)")
        }
    }
}

/// Keys on their way to delivery, each a private folder like a block's holding the whole key
/// (before the pool's refill) and its report, so that a node killed at any moment finds them
/// and both sites end with the same keys (docs/key-delivery.md, "A node's crashes"):
/// - `pending-NNNNNN/`: Bob's key from the moment before he confirms it until Alice's
///   acknowledgement, or until the next run's hello says whether she delivered it;
/// - `deliver-NNNNNN/`: a key committed for delivery — Alice's before she acknowledges it,
///   Bob's on the acknowledgement — until its refill, its store entry and its block folder
///   are done.
extension OutputFolder {
    package static func pendingName(_ number: UInt64) -> String { "pending-" + blockName(number).dropFirst(6) }
    package static func committedName(_ number: UInt64) -> String { "deliver-" + blockName(number).dropFirst(6) }

    /// Holds Bob's key undecided.
    /// - Parameter checksum: written as ``checksumName`` beside the key and the report.
    package func holdPending<Report: Encodable>(_ number: UInt64, keyName: String, key: SecretBits, report: Report,
                                                checksum: [UInt8]) throws {
        try publishFolder(Self.pendingName(number), keyName: keyName, key: key, report: report, what: "a pending key is never overwritten",
                          extra: [Self.checksumName: checksum])
    }

    /// Commits a key for delivery.
    /// - Parameter checksum: written as ``checksumName`` beside the key and the report.
    package func commit<Report: Encodable>(_ number: UInt64, keyName: String, key: SecretBits, report: Report, checksum: [UInt8]) throws {
        try publishFolder(Self.committedName(number), keyName: keyName, key: key, report: report,
                          what: "a committed key is never overwritten", extra: [Self.checksumName: checksum])
    }

    /// The file in a pending or committed folder that holds the checksum of its key and report.
    package static let checksumName = "checksum"

    /// Commits a pending key for delivery: one rename, flushed.
    package func commitPending(_ number: UInt64) throws {
        try SecretFiles.rename("\(path)/\(Self.pendingName(number))", to: "\(path)/\(Self.committedName(number))")
    }

    /// The block number of the key an earlier run left pending, if any. A pending key whose
    /// block was committed or published already (a run killed between the two steps) is
    /// removed here.
    package func pendingBlock() throws -> UInt64? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard let name = entries.filter({ $0.hasPrefix("pending-") }).sorted().last, let number = UInt64(name.dropFirst(8)) else {
            return nil
        }
        if hasBlock(number) || isFolder("\(path)/\(Self.committedName(number))") == true {
            try discardPending(number)
            return nil
        }
        return number
    }

    /// The numbers of the committed keys, ascending.
    package func committedBlocks() -> [UInt64] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return entries.filter { $0.hasPrefix("deliver-") }.compactMap { UInt64($0.dropFirst(8)) }.sorted()
    }

    /// A committed key's bytes, its report and their checksum (empty when the file is missing).
    package func committed(_ number: UInt64, keyName: String) throws -> (key: [UInt8], report: Data, checksum: [UInt8]) {
        let folder = "\(path)/\(Self.committedName(number))"
        guard let key = FileManager.default.contents(atPath: "\(folder)/\(keyName)"),
              let report = FileManager.default.contents(atPath: "\(folder)/report.json") else {
            throw CLIError.failure("\(folder) is incomplete, so its key cannot be delivered: a damaged journal. "
                                   + "The other site may hold this block; compare both sites' stores before moving it away.")
        }
        let checksum = FileManager.default.contents(atPath: "\(folder)/\(Self.checksumName)").map { Array($0) } ?? []
        return (Array(key), report, checksum)
    }

    /// Overwrites a pending key with zeros and removes it.
    /// - Throws: when it cannot be taken out of sight (it is then still pending).
    package func discardPending(_ number: UInt64) throws {
        try discardStaged(Self.pendingName(number))
    }

    /// Overwrites a delivered committed key with zeros and removes it.
    /// - Throws: when it cannot be taken out of sight (it is then still committed).
    package func discardCommitted(_ number: UInt64) throws {
        try discardStaged(Self.committedName(number))
    }

    /// Takes the folder out of sight with one flushed rename to a temporary name — so that a
    /// kill while its key is being overwritten never leaves a damaged key under its real name,
    /// to be delivered on restart — then overwrites and removes it (``recover()`` finishes the
    /// job after a kill).
    private func discardStaged(_ name: String) throws {
        try destroyOutOfSight("\(path)/\(name)", as: "discard-\(name)")
    }
}
