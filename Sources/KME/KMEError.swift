import Foundation
import Hummingbird

/// A refusal of the key delivery API, answered with its HTTP status and the standard's Error
/// object (ETSI GS QKD 014 V1.1.1, clause 6.5): `{"message": …, "details": [{…}]}`.
///
/// The standard's codes (clause 5): 400 for a request the KME cannot serve as asked (unknown
/// SAE, size or count out of range, unknown or spent key ID), 401 for a caller that is not
/// the SAE the request needs, 503 for a KME that cannot serve now (not enough key, store
/// failure). The body is always sent, since some clients read it on every error.
public struct KMEError: Error, Sendable, HTTPResponseError, CustomStringConvertible {
    /// The HTTP status: `.badRequest`, `.unauthorized` or `.serviceUnavailable`; for requests
    /// outside the API, `.notFound` or `.methodNotAllowed`.
    public let status: HTTPResponse.Status
    /// One sentence for the SAE's operator.
    public let message: String
    /// Name/value pairs that say more (clause 6.5 `details`); never key bytes.
    public let details: [[String: String]]
    /// Header fields the response adds (`Allow` for a 405).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, details: [[String: String]] = []) {
        self.status = status
        self.message = message
        self.details = details
    }

    static func badRequest(_ message: String, _ details: [[String: String]] = []) -> KMEError {
        KMEError(.badRequest, message, details: details)
    }

    static func unauthorized(_ message: String, _ details: [[String: String]] = []) -> KMEError {
        KMEError(.unauthorized, message, details: details)
    }

    static func unavailable(_ message: String, _ details: [[String: String]] = []) -> KMEError {
        KMEError(.serviceUnavailable, message, details: details)
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = jsonResponse(ErrorBody(message: message, details: details), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// The Error object of clause 6.5.
struct ErrorBody: Codable, Sendable {
    let message: String
    let details: [[String: String]]
}

/// A JSON response with `Content-Type: application/json`.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: jsonBytes(value)))
}

/// `value` as compact JSON with sorted keys, the form of every body the KME sends.
func jsonBytes(_ value: some Encodable) -> ByteBuffer {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Encoding these plain structs of strings and integers cannot fail.
    return ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data("{}".utf8))
}
