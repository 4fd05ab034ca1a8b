import Foundation
import Hummingbird
import HummingbirdTesting
import KME
import KeyStore
import Logging
import Testing

/// The in-process tests name the caller in the `Authorization` header, in place of the client
/// certificate (the header's type is one Hummingbird does not re-export).
let testIdentification = SAEIdentification { request, _ in request.headers[.authorization] }

func configuration(site: String) -> KMEConfiguration {
    KMEConfiguration(site: KMESite(rawValue: site)!, kmeID: "kme-\(site)", peerKMEID: site == "alice" ? "kme-bob" : "kme-alice",
                     masterSAE: "sae-alice", slaveSAE: "sae-bob")
}

/// One site's KME as an application over `store`, callers named by the `Authorization` header.
func siteApp(_ site: String, store: any KeyStore) -> some ApplicationProtocol {
    var logger = Logger(label: "kme-\(site)")
    logger.logLevel = .warning
    let delivery = KeyDelivery(configuration: configuration(site: site), store: store, logger: logger)
    return Application(router: KMERouter.make(delivery: delivery, identification: testIdentification), logger: logger)
}

/// Both sites' stores, fed the same `blocks` blocks of `bytes` bytes.
func storePair(blocks: Int = 4, bytes: Int = 1024) -> (alice: MemoryKeyStore, bob: MemoryKeyStore) {
    let fed = testBlocks(count: blocks, bytes: bytes)
    return (MemoryKeyStore(blocks: fed), MemoryKeyStore(blocks: fed))
}

struct Reply {
    let status: Int
    let json: [String: Any]

    var keys: [(id: String, key: Data)] {
        (json["keys"] as? [[String: Any]] ?? []).map { ($0["key_ID"] as? String ?? "", Data(base64Encoded: $0["key"] as? String ?? "") ?? Data()) }
    }

    var message: String? { json["message"] as? String }
}

extension TestClientProtocol {
    /// Sends a request as `caller` (nil: no identity) and reads the JSON answer.
    func call(_ method: HTTPRequest.Method, _ uri: String, as caller: String?, body: String? = nil,
              contentType: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let caller { headers[.authorization] = caller }
        if let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body), options: [.fragmentsAllowed])
            return Reply(status: Int(response.status.code), json: object as? [String: Any] ?? [:])
        }
    }
}

/// Every error answer carries the Error object of clause 6.5.
func expectErrorBody(_ reply: Reply, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(reply.status == status, "status", sourceLocation: sourceLocation)
    #expect(reply.message?.isEmpty == false, "message in \(reply.json)", sourceLocation: sourceLocation)
    #expect(reply.json["details"] is [Any], "details in \(reply.json)", sourceLocation: sourceLocation)
}
