import Foundation
import Protocol
import Transport
import Wire

/// How nodes find frames in the TCP stream and reach each other.
public enum NodeFrames {
    /// Frames of the wire format (docs/wire.md): the 48-byte header gives the payload length,
    /// checked against the limits of the node's own configuration before anything is buffered.
    struct Format: FrameFormat {
        let limits: WireLimits
        var headerByteCount: Int { FrameHeader.byteCount }
        func frameByteCount(header: UnsafeRawBufferPointer) throws -> Int {
            try FrameHeader.decode(header, limits: limits).frameByteCount
        }
    }

    /// The longest first frame (a hello, or an abort with its reason), read before the peer is
    /// known; later frames may be as long as the configuration allows.
    public static let helloFrameBytes = FrameHeader.byteCount + WireLimits.hello.maximumPayloadBytes + FrameHeader.tagByteCount

    /// The longest frame of a run of `configuration`, allowed once the peer has authenticated.
    public static func frameBytes(_ configuration: ProtocolConfiguration) -> Int {
        FrameHeader.byteCount + WireLimits(configuration: configuration).maximumPayloadBytes + FrameHeader.tagByteCount
    }

    /// The framing for a node running `configuration`.
    public static func format(_ configuration: ProtocolConfiguration) -> any FrameFormat {
        Format(limits: WireLimits(configuration: configuration))
    }

    /// Connects to the other node, retrying (the other may not listen yet) until `within`
    /// seconds have passed.
    /// - Throws: ``TransportError`` `.connect` with the last attempt's reason.
    public static func connect(to endpoint: Endpoint, configuration: ProtocolConfiguration,
                               within seconds: Double) throws(TransportError) -> FrameConnection {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var pause = 0.05
        while true {
            let left = deadline.timeIntervalSinceNow
            do {
                return try FrameConnection.connect(to: endpoint, format: format(configuration), maximumFrameBytes: frameBytes(configuration),
                                                firstFrameBytes: helloFrameBytes,
                                                timeout: max(0.1, min(left, 10)))
            } catch {
                guard deadline.timeIntervalSinceNow > pause else {
                    throw TransportError(.connect, "\(error.description) (tried for \(formattedSeconds(seconds)))")
                }
                Thread.sleep(forTimeInterval: pause)
                pause = min(1, pause * 2)
            }
        }
    }
}
