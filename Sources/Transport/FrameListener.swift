import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A listening TCP socket whose connections carry frames, accepted one at a time by
/// synchronous code.
///
/// With a `firstFrameTimeout`, every connection is read from the moment it arrives, and is
/// offered to ``accept(timeout:)`` only once its first frame is complete; one that sends none
/// within the timeout is closed by the event loop. Silent or slow strangers therefore never
/// stand between the reader and a peer that speaks at once, however many there are: at most
/// ``maximumUnspoken`` wait at a time, and a new connection beyond them closes the one that has
/// waited longest, so a flood of silent sockets cannot shut out a peer whose hello follows its
/// connection at once.
public final class FrameListener: @unchecked Sendable {
    private let server: Channel
    private let accepted = ConnectionQueue()
    /// Connections waiting for their first frame at once, with a `firstFrameTimeout`.
    public static let maximumUnspoken = 256
    private let unspoken = UnspokenConnections()
    /// The bound address (with the real port when 0 was asked for).
    public let endpoint: Endpoint

    /// Binds `endpoint` and starts accepting connections.
    /// - Throws: ``TransportError`` `.bind` naming the address and the reason.
    /// - Parameters:
    ///   - maximumFrameBytes: the longest frame a connection accepts.
    ///   - firstFrameBytes: the longest first frame (default: the same).
    ///   - firstFrameTimeout: seconds a connection may take to send its first frame before it
    ///     is offered (see the type's comment); nil offers connections at once, unread.
    public init(endpoint: Endpoint, format: any FrameFormat, maximumFrameBytes: Int, firstFrameBytes: Int? = nil,
                firstFrameTimeout: Double? = nil) throws(TransportError) {
        let accepted = self.accepted
        let unspoken = self.unspoken
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A connection is read only once accepted (`accept(timeout:)`).
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let cap = FrameCap(first: firstFrameBytes ?? maximumFrameBytes, later: maximumFrameBytes)
                    guard let firstFrameTimeout else {
                        let inbox = FrameQueue(maximumBytes: FrameQueue.queuedFrames * maximumFrameBytes)
                        try FrameConnection.configure(channel, format: format, inbox: inbox, cap: cap)
                        let connection = FrameConnection(channel: channel, inbox: inbox, cap: cap)
                        // Offered to the reader once active, when the channel's options (no reading
                        // until accepted) are in force.
                        try channel.pipeline.syncOperations.addHandler(WhenActive {
                            if !accepted.push(connection) { channel.close(promise: nil) }
                        }, position: .first)
                        return
                    }
                    // Whoever takes the channel out of `unspoken` first decides its fate: its first
                    // frame (offered), its timeout or eviction (closed), or its own close.
                    var connection: FrameConnection?
                    let inbox = FrameQueue(maximumBytes: FrameQueue.queuedFrames * maximumFrameBytes) {
                        guard unspoken.remove(channel), let connection else { return }
                        if !accepted.push(connection) { channel.close(promise: nil) }
                    }
                    try FrameConnection.configure(channel, format: format, inbox: inbox, cap: cap)
                    let made = FrameConnection(channel: channel, inbox: inbox, cap: cap)
                    connection = made
                    try channel.pipeline.syncOperations.addHandler(WhenActive {
                        unspoken.add(channel)?.close(promise: nil)
                        channel.closeFuture.whenComplete { _ in unspoken.remove(channel) }
                        channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(firstFrameTimeout * 1e9))) {
                            if unspoken.remove(channel) { channel.close(promise: nil) }
                        }
                        made.startReading()
                    }, position: .first)
                }
            }
        do {
            server = try bootstrap.bind(host: endpoint.host, port: endpoint.port).wait()
        } catch {
            throw TransportError(.bind, "cannot listen on \(endpoint): \(FrameConnection.reason(error))")
        }
        self.endpoint = Endpoint(host: endpoint.host, port: server.localAddress?.port ?? endpoint.port)
    }

    /// The next connection, waiting at most `timeout` seconds (`nil`: for ever).
    public func accept(timeout: Double?) throws(TransportError) -> FrameConnection {
        let connection = try accepted.pop(timeout: timeout)
        connection.startReading()
        return connection
    }

    /// Stops listening; connections already accepted stay open.
    public func close() {
        try? server.close().wait()
    }
}

final class ConnectionQueue: @unchecked Sendable {
    /// Connections accepted and not yet taken by the reader; more are closed at once, so a
    /// crowd of idle connections holds no memory.
    static let waiting = 16

    private let condition = NSCondition()
    private var connections: [FrameConnection] = []

    /// Queues a connection; `false` when too many are waiting already.
    func push(_ connection: FrameConnection) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard connections.count < Self.waiting else { return false }
        connections.append(connection)
        condition.signal()
        return true
    }

    func pop(timeout: Double?) throws(TransportError) -> FrameConnection {
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        condition.lock()
        defer { condition.unlock() }
        while connections.isEmpty {
            // Foundation's timed wait traps on a far deadline such as `distantFuture`.
            guard let deadline else {
                condition.wait()
                continue
            }
            if !condition.wait(until: deadline) && connections.isEmpty {
                throw TransportError(.timeout, "no connection arrived within \(formattedSeconds(timeout ?? 0))")
            }
        }
        return connections.removeFirst()
    }
}

/// The channels of a listener waiting for their first frame, oldest first, at most
/// ``FrameListener/maximumUnspoken``.
final class UnspokenConnections: Sendable {
    private let waiting = NIOLockedValueBox<[Channel]>([])

    /// Adds a channel; returns the oldest waiting one, taken out, when there are too many.
    func add(_ channel: Channel) -> Channel? {
        waiting.withLockedValue { waiting in
            waiting.append(channel)
            return waiting.count > FrameListener.maximumUnspoken ? waiting.removeFirst() : nil
        }
    }

    /// Takes `channel` out; false when it was not waiting (taken out before).
    @discardableResult
    func remove(_ channel: Channel) -> Bool {
        waiting.withLockedValue { waiting in
            guard let index = waiting.firstIndex(where: { $0 === channel }) else { return false }
            waiting.remove(at: index)
            return true
        }
    }
}

/// Runs an action once, when its channel becomes active.
final class WhenActive: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let action: () -> Void

    init(_ action: @escaping () -> Void) { self.action = action }

    func channelActive(context: ChannelHandlerContext) {
        action()
        context.fireChannelActive()
    }
}
