import Authentication
import KeyPool

/// Why a networked run ended without a key before or outside the protocol's own decisions:
/// the connection, the authentication of a frame, the peer's configuration or the key pool.
/// Every such failure ends the run with exit 3 on the node, and the reason names the frame and
/// the check that failed; a ``SecurityEvent`` ends it with exit 4.
public struct NodeFailure: Error, Sendable, CustomStringConvertible {
    /// A failure that is not routine: the node logs it as a security event.
    public enum SecurityEvent: Sendable, Equatable {
        /// The two pools took different refills (``Hello/poolDivergence(with:)``).
        case poolsDiverged
        /// This node followed an authentic notice that its peer's pool is ahead.
        case poolSkipped
    }

    public let description: String
    public let securityEvent: SecurityEvent?

    public init(_ description: String, securityEvent: SecurityEvent? = nil) {
        self.description = description
        self.securityEvent = securityEvent
    }
}

/// The "pool ahead" notice a listening node sends to a peer whose hello names a position
/// already spent here (docs/wire.md, "Pool notice").
///
/// Its tag is made with the pad of ``sequence`` in the listener's direction of the reservation
/// *at the listener's position*, which the listener peeks at without spending, so a stranger
/// sending stale hellos cannot make it spend key. The tag covers ``bytes(position:)`` only — a
/// fixed label and the position, nothing a hello's sender chooses — so any number of notices
/// for one position are one message under one pad (the same tag), and reveal nothing new about
/// the hash key. Run frames never use ``sequence``.
enum PoolNotice {
    /// The notice pad's sequence number: the last of a direction.
    static let sequence = UInt32(AuthenticationKeys.tagsPerDirection - 1)

    /// The bytes the tag covers.
    static func bytes(position: UInt64) -> [UInt8] {
        Array("diqkd pool notice".utf8) + (0..<8).map { UInt8(truncatingIfNeeded: position >> (8 * UInt64($0))) }
    }

    /// The keys of the reservation at `position`, read without spending them.
    static func keys(_ pool: KeyPool, at position: UInt64) throws -> AuthenticationKeys {
        try AuthenticationKeys(reservation: try pool.peek(bytes: AuthenticationKeys.byteCount, at: position))
    }

    /// The tag of a notice of `position` sent in `direction`; nil when the pool holds no
    /// whole reservation there.
    static func tag(_ pool: KeyPool, position: UInt64, direction: UInt8) -> [UInt8]? {
        guard let keys = try? keys(pool, at: position) else { return nil }
        return try? bytes(position: position).withUnsafeBytes { raw throws(AuthenticationError) in
            try keys.tag(raw, direction: direction, sequence: sequence)
        }
    }

    /// Whether `tag` is the tag of a notice of `position` received in `direction`.
    /// - Throws: the pool's error when it holds no whole reservation at `position`.
    static func verify(_ tag: ArraySlice<UInt8>, pool: KeyPool, position: UInt64, direction: UInt8) throws -> Bool {
        let keys = try keys(pool, at: position)
        return bytes(position: position).withUnsafeBytes { covered in
            tag.withUnsafeBytes { keys.verify(covered, tag: $0, direction: direction, sequence: sequence) }
        }
    }
}
