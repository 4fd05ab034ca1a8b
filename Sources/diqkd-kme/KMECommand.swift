#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CommandLineSupport
import Foundation
import KME
import KeyStore
import Logging
import NIOSSL

/// `diqkd kme`: serves one site's key store to its SAE over ETSI GS QKD 014 with mutual TLS.
struct KMECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kme",
        abstract: "Serve a site's key store to applications (ETSI GS QKD 014 V1.1.1 over mutual TLS).",
        discussion: """
            One KME runs at each site over that site's store. The master SAE gets keys with \
            enc_keys at its own (Alice's) KME; the slave SAE gets the same keys by ID with \
            dec_keys at Bob's; --site tells a KME which of the two it is. Callers are named by their client certificate's common name.

            Examples:
              diqkd kme --site alice --store alice.store --cert kme-alice.pem --key kme-alice.key --ca ca.pem \\
                --listen 0.0.0.0:8443 --kme-id kme-alice --peer-kme-id kme-bob \\
                --master-sae sae-alice --slave-sae sae-bob
              curl --cert sae-alice.pem --key sae-alice.key --cacert ca.pem \\
                'https://alice-site:8443/api/v1/keys/sae-bob/enc_keys?number=2&size=256'
            """
    )

    @Option(help: "This KME's site: alice (the master SAE's, serves enc_keys) or bob (the slave SAE's, serves dec_keys).")
    var site: String?
    @Option(help: "The site's key store file.") var store: String?
    @Option(help: "This KME's certificate chain (PEM).") var cert: String?
    @Option(help: "This KME's private key (PEM, PKCS#8).") var key: String?
    @Option(help: "The CA that issued the SAEs' client certificates (PEM).") var ca: String?
    @Option(help: "Where to listen, HOST:PORT.") var listen: String?
    @Option(name: .customLong("kme-id"), help: "This KME's ID.") var kmeID: String?
    @Option(name: .customLong("peer-kme-id"), help: "The other site's KME ID.") var peerKMEID: String?
    @Option(name: .customLong("master-sae"), help: "The master SAE's ID (at Alice's site).") var masterSAE: String?
    @Option(name: .customLong("slave-sae"), help: "The slave SAE's ID (at Bob's site).") var slaveSAE: String?
    @Option(help: "A JSON settings file (see the README); flags override its fields.") var config: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"
    @Option(help: "Seconds for a client's TLS handshake and request headers (and for its body).") var headerTimeout: Double = 10
    @Option(help: "Seconds an idle keep-alive connection stays open.") var idleTimeout: Double = 30
    @Option(help: "Connections kept open at once (default: from the open-file limit, at most 4096).") var maxConnections: Int?
    @Option(help: "Connections one IP address may hold open (default: a quarter of --max-connections).") var maxConnectionsPerAddress: Int?
    @Flag(help: "Accept TLS 1.2 (AEAD suites only) besides TLS 1.3.") var allowTLS12 = false

    func run() async throws {
        let settings = try self.settings()
        let configuration: KMEConfiguration
        let address: (host: String, port: Int)
        do {
            configuration = try settings.configuration()
            address = try settings.listenAddress()
        } catch { throw CLIError.usage(error.description) }
        guard let storePath = settings.store else { throw CLIError.usage("missing --store FILE") }
        guard let cert = settings.cert, let key = settings.key, let ca = settings.ca else {
            throw CLIError.usage("mutual TLS needs --cert, --key and --ca")
        }
        for (flag, path) in [("--cert", cert), ("--key", key), ("--ca", ca)] where !FileManager.default.isReadableFile(atPath: path) {
            throw CLIError.usage("\(flag) \(path): cannot read the file")
        }
        let tls: TLSConfiguration
        let limits = try connectionLimits()
        do { tls = try KMEServer.tlsConfiguration(certificatePath: cert, privateKeyPath: key, caPath: ca, allowTLS12: allowTLS12) } catch {
            throw CLIError.usage("cannot load the TLS files: \(error)")
        }
        let store = try await openStore(storePath)
        guard let level = Logger.Level(rawValue: logLevel) else { throw CLIError.usage("--log-level \(logLevel) is not a level") }
        var logger = Logger(label: "diqkd-kme")
        logger.logLevel = level
        if let status = try? await store.status(), status.simulatedBlocks > 0 {
            logger.warning("\(status.simulatedBlocks) blocks of this store came from SIMULATED measurements (--allow-simulated-keys): their keys are not secret")
        }
        let delivery = KeyDelivery(configuration: configuration, store: store, logger: logger)
        let summary = "connections: at most \(limits.maximumConnections), \(limits.maximumConnectionsPerAddress) per address; "
            + "timeouts: \(limits.headerTimeout) s handshake and headers, \(limits.bodyTimeout) s body, \(limits.idleTimeout) s idle"
        logger.info("\(summary)")
        let app = try KMEServer.application(delivery: delivery, tls: tls, host: address.host, port: address.port,
                                            limits: limits, logger: logger)
        try await app.runService()
    }

    /// The connection limits, after raising the open-file limit to its hard limit (each
    /// connection holds a descriptor; the soft limit is often 1,024).
    private func connectionLimits() throws -> KMEConnectionLimits {
        var limit = rlimit()
        var files = 1024
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            if limit.rlim_cur < limit.rlim_max {
                var raised = limit
                raised.rlim_cur = limit.rlim_max
                if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
            }
            files = Int(clamping: limit.rlim_cur)
        }
        var limits = KMEConnectionLimits.fitting(fileLimit: files)
        for (flag, value) in [("--header-timeout", headerTimeout), ("--idle-timeout", idleTimeout)] {
            guard value.isFinite, value > 0, value <= 3600 else { throw CLIError.usage("\(flag) must be between 0 and 3600 seconds (got \(value)).") }
        }
        limits.headerTimeout = headerTimeout
        limits.bodyTimeout = headerTimeout
        limits.idleTimeout = idleTimeout
        if let maxConnections {
            guard (1...1_000_000).contains(maxConnections) else { throw CLIError.usage("--max-connections must be between 1 and 1,000,000 (got \(maxConnections)).") }
            if maxConnections > files - 16 {
                throw CLIError.usage("--max-connections \(maxConnections) does not fit the open-file limit of \(files) (raise it with ulimit -n).")
            }
            limits.maximumConnections = maxConnections
            limits.maximumConnectionsPerAddress = max(1, maxConnections / 4)
        }
        if let maxConnectionsPerAddress {
            guard (1...limits.maximumConnections).contains(maxConnectionsPerAddress) else {
                throw CLIError.usage("--max-connections-per-address must be between 1 and \(limits.maximumConnections) (got \(maxConnectionsPerAddress)).")
            }
            limits.maximumConnectionsPerAddress = maxConnectionsPerAddress
        }
        return limits
    }

    private func settings() throws -> KMESettings {
        var fromFlags = KMESettings()
        fromFlags.store = store; fromFlags.cert = cert; fromFlags.key = key; fromFlags.ca = ca; fromFlags.listen = listen
        fromFlags.site = site; fromFlags.kmeID = kmeID; fromFlags.peerKMEID = peerKMEID; fromFlags.masterSAE = masterSAE; fromFlags.slaveSAE = slaveSAE
        guard let config else { return fromFlags }
        do { return try KMESettings(file: config).overridden(by: fromFlags) } catch { throw CLIError.usage(error.description) }
    }
}
