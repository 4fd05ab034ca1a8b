import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// How long a KME waits for a client, and how many connections it keeps, so that no stranger
/// holding sockets open — idle, never starting TLS, or trickling a request byte by byte — can
/// keep legitimate SAEs out.
public struct KMEConnectionLimits: Sendable, Equatable {
    /// Seconds from accepting a connection (or finishing the previous response) to the end of
    /// the next request's headers, the TLS handshake included.
    public var headerTimeout: Double
    /// Seconds from the end of the headers to the end of the body.
    public var bodyTimeout: Double
    /// Seconds an idle keep-alive connection stays open after a response.
    public var idleTimeout: Double
    /// Connections open at once, from every address; more wait in the listen backlog.
    public var maximumConnections: Int
    /// Connections open at once from one IP address; more are closed when accepted.
    public var maximumConnectionsPerAddress: Int

    public init(headerTimeout: Double = 10, bodyTimeout: Double = 10, idleTimeout: Double = 30,
                maximumConnections: Int = 1024, maximumConnectionsPerAddress: Int = 256) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.maximumConnectionsPerAddress = maximumConnectionsPerAddress
    }

    /// The limits for a process that may open `fileLimit` descriptors: a global cap that
    /// leaves room for the store, logs and listening socket (64 descriptors), at most 4,096,
    /// and a quarter of it per address (at least 1).
    public static func fitting(fileLimit: Int) -> KMEConnectionLimits {
        let global = max(1, min(4096, fileLimit - 64))
        return KMEConnectionLimits(maximumConnections: global, maximumConnectionsPerAddress: max(1, global / 4))
    }
}

/// Counts open connections, in all and per address, shared by every connection's
/// ``ConnectionGuard``, and keeps the *unproven* ones — not yet past their TLS handshake and
/// first request head — oldest first. Once three quarters of
/// ``KMEConnectionLimits/maximumConnections`` are open, each new connection closes the oldest
/// unproven one: strangers from however many addresses then never fill the global cap (which
/// would stop the accept loop until their timeouts ran out) and a real SAE still gets in.
final class ConnectionCounter: Sendable {
    private struct State {
        var total = 0
        var byAddress: [String: Int] = [:]
        var unproven: [Channel] = []
        var lastRefusalLog: NIODeadline = .uptimeNanoseconds(0)
    }
    private let state = NIOLockedValueBox(State())
    let limits: KMEConnectionLimits
    let logger: Logger

    init(limits: KMEConnectionLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    /// Open connections past which a new one evicts the oldest unproven one.
    private var evictionThreshold: Int { max(1, limits.maximumConnections * 3 / 4) }

    /// Registers `channel`, a connection from `address`, as unproven; false (and nothing
    /// registered) when that address has its maximum already. May close the oldest unproven
    /// connection to make room.
    func open(_ address: String, _ channel: Channel) -> Bool {
        let (accepted, count, evicted) = state.withLockedValue { state -> (Bool, Int, Channel?) in
            let count = state.byAddress[address, default: 0]
            guard count < limits.maximumConnectionsPerAddress else { return (false, count, nil) }
            state.byAddress[address] = count + 1
            state.total += 1
            state.unproven.append(channel)
            let evicted = state.total > evictionThreshold && state.unproven.count > 1 ? state.unproven.removeFirst() : nil
            return (true, count + 1, evicted)
        }
        if !accepted {
            logRefusal("a connection from \(address) closed: it has \(count) open, the most one address may hold (\(limits.maximumConnectionsPerAddress))")
        }
        if let evicted {
            logRefusal("over \(evictionThreshold) connections open: the oldest one still in its handshake or headers was closed")
            evicted.close(promise: nil)
        }
        return accepted
    }

    /// `channel` sent a whole request head: it is past its handshake and no longer evictable.
    func proven(_ channel: Channel) {
        state.withLockedValue { state in state.unproven.removeAll { $0 === channel } }
    }

    func close(_ address: String, _ channel: Channel) {
        state.withLockedValue { state in
            let count = state.byAddress[address, default: 1] - 1
            state.byAddress[address] = count > 0 ? count : nil
            state.total -= 1
            state.unproven.removeAll { $0 === channel }
        }
    }

    /// Logs a refusal at most once a second (a flood must not flood the log too).
    func logRefusal(_ message: String) {
        let now = NIODeadline.now()
        let due = state.withLockedValue { state -> Bool in
            guard now - state.lastRefusalLog >= .seconds(1) else { return false }
            state.lastRefusalLog = now
            return true
        }
        if due { logger.warning("\(message)") }
    }
}

/// The global cap, as Hummingbird's accept loop asks it (on the listening channel's event
/// loop, which calls every method): no new connection is accepted while
/// ``KMEConnectionLimits/maximumConnections`` are open; they wait in the listen backlog.
struct GlobalConnectionCap: AvailableConnectionsDelegate {
    let counter: ConnectionCounter
    private var open = 0

    init(counter: ConnectionCounter) { self.counter = counter }

    mutating func connectionOpened() { open += 1 }
    mutating func connectionClosed() { open -= 1 }

    func isAcceptingNewConnections() -> Bool {
        guard open >= counter.limits.maximumConnections else { return true }
        counter.logRefusal("\(open) connections open, the most this KME keeps (\(counter.limits.maximumConnections)); new ones wait")
        return false
    }
}

/// One connection's guard, in its pipeline after HTTP decoding: closes it when one address
/// holds too many connections, when the TLS handshake and request headers take longer than
/// ``KMEConnectionLimits/headerTimeout``, the body longer than
/// ``KMEConnectionLimits/bodyTimeout``, or it sits idle longer than
/// ``KMEConnectionLimits/idleTimeout`` after a response. It is added when the connection is
/// set up, before the handshake starts, so every timer covers the handshake too.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let counter: ConnectionCounter
    private var address: String?
    /// When the connection's current phase must end, and what it waits for (nil: no
    /// deadline while the server answers). Set per phase without scheduling anything; one
    /// timer per connection checks it every ``checkInterval``, so a timeout ends at most that
    /// much late and a request costs no timer operations.
    private var phase: (deadline: NIODeadline, what: String)?
    private var checker: RepeatedTask?
    /// How often a connection's deadline is checked.
    static let checkInterval = TimeAmount.milliseconds(250)
    private var proven = false

    init(counter: ConnectionCounter) {
        self.counter = counter
    }

    func handlerAdded(context: ChannelHandlerContext) {
        do { try HTTP1Framing.insert(into: context.pipeline.syncOperations) } catch {
            counter.logger.error("cannot set up a connection's HTTP/1 framing: \(error)")
            context.close(promise: nil)
            return
        }
        if context.channel.isActive { start(context: context) }
    }

    /// A request head that HTTP types reject (the conversion's error, after HTTP parsing
    /// passed): 400 with the standard's Error object, then the connection closes.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTP1TypeConversionError else {
            context.fireErrorCaught(error)
            return
        }
        let body = HTTP1Framing.errorBody("the request head is not valid HTTP (\(error))")
        let head = HTTPResponse(status: .badRequest, headerFields: [
            .contentType: "application/json", .contentLength: "\(body.readableBytes)", .connection: "close",
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard address == nil else { return }
        let remote = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard counter.open(remote, context.channel) else {
            context.close(promise: nil)
            return
        }
        address = remote
        arm(context: context, seconds: counter.limits.headerTimeout, what: "its TLS handshake and request headers")
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release(context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        release(context.channel)
        context.fireChannelInactive()
    }

    private func release(_ channel: Channel) {
        checker?.cancel()
        checker = nil
        phase = nil
        if let address {
            counter.close(address, channel)
            self.address = nil
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            if !proven {
                proven = true
                counter.proven(context.channel)
            }
            arm(context: context, seconds: counter.limits.bodyTimeout, what: "its request body")
        case .end:
            // The response is the server's business; no client deadline until it is written.
            phase = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            arm(context: context, seconds: counter.limits.idleTimeout, what: "a next request (idle)")
        }
        context.write(data, promise: promise)
    }

    private func arm(context: ChannelHandlerContext, seconds: Double, what: String) {
        phase = (.now() + .nanoseconds(Int64(seconds * 1e9)), what)
        guard checker == nil else { return }
        // The timer holds the handler until `release` cancels it (the channel's end).
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop), channel = context.channel
        checker = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.checkInterval, delay: Self.checkInterval) { _ in
            handler.value.expire(channel)
        }
    }

    /// Closes the connection when its phase is past its deadline.
    private func expire(_ channel: Channel) {
        guard let phase, phase.deadline < .now() else { return }
        counter.logger.debug("closing a connection from \(address ?? "unknown"): no \(phase.what) in time")
        checker?.cancel()
        checker = nil
        channel.close(promise: nil)
    }

}
