import Foundation
import NIOCore
import NIOPosix

/// A listening TCP socket whose connections carry frames, accepted one at a time by
/// synchronous code.
///
/// With a `firstFrameTimeout`, every connection is read from the moment it arrives, and is
/// offered to ``accept(timeout:)`` only once its first frame is complete; one that sends none
/// within the timeout is closed by the event loop. Silent or slow strangers therefore never
/// stand between the reader and a peer that speaks at once, however many there are (at most
/// ``maximumUnspoken`` wait at a time; more are closed when they arrive).
public final class FrameListener: @unchecked Sendable {
    private let server: Channel
    private let accepted = ConnectionQueue()
    /// Connections waiting for their first frame at once, with a `firstFrameTimeout`.
    public static let maximumUnspoken = 256
    private let unspoken = UnspokenCount()
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
                    let spoken = SpokenLatch()
                    let inbox = FrameQueue(maximumBytes: FrameQueue.queuedFrames * maximumFrameBytes) {
                        guard let connection = spoken.fire() else { return }
                        unspoken.leave()
                        if !accepted.push(connection) { channel.close(promise: nil) }
                    }
                    try FrameConnection.configure(channel, format: format, inbox: inbox, cap: cap)
                    let connection = FrameConnection(channel: channel, inbox: inbox, cap: cap)
                    spoken.arm(connection)
                    try channel.pipeline.syncOperations.addHandler(WhenActive {
                        guard unspoken.enter() else {
                            spoken.disarm()
                            channel.close(promise: nil)
                            return
                        }
                        channel.closeFuture.whenComplete { _ in if spoken.disarm() { unspoken.leave() } }
                        channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(firstFrameTimeout * 1e9))) {
                            if spoken.disarm() {
                                unspoken.leave()
                                channel.close(promise: nil)
                            }
                        }
                        connection.startReading()
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

/// The connection of a listener's channel until its first frame arrives (``fire()``) or it is
/// given up (``disarm()``): exactly one of the two gets it.
final class SpokenLatch: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: FrameConnection?

    func arm(_ connection: FrameConnection) {
        lock.lock()
        self.connection = connection
        lock.unlock()
    }

    /// The connection, if not disarmed or fired before.
    func fire() -> FrameConnection? {
        lock.lock()
        defer { lock.unlock() }
        let taken = connection
        connection = nil
        return taken
    }

    /// Gives the connection up; true if it was still waiting for its first frame.
    @discardableResult
    func disarm() -> Bool { fire() != nil }
}

/// Connections waiting for their first frame, bounded by ``FrameListener/maximumUnspoken``.
final class UnspokenCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func enter() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard count < FrameListener.maximumUnspoken else { return false }
        count += 1
        return true
    }

    func leave() {
        lock.lock()
        count -= 1
        lock.unlock()
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
