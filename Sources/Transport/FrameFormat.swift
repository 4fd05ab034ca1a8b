/// How a byte stream splits into frames: a fixed-size header that tells the whole frame's
/// length. The transport only cuts the stream; it never interprets a frame.
public protocol FrameFormat: Sendable {
    /// Bytes of the header that fix the frame's length.
    var headerByteCount: Int { get }
    /// The whole frame's length in bytes (header included), from its first
    /// ``headerByteCount`` bytes, or an error when the header is malformed or announces more
    /// than the receiver accepts. Must never trap.
    func frameByteCount(header: UnsafeRawBufferPointer) throws -> Int
}

/// Why a connection stopped delivering frames.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// Nothing arrived within the read timeout.
        case timeout
        /// The peer closed the connection (or it broke).
        case closed
        /// No connection could be made.
        case connect
        /// The listening address could not be bound.
        case bind
        /// The byte stream was not a valid sequence of frames.
        case malformed
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}

/// `HOST:PORT` as given on the command line (`[::1]:7000` for IPv6 literals).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; `nil` when the text is not of that form or the port is outside
    /// 0...65535 (0 asks the system for a free port when listening).
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
