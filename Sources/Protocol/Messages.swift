import Hashing
import Reconciliation

/// Everything Alice and Bob say to each other. Every message is public: it lands in the
/// transcript, which is exactly what Eve sees.
public enum Message: Sendable, Hashable {
    /// Spot-check mode, Alice to Bob before the measurements: which rounds are test rounds.
    /// The marks must stay hidden from the *devices* (each device sees only its own input, and
    /// a key round looks like a test round with input 0); Eve may learn them, since by
    /// Definition 6 she may choose her measurement after all public communication anyway.
    case testMarks(BitVector)
    /// Paper mode, Alice to Bob: Alice has measured; Bob may measure now.
    case begin(rounds: Int)
    /// A party's inputs for every round, announced after that party has measured.
    case inputs(BitVector)
    /// Paper mode, Alice to Bob: the test rounds, chosen after all measurements.
    case testSelection(BitVector)
    /// A party's outputs in the test rounds, in round order.
    case testOutputs(BitVector)
    /// Alice to Bob: the codes and syndromes of one-way reconciliation.
    case syndromes(plan: SyndromeReconciliation.Plan, bits: BitVector)
    /// Bob to Alice: which frames failed to decode (none: reconciliation is done). Each frame's
    /// success or failure is one bit about Bob's errors and counts as disclosed.
    case reconciliationStatus(failedFrames: [Int])
    /// Alice to Bob: extra syndrome bits for frames that failed, from further public codes.
    case extraSyndromes(frames: [Int], attempt: Int, bits: BitVector)
    /// Alice to Bob: a random Toeplitz hash (its seed) and its value on Alice's raw key.
    case verification(seed: BitVector, hash: BitVector)
    /// Bob to Alice: the hashes agree.
    case verified
    /// Bob to Alice: the hashes differ; asks for a recovery round (``VerificationRecovery``).
    /// The verdict is one bit about Bob's errors and counts as disclosed.
    case verificationFailed
    /// Alice to Bob: a fresh Toeplitz seed and each frame's hash of Alice's raw key under it,
    /// concatenated in frame order. The hash bits are linear functions of the raw key and count
    /// as disclosed.
    case frameHashes(seed: BitVector, hashes: BitVector)
    /// Bob to Alice: the frames whose hashes differ, to be decoded again. The set is one bit per
    /// frame about Bob's errors and counts as disclosed.
    case frameMismatch(frames: [Int])
    /// Alice to Bob: the privacy-amplification seed and the key length.
    case privacyAmplification(seed: BitVector, keyBits: Int)
    /// Either party: the protocol stops here; no key.
    case abort(reason: String)

    /// The number of bits this message puts on the public channel (for the report).
    public var payloadBits: Int {
        switch self {
        case .testMarks(let v), .inputs(let v), .testSelection(let v), .testOutputs(let v): return v.count
        case .syndromes(_, let bits), .extraSyndromes(_, _, let bits): return bits.count
        case .reconciliationStatus, .frameMismatch: return 0
        case .verification(let seed, let hash), .frameHashes(let seed, let hash): return seed.count + hash.count
        case .privacyAmplification(let seed, _): return seed.count + 64
        case .begin, .verified, .verificationFailed, .abort: return 0
        }
    }

    /// A short name for transcripts and timing.
    public var kind: String {
        switch self {
        case .testMarks: return "testMarks"
        case .begin: return "begin"
        case .inputs: return "inputs"
        case .testSelection: return "testSelection"
        case .testOutputs: return "testOutputs"
        case .syndromes: return "syndromes"
        case .reconciliationStatus: return "reconciliationStatus"
        case .extraSyndromes: return "extraSyndromes"
        case .verification: return "verification"
        case .verified: return "verified"
        case .verificationFailed: return "verificationFailed"
        case .frameHashes: return "frameHashes"
        case .frameMismatch: return "frameMismatch"
        case .privacyAmplification: return "privacyAmplification"
        case .abort: return "abort"
        }
    }
}

/// The public channel between Alice and Bob (authenticated, not secret) when both run in one
/// process: simulations, recorded data and tests. Networked nodes (the `Node` module) feed the
/// same state machines from authenticated frames instead.
public protocol PublicChannel: AnyObject {
    /// Sends `message` from `sender` to the other party.
    func send(_ message: Message, from sender: Party)
    /// The next message waiting for `recipient`, if any.
    func receive(for recipient: Party) -> Message?
    /// Every message sent so far, in order: Eve's view.
    var transcript: [(from: Party, message: Message)] { get }
}

/// A channel that keeps both directions in memory.
public final class InMemoryChannel: PublicChannel {
    private var queues: [Party: [Message]] = [.alice: [], .bob: []]
    private var heads: [Party: Int] = [.alice: 0, .bob: 0]
    public private(set) var transcript: [(from: Party, message: Message)] = []

    public init() {}

    public func send(_ message: Message, from sender: Party) {
        transcript.append((sender, message))
        queues[sender == .alice ? .bob : .alice]!.append(message)
    }

    public func receive(for recipient: Party) -> Message? {
        guard heads[recipient]! < queues[recipient]!.count else { return nil }
        defer { heads[recipient]! += 1 }
        return queues[recipient]![heads[recipient]!]
    }
}
