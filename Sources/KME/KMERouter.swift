import Foundation
import Hummingbird

/// The HTTP face of ``KeyDelivery``: ETSI GS QKD 014 V1.1.1's routes under `/api/v1/keys`
/// (clause 5), with lenient reading of queries and bodies.
///
/// | route | method | clause |
/// |---|---|---|
/// | `GET /api/v1/keys/{slave_SAE_ID}/status` | Get status | 5.1 |
/// | `GET, POST /api/v1/keys/{slave_SAE_ID}/enc_keys` | Get key | 5.2 |
/// | `GET, POST /api/v1/keys/{master_SAE_ID}/dec_keys` | Get key with key IDs | 5.3 |
///
/// Leniency: unknown fields and nulls are ignored; `number` and `size` may be strings; a JSON
/// body is read as JSON whatever its content type, and a body that is not JSON as a form;
/// query fields of a POST count too (the body's win). Every error, the router's own 404
/// included, carries the standard's Error object.
public enum KMERouter {
    /// The router for `delivery`, with callers named by `identification`.
    public static func make(delivery: KeyDelivery, identification: SAEIdentification) -> Router<KMERequestContext> {
        let router = Router(context: KMERequestContext.self)
        router.add(middleware: ErrorBodyMiddleware())
        let keys = router.group("api/v1/keys")
        keys.get(":sae/status") { request, context in
            let caller = try await identify(request, context, identification)
            return jsonResponse(try await delivery.status(slave: parameter(context), caller: caller))
        }
        keys.on(":sae/enc_keys", method: .get) { request, context in
            let caller = try await identify(request, context, identification)
            let keyRequest = try KeyRequest(fields: queryFields(request))
            return jsonResponse(try await delivery.encKeys(slave: parameter(context), caller: caller, request: keyRequest))
        }
        keys.on(":sae/enc_keys", method: .post) { request, context in
            let caller = try await identify(request, context, identification)
            var keyRequest = try KeyRequest(fields: queryFields(request))
            switch try await body(request, context) {
            case .json(let data)?:
                let fromBody = try decode(KeyRequest.self, data, what: "Key request")
                keyRequest.number = fromBody.number ?? keyRequest.number
                keyRequest.size = fromBody.size ?? keyRequest.size
                keyRequest.additionalSlaveSAEIDs += fromBody.additionalSlaveSAEIDs
                keyRequest.mandatoryExtensions = fromBody.mandatoryExtensions
            case .form(let fields)?:
                let fromBody = try KeyRequest(fields: fields)
                keyRequest.number = fromBody.number ?? keyRequest.number
                keyRequest.size = fromBody.size ?? keyRequest.size
                keyRequest.additionalSlaveSAEIDs += fromBody.additionalSlaveSAEIDs
            case nil:
                break
            }
            return jsonResponse(try await delivery.encKeys(slave: parameter(context), caller: caller, request: keyRequest))
        }
        keys.on(":sae/dec_keys", method: .get) { request, context in
            let caller = try await identify(request, context, identification)
            let ids = keyIDs(in: queryFields(request))
            return jsonResponse(try await delivery.decKeys(master: parameter(context), caller: caller, keyIDs: ids))
        }
        keys.on(":sae/dec_keys", method: .post) { request, context in
            let caller = try await identify(request, context, identification)
            var ids = keyIDs(in: queryFields(request))
            switch try await body(request, context) {
            case .json(let data)?: ids += try decode(KeyIDsRequest.self, data, what: "Key IDs").keyIDs
            case .form(let fields)?: ids += keyIDs(in: fields)
            case nil: break
            }
            return jsonResponse(try await delivery.decKeys(master: parameter(context), caller: caller, keyIDs: ids))
        }
        return router
    }

    private static func identify(_ request: Request, _ context: KMERequestContext,
                                 _ identification: SAEIdentification) async throws(KMEError) -> String {
        let caller: String?
        do { caller = try await identification.identify(request, context) } catch let refusal as KMEError {
            throw refusal
        } catch {
            caller = nil
        }
        guard let caller, !caller.isEmpty else { throw .unauthorized("no client certificate identifies the calling SAE") }
        return caller
    }

    private static func parameter(_ context: KMERequestContext) -> String {
        context.parameters.get("sae") ?? ""
    }

    private static func queryFields(_ request: Request) -> [(String, String)] {
        request.uri.queryParameters.map { (String($0.key), String($0.value)) }
    }

    /// `key_ID` fields; a value may list several IDs separated by commas.
    private static func keyIDs(in fields: [(String, String)]) -> [String] {
        fields.filter { $0.0 == "key_ID" }.flatMap { $0.1.split(separator: ",").map(String.init) }
    }

    private enum Body {
        case json(Data)
        case form([(String, String)])
    }

    /// The request body: nil when empty; form fields when the content type says so and the
    /// body does not start like a JSON object or array; JSON otherwise (a leading byte-order
    /// mark dropped), which must then decode as the clause's object — so a body that is no
    /// such object (`hello`, `null`, `"x"`) is a 400, never an empty request served with
    /// defaults.
    private static func body(_ request: Request, _ context: KMERequestContext) async throws(KMEError) -> Body? {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: context.maxUploadSize) } catch {
            throw .badRequest("the request body is larger than \(context.maxUploadSize) bytes")
        }
        var text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return nil }
        let form = request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        if form && !text.hasPrefix("{") && !text.hasPrefix("[") { return .form(formFields(text)) }
        return .json(Data(text.utf8))
    }

    private static func formFields(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ data: Data, what: String) throws(KMEError) -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw .badRequest("the body is not a valid \(what) object (clause 6)", [["error": String(describing: error).prefix(200).description]])
        }
    }
}

/// Gives every error the standard's Error object: the router's own keep their status (404 for
/// an unknown path), except that a method the API does not define on one of its paths is 405
/// with `Allow` (RFC 9110 §15.5.6); anything unexpected becomes 503.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = KMERequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as KMEError {
            throw error
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = Self.methods(on: request.uri.path) else { throw KMEError(error.status, error.body ?? "Not Found") }
            var refusal = KMEError(.methodNotAllowed, "\(request.method) is not a method of this path; it allows \(allowed)",
                                   details: [["method": "\(request.method)"]])
            refusal.headers[.allow] = allowed
            throw refusal
        } catch let error as HTTPError {
            throw KMEError(error.status, error.body ?? error.status.reasonPhrase)
        } catch let error as any HTTPResponseError {
            throw KMEError(error.status, error.status.reasonPhrase)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw KMEError.unavailable("the KME failed to answer")
        }
    }

    /// The methods the API defines on `path`, as an `Allow` value; nil for a path outside it.
    static func methods(on path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].isEmpty, parts[1] == "api", parts[2] == "v1", parts[3] == "keys", !parts[4].isEmpty else {
            return nil
        }
        switch parts[5] {
        case "status": return "GET"
        case "enc_keys", "dec_keys": return "GET, POST"
        default: return nil
        }
    }
}
