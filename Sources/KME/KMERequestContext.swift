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
    public static func clientCertificate(saeIDsByCommonName: [String: String] = [:]) -> SAEIdentification {
        SAEIdentification { _, context in
            guard let certificate = try? await context.channel.nioSSL_peerCertificate().get() else { return nil }
            // The last common name is the most specific one when a subject carries several.
            guard let commonName = certificate.subjectName.last(where: { $0.type == .commonName })?.value else { return nil }
            return saeIDsByCommonName[commonName] ?? commonName
        }
    }
}
