import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// A KME as a running HTTPS service: the router of ``KMERouter`` behind mutual TLS.
public enum KMEServer {
    /// The application type ``application(delivery:tls:host:port:identification:logger:onServerRunning:)`` builds.
    public typealias App = Application<RouterResponder<KMERequestContext>>

    /// The server side of mutual TLS from PEM files: this KME's certificate chain and PKCS#8
    /// (or traditional) private key, and the CA whose certificates SAEs must present. Every
    /// client must present a certificate that chains to `caPath`; host names are not checked
    /// (`.noHostnameVerification`: an SAE connects from any address). TLS 1.3 only by default,
    /// whose suites are all AEAD; with `allowTLS12`, TLS 1.2 too, restricted to its ECDHE AEAD
    /// suites (AES-GCM, ChaCha20-Poly1305): no CBC, no SHA-1 MAC, no static RSA key exchange.
    /// - Throws: NIOSSL's error when a file is missing or not PEM.
    public static func tlsConfiguration(certificatePath: String, privateKeyPath: String, caPath: String,
                                        allowTLS12: Bool = false) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        let key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        let roots = try NIOSSLCertificate.fromPEMFile(caPath)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.trustRoots = .certificates(roots)
        tls.certificateVerification = .noHostnameVerification
        tls.minimumTLSVersion = allowTLS12 ? .tlsv12 : .tlsv13
        tls.cipherSuiteValues = [
            .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ]
        return tls
    }

    /// The KME as a Hummingbird application; run it with `runService()` (graceful shutdown on
    /// SIGINT and SIGTERM) or inside a `ServiceGroup`.
    /// - Parameters:
    ///   - delivery: the store and configuration to serve.
    ///   - tls: the mutual TLS configuration; nil serves plain HTTP, which only tests with their
    ///     own `identification` should do.
    ///   - host, port: where to listen; port 0 takes a free port (see `onServerRunning`).
    ///   - identification: how callers are named; by default the client certificate's CN
    ///     through the configuration's mapping.
    ///   - limits: timeouts and connection caps (``KMEConnectionLimits``).
    ///   - onServerRunning: called with the listening channel once the server accepts.
    public static func application(
        delivery: KeyDelivery, tls: TLSConfiguration?, host: String, port: Int,
        identification: SAEIdentification? = nil, limits: KMEConnectionLimits = KMEConnectionLimits(), logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> App {
        let identification = identification
            ?? .clientCertificate(saeIDsByCommonName: delivery.configuration.saeIDsByCommonName)
        let router = KMERouter.make(delivery: delivery, identification: identification)
        let counter = ConnectionCounter(limits: limits, logger: logger)
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "diqkd-kme",
                                                     availableConnectionsDelegate: GlobalConnectionCap(counter: counter))
        var http = HTTP1Channel.Configuration(additionalChannelHandlers: [ConnectionGuard(counter: counter)],
                                              idleTimeout: .nanoseconds(Int64(limits.idleTimeout * 1e9)))
        // A request's headers are small (a client certificate does the naming); 16 KiB is plenty.
        http.httpDecoder = .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 16 * 1024, maxHeaderFieldCount: 100)
        guard let tls else {
            return Application(router: router, server: .http1(configuration: http), configuration: configuration,
                               onServerRunning: onServerRunning, logger: logger)
        }
        return Application(router: router, server: try .tls(.http1(configuration: http), tlsConfiguration: tls), configuration: configuration,
                           onServerRunning: onServerRunning, logger: logger)
    }
}
