import Foundation

/// Everything `diqkd-kme kme` needs, as one JSON file (`--config FILE`) and as flags; a flag
/// given overrides the file's field. Field names are the flags' names with `_`:
///
/// ```json
/// {"site": "alice", "kme_id": "kme-alice", "peer_kme_id": "kme-bob", "master_sae": "sae-alice",
///  "slave_sae": "sae-bob", "listen": "127.0.0.1:8443", "store": "alice.store",
///  "cert": "kme-alice.pem", "key": "kme-alice.key", "ca": "ca.pem",
///  "key_size": 256, "min_key_size": 64, "max_key_size": 524280,
///  "max_keys_per_request": 128, "max_key_count": 1000000,
///  "sae_ids_by_common_name": {"app01.example": "sae-alice"}}
/// ```
public struct KMESettings: Codable, Sendable, Equatable {
    /// `alice` (the master SAE's site) or `bob` (the slave SAE's).
    public var site: String?
    public var kmeID: String?
    public var peerKMEID: String?
    public var masterSAE: String?
    public var slaveSAE: String?
    /// `HOST:PORT`, or `[IPv6]:PORT`.
    public var listen: String?
    /// The site's key store file.
    public var store: String?
    /// PEM paths: this KME's certificate chain, its private key, the SAEs' CA.
    public var cert: String?
    public var key: String?
    public var ca: String?
    /// Bits.
    public var keySize: Int?
    public var minKeySize: Int?
    public var maxKeySize: Int?
    public var maxKeysPerRequest: Int?
    public var maxKeyCount: Int?
    public var saeIDsByCommonName: [String: String]?

    enum CodingKeys: String, CodingKey {
        case site
        case kmeID = "kme_id", peerKMEID = "peer_kme_id", masterSAE = "master_sae", slaveSAE = "slave_sae"
        case listen, store, cert, key, ca
        case keySize = "key_size", minKeySize = "min_key_size", maxKeySize = "max_key_size"
        case maxKeysPerRequest = "max_keys_per_request", maxKeyCount = "max_key_count"
        case saeIDsByCommonName = "sae_ids_by_common_name"
    }

    public init() {}

    /// The largest settings file read (1 MiB; a real one is a few hundred bytes).
    public static let maximumFileBytes = 1 << 20

    /// Reads a settings file.
    /// - Throws: a message naming the file when it cannot be read, is larger than
    ///   ``maximumFileBytes`` (nothing past that is read) or is not such JSON.
    public init(file path: String) throws(KMESettingsError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw KMESettingsError("cannot read \(path)") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: Self.maximumFileBytes + 1) ?? Data() } catch {
            throw KMESettingsError("cannot read \(path): \(error.localizedDescription)")
        }
        guard data.count <= Self.maximumFileBytes else {
            throw KMESettingsError("\(path) is larger than \(Self.maximumFileBytes) bytes (1 MiB), the most a settings file may hold")
        }
        do { self = try JSONDecoder().decode(KMESettings.self, from: data) } catch {
            throw KMESettingsError("\(path) is not a KME settings file: \(error)")
        }
    }

    /// These settings with every field that `overrides` sets taken from it.
    public func overridden(by overrides: KMESettings) -> KMESettings {
        var merged = self
        func take<T>(_ path: WritableKeyPath<KMESettings, T?>) {
            if let value = overrides[keyPath: path] { merged[keyPath: path] = value }
        }
        take(\.site); take(\.kmeID); take(\.peerKMEID); take(\.masterSAE); take(\.slaveSAE); take(\.listen); take(\.store)
        take(\.cert); take(\.key); take(\.ca); take(\.keySize); take(\.minKeySize); take(\.maxKeySize)
        take(\.maxKeysPerRequest); take(\.maxKeyCount); take(\.saeIDsByCommonName)
        return merged
    }

    /// The KME configuration these settings name.
    /// - Throws: the missing IDs, or the configuration's ``KMEConfiguration/problems``.
    public func configuration() throws(KMESettingsError) -> KMEConfiguration {
        let missing = [("--site", site), ("--kme-id", kmeID), ("--peer-kme-id", peerKMEID), ("--master-sae", masterSAE),
                       ("--slave-sae", slaveSAE)]
            .filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty, let site, let kmeID, let peerKMEID, let masterSAE, let slaveSAE else {
            throw KMESettingsError("missing \(missing.joined(separator: ", "))")
        }
        guard let served = KMESite(rawValue: site) else {
            throw KMESettingsError("--site must be alice (the master SAE's site, serving enc_keys) or bob (the slave SAE's, serving dec_keys), not '\(site)'")
        }
        let defaults = KMEConfiguration(site: served, kmeID: kmeID, peerKMEID: peerKMEID, masterSAE: masterSAE, slaveSAE: slaveSAE)
        let configuration = KMEConfiguration(
            site: served, kmeID: kmeID, peerKMEID: peerKMEID, masterSAE: masterSAE, slaveSAE: slaveSAE,
            defaultKeySize: keySize ?? defaults.defaultKeySize, minKeySize: minKeySize ?? defaults.minKeySize,
            maxKeySize: maxKeySize ?? defaults.maxKeySize, maxKeysPerRequest: maxKeysPerRequest ?? defaults.maxKeysPerRequest,
            maxKeyCount: maxKeyCount ?? defaults.maxKeyCount, saeIDsByCommonName: saeIDsByCommonName ?? [:])
        let problems = configuration.problems
        guard problems.isEmpty else { throw KMESettingsError(problems.joined(separator: "; ")) }
        return configuration
    }

    /// `listen` split into host and port.
    /// - Throws: when it is missing or not `HOST:PORT` with a port in 0…65535.
    public func listenAddress() throws(KMESettingsError) -> (host: String, port: Int) {
        guard let listen else { throw KMESettingsError("missing --listen HOST:PORT") }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65_535).contains(port) else {
            throw KMESettingsError("--listen \(listen) is not HOST:PORT")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw KMESettingsError("--listen \(listen) names no host") }
        return (host, port)
    }
}

/// Why settings cannot be used: one sentence for the operator.
public struct KMESettingsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
