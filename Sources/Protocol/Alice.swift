import Hashing
import Randomness
import Reconciliation
import SecurityBounds

/// Alice's side of the protocol as a state machine: she owns her device (until she has
/// measured), her randomness, inputs and outputs, and talks to Bob only through the messages
/// she returns.
public struct Alice {
    private enum State {
        case idle
        case awaitingBobInputs
        case awaitingTestOutputs
        case awaitingReconciled
        case awaitingVerified
        /// A recovery round: frame hashes sent, waiting for the frames that differ.
        case awaitingFrameMismatch
        case finished
    }

    public let configuration: ProtocolConfiguration
    private var state = State.idle
    private var measurements: MeasurementSource?
    /// Test selection, code seeds and hash seeds (kept apart from input choice, so recorded
    /// data replayed with the same seed reproduce a simulated run exactly).
    private var randomness: PartyRandomness
    private let progress: ProgressHandler?

    private var inputs = BitVector(count: 0)
    private var outputs = BitVector(count: 0)
    private var test = BitVector(count: 0)
    private var bobInputs = BitVector(count: 0)
    private var selection: RoundSelection?
    private var rawKey = BitVector(count: 0)
    private var plan: SyndromeReconciliation.Plan?
    /// Extra-syndrome messages sent so far: each gets the next attempt number, so no frame is
    /// ever given the same extra code twice.
    private var attempt = 0
    /// Extra-syndrome rounds since the last full set of frames was decoded or a recovery began.
    private var retries = 0
    /// Recovery rounds after a failed verification (``VerificationRecovery``).
    private var recoveries = 0
    private var pendingFrames = 0

    /// What Alice ends with.
    public private(set) var outcome: PartyOutcome?
    /// Her account of the run (public quantities only).
    public private(set) var ledger = Ledger()

    public init(configuration: ProtocolConfiguration, measurements: MeasurementSource, randomness: PartyRandomness,
                progress: ProgressHandler? = nil) {
        self.configuration = configuration
        self.measurements = measurements
        self.randomness = randomness
        self.progress = progress
    }

    /// Chooses inputs, measures every round and opens the conversation.
    public mutating func start() -> [Message] {
        precondition(state == .idle, "start() once")
        let n = configuration.rounds
        switch measurements! {
        case .device(let device, var inputRandomness):
            if configuration.mode == .spotCheck {
                test = RandomBits.bernoulli(count: n, probability: configuration.testFraction, using: &inputRandomness)
                inputs = RandomBits.inputs(uniformRounds: test, using: &inputRandomness)
            } else {
                inputs = BitVector.random(count: n, using: &inputRandomness)
            }
            outputs = device.measureAll(inputs, stage: "measurement", progress: progress)
        case .recorded(let rounds):
            guard rounds.inputs.count == n else { return abort("Alice's records hold \(rounds.inputs.count) rounds, not \(n)") }
            inputs = rounds.inputs
            outputs = rounds.outputs
            if configuration.mode == .spotCheck {
                guard let marks = rounds.testMarks else { return abort("spot-check mode needs Alice's test marks") }
                test = marks
            }
        }
        // Measured: the device goes back to the lab; nothing of it stays with Alice.
        measurements = nil
        state = .awaitingBobInputs
        return [configuration.mode == .spotCheck ? .testMarks(test) : .begin(rounds: n)]
    }

    /// Handles one message from Bob and returns Alice's replies.
    public mutating func receive(_ message: Message) -> [Message] {
        switch (state, message) {
        case (_, .abort(let reason)):
            finish(.aborted(reason: reason))
            return []
        case (.awaitingBobInputs, .inputs(let v)):
            return announce(bobInputs: v)
        case (.awaitingTestOutputs, .testOutputs(let y)):
            return estimate(bobTestOutputs: y)
        case (.awaitingReconciled, .reconciliationStatus(let failed)):
            return reconciliationStatus(failed: failed)
        case (.awaitingVerified, .verified):
            return amplify()
        case (.awaitingVerified, .verificationFailed):
            return recover()
        case (.awaitingFrameMismatch, .frameMismatch(let frames)):
            return resyndrome(frames: frames)
        default:
            return abort("Alice received \(message.kind) out of order")
        }
    }

    private mutating func announce(bobInputs v: BitVector) -> [Message] {
        guard v.count == configuration.rounds else { return abort("Bob announced \(v.count) inputs for \(configuration.rounds) rounds") }
        bobInputs = v
        var messages: [Message] = [.inputs(inputs)]
        if configuration.mode == .paper {
            test = RandomBits.bernoulli(count: configuration.rounds, probability: configuration.testFraction, using: &randomness)
            messages.append(.testSelection(test))
        }
        selection = RoundSelection(test: test, aliceInputs: inputs, bobInputs: v)
        messages.append(.testOutputs(outputs.gather(test)))
        state = .awaitingTestOutputs
        return messages
    }

    private mutating func estimate(bobTestOutputs y: BitVector) -> [Message] {
        guard let selection, y.count == selection.testRounds else { return abort("Bob announced the wrong number of test outputs") }
        let estimate = ParameterEstimate(selection: selection, aliceInputs: inputs, bobInputs: bobInputs,
                                         aliceOutputs: outputs, bobOutputs: y.scatter(into: selection.test),
                                         uniformRounds: configuration.uniformRounds(test: selection.test),
                                         epsilonPE: configuration.epsilonPE)
        ledger.estimate = estimate
        let sizing = KeySizing(estimate: estimate, configuration: configuration)
        ledger.designErrorRate = sizing.designErrorRate
        ledger.reconciliationEfficiency = sizing.efficiency
        if let reason = sizing.abortReason { return abort(reason) }
        rawKey = outputs.gather(selection.rawKey)
        // Alice's outputs and inputs are no longer needed beyond the raw key.
        outputs = BitVector(count: 0)
        let plan = SyndromeReconciliation.plan(rawKeyBits: rawKey.count, errorRate: sizing.designErrorRate,
                                               efficiency: sizing.efficiency, frameBits: configuration.frameBits,
                                               profile: sizing.profile, lift: sizing.lift,
                                               codeSeed: randomness.next())
        self.plan = plan
        ledger.syndromeBits = plan.totalSyndromeBits
        pendingFrames = plan.frames
        state = .awaitingReconciled
        return [.syndromes(plan: plan, bits: SyndromeReconciliation.syndromes(of: rawKey, plan: plan))]
    }

    /// The most rounds of extra syndromes a failed frame gets before the run aborts, counted
    /// afresh in each recovery round.
    static let maximumRetries = 2

    private mutating func reconciliationStatus(failed: [Int]) -> [Message] {
        guard let plan else { return abort("internal state lost during reconciliation") }
        // One status bit per frame still being decoded: Bob's reply depends on his errors.
        ledger.syndromeBits += pendingFrames
        if failed.isEmpty {
            // A fresh seed for every verification, drawn after Bob's string is fixed.
            let hash = ToeplitzHash.random(inputBits: rawKey.count, outputBits: configuration.verificationBits, using: &randomness)
            ledger.verificationBits += configuration.verificationBits
            state = .awaitingVerified
            return [.verification(seed: hash.seed, hash: hash.hash(rawKey))]
        }
        guard Alice.areDistinctFrames(failed, of: plan) else { return abort("Bob reported invalid frame numbers") }
        retries += 1
        guard retries <= Alice.maximumRetries else {
            return abort("reconciliation failed: \(failed.count) of \(plan.frames) frames did not decode after \(Alice.maximumRetries) retries")
        }
        return extraSyndromes(frames: failed, plan: plan)
    }

    /// Whether Bob's frame list names frames of `plan`, each once.
    private static func areDistinctFrames(_ frames: [Int], of plan: SyndromeReconciliation.Plan) -> Bool {
        frames.allSatisfy { (0..<plan.frames).contains($0) } && Set(frames).count == frames.count
    }

    /// Extra syndrome bits for `frames`, from codes with a fresh attempt number.
    private mutating func extraSyndromes(frames: [Int], plan: SyndromeReconciliation.Plan) -> [Message] {
        attempt += 1
        var bits = BitVector(count: 0)
        for k in frames {
            let code = SyndromeReconciliation.extraCode(plan: plan, frame: k, attempt: attempt)
            bits.append(contentsOf: code.syndrome(rawKey.slice(plan.frameRange(k))))
        }
        ledger.syndromeBits += bits.count
        pendingFrames = frames.count
        state = .awaitingReconciled
        return [.extraSyndromes(frames: frames, attempt: attempt, bits: bits)]
    }

    /// Bob's corrected key differs from the raw key: hashes every frame with a fresh seed, so
    /// Bob can say which frames to decode again (``VerificationRecovery``).
    private mutating func recover() -> [Message] {
        guard let plan else { return abort("internal state lost during verification") }
        // Bob's verdict depends on his errors: one bit.
        ledger.syndromeBits += 1
        recoveries += 1
        guard recoveries <= VerificationRecovery.maximumRounds else {
            return abort(VerificationRecovery.exhaustedReason)
        }
        let seed = BitVector.random(count: VerificationRecovery.seedBits(plan: plan), using: &randomness)
        let hashes = VerificationRecovery.frameHashes(of: rawKey, plan: plan, seed: seed)
        ledger.verificationBits += hashes.count
        state = .awaitingFrameMismatch
        return [.frameHashes(seed: seed, hashes: hashes)]
    }

    /// Sends extra syndromes for the frames whose hashes differ.
    private mutating func resyndrome(frames: [Int]) -> [Message] {
        guard let plan else { return abort("internal state lost during verification") }
        // Which frames differ depends on Bob's errors: one bit per frame.
        ledger.syndromeBits += plan.frames
        guard !frames.isEmpty else {
            return abort(VerificationRecovery.unlocatedReason)
        }
        guard Alice.areDistinctFrames(frames, of: plan) else { return abort("Bob reported invalid frame numbers") }
        retries = 0
        return extraSyndromes(frames: frames, plan: plan)
    }

    private mutating func amplify() -> [Message] {
        guard let epsilonUpper = ledger.estimate?.epsilonUpper else { return abort("internal state lost before amplification") }
        let length = FiniteSizeKey.length(rawKeyBits: rawKey.count, epsilonUpper: epsilonUpper,
                                          leakedBits: ledger.syndromeBits + ledger.verificationBits,
                                          epsilonPA: configuration.epsilonPA)
        guard length > 0 else { return abort("no key left after reconciliation leakage (length \(length))") }
        let hash = ToeplitzHash.random(inputBits: rawKey.count, outputBits: length, using: &randomness)
        let key = SecretBits(hash.hash(rawKey))
        ledger.keyBits = length
        finish(.key(key))
        return [.privacyAmplification(seed: hash.seed, keyBits: length)]
    }

    private mutating func abort(_ reason: String) -> [Message] {
        finish(.aborted(reason: reason))
        return [.abort(reason: reason)]
    }

    private mutating func finish(_ result: PartyOutcome) {
        outcome = result
        state = .finished
        rawKey.wipe()
    }
}
