import Hashing
import Randomness
import Reconciliation
import SecurityBounds

/// Bob's side of the protocol as a state machine: he owns his device (until he has
/// measured), his randomness, inputs and outputs, and learns about Alice only from her
/// messages.
public struct Bob {
    private enum State {
        case awaitingStart
        case awaitingAliceInputs
        case awaitingTestOutputs
        case awaitingSyndromes
        case awaitingVerification
        case awaitingAmplification
        case finished
    }

    public let configuration: ProtocolConfiguration
    private var state = State.awaitingStart
    private var device: (any Device)?
    private var randomness: PartyRandomness
    private let progress: ProgressHandler?

    private var inputs = BitVector(count: 0)
    private var outputs = BitVector(count: 0)
    private var test = BitVector(count: 0)
    private var aliceInputs = BitVector(count: 0)
    private var selection: RoundSelection?
    private var corrected = BitVector(count: 0)
    private var syndromeBits = 0

    public private(set) var outcome: PartyOutcome?
    public private(set) var ledger = Ledger()

    public init(configuration: ProtocolConfiguration, device: any Device, randomness: PartyRandomness,
                progress: ProgressHandler? = nil) {
        self.configuration = configuration
        self.device = device
        self.randomness = randomness
        self.progress = progress
    }

    /// Handles one message from Alice and returns Bob's replies.
    public mutating func receive(_ message: Message) -> [Message] {
        switch (state, message) {
        case (_, .abort(let reason)):
            finish(.aborted(reason: reason))
            return []
        case (.awaitingStart, .testMarks(let marks)):
            guard configuration.mode == .spotCheck, marks.count == configuration.rounds else { return abort("unexpected test marks") }
            test = marks
            return measure(RandomBits.inputs(uniformRounds: marks, using: &randomness))
        case (.awaitingStart, .begin(let rounds)):
            guard configuration.mode == .paper, rounds == configuration.rounds else { return abort("unexpected start of a paper-mode run") }
            return measure(BitVector.random(count: rounds, using: &randomness))
        case (.awaitingAliceInputs, .inputs(let u)):
            guard u.count == configuration.rounds else { return abort("Alice announced \(u.count) inputs for \(configuration.rounds) rounds") }
            aliceInputs = u
            if configuration.mode == .spotCheck { selection = RoundSelection(test: test, aliceInputs: u, bobInputs: inputs) }
            state = .awaitingTestOutputs
            return []
        case (.awaitingTestOutputs, .testSelection(let t)):
            guard configuration.mode == .paper, t.count == configuration.rounds else { return abort("unexpected test selection") }
            test = t
            selection = RoundSelection(test: t, aliceInputs: aliceInputs, bobInputs: inputs)
            return []
        case (.awaitingTestOutputs, .testOutputs(let x)):
            return estimate(aliceTestOutputs: x)
        case (.awaitingSyndromes, .syndromes(let plan, let bits)):
            return reconcile(plan: plan, syndromes: bits)
        case (.awaitingVerification, .verification(let seed, let hash)):
            guard seed.count == corrected.count + configuration.verificationBits - 1,
                  hash.count == configuration.verificationBits else { return abort("malformed verification hash") }
            let local = ToeplitzHash(inputBits: corrected.count, outputBits: configuration.verificationBits, seed: seed)
            guard local.hash(corrected) == hash else { return abort("verification failed: the corrected keys differ") }
            state = .awaitingAmplification
            return [.verified]
        case (.awaitingAmplification, .privacyAmplification(let seed, let keyBits)):
            return amplify(seed: seed, keyBits: keyBits)
        default:
            return abort("Bob received \(message.kind) out of order")
        }
    }

    private mutating func measure(_ chosen: BitVector) -> [Message] {
        inputs = chosen
        outputs = device!.measureAll(chosen, stage: "measurement", progress: progress)
        device = nil  // Measured: the device goes back to the lab; nothing of it stays with Bob.
        state = .awaitingAliceInputs
        return [.inputs(inputs)]
    }

    private mutating func estimate(aliceTestOutputs x: BitVector) -> [Message] {
        guard let selection, x.count == selection.testRounds else { return abort("Alice announced the wrong number of test outputs") }
        let estimate = ParameterEstimate(selection: selection, aliceInputs: aliceInputs, bobInputs: inputs,
                                         aliceOutputs: x.scatter(into: selection.test), bobOutputs: outputs,
                                         epsilonPE: configuration.epsilonPE)
        ledger.estimate = estimate
        let sizing = KeySizing(estimate: estimate, configuration: configuration)
        ledger.designErrorRate = sizing.designErrorRate
        ledger.reconciliationEfficiency = sizing.efficiency
        state = .awaitingSyndromes
        let reply: [Message] = [.testOutputs(outputs.gather(selection.test))]
        corrected = outputs.gather(selection.rawKey)
        outputs = BitVector(count: 0)
        return reply
    }

    private mutating func reconcile(plan: SyndromeReconciliation.Plan, syndromes: BitVector) -> [Message] {
        guard plan.rawKeyBits == corrected.count, syndromes.count == plan.totalSyndromeBits else {
            return abort("reconciliation plan does not match Bob's raw key of \(corrected.count) bits")
        }
        syndromeBits = plan.totalSyndromeBits
        ledger.syndromeBits = syndromeBits
        switch SyndromeReconciliation.correct(corrected, syndromes: syndromes, plan: plan) {
        case .failed(let frame):
            return abort("reconciliation failed: frame \(frame) of \(plan.frames) did not decode")
        case .corrected(let bits, let iterations):
            corrected = bits
            ledger.decoderIterations = iterations
            state = .awaitingVerification
            return [.reconciled]
        }
    }

    private mutating func amplify(seed: BitVector, keyBits: Int) -> [Message] {
        guard let estimate = ledger.estimate else { return abort("internal state lost before amplification") }
        // Bob recomputes the key length from public data; a disagreement means a broken peer.
        let expected = FiniteSizeKey.length(rawKeyBits: corrected.count, epsilonUpper: estimate.epsilonUpper,
                                            leakedBits: syndromeBits + configuration.verificationBits,
                                            epsilonPA: configuration.epsilonPA)
        guard keyBits == expected, keyBits > 0, seed.count == corrected.count + keyBits - 1 else {
            return abort("Alice's key length \(keyBits) differs from Bob's computation \(expected)")
        }
        let hash = ToeplitzHash(inputBits: corrected.count, outputBits: keyBits, seed: seed)
        ledger.verificationBits = configuration.verificationBits
        ledger.keyBits = keyBits
        finish(.key(SecretBits(hash.hash(corrected))))
        return []
    }

    private mutating func abort(_ reason: String) -> [Message] {
        finish(.aborted(reason: reason))
        return [.abort(reason: reason)]
    }

    private mutating func finish(_ result: PartyOutcome) {
        outcome = result
        state = .finished
        corrected.wipe()
    }
}
