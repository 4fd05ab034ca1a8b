import Foundation
import KeyStore

/// The Status object (ETSI GS QKD 014 V1.1.1, clause 6.1), the answer to
/// `GET /api/v1/keys/{slave_SAE_ID}/status` (clause 5.1). Sizes in bits, counts in keys of
/// `key_size` bits.
public struct KMEStatus: Codable, Sendable, Hashable {
    public let sourceKMEID: String
    public let targetKMEID: String
    public let masterSAEID: String
    public let slaveSAEID: String
    public let keySize: Int
    /// Keys of `key_size` bits that `enc_keys` can hand out now: whole keys inside the
    /// store's runs of undelivered bytes (a key never spans two blocks).
    public let storedKeyCount: Int
    public let maxKeyCount: Int
    public let maxKeyPerRequest: Int
    /// The configured maximum, lowered to the longest key one request can get now (a
    /// multiple of 8 bits; 0 when the store can hand out none).
    public let maxKeySize: Int
    public let minKeySize: Int
    /// 0: this KME delivers to one slave only (no `additional_slave_SAE_IDs`).
    public let maxSAEIDCount: Int

    enum CodingKeys: String, CodingKey {
        case sourceKMEID = "source_KME_ID", targetKMEID = "target_KME_ID"
        case masterSAEID = "master_SAE_ID", slaveSAEID = "slave_SAE_ID"
        case keySize = "key_size", storedKeyCount = "stored_key_count", maxKeyCount = "max_key_count"
        case maxKeyPerRequest = "max_key_per_request", maxKeySize = "max_key_size", minKeySize = "min_key_size"
        case maxSAEIDCount = "max_SAE_ID_count"
    }

    /// The status of `configuration` over a store holding `stored`.
    public init(configuration c: KMEConfiguration, stored: KeyStoreStatus) {
        sourceKMEID = c.kmeID
        targetKMEID = c.peerKMEID
        masterSAEID = c.masterSAE
        slaveSAEID = c.slaveSAE
        keySize = c.defaultKeySize
        storedKeyCount = stored.keys(ofBytes: c.defaultKeySize / 8)
        maxKeyCount = max(c.maxKeyCount, storedKeyCount)
        maxKeyPerRequest = c.maxKeysPerRequest
        maxKeySize = min(c.maxKeySize, 8 * stored.longestKeyBytes)
        minKeySize = c.minKeySize
        maxSAEIDCount = 0
    }
}

/// The Key container (clause 6.3), the answer to `enc_keys` (clause 5.2) and `dec_keys`
/// (clause 5.3): `{"keys": [{"key_ID": UUID, "key": base64}]}`. Holds key bytes: never log it.
public struct KeyContainer: Codable, Sendable, Hashable {
    public struct Key: Codable, Sendable, Hashable {
        /// Lower-case hyphenated UUID.
        public let keyID: String
        /// The key's bytes in standard padded base64 (RFC 4648); secret.
        public let key: String

        enum CodingKeys: String, CodingKey {
            case keyID = "key_ID", key
        }
    }

    public let keys: [Key]

    init(_ delivered: [DeliveredKey]) {
        keys = delivered.map { Key(keyID: $0.id.uuidString.lowercased(), key: Data($0.key).base64EncodedString()) }
    }
}
