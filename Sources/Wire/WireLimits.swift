import Protocol

/// The largest lengths a decoder accepts: every length and count read from the network is
/// checked against these (and against the bytes actually present) before anything is
/// allocated, so a hostile peer cannot make a node reserve more memory than an honest run of
/// the agreed configuration needs.
public struct WireLimits: Sendable, Hashable {
    /// The longest payload, in bytes (the header's payload length field).
    public let maximumPayloadBytes: Int
    /// The longest bit vector, in bits.
    public let maximumVectorBits: Int
    /// The most reconciliation frames of a plan; frame numbers in frame lists are below it.
    public let maximumFrames: Int

    /// Limits with the given values, each at least 0.
    public init(maximumPayloadBytes: Int, maximumVectorBits: Int, maximumFrames: Int) {
        precondition(maximumPayloadBytes >= 0 && maximumVectorBits >= 0 && maximumFrames >= 0)
        self.maximumPayloadBytes = maximumPayloadBytes
        self.maximumVectorBits = maximumVectorBits
        self.maximumFrames = maximumFrames
    }

    /// Slack added to the vector bound: covers the verification hash (at most 1,024 bits), the
    /// frame hashes' 31 extra seed bits and the 16 extra checks a tiny frame gets on a retry.
    public static let vectorSlackBits = 4096

    /// Room for a payload's fixed fields besides its bit vectors: a plan's scalars and profile
    /// (at most ``PlanLimits/maximumProfileEntries`` entries), counts, an abort reason.
    public static let fixedPayloadBytes = 8192

    /// The limits of a run of `configuration`.
    ///
    /// - Vectors: the inputs and test marks are `rounds` bits; a Toeplitz seed is at most
    ///   `n + l - 1 < 2 rounds` bits (raw key `n <= rounds`, output `l <= n`); syndromes and
    ///   extra syndromes stay below the raw key plus 16 bits per frame. Hence `2 rounds` plus
    ///   ``vectorSlackBits``.
    /// - Frames: a plan cuts the raw key into `max(1, n / frameBits)` frames, so
    ///   `rounds / frameBits + 1` bounds them.
    /// - Payload: two vectors of the largest size (a seed and a hash), a frame list or a plan's
    ///   four bytes per frame, and ``fixedPayloadBytes``.
    /// - Precondition: `configuration` passes `validate()` (rounds at most 2^34).
    public init(configuration: ProtocolConfiguration) {
        precondition(ProtocolConfiguration.roundsRange.contains(configuration.rounds) && configuration.frameBits >= 1)
        let vectorBits = 2 * configuration.rounds + Self.vectorSlackBits
        let frames = configuration.rounds / configuration.frameBits + 1
        let vectorBytes = 8 + (vectorBits + 7) / 8
        self.init(maximumPayloadBytes: 2 * vectorBytes + 4 * frames + Self.fixedPayloadBytes,
                  maximumVectorBits: vectorBits, maximumFrames: frames)
    }

    /// The limits before a configuration is agreed: room for a ``Hello`` or an abort (8 KiB),
    /// no bit vectors, no frames.
    public static let hello = WireLimits(maximumPayloadBytes: 8192, maximumVectorBits: 0, maximumFrames: 0)
}
