import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// The HTTP/1 connection rules that Hummingbird's conversion to HTTP types drops, applied in
/// each connection's pipeline just before that conversion, where requests still carry their
/// version (NIOHTTP1's parts):
///
/// - **Closing.** A request that does not ask for a persistent connection — HTTP/1.0 (this KME
///   keeps no HTTP/1.0 connection alive, `Connection: keep-alive` or not) or `Connection:
///   close` — is answered and then the connection is closed (RFC 9112 §9.3, §9.6): the request
///   reaches Hummingbird with `Connection: close`, which it honours, and the response carries
///   `Connection: close` too.
/// - **Version.** An HTTP/1.0 request is answered with an HTTP/1.0 status line, which every
///   HTTP/1.0 client reads (RFC 9112 §2.3 lets a server do so); HTTP/1.1 requests get 1.1.
/// - **Parser errors.** A request the HTTP parser rejects (a malformed line or header,
///   conflicting `Content-Length`/`Transfer-Encoding`, headers over the limits) is answered
///   400 with the standard's Error object (ETSI GS QKD 014 V1.1.1 clause 6.5) and the
///   connection is closed; Hummingbird's own answer would have an empty body.
///
/// ``ConnectionGuard`` inserts it when it is added to the pipeline.
final class HTTP1Framing: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The requests read whose response heads are not written yet, in order: their version
    /// and whether the connection closes after them.
    private var awaiting: [(version: HTTPVersion, close: Bool)] = []
    private var failed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let close = head.version.major != 1 || head.version.minor == 0 || !head.isKeepAlive
        awaiting.append((head.version, close))
        if close { head.headers.replaceOrAdd(name: "connection", value: "close") }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), !awaiting.isEmpty else {
            context.write(data, promise: promise)
            return
        }
        let request = awaiting.removeFirst()
        if request.version == .http1_0 { head.version = .http1_0 }
        if request.close { head.headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !failed else { return }
        failed = true
        // A response still owed to an earlier pipelined request would come after this one
        // and out of order: then the connection just closes.
        guard awaiting.isEmpty else {
            context.close(promise: nil)
            return
        }
        let body = Self.errorBody("the request is not valid HTTP/1.1 (\(error))")
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: "\(body.readableBytes)")
        headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }

    /// The Error object of clause 6.5 for `message`, as JSON.
    static func errorBody(_ message: String) -> ByteBuffer {
        jsonBytes(ErrorBody(message: message, details: []))
    }

    /// Puts a framing handler just before the pipeline's conversion to HTTP types.
    static func insert(into pipeline: ChannelPipeline.SynchronousOperations) throws {
        let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
        try pipeline.addHandler(HTTP1Framing(), position: .before(codec))
    }
}
