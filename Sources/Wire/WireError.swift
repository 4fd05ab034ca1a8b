/// Why a byte string is not a frame: the decoders' one error type.
///
/// A struct with a ``Code`` rather than a closed enum, so codes can be added without breaking
/// callers. The description names the field and the offending value, for logs and for the
/// abort message a node sends before closing the connection.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// Bytes 0..<4 are not "DQKD".
        case badMagic
        /// A version other than ``FrameHeader/version``.
        case unsupportedVersion
        /// A direction byte other than 0 or 1.
        case badDirection
        /// A frame type outside 0...15.
        case unknownType
        /// A nonzero flags byte.
        case badFlags
        /// Nonzero reserved bytes.
        case badReserved
        /// A length or count beyond the ``WireLimits`` in force (checked before allocating).
        case tooLong
        /// Fewer bytes than a field or length needs.
        case truncated
        /// Bytes left over after the last field.
        case trailingBytes
        /// A field outside its range, or fields inconsistent with each other.
        case invalidValue
        /// Text that is not valid UTF-8.
        case invalidText
    }

    public let code: Code
    /// One sentence naming the field: "frame header: payload length 9000000000 bytes exceeds
    /// the limit of 2500000 bytes".
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
