import Hashing
import Protocol
import Reconciliation

/// What a frame carries: the opening ``Hello`` or one protocol ``Message``.
public enum FramePayload: Sendable, Hashable {
    case hello(Hello)
    case message(Message)
    /// Bob has computed the key (key confirmation, after the protocol's last message).
    case keyConfirmed
    /// Alice has the confirmation and delivers the key.
    case keyAcknowledged

    /// The frame type that announces this payload.
    public var type: FrameType {
        switch self {
        case .hello: return .hello
        case .keyConfirmed: return .keyConfirmed
        case .keyAcknowledged: return .keyAcknowledged
        case .message(let message):
            switch message {
            case .testMarks: return .testMarks
            case .begin: return .begin
            case .inputs: return .inputs
            case .testSelection: return .testSelection
            case .testOutputs: return .testOutputs
            case .syndromes: return .syndromes
            case .reconciliationStatus: return .reconciliationStatus
            case .extraSyndromes: return .extraSyndromes
            case .verification: return .verification
            case .verified: return .verified
            case .verificationFailed: return .verificationFailed
            case .frameHashes: return .frameHashes
            case .frameMismatch: return .frameMismatch
            case .privacyAmplification: return .privacyAmplification
            case .abort: return .abort
            }
        }
    }
}

/// Payloads to bytes and back (docs/wire.md, "Payloads"), and whole frames.
///
/// Encodings are canonical: each value has exactly one byte string, and the decoders reject
/// every other (unused bits set, trailing bytes, `-0.0` fractions, repaired UTF-8), so a
/// decoded frame re-encodes to the bytes it came from. Decoding is total: any input gives a
/// value or a ``WireError``, never a trap, and allocates only after checking a length against
/// the ``WireLimits`` and against the bytes present.
public enum WireCodec {
    /// The longest abort reason, in UTF-8 bytes.
    public static let maximumReasonBytes = 4096

    /// The payload's bytes (without header or tag).
    /// - Precondition: the value is one the decoder accepts (frame numbers and counts
    ///   non-negative and within 32 bits, a reason of at most ``maximumReasonBytes`` bytes, a
    ///   version of 1 to 64 bytes); the encoder does not check the limits.
    public static func encode(_ payload: FramePayload) -> [UInt8] {
        var writer = ByteWriter()
        switch payload {
        case .hello(let hello):
            hello.encode(into: &writer)
        case .keyConfirmed, .keyAcknowledged:
            break
        case .message(let message):
            switch message {
            case .testMarks(let v), .inputs(let v), .testSelection(let v), .testOutputs(let v):
                writer.bits(v)
            case .begin(let rounds):
                writer.u64(rounds)
            case .syndromes(let plan, let bits):
                plan.encode(into: &writer)
                writer.bits(bits)
            case .reconciliationStatus(let frames), .frameMismatch(let frames):
                writer.frames(frames)
            case .extraSyndromes(let frames, let attempt, let bits):
                writer.frames(frames)
                writer.u32(attempt)
                writer.bits(bits)
            case .verification(let seed, let hash), .frameHashes(let seed, let hash):
                writer.bits(seed)
                writer.bits(hash)
            case .verified, .verificationFailed:
                break
            case .privacyAmplification(let seed, let keyBits):
                writer.bits(seed)
                writer.u64(keyBits)
            case .abort(let reason):
                precondition(reason.utf8.count <= maximumReasonBytes, "abort reason of \(reason.utf8.count) bytes")
                writer.text(reason)
            }
        }
        return writer.bytes
    }

    /// Reads the payload of a frame of type `type`.
    ///
    /// - Parameters:
    ///   - payload: exactly the payload's bytes.
    ///   - limits: bounds on vectors and frame lists (``WireLimits/hello`` before a
    ///     configuration is agreed).
    /// - Throws: ``WireError``: ``WireError/Code/truncated`` when a field runs past the end,
    ///   ``WireError/Code/trailingBytes`` when bytes are left, ``WireError/Code/tooLong`` beyond
    ///   the limits, ``WireError/Code/invalidValue`` or ``WireError/Code/invalidText`` for a
    ///   field outside its range.
    public static func decode(type: FrameType, payload: UnsafeRawBufferPointer,
                              limits: WireLimits) throws(WireError) -> FramePayload {
        var reader = ByteReader(payload, context: "\(type) frame")
        let vectorBits = limits.maximumVectorBits, frameBound = limits.maximumFrames
        let result: FramePayload
        switch type {
        case .hello:
            result = .hello(try Hello.decode(from: &reader))
        case .testMarks:
            result = .message(.testMarks(try reader.bits("test marks", maximumBits: vectorBits)))
        case .begin:
            result = .message(.begin(rounds: try reader.int("rounds", in: ProtocolConfiguration.roundsRange)))
        case .inputs:
            result = .message(.inputs(try reader.bits("inputs", maximumBits: vectorBits)))
        case .testSelection:
            result = .message(.testSelection(try reader.bits("test selection", maximumBits: vectorBits)))
        case .testOutputs:
            result = .message(.testOutputs(try reader.bits("test outputs", maximumBits: vectorBits)))
        case .syndromes:
            let plan = try SyndromeReconciliation.Plan.decode(from: &reader, limits: limits)
            let bits = try reader.bits("syndrome bits", maximumBits: vectorBits)
            guard bits.count == plan.totalSyndromeBits else {
                throw reader.error(.invalidValue, "\(bits.count) syndrome bits for a plan of \(plan.totalSyndromeBits)")
            }
            result = .message(.syndromes(plan: plan, bits: bits))
        case .reconciliationStatus:
            result = .message(.reconciliationStatus(failedFrames: try reader.frames("failed frames", maximumFrames: frameBound)))
        case .extraSyndromes:
            let frames = try reader.frames("frames", maximumFrames: frameBound)
            let attempt = Int(try reader.u32("attempt"))
            guard attempt >= 1 else { throw reader.error(.invalidValue, "attempt 0 (attempts count from 1)") }
            let bits = try reader.bits("extra syndrome bits", maximumBits: vectorBits)
            result = .message(.extraSyndromes(frames: frames, attempt: attempt, bits: bits))
        case .verification:
            let seed = try reader.bits("seed", maximumBits: vectorBits)
            let hash = try reader.bits("hash", maximumBits: vectorBits)
            result = .message(.verification(seed: seed, hash: hash))
        case .verified:
            result = .message(.verified)
        case .verificationFailed:
            result = .message(.verificationFailed)
        case .frameHashes:
            let seed = try reader.bits("seed", maximumBits: vectorBits)
            let hashes = try reader.bits("hashes", maximumBits: vectorBits)
            result = .message(.frameHashes(seed: seed, hashes: hashes))
        case .frameMismatch:
            result = .message(.frameMismatch(frames: try reader.frames("frames", maximumFrames: frameBound)))
        case .privacyAmplification:
            let seed = try reader.bits("seed", maximumBits: vectorBits)
            let keyBits = try reader.int("key bits", in: 1...max(1, vectorBits))
            result = .message(.privacyAmplification(seed: seed, keyBits: keyBits))
        case .abort:
            result = .message(.abort(reason: try reader.text("reason", maximumBytes: maximumReasonBytes)))
        case .keyConfirmed:
            result = .keyConfirmed
        case .keyAcknowledged:
            result = .keyAcknowledged
        }
        try reader.finish()
        return result
    }
}
