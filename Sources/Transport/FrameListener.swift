import Foundation
import NIOCore
import NIOPosix

/// A listening TCP socket whose connections carry frames, accepted one at a time by
/// synchronous code.
public final class FrameListener: @unchecked Sendable {
    private let server: Channel
    private let accepted = ConnectionQueue()
    /// The bound address (with the real port when 0 was asked for).
    public let endpoint: Endpoint

    /// Binds `endpoint` and starts accepting connections.
    /// - Throws: ``TransportError`` `.bind` naming the address and the reason.
    public init(endpoint: Endpoint, format: any FrameFormat) throws(TransportError) {
        let accepted = self.accepted
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let inbox = FrameQueue()
                    try FrameConnection.configure(channel, format: format, inbox: inbox)
                    accepted.push(FrameConnection(channel: channel, inbox: inbox))
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
        try accepted.pop(timeout: timeout)
    }

    /// Stops listening; connections already accepted stay open.
    public func close() {
        try? server.close().wait()
    }
}

final class ConnectionQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var connections: [FrameConnection] = []

    func push(_ connection: FrameConnection) {
        condition.lock()
        connections.append(connection)
        condition.signal()
        condition.unlock()
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
