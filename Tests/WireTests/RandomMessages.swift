import Hashing
import Protocol
import Randomness
import Reconciliation
import SecurityBounds
@testable import Wire

/// Seeded random payloads of every frame type, all within the limits of ``Samples/configuration``.
enum Samples {
    /// A small run: 5,000 rounds, frames of 1,024 bits (so plans have up to 4 frames).
    static let configuration = ProtocolConfiguration(rounds: 5000, mode: .spotCheck, testFraction: 0.1, frameBits: 1024)
    static let limits = WireLimits(configuration: configuration)

    static func vector(_ rng: inout Xoshiro256, upTo maximum: Int = configuration.rounds) -> BitVector {
        // Lengths near multiples of 8 and 64 matter most for the packing; pick them often.
        let count = Int.random(in: 0...3, using: &rng) == 0 ? 64 * Int.random(in: 0...4, using: &rng) + Int.random(in: -1...1, using: &rng)
            : Int.random(in: 0...maximum, using: &rng)
        return BitVector.random(count: max(0, count), using: &rng)
    }

    static func frames(_ rng: inout Xoshiro256) -> [Int] {
        (0..<Int.random(in: 0...limits.maximumFrames, using: &rng)).map { _ in Int.random(in: 0..<limits.maximumFrames, using: &rng) }
    }

    static func plan(_ rng: inout Xoshiro256) -> SyndromeReconciliation.Plan {
        let profiles = [ReconciliationMargin.profile, ReconciliationMargin.highRateProfile, ReconciliationMargin.quasiCyclicProfile,
                        ReconciliationMargin.shortFrameProfile, .regular(3)]
        return SyndromeReconciliation.plan(rawKeyBits: Int.random(in: 1...configuration.rounds, using: &rng),
                                           errorRate: Double.random(in: 0.001...0.2, using: &rng),
                                           efficiency: Double.random(in: 1.05...1.6, using: &rng),
                                           frameBits: configuration.frameBits,
                                           profile: profiles[Int.random(in: 0..<profiles.count, using: &rng)],
                                           lift: Bool.random(using: &rng) ? nil : 16 * Int.random(in: 1...64, using: &rng),
                                           codeSeed: rng.next())
    }

    static func text(_ rng: inout Xoshiro256, maximumScalars: Int) -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "0", ":", "\n", "é", "δ", "ε", "≤", "𝔼", "\u{0}", "\u{FEFF}"]
        var text = ""
        for _ in 0..<Int.random(in: 0...maximumScalars, using: &rng) {
            text.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)])
        }
        return text
    }

    static func hello(_ rng: inout Xoshiro256) -> Hello {
        let configuration = ProtocolConfiguration(
            rounds: Int.random(in: ProtocolConfiguration.roundsRange, using: &rng),
            finiteSize: FiniteSizeParameters(mode: Bool.random(using: &rng) ? .paper : .spotCheck,
                                             testFraction: Double.random(in: 0.001..<1, using: &rng),
                                             epsilonPE: Double.random(in: 1e-12..<0.5, using: &rng),
                                             epsilonPA: Double.random(in: 1e-12..<0.5, using: &rng),
                                             verificationBits: Int.random(in: 1...1024, using: &rng),
                                             reconciliationEfficiency: Double.random(in: 1...10, using: &rng)),
            frameBits: Int.random(in: ProtocolConfiguration.frameBitsRange, using: &rng))
        var version = text(&rng, maximumScalars: 16)
        if version.isEmpty { version = "1.0" }
        return Hello(role: Bool.random(using: &rng) ? .alice : .bob, block: rng.next(), version: version,
                     configuration: configuration)
    }

    /// A random payload of `type`.
    static func payload(_ type: FrameType, _ rng: inout Xoshiro256) -> FramePayload {
        let message: Message
        switch type {
        case .hello: return .hello(hello(&rng))
        case .keyConfirmed: return .keyConfirmed
        case .keyAcknowledged: return .keyAcknowledged
        case .testMarks: message = .testMarks(vector(&rng))
        case .begin: message = .begin(rounds: Int.random(in: ProtocolConfiguration.roundsRange, using: &rng))
        case .inputs: message = .inputs(vector(&rng))
        case .testSelection: message = .testSelection(vector(&rng))
        case .testOutputs: message = .testOutputs(vector(&rng))
        case .syndromes:
            let plan = plan(&rng)
            message = .syndromes(plan: plan, bits: BitVector.random(count: plan.totalSyndromeBits, using: &rng))
        case .reconciliationStatus: message = .reconciliationStatus(failedFrames: frames(&rng))
        case .extraSyndromes:
            message = .extraSyndromes(frames: frames(&rng), attempt: Int.random(in: 1...1000, using: &rng), bits: vector(&rng))
        case .verification: message = .verification(seed: vector(&rng, upTo: 2 * configuration.rounds), hash: vector(&rng, upTo: 1024))
        case .verified: message = .verified
        case .verificationFailed: message = .verificationFailed
        case .frameHashes: message = .frameHashes(seed: vector(&rng), hashes: vector(&rng, upTo: 160))
        case .frameMismatch: message = .frameMismatch(frames: frames(&rng))
        case .privacyAmplification:
            message = .privacyAmplification(seed: vector(&rng, upTo: 2 * configuration.rounds),
                                            keyBits: Int.random(in: 1...configuration.rounds, using: &rng))
        case .abort: message = .abort(reason: text(&rng, maximumScalars: 200))
        }
        return .message(message)
    }
}

/// Decodes a whole frame held in an array.
func decodeFrame(_ bytes: [UInt8], limits: WireLimits = Samples.limits) throws(WireError) -> (header: FrameHeader, payload: FramePayload) {
    var result: Result<(header: FrameHeader, payload: FramePayload), WireError>!
    bytes.withUnsafeBytes { raw in
        result = Result { () throws(WireError) in try WireCodec.decodeFrame(raw, limits: limits) }
    }
    return try result.get()
}

/// Decodes a header held in an array.
func decodeHeader(_ bytes: [UInt8], limits: WireLimits = Samples.limits) throws(WireError) -> FrameHeader {
    var result: Result<FrameHeader, WireError>!
    bytes.withUnsafeBytes { raw in
        result = Result { () throws(WireError) in try FrameHeader.decode(raw, limits: limits) }
    }
    return try result.get()
}

/// Decodes one payload held in an array.
func decodePayload(_ type: FrameType, _ bytes: [UInt8], limits: WireLimits = Samples.limits) throws(WireError) -> FramePayload {
    var result: Result<FramePayload, WireError>!
    bytes.withUnsafeBytes { raw in
        result = Result { () throws(WireError) in try WireCodec.decode(type: type, payload: raw, limits: limits) }
    }
    return try result.get()
}

/// The error `body` throws, or `nil`.
func wireError(_ body: () throws(WireError) -> Void) -> WireError? {
    do { try body() } catch { return error }
    return nil
}
