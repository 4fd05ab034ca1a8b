import Foundation
import NIOCore
import NIOPosix

/// One TCP connection that carries frames, used from synchronous code: ``send(_:)`` blocks
/// until the bytes are handed to the kernel, ``receive(timeout:)`` until a whole frame has
/// arrived or the timeout passes.
///
/// The event loop cuts the incoming stream into frames with a ``FrameFormat`` (a frame longer
/// than the format allows ends the connection before anything is buffered for it), so a reader
/// never sees partial frames. Large frames are written in pieces of ``writeChunkBytes``, each
/// waited for, so a sender holds at most one piece beyond its own copy of the frame.
public final class FrameConnection: @unchecked Sendable {
    /// Bytes handed to the event loop per write.
    public static let writeChunkBytes = 1 << 20

    private let channel: Channel
    private let inbox: FrameQueue
    private let cap: FrameCap
    /// `HOST:PORT` of the other end, for messages.
    public let peer: String

    init(channel: Channel, inbox: FrameQueue, cap: FrameCap) {
        self.channel = channel
        self.inbox = inbox
        self.cap = cap
        peer = channel.remoteAddress.map(Self.describe) ?? "unknown peer"
    }

    /// Adds the frame decoder and the inbox to a new channel's pipeline (on its event loop).
    static func configure(_ channel: Channel, format: any FrameFormat, inbox: FrameQueue, cap: FrameCap) throws {
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(FrameDecoder(format: format, cap: cap)),
            FrameInboxHandler(inbox: inbox),
        ])
    }

    /// Starts reading from the socket (a listener's connections wait unread until accepted,
    /// so the ones queued behind the one being served hold no data).
    func startReading() {
        channel.setOption(ChannelOptions.autoRead, value: true).whenSuccess { [channel] in channel.read() }
    }

    /// Connects to `endpoint`.
    /// - Parameters:
    ///   - timeout: seconds to wait for the connection.
    /// - Throws: ``TransportError`` `.connect` naming the endpoint and the reason.
    ///   - maximumFrameBytes: the longest frame accepted.
    ///   - firstFrameBytes: the longest first frame (default: the same), for protocols whose
    ///     first frame is a short hello read before the peer is known.
    public static func connect(to endpoint: Endpoint, format: any FrameFormat, maximumFrameBytes: Int, firstFrameBytes: Int? = nil,
                               timeout: Double) throws(TransportError) -> FrameConnection {
        let inbox = FrameQueue(maximumBytes: FrameQueue.queuedFrames * maximumFrameBytes)
        let cap = FrameCap(first: firstFrameBytes ?? maximumFrameBytes, later: maximumFrameBytes)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(timeout * 1e9)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try configure(channel, format: format, inbox: inbox, cap: cap) }
            }
        do {
            let channel = try bootstrap.connect(host: endpoint.host, port: endpoint.port).wait()
            return FrameConnection(channel: channel, inbox: inbox, cap: cap)
        } catch {
            throw TransportError(.connect, "cannot connect to \(endpoint): \(Self.reason(error))")
        }
    }

    /// Sends one frame; returns when it has been written to the socket.
    /// - Throws: ``TransportError`` `.closed` when the connection is gone.
    public func send(_ frame: [UInt8]) throws(TransportError) {
        var offset = 0
        repeat {
            let end = min(frame.count, offset + Self.writeChunkBytes)
            var buffer = channel.allocator.buffer(capacity: end - offset)
            buffer.writeBytes(frame[offset..<end])
            do {
                try channel.writeAndFlush(buffer).wait()
            } catch {
                throw TransportError(.closed, "the connection to \(peer) broke while sending: \(Self.reason(error))")
            }
            offset = end
        } while offset < frame.count
    }

    /// The next whole frame.
    /// - Parameter timeout: seconds to wait.
    /// - Throws: ``TransportError`` `.timeout`, `.closed` or `.malformed`.
    public func receive(timeout: Double) throws(TransportError) -> [UInt8] {
        try inbox.pop(timeout: timeout)
    }

    /// Closes the connection (idempotent) and waits until it is closed.
    public func close() {
        try? channel.close().wait()
    }

    static func describe(_ address: SocketAddress) -> String {
        if let ip = address.ipAddress, let port = address.port {
            return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
        }
        return "\(address)"
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return error.description }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout(let t): return "no answer within \(formattedSeconds(Double(t.nanoseconds) / 1e9))"
            case .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed, .eof: return "the connection is closed"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}

/// The longest frames a connection accepts: its first frame (a hello, before the peer has
/// said who it is) and every later one.
struct FrameCap: Sendable {
    let first: Int
    let later: Int
}

/// Cuts the byte stream into frames.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    let format: any FrameFormat
    let cap: FrameCap
    private var framesSeen = 0

    init(format: any FrameFormat, cap: FrameCap) {
        self.format = format
        self.cap = cap
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let headerBytes = format.headerByteCount
        guard buffer.readableBytes >= headerBytes else { return .needMoreData }
        let total = try buffer.withUnsafeReadableBytes { bytes in
            try format.frameByteCount(header: UnsafeRawBufferPointer(rebasing: bytes[..<headerBytes]))
        }
        let limit = framesSeen == 0 ? cap.first : cap.later
        guard total <= limit else {
            throw TransportError(.malformed, "a frame of \(total) bytes, more than the \(limit) this connection accepts now")
        }
        guard buffer.readableBytes >= total else {
            // Room for the rest of the frame in one allocation, not a doubling per read.
            buffer.reserveCapacity(minimumWritableBytes: total - buffer.readableBytes)
            return .needMoreData
        }
        framesSeen += 1
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: total)!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            throw TransportError(.closed, "the connection closed in the middle of a frame (\(buffer.readableBytes) bytes of it received)")
        }
        return .needMoreData
    }
}

/// Hands whole frames to the synchronous reader and turns the connection's end into an error.
final class FrameInboxHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let inbox: FrameQueue

    init(inbox: FrameQueue) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if !inbox.push(buffer.readBytes(length: buffer.readableBytes) ?? []) { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TransportError {
            inbox.close(error)
        } else if let error = error as? ByteToMessageDecoderError, case .leftoverDataWhenDone = error {
            inbox.close(TransportError(.closed, "the connection closed in the middle of a frame"))
        } else {
            inbox.close(TransportError(.malformed, "\(FrameConnection.reason(error))"))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.close(TransportError(.closed, "the peer closed the connection"))
        context.fireChannelInactive()
    }
}
