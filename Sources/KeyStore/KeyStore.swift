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

    public init(number: UInt64, session: String, key: [UInt8]) {
        self.number = number
        self.session = session
        self.key = key
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

    public init(blocks: Int, storedKeyBits: Int, lastBlock: UInt64) {
        self.blocks = blocks
        self.storedKeyBits = storedKeyBits
        self.lastBlock = lastBlock
    }
}

/// Why a store refused.
public struct KeyStoreError: Error, Sendable, CustomStringConvertible {
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
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
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
    /// Adds a block. Adding the same block again is a no-op; a different key under a stored
    /// number is a ``KeyStoreError/Code/conflict``.
    func add(_ block: StoredBlock) async throws(KeyStoreError)

    /// Master side: `count` keys of `bytes` bytes each, from the oldest undelivered material,
    /// deleted from the store before they are returned (all or none).
    func issue(count: Int, bytes: Int) async throws(KeyStoreError) -> [DeliveredKey]

    /// Slave side: the keys with these IDs, each at most once, deleted before they are
    /// returned (all or none).
    func retrieve(_ ids: [UUID]) async throws(KeyStoreError) -> [DeliveredKey]

    /// What the store holds.
    func status() async throws(KeyStoreError) -> KeyStoreStatus
}
