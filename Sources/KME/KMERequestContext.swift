import Hummingbird
import NIOCore
import NIOSSL

/// The request context of the KME's router: Hummingbird's core context plus the connection's
/// channel, whose TLS handler knows the client certificate.
public struct KMERequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on (a testing channel under `app.test(.router)`).
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Bodies are a few hundred bytes; 64 KiB is room for 128 key IDs with extensions.
    public var maxUploadSize: Int { 64 * 1024 }
}

/// How the KME learns which SAE is calling: by default from the client certificate that mutual
/// TLS verified (``clientCertificate(saeIDsByCommonName:)``); tests inject their own.
public struct SAEIdentification: Sendable {
    /// The caller's SAE ID, or nil when the request carries no identity (answered with 401).
    public let identify: @Sendable (Request, KMERequestContext) async throws -> String?

    public init(_ identify: @escaping @Sendable (Request, KMERequestContext) async throws -> String?) {
        self.identify = identify
    }

    /// The subject common name of the verified client certificate, mapped through
    /// `saeIDsByCommonName` when it is listed there. The certificate comes from the
    /// connection's `NIOSSLHandler`; a connection without TLS or without a certificate has no
    /// identity (the TLS configuration of ``KMEServer`` refuses those at the handshake).
    ///
    /// The subject must hold exactly one common name: with several, which one names the SAE is
    /// a matter of convention (first or last) on which a CA and this KME could disagree, so
    /// such a certificate is refused (``KMEError`` 401) rather than read one way.
    public static func clientCertificate(saeIDsByCommonName: [String: String] = [:]) -> SAEIdentification {
        SAEIdentification { _, context in
            guard let certificate = try? await context.channel.nioSSL_peerCertificate().get() else { return nil }
            let names = certificate.subjectName.filter { $0.type == .commonName }.map(\.value)
            guard names.count == 1, let commonName = names.first else {
                throw KMEError.unauthorized("the client certificate's subject holds \(names.count) common names; exactly one must name the SAE",
                                            [["common_names": names.joined(separator: ", ")]])
            }
            return saeIDsByCommonName[commonName] ?? commonName
        }
    }
}
