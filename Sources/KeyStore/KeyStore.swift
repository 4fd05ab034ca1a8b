import Foundation

/// One block's final key, as both sites hold it after a networked run (or an import of
/// `simulate`/`postprocess` output).
public struct StoredBlock: Sendable, Hashable {
    /// The block number both nodes agreed on (≥ 1).
    public let number: UInt64
    /// The run's session ID (hex), for the record.
    public let session: String
    /// The key, whole bytes (bits beyond the last whole byte are dropped), secret.
    public let key: [UInt8]
    /// Whether the key came from simulated measurements (`diqkd source`, `simulate`): never
    /// secret, stored only when the operator allowed it (`--allow-simulated-keys`), and counted
    /// by ``KeyStoreStatus/simulatedBlocks`` for as long as the store exists.
    public let simulated: Bool

    public init(number: UInt64, session: String, key: [UInt8], simulated: Bool = false) {
        self.number = number
        self.session = session
        self.key = key
        self.simulated = simulated
    }
}

/// A key handed to an SAE: its ETSI GS QKD 014 key ID (a UUID) and its bytes (secret).
public struct DeliveredKey: Sendable, Hashable {
    public let id: UUID
    public let key: [UInt8]

    public init(id: UUID, key: [UInt8]) {
        self.id = id
        self.key = key
    }
}

/// What a store holds, for a KME's status answer and `diqkd store status`.
public struct KeyStoreStatus: Sendable, Codable, Hashable {
    /// Blocks with undelivered key.
    public let blocks: Int
    /// Undelivered key bits (excluding each block's reserved ID key).
    public let storedKeyBits: Int
    /// The highest block number stored so far (0: none).
    public let lastBlock: UInt64
    /// Blocks ever added from simulated measurements (``StoredBlock/simulated``): keys that
    /// are not secret. Non-zero means this store served test keys.
    public let simulatedBlocks: Int
    /// The lengths in bytes of the runs of undelivered bytes a key can be carved from: in each
    /// block, from its cursor on, between the ranges delivered already (oldest block first;
    /// ``openRunsSQL(blocks:delivered:)``).
    /// A key never spans two runs, so `Σ ⌊run / b⌋` keys of `b` bytes can be issued
    /// (``keys(ofBytes:)``).
    public let openRuns: [Int]

    public init(blocks: Int, storedKeyBits: Int, lastBlock: UInt64, simulatedBlocks: Int = 0, openRuns: [Int] = []) {
        self.blocks = blocks
        self.storedKeyBits = storedKeyBits
        self.lastBlock = lastBlock
        self.simulatedBlocks = simulatedBlocks
        self.openRuns = openRuns
    }

    /// Keys of `bytes` bytes (≥ 1) that ``KeyStore/issue(count:bytes:)`` can hand out now.
    public func keys(ofBytes bytes: Int) -> Int {
        openRuns.reduce(0) { $0 + $1 / max(1, bytes) }
    }

    /// The longest key in bytes one request can get now (0: none).
    public var longestKeyBytes: Int { openRuns.max() ?? 0 }
}

/// Why a store refused.
public struct KeyStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// Not enough key for the request.
        case insufficient
        /// A key ID that no block of this store can have issued (unknown block, or a
        /// tag that does not verify).
        case unknownKey
        /// A key ID delivered at this site already.
        case alreadyDelivered
        /// A request outside the store's limits (size, count).
        case invalidRequest
        /// A block that contradicts a stored one (same number, other key).
        case conflict
        /// The database failed.
        case storage
        /// The store's file can be read by its group or by others, or is not a regular file.
        case permissions
        /// A stored block's rows are damaged (a missing or short chunk, an ID key of the wrong
        /// length): that block cannot be served; ``KeyStoreError/block`` names it.
        case damaged
        /// A key ID names a block above every block stored here: the other site may have
        /// committed it and this site not yet (its node settles it in its next run). Retry
        /// later; ``KeyStoreError/block`` names it.
        case notYetStored
    }

    public let code: Code
    public let description: String
    /// The block the refusal is about, for ``Code/damaged`` and ``Code/notYetStored``.
    public let block: UInt32?

    public init(_ code: Code, _ description: String, block: UInt32? = nil) {
        self.code = code
        self.description = description
        self.block = block
    }

    /// Block `number`'s rows are damaged: `what` says how.
    public static func damaged(_ number: UInt32, _ what: String) -> KeyStoreError {
        KeyStoreError(.damaged, "block \(number) of the store is damaged (\(what)); it is not served.", block: number)
    }
}

/// Where a site's final keys live until an application takes them: each key ID is delivered at
/// most once per site, and its bytes are deleted (not marked) when it is.
///
/// Both sites hold the same blocks. The master side (Alice's site) carves keys off the oldest
/// block in order (``issue(count:bytes:)``); the slave side (Bob's) hands out the same bytes
/// for the IDs the master side issued (``retrieve(_:)``). A key ID names its block, offset and
/// length and carries a tag keyed by secret bytes of that block, so the slave side checks that
/// an ID was issued without any message between the sites (docs/key-delivery.md).
public protocol KeyStore: Sendable {
    /// Adds a block. Adding the same block again (same number, session and key) is a no-op,
    /// also after some or all of its bytes were delivered.
    /// - Returns: whether the block was added (false: it was stored already).
    /// - Throws: ``KeyStoreError/Code/conflict`` for another session or key under a stored
    ///   number; ``KeyStoreError/Code/invalidRequest`` for a number outside 1 ..< 2²⁴ or a key
    ///   of 32 bytes or fewer, or over 2²⁸ bytes (``PreparedBlock``);
    ///   ``KeyStoreError/Code/storage``.
    @discardableResult
    func add(_ block: StoredBlock) async throws(KeyStoreError) -> Bool

    /// Master side: `count` keys of `bytes` bytes each, carved in order off the oldest blocks
    /// with room (``carve(count:bytes:from:)``), overwritten in the store in the same
    /// transaction that hands them out (all or none).
    /// - Parameters:
    ///   - count: keys wanted, 1 … ``KeyStoreLimits/maxKeysPerRequest``.
    ///   - bytes: bytes per key, ``KeyStoreLimits/minKeyBytes`` … ``KeyStoreLimits/maxKeyBytes``
    ///     (at most 65535).
    /// - Returns: the keys (secret) and their IDs, in order.
    /// - Throws: ``KeyStoreError/Code/invalidRequest`` outside the limits;
    ///   ``KeyStoreError/Code/insufficient`` when the blocks do not hold that many such keys;
    ///   ``KeyStoreError/Code/storage``.
    func issue(count: Int, bytes: Int) async throws(KeyStoreError) -> [DeliveredKey]

    /// ``issue(count:bytes:)`` from every block but `skipped` (blocks found damaged).
    /// - Throws: also ``KeyStoreError/Code/damaged`` naming the first damaged block the carve
    ///   touched (nothing is handed out then); the caller may skip it and ask again.
    func issue(count: Int, bytes: Int, skipping skipped: Set<UInt32>) async throws(KeyStoreError) -> [DeliveredKey]

    /// Slave side: the keys with these IDs, each at most once per site, overwritten in the
    /// store in the same transaction that hands them out (all or none).
    /// - Parameter ids: 1 … ``KeyStoreLimits/maxKeysPerRequest`` IDs issued by the other site.
    /// - Returns: the keys (secret), in the order of `ids`.
    /// - Throws: ``KeyStoreError/Code/unknownKey`` for an ID no block here can have issued;
    ///   ``KeyStoreError/Code/alreadyDelivered`` for one whose bytes were handed out here
    ///   already (or twice in `ids`); ``KeyStoreError/Code/invalidRequest`` for an empty or
    ///   too long list; ``KeyStoreError/Code/notYetStored`` for an ID naming a block above
    ///   every stored one; ``KeyStoreError/Code/damaged`` for a block whose rows are damaged;
    ///   ``KeyStoreError/Code/storage``. The first failing ID decides.
    func retrieve(_ ids: [UUID]) async throws(KeyStoreError) -> [DeliveredKey]

    /// What the store holds.
    /// - Throws: ``KeyStoreError/Code/storage``.
    func status() async throws(KeyStoreError) -> KeyStoreStatus

    /// Releases the database connection(s); later calls throw ``KeyStoreError/Code/storage``.
    func close() async
}

extension KeyStore {
    public func issue(count: Int, bytes: Int) async throws(KeyStoreError) -> [DeliveredKey] {
        try await issue(count: count, bytes: bytes, skipping: [])
    }
}
