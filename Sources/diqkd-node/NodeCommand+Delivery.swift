import CommandLineSupport
import Foundation
import Hashing
import KeyPool
import KeyStore
import KeyStores
import Node

/// A node's delivery of committed keys (pool refill, store or key file, report) and its
/// security alarms: each step safe to repeat after a kill.
extension NodeCommand {
    /// The output folder's record that this node's last run followed its peer's pool ahead.
    static let skipRecord = "pool-skipped"

    /// Logs a run's security event and decides whether it stops the node: diverged pools
    /// always; a followed pool notice when this node's previous run — in this process or an
    /// earlier one, since a failed block ends the process — followed one too (``skipRecord``).
    /// Any run without a skip clears the record.
    /// - Returns: the reason to stop, or nil.
    func securityAlarm(_ result: NodeBlock.Result, folder: OutputFolder) throws -> String? {
        let record = "\(folder.path)/\(Self.skipRecord)"
        guard let event = result.securityEvent else {
            unlink(record)
            return nil
        }
        let reason = result.report.protocolReport.abortReason ?? "unknown"
        log("SECURITY EVENT in block \(result.report.node.block): \(reason)")
        switch event {
        case .poolsDiverged:
            return reason
        case .poolSkipped:
            if FileManager.default.fileExists(atPath: record) {
                return "\(reason) (the second skip in a row: a copy of this pool may be in use elsewhere)"
            }
            try SecretFiles.writeAtomically(Array("\(result.report.node.session)\n".utf8), to: record)
            return nil
        }
    }

    /// Bob's key held from an earlier run, with what its delivery would refill (from its report).
    func heldKey(_ folder: OutputFolder) throws -> HeldKey? {
        guard let number = try folder.pendingBlock() else { return nil }
        let name = "\(folder.path)/\(OutputFolder.pendingName(number))"
        guard FileManager.default.fileExists(atPath: "\(name)/report.json") else {
            throw CLIError.failure("\(name) has no report.json: a damaged journal; compare both sites' stores before moving it away")
        }
        let data = try BoundedFile.read("\(name)/report.json", maximumBytes: BoundedFile.jsonBytes, what: "\(name)/report.json")
        let report = try Self.decodeReport(data, in: name)
        return HeldKey(number: number, refillBytes: report.node.refillBits / 8, session: report.node.session)
    }

    /// Delivers every committed key in `folder`, oldest first, each in steps that are safe to
    /// repeat, so that a node killed between any two finishes the job when it starts again:
    /// the pool's refill (once per block, ``KeyPool/refill(_:block:)``); the rest into the
    /// store (adding a stored block again is a no-op) or a key file; the report as
    /// `block-NNNNNN/` (kept if there); then the committed copy is overwritten and removed.
    /// - Returns: for each delivered block, whether its delivery refilled the pool.
    @discardableResult
    func deliverCommitted(folder: OutputFolder, keyName: String, pool: KeyPool) throws -> [UInt64: Bool] {
        var refills: [UInt64: Bool] = [:]
        for number in folder.committedBlocks() {
            let staged = try folder.committed(number, keyName: keyName)
            let name = "\(folder.path)/\(OutputFolder.committedName(number))"
            guard constantTimeEqual(staged.checksum, FolderJournal.checksum(key: staged.key, report: Array(staged.report))) else {
                throw CLIError.failure("\(name): the key or report does not match its checksum, so it is not delivered: a damaged "
                                       + "journal. The other site may hold this block; compare both sites' stores before moving it away.")
            }
            var report = try Self.decodeReport(staged.report, in: name)
            var key = try Self.key(staged.key, bits: report.protocolReport.keyBits, in: name)
            let refill = report.node.refillBits / 8
            guard report.node.refillBits >= 0, report.node.refillBits % (8 * Int(KeyPool.granule)) == 0, refill <= staged.key.count else {
                throw CLIError.failure("\(name): a refill of \(report.node.refillBits) bits does not fit a key of \(report.protocolReport.keyBits) bits")
            }
            do {
                let delivered = try NodeBlock.deliver(number, key: key, refillBytes: refill, session: report.node.session, pool: pool)
                key = delivered.key
                refills[number] = delivered.refilled
            } catch {
                throw CLIError.failure("block \(number): the key pool could not be refilled (\(error.description)); the key stays in \(name)")
            }
            report.node.poolRemainingBits = pool.remaining * 8
            if records != nil { report.protocolReport.premise = "assumed" }
            if !folder.hasBlock(number) {
                do { try publish(number, key: key, report: report, to: folder) } catch let error as CLIError {
                    throw CLIError.failure("block \(number): \(error.message); the key stays committed in \(name) and is delivered "
                                           + "when the node starts again")
                }
            }
            try folder.discardCommitted(number)
        }
        return refills
    }

    static func decodeReport(_ data: Data, in folder: String) throws -> NodeReport {
        do { return try JSONDecoder().decode(NodeReport.self, from: data) } catch {
            throw CLIError.failure("\(folder)/report.json cannot be read: \(error)")
        }
    }

    static func key(_ bytes: [UInt8], bits: Int, in folder: String) throws -> SecretBits {
        guard bits > 0, bytes.count == (bits + 7) / 8 else {
            throw CLIError.failure("\(folder) holds \(bytes.count) key bytes for \(bits) bits")
        }
        var bytes = bytes
        defer { for i in bytes.indices { bytes[i] = 0 } }
        return SecretBits(BitVector(bytesMSBFirst: bytes, count: bits))
    }

    /// Publishes a block: its key into the site's store (``store``) or a key file, and its report.
    /// The store is written first, so a crash in between leaves the key stored and the report
    /// missing, never a report announcing a key that is not there.
    func publish(_ number: UInt64, key: SecretBits, report: NodeReport, to folder: OutputFolder) throws {
        guard let store else {
            try folder.publishBlock(number, keyName: "\(report.node.role.rawValue).key", key: key, report: report)
            return
        }
        var bytes = key.withBits { bits in Array(bits.bytesMSBFirst().prefix(bits.count / 8)) }
        defer { for i in bytes.indices { bytes[i] = 0 } }
        let block = StoredBlock(number: number, session: report.node.session, key: bytes, simulated: report.protocolReport.simulation != false)
        try waitFor {
            let keyStore = try await KeyStoreLocation.open(store)
            do { try await keyStore.add(block) } catch {
                await keyStore.close()
                throw error
            }
            await keyStore.close()
        }
        try folder.publishBlock(number, keyName: "\(report.node.role.rawValue).key", key: nil, report: report)
    }
}
