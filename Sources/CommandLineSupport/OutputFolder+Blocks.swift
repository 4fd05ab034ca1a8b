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
        try publishFolder(Self.blockName(number), keyName: keyName, key: key, report: report, what: "a block is never overwritten")
    }

    /// Writes a key (if any) and a report into a private staged folder and renames it to
    /// `name`, so the folder appears whole or not at all.
    private func publishFolder<Report: Encodable>(_ name: String, keyName: String, key: SecretBits?, report: Report,
                                                  what: String) throws {
        let target = "\(path)/\(name)"
        guard isFolder(target) == nil else { throw CLIError.failure("\(target) exists already; \(what)") }
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

    static func json<Report: Encodable>(_ report: Report) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(report)) + [0x0A] } catch {
            throw CLIError.failure("cannot encode the report: \(error)")
        }
    }
}

/// A key held back because the run's last frame (Alice's acknowledgement) did not arrive:
/// `pending-NNNNNN/` holds the whole key and its report, private like a block, until the next
/// run says whether the peer delivered it.
extension OutputFolder {
    package static func pendingName(_ number: UInt64) -> String { "pending-" + blockName(number).dropFirst(6) }

    /// Holds a pending key.
    package func holdPending<Report: Encodable>(_ number: UInt64, keyName: String, key: SecretBits, report: Report) throws {
        try publishFolder(Self.pendingName(number), keyName: keyName, key: key, report: report, what: "a pending key is never overwritten")
    }

    /// The pending key of an earlier run, if any: its block number, key bytes and report.
    /// A pending key whose block was published already (a run killed between the two steps)
    /// is removed here.
    package func pending(keyName: String) throws -> (block: UInt64, key: [UInt8], report: Data)? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard let name = entries.filter({ $0.hasPrefix("pending-") }).sorted().last, let number = UInt64(name.dropFirst(8)) else {
            return nil
        }
        if isFolder("\(path)/\(Self.blockName(number))") == true {
            discardPending(number, keyName: keyName)
            return nil
        }
        guard let key = FileManager.default.contents(atPath: "\(path)/\(name)/\(keyName)"),
              let report = FileManager.default.contents(atPath: "\(path)/\(name)/report.json") else {
            throw CLIError.failure("\(path)/\(name) is incomplete; move it away by hand")
        }
        return (number, Array(key), report)
    }

    /// Overwrites a pending key with zeros and removes it.
    package func discardPending(_ number: UInt64, keyName: String) {
        let folder = "\(path)/\(Self.pendingName(number))"
        let file = "\(folder)/\(keyName)"
        if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int {
            let fd = open(file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0 {
                let zeros = [UInt8](repeating: 0, count: size)
                _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, size, 0) }
                fsync(fd)
                close(fd)
            }
        }
        SecretFiles.removeTree(folder)
        SecretFiles.syncFolder(path)
    }
}
