/// A run's 16-byte identifier, chosen at random by the node that opened the connection and
/// carried in every frame, so frames of one run are never accepted in another.
public struct SessionID: Sendable, Hashable, CustomStringConvertible {
    /// The 16 bytes, in wire order.
    public let bytes: [UInt8]

    /// - Precondition: `bytes.count == 16`.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "a session ID has 16 bytes, not \(bytes.count)")
        self.bytes = bytes
    }

    /// A uniformly random ID from `generator` (use a cryptographic generator in production, so
    /// IDs do not repeat across runs).
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> SessionID {
        let words = [generator.next(), generator.next()] as [UInt64]
        return SessionID(bytes: words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } })
    }

    /// 32 lowercase hexadecimal digits, bytes in wire order.
    public var description: String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
