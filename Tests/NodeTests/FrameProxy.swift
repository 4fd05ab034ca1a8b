import Foundation
import Node
import Protocol
import Transport
import Wire

/// A man in the middle that understands frames: it relays each connection from the
/// connecting node to the listening one and applies one fault to one frame.
final class FrameProxy: @unchecked Sendable {
    /// Which way a frame travels through the proxy.
    enum Way: Sendable { case toListener, toConnector }

    /// What the man in the middle does to frame `index` (counted per way, from 0, the hello).
    enum Fault: Sendable, CustomStringConvertible {
        case none
        case flip(Way, index: Int, byte: Int)
        case drop(Way, index: Int)
        case duplicate(Way, index: Int)
        /// Sends frame `index + 1` before frame `index`.
        case reorder(Way, index: Int)
        /// Replaces frame `index` by frame `index` of the previous connection.
        case replay(Way, index: Int)
        /// Sends the first half of frame `index` and goes on with the next frames.
        case truncate(Way, index: Int)
        /// Sends the first half of frame `index` and closes both connections.
        case cut(Way, index: Int)
        /// Sends a forged frame (right header, random tag) before frame `index`.
        case inject(Way, index: Int)
        /// Holds frame `index` for `seconds`.
        case stall(Way, index: Int, seconds: Double)
        /// Drops every frame of this type.
        case dropType(Way, FrameType)
        /// Flips a bit of byte `byte` (clamped to the frame) in every frame of this type.
        case flipType(Way, FrameType, byte: Int)

        var description: String {
            switch self {
            case .none: return "none"
            case .flip(let w, let i, let b): return "flip byte \(b) of frame \(i) \(w)"
            case .drop(let w, let i): return "drop frame \(i) \(w)"
            case .duplicate(let w, let i): return "duplicate frame \(i) \(w)"
            case .reorder(let w, let i): return "reorder frames \(i), \(i + 1) \(w)"
            case .replay(let w, let i): return "replay frame \(i) \(w) of the previous session"
            case .truncate(let w, let i): return "truncate frame \(i) \(w)"
            case .cut(let w, let i): return "cut the connection in frame \(i) \(w)"
            case .inject(let w, let i): return "inject a forged frame before frame \(i) \(w)"
            case .stall(let w, let i, let s): return "stall frame \(i) \(w) for \(s) s"
            case .dropType(let w, let t): return "drop \(t) frames \(w)"
            case .flipType(let w, let t, let b): return "flip byte \(b) of \(t) frames \(w)"
            }
        }
    }

    private let listener: FrameListener
    private let target: Endpoint
    private let format: any FrameFormat
    private let maximumFrameBytes: Int
    private let lock = NSLock()
    /// The fault for the next connection.
    var fault: Fault {
        get { lock.lock(); defer { lock.unlock() }; return _fault }
        set { lock.lock(); _fault = newValue; lock.unlock() }
    }
    private var _fault = Fault.none
    /// Frames of the current and the previous connection, per way.
    private var current: [Way: [[UInt8]]] = [.toListener: [], .toConnector: []]
    private var previous: [Way: [[UInt8]]] = [.toListener: [], .toConnector: []]

    var port: Int { listener.endpoint.port }

    init(target: Endpoint, configuration: ProtocolConfiguration) throws {
        self.target = target
        format = NodeFrames.format(configuration)
        maximumFrameBytes = NodeFrames.frameBytes(configuration)
        listener = try FrameListener(endpoint: Endpoint(host: "127.0.0.1", port: 0), format: format, maximumFrameBytes: maximumFrameBytes)
        Thread.detachNewThread { [self] in
            while let client = try? listener.accept(timeout: nil) { relay(client) }
        }
    }

    private func relay(_ client: FrameConnection) {
        lock.lock()
        previous = current
        current = [.toListener: [], .toConnector: []]
        let fault = _fault
        lock.unlock()
        guard let server = try? FrameConnection.connect(to: target, format: format, maximumFrameBytes: maximumFrameBytes, timeout: 5) else {
            client.close()
            return
        }
        for (from, to, way) in [(client, server, Way.toListener), (server, client, Way.toConnector)] {
            Thread.detachNewThread { [self] in
                var index = 0
                var held: [UInt8]?
                while let frame = try? from.receive(timeout: 600) {
                    lock.lock()
                    current[way, default: []].append(frame)
                    let replayed = previous[way].flatMap { index < $0.count ? $0[index] : nil }
                    lock.unlock()
                    if !apply(fault, way: way, index: index, frame: frame, replayed: replayed, held: &held, from: from, to: to) { break }
                    index += 1
                }
                from.close()
                to.close()
            }
        }
    }

    /// Sends what the fault makes of `frame`; `false` ends the relay.
    private func apply(_ fault: Fault, way: Way, index: Int, frame: [UInt8], replayed: [UInt8]?, held: inout [UInt8]?,
                       from: FrameConnection, to: FrameConnection) -> Bool {
        func send(_ bytes: [UInt8]) -> Bool { (try? to.send(bytes)) != nil }
        let type = frame.count > 6 ? FrameType(rawValue: frame[6]) : nil
        switch fault {
        case .dropType(way, let dropped) where type == dropped:
            return true
        case .flipType(way, let flipped, let byte) where type == flipped:
            var copy = frame
            copy[min(byte, copy.count - 1)] ^= 0x01
            return send(copy)
        case .flip(way, index, let byte):
            var copy = frame
            copy[min(byte, copy.count - 1)] ^= 0x01
            return send(copy)
        case .drop(way, index):
            return true
        case .duplicate(way, index):
            return send(frame) && send(frame)
        case .reorder(way, index):
            held = frame
            return true
        case .reorder(way, let first) where index == first + 1:
            defer { held = nil }
            return send(frame) && send(held ?? [])
        case .replay(way, index):
            return send(replayed ?? frame)
        case .truncate(way, index):
            return send(Array(frame.prefix(frame.count / 2)))
        case .cut(way, index):
            _ = send(Array(frame.prefix(frame.count / 2)))
            return false
        case .inject(way, index):
            var forged = frame
            for i in FrameHeader.byteCount..<forged.count { forged[i] = UInt8.random(in: 0...255) }
            return send(forged) && send(frame)
        case .stall(way, index, let seconds):
            Thread.sleep(forTimeInterval: seconds)
            return send(frame)
        default:
            return send(frame)
        }
    }

    func close() { listener.close() }
}
