import Foundation
import KeyStore
import Logging
import NIOConcurrencyHelpers

/// The key delivery API's three methods over one site's store, with the checks the standard and
/// this deployment ask for; HTTP is left to ``KMERouter``.
///
/// Who may ask: the master SAE for `status` and, at the master's site (Alice's), `enc_keys`
/// naming the configured slave; the slave SAE for `status` (naming itself) and, at the
/// slave's site (Bob's), `dec_keys` naming the configured master. The
/// store's own ID check makes sure `dec_keys` returns only keys issued for this link, each at
/// most once. Key bytes are never logged; key IDs are.
public struct KeyDelivery: Sendable {
    public let configuration: KMEConfiguration
    public let store: any KeyStore
    let logger: Logger
    /// Blocks found damaged while issuing (``KeyStoreError/Code/damaged``), skipped from then
    /// on by every request of this process; each is logged once.
    private let damaged = NIOLockedValueBox(Set<UInt32>())
    /// The most damaged blocks one `enc_keys` request skips before it answers 503.
    static let damagedBlocksPerRequest = 16

    public init(configuration: KMEConfiguration, store: any KeyStore, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
    }

    /// Get status (clause 5.1).
    /// - Parameters:
    ///   - slave: the path's `slave_SAE_ID`.
    ///   - caller: the calling SAE's ID from its certificate.
    /// - Throws: ``KMEError`` 401 for a caller that is neither configured SAE, 400 for another
    ///   slave, 503 when the store fails.
    public func status(slave: String, caller: String) async throws(KMEError) -> KMEStatus {
        guard caller == configuration.masterSAE || caller == configuration.slaveSAE else {
            throw refuse(.unauthorized("SAE \(caller) is not served by this KME", [["caller": caller]]), "status", caller)
        }
        guard slave == configuration.slaveSAE else {
            throw refuse(.badRequest("unknown slave SAE \(slave)", [["slave_SAE_ID": slave]]), "status", caller)
        }
        let stored = try await storeCall("status", caller) { () async throws(KeyStoreError) in try await store.status() }
        return KMEStatus(configuration: configuration, stored: stored)
    }

    /// Get key (clause 5.2): `number` new keys of `size` bits for the master SAE, taken from
    /// the oldest material.
    /// - Throws: ``KMEError`` 401 for a caller other than the master SAE, 400 for another slave,
    ///   additional slaves, a mandatory extension, a size that is not a multiple of 8 or is
    ///   outside `min_key_size…max_key_size`, or a number outside `1…max_key_per_request`;
    ///   503 when the store lacks key or fails.
    public func encKeys(slave: String, caller: String, request: KeyRequest) async throws(KMEError) -> KeyContainer {
        guard caller == configuration.masterSAE else {
            throw refuse(.unauthorized("only the master SAE may get new keys here", [["caller": caller]]), "enc_keys", caller)
        }
        guard configuration.site == .alice else {
            throw refuse(.unauthorized("this is the slave site's KME: new keys come from the master site's KME, "
                                       + "and this one hands them out by ID (dec_keys)", [["kme": configuration.kmeID]]), "enc_keys", caller)
        }
        guard slave == configuration.slaveSAE else {
            throw refuse(.badRequest("unknown slave SAE \(slave)", [["slave_SAE_ID": slave]]), "enc_keys", caller)
        }
        let number = request.number ?? 1
        let size = request.size ?? configuration.defaultKeySize
        if let problem = problem(number: number, size: size, request: request) {
            throw refuse(problem, "enc_keys", caller)
        }
        let keys = try await issueSkippingDamaged(count: number, bytes: size / 8, caller)
        logger.info("enc_keys delivered", metadata: ["caller": "\(caller)", "number": "\(number)", "size": "\(size)",
                                                     "key_IDs": "\(keys.map { $0.id.uuidString.lowercased() })"])
        return KeyContainer(keys)
    }

    /// Get key with key IDs (clause 5.3): the keys the master SAE obtained under these IDs, for
    /// the slave SAE, each at most once.
    /// - Throws: ``KMEError`` 401 for a caller other than the slave SAE, 400 for another master,
    ///   no IDs, too many, duplicates, IDs that are not UUIDs, or IDs the store does not have
    ///   (unknown or delivered already); 503 when the store fails, when a key ID names a block
    ///   this site has not stored yet (the master site's node committed it and this one settles
    ///   it in its next run: retry later) or a block whose rows are damaged.
    public func decKeys(master: String, caller: String, keyIDs: [String]) async throws(KMEError) -> KeyContainer {
        guard caller == configuration.slaveSAE else {
            throw refuse(.unauthorized("only the slave SAE may get keys by ID here", [["caller": caller]]), "dec_keys", caller)
        }
        guard configuration.site == .bob else {
            throw refuse(.unauthorized("this is the master site's KME: keys by ID come from the slave site's KME",
                                       [["kme": configuration.kmeID]]), "dec_keys", caller)
        }
        guard master == configuration.masterSAE else {
            throw refuse(.badRequest("unknown master SAE \(master)", [["master_SAE_ID": master]]), "dec_keys", caller)
        }
        guard !keyIDs.isEmpty else { throw refuse(.badRequest("no key_ID given"), "dec_keys", caller) }
        guard keyIDs.count <= configuration.maxKeysPerRequest else {
            throw refuse(.badRequest("at most \(configuration.maxKeysPerRequest) key IDs per request",
                                     [["count": "\(keyIDs.count)"]]), "dec_keys", caller)
        }
        var ids: [UUID] = []
        for text in keyIDs {
            guard let id = UUID(uuidString: text.trimmingCharacters(in: .whitespaces)) else {
                throw refuse(.badRequest("key_ID \(text.prefix(60)) is not a UUID", [["key_ID": String(text.prefix(60))]]), "dec_keys", caller)
            }
            ids.append(id)
        }
        guard Set(ids).count == ids.count else {
            throw refuse(.badRequest("a key_ID is repeated in the request"), "dec_keys", caller)
        }
        let keys = try await storeCall("dec_keys", caller) { () async throws(KeyStoreError) in try await store.retrieve(ids) }
        logger.info("dec_keys delivered", metadata: ["caller": "\(caller)", "key_IDs": "\(keyIDs)"])
        return KeyContainer(keys)
    }

    private func problem(number: Int, size: Int, request: KeyRequest) -> KMEError? {
        let c = configuration
        if !request.additionalSlaveSAEIDs.isEmpty {
            return .badRequest("this KME delivers to one slave SAE only (max_SAE_ID_count 0)",
                               request.additionalSlaveSAEIDs.map { ["additional_slave_SAE_ID": $0] })
        }
        if !request.mandatoryExtensions.isEmpty {
            return .badRequest("unsupported mandatory extension", request.mandatoryExtensions.map { ["extension_mandatory": $0] })
        }
        if size % 8 != 0 || size < c.minKeySize || size > c.maxKeySize {
            return .badRequest("size must be a multiple of 8 from \(c.minKeySize) to \(c.maxKeySize) bits",
                               [["size": "\(size)"]])
        }
        if number < 1 || number > c.maxKeysPerRequest {
            return .badRequest("number must be from 1 to \(c.maxKeysPerRequest)", [["number": "\(number)"]])
        }
        return nil
    }

    /// Issues keys, skipping every block found damaged (logged once each, at error level) and
    /// asking the store again, up to ``damagedBlocksPerRequest`` new ones per request.
    private func issueSkippingDamaged(count: Int, bytes: Int, _ caller: String) async throws(KMEError) -> [DeliveredKey] {
        for _ in 0...Self.damagedBlocksPerRequest {
            let skipped = damaged.withLockedValue { $0 }
            do {
                return try await store.issue(count: count, bytes: bytes, skipping: skipped)
            } catch where error.code == .damaged {
                guard let block = error.block else { break }
                if damaged.withLockedValue({ $0.insert(block).inserted }) {
                    logger.error("key store block damaged; skipped from now on", metadata: ["block": "\(block)", "error": "\(error.description)"])
                }
            } catch {
                throw refusal(for: error, "enc_keys", caller)
            }
        }
        let blocks = damaged.withLockedValue { $0.sorted() }
        throw refuse(.unavailable("the key store has damaged blocks (\(blocks.map(String.init).joined(separator: ", ")))",
                                  [["damaged_blocks": "\(blocks)"]]), "enc_keys", caller)
    }

    /// Runs a store call, mapping its refusals to the API's: too little key, a block not stored
    /// here yet, a damaged block and database failures to 503 (the last two logged), everything
    /// about the request itself to 400.
    private func storeCall<T>(_ method: String, _ caller: String,
                              _ body: () async throws(KeyStoreError) -> T) async throws(KMEError) -> T {
        do {
            return try await body()
        } catch {
            throw refusal(for: error, method, caller)
        }
    }

    /// The API's answer to a store's refusal, logged (the store's own failures at error level).
    private func refusal(for error: KeyStoreError, _ method: String, _ caller: String) -> KMEError {
        let mapped: KMEError = switch error.code {
        case .insufficient: .unavailable("not enough key: \(error.description)")
        case .notYetStored: .unavailable("block \(error.block ?? 0) is not stored at this site yet (its node settles it "
                                         + "in its next run). Retry later.", [["block": "\(error.block ?? 0)"]])
        case .damaged: .unavailable(error.description, [["block": "\(error.block ?? 0)"]])
        case .storage, .conflict, .permissions: .unavailable("the key store failed")
        case .unknownKey: .badRequest("unknown key_ID: \(error.description)")
        case .alreadyDelivered: .badRequest("key_ID already delivered: \(error.description)")
        case .invalidRequest: .badRequest(error.description)
        }
        if [.storage, .conflict, .permissions, .damaged].contains(error.code) {
            logger.error("key store failed", metadata: ["method": "\(method)", "error": "\(error.description)"])
        }
        return refuse(mapped, method, caller)
    }

    private func refuse(_ error: KMEError, _ method: String, _ caller: String) -> KMEError {
        logger.notice("\(method) refused", metadata: ["caller": "\(caller)", "status": "\(error.status.code)", "reason": "\(error.message)"])
        return error
    }
}
