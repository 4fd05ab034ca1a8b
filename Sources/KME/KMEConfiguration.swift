/// What one site's key management entity serves: which KMEs and SAEs it stands between, and the
/// limits of the keys it hands out (ETSI GS QKD 014 V1.1.1, clause 6.1, Status).
///
/// One KME runs at each site over that site's store. The master SAE (at Alice's site) calls
/// `enc_keys` at Alice's KME naming the slave; the slave SAE (at Bob's site) calls `dec_keys` at
/// Bob's KME naming the master. Both KMEs carry the same configuration but for `site`, `kmeID`
/// and `peerKMEID`, which swap.
public struct KMEConfiguration: Sendable, Hashable, Codable {
    /// Which site this KME serves, and so which of `enc_keys` and `dec_keys` it answers.
    public var site: KMESite
    /// This KME's ID (`source_KME_ID` in a status answer).
    public var kmeID: String
    /// The other site's KME (`target_KME_ID`).
    public var peerKMEID: String
    /// The SAE that obtains new keys with `enc_keys` (Alice's application).
    public var masterSAE: String
    /// The SAE that obtains the same keys by ID with `dec_keys` (Bob's application).
    public var slaveSAE: String
    /// The key size in bits when a request names none (`key_size`); a multiple of 8.
    public var defaultKeySize: Int
    /// The smallest key size in bits a request may ask for (`min_key_size`); a multiple of 8.
    public var minKeySize: Int
    /// The largest key size in bits a request may ask for (`max_key_size`); a multiple of 8.
    public var maxKeySize: Int
    /// The most keys one `enc_keys` or `dec_keys` request may ask for (`max_key_per_request`).
    public var maxKeysPerRequest: Int
    /// The `max_key_count` of a status answer, in keys of `defaultKeySize`: the store has no
    /// capacity limit of its own, so this is the figure the site is provisioned for.
    public var maxKeyCount: Int
    /// Client-certificate common names mapped to SAE IDs, for SAEs whose certificates do not
    /// carry their ID; a name absent here is taken as the SAE ID itself.
    public var saeIDsByCommonName: [String: String]

    /// - Parameters: as the properties; sizes in bits.
    public init(site: KMESite, kmeID: String, peerKMEID: String, masterSAE: String, slaveSAE: String,
                defaultKeySize: Int = 256, minKeySize: Int = 64, maxKeySize: Int = 65_535 * 8,
                maxKeysPerRequest: Int = 128, maxKeyCount: Int = 1_000_000,
                saeIDsByCommonName: [String: String] = [:]) {
        self.site = site
        self.kmeID = kmeID
        self.peerKMEID = peerKMEID
        self.masterSAE = masterSAE
        self.slaveSAE = slaveSAE
        self.defaultKeySize = defaultKeySize
        self.minKeySize = minKeySize
        self.maxKeySize = maxKeySize
        self.maxKeysPerRequest = maxKeysPerRequest
        self.maxKeyCount = maxKeyCount
        self.saeIDsByCommonName = saeIDsByCommonName
    }

    /// The reasons this configuration cannot be served, empty when it can: IDs must be
    /// non-empty, master and slave distinct, sizes positive multiples of 8 with
    /// `minKeySize ≤ defaultKeySize ≤ maxKeySize`, and at least one key per request.
    public var problems: [String] {
        var problems: [String] = []
        for (name, id) in [("KME ID", kmeID), ("peer KME ID", peerKMEID), ("master SAE ID", masterSAE), ("slave SAE ID", slaveSAE)]
        where id.isEmpty || id.contains("/") {
            problems.append("the \(name) must be non-empty and without '/'")
        }
        if masterSAE == slaveSAE { problems.append("the master and slave SAE IDs must differ") }
        for (name, size) in [("default key size", defaultKeySize), ("minimum key size", minKeySize), ("maximum key size", maxKeySize)]
        where size <= 0 || size % 8 != 0 {
            problems.append("the \(name) (\(size) bits) must be a positive multiple of 8")
        }
        if !(minKeySize <= defaultKeySize && defaultKeySize <= maxKeySize) {
            problems.append("key sizes must satisfy minimum ≤ default ≤ maximum (\(minKeySize), \(defaultKeySize), \(maxKeySize))")
        }
        if maxKeysPerRequest < 1 { problems.append("at least one key per request must be allowed") }
        if maxKeyCount < 0 { problems.append("the maximum key count must not be negative") }
        return problems
    }
}

/// The site a KME serves. Both sites hold the same blocks; only the master's site may carve new
/// keys off them (`enc_keys`) and only the slave's may hand them out by ID (`dec_keys`). A
/// slave-site KME answering `enc_keys` would carve the very ranges the master's KME hands
/// out — the same key to the application twice, and then "already delivered" to the slave.
public enum KMESite: String, Sendable, Hashable, Codable, CaseIterable {
    /// Alice's site, the master SAE's: serves `enc_keys`.
    case alice
    /// Bob's site, the slave SAE's: serves `dec_keys`.
    case bob
}
