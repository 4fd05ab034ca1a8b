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
        /// A recovery round: verification failed, waiting for Alice's frame hashes.
        case awaitingFrameHashes
        case awaitingAmplification
        case finished
    }

    public let configuration: ProtocolConfiguration
    private var state = State.awaitingStart
    private var measurements: MeasurementSource?
    private let progress: ProgressHandler?

    private var inputs = BitVector(count: 0)
    private var outputs = BitVector(count: 0)
    private var test = BitVector(count: 0)
    private var aliceInputs = BitVector(count: 0)
    private var selection: RoundSelection?
    /// Bob's raw key as measured, kept until verification passes: a recovery decodes frames
    /// again from these bits, not from a wrong decoding.
    private var received = BitVector(count: 0)
    /// The corrected key, assembled once every frame has decoded.
    private var corrected = BitVector(count: 0)
    private var syndromeBits = 0
    private var verificationBits = 0
    private var plan: SyndromeReconciliation.Plan?
    /// Every frame's code and syndrome so far (extra checks stacked on the plan's code).
    private var checks: [(code: LDPCCode, syndrome: BitVector)] = []
    /// Frames still being decoded.
    private var open: Set<Int> = []
    /// Decoded frames, kept until verification passes.
    private var frames: [Int: BitVector] = [:]
    private var recoveries = 0
    /// Test seam: makes the decoder's answer for one frame wrong (see ``WrongDecode``).
    var wrongDecode: WrongDecode?

    public private(set) var outcome: PartyOutcome?
    public private(set) var ledger = Ledger()

    public init(configuration: ProtocolConfiguration, measurements: MeasurementSource, progress: ProgressHandler? = nil) {
        self.configuration = configuration
        self.measurements = measurements
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
            return measure(uniformRounds: marks)
        case (.awaitingStart, .begin(let rounds)):
            guard configuration.mode == .paper, rounds == configuration.rounds else { return abort("unexpected start of a paper-mode run") }
            return measure(uniformRounds: ~BitVector(count: rounds))
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
        case (.awaitingSyndromes, .extraSyndromes(let failed, let attempt, let bits)):
            return retry(frames: failed, attempt: attempt, bits: bits)
        case (.awaitingVerification, .verification(let seed, let hash)):
            return verify(seed: seed, hash: hash)
        case (.awaitingFrameHashes, .frameHashes(let seed, let hashes)):
            return locate(seed: seed, hashes: hashes)
        case (.awaitingAmplification, .privacyAmplification(let seed, let keyBits)):
            return amplify(seed: seed, keyBits: keyBits)
        default:
            return abort("Bob received \(message.kind) out of order")
        }
    }

    /// Chooses inputs (uniform in `uniformRounds`, 0 elsewhere) and measures, or takes the
    /// recorded rounds.
    private mutating func measure(uniformRounds: BitVector) -> [Message] {
        switch measurements! {
        case .device(let device, var inputRandomness):
            inputs = RandomBits.inputs(uniformRounds: uniformRounds, using: &inputRandomness)
            outputs = device.measureAll(inputs, stage: "measurement", progress: progress)
        case .recorded(let rounds):
            guard rounds.inputs.count == configuration.rounds else {
                return abort("Bob's records hold \(rounds.inputs.count) rounds, not \(configuration.rounds)")
            }
            inputs = rounds.inputs
            outputs = rounds.outputs
        }
        // Measured: the device goes back to the lab; nothing of it stays with Bob.
        measurements = nil
        state = .awaitingAliceInputs
        return [.inputs(inputs)]
    }

    private mutating func estimate(aliceTestOutputs x: BitVector) -> [Message] {
        guard let selection, x.count == selection.testRounds else { return abort("Alice announced the wrong number of test outputs") }
        let estimate = ParameterEstimate(selection: selection, aliceInputs: aliceInputs, bobInputs: inputs,
                                         aliceOutputs: x.scatter(into: selection.test), bobOutputs: outputs,
                                         uniformRounds: configuration.uniformRounds(test: selection.test),
                                         epsilonPE: configuration.epsilonPE)
        ledger.estimate = estimate
        let sizing = KeySizing(estimate: estimate, configuration: configuration)
        ledger.designErrorRate = sizing.designErrorRate
        ledger.reconciliationEfficiency = sizing.efficiency
        state = .awaitingSyndromes
        let reply: [Message] = [.testOutputs(outputs.gather(selection.test))]
        received = outputs.gather(selection.rawKey)
        outputs = BitVector(count: 0)
        return reply
    }

    private mutating func reconcile(plan: SyndromeReconciliation.Plan, syndromes: BitVector) -> [Message] {
        guard plan.rawKeyBits == received.count, syndromes.count == plan.totalSyndromeBits else {
            return abort("reconciliation plan does not match Bob's raw key of \(received.count) bits")
        }
        self.plan = plan
        syndromeBits = plan.totalSyndromeBits
        var offset = 0
        let codes = plan.codes()
        for k in 0..<plan.frames {
            checks.append((codes[k], syndromes.slice(offset..<(offset + plan.syndromeBits[k]))))
            offset += plan.syndromeBits[k]
        }
        open = Set(0..<plan.frames)
        return decodeOpenFrames()
    }

    private mutating func retry(frames failed: [Int], attempt: Int, bits: BitVector) -> [Message] {
        guard let plan, Set(failed) == open, failed.count == open.count else {
            return abort("extra syndromes for frames Bob did not report")
        }
        var offset = 0
        for k in failed {
            let extra = SyndromeReconciliation.extraCode(plan: plan, frame: k, attempt: attempt)
            guard offset + extra.checks <= bits.count else { return abort("extra syndromes are too short") }
            checks[k].syndrome.append(contentsOf: bits.slice(offset..<(offset + extra.checks)))
            checks[k].code = checks[k].code.stacked(with: extra)
            offset += extra.checks
        }
        guard offset == bits.count else { return abort("extra syndromes have the wrong length") }
        syndromeBits += bits.count
        return decodeOpenFrames()
    }

    /// Decodes every open frame; reports failures, or assembles the corrected key.
    private mutating func decodeOpenFrames() -> [Message] {
        guard let plan else { return abort("internal state lost during reconciliation") }
        // One status bit per open frame is disclosed with the reply.
        syndromeBits += open.count
        let keys = open.sorted()
        let outcomes = SyndromeReconciliation.decode(
            frames: keys.map { k in (k, received.slice(plan.frameRange(k)), checks[k].code, checks[k].syndrome) },
            errorRate: plan.designErrorRate)
        var failed: [Int] = []
        for (k, outcome) in zip(keys, outcomes) {
            ledger.decoderIterations.append(outcome.iterations)
            if var frame = outcome.corrected {
                if wrongDecode?.frame == k { wrongDecode!.corrupt(&frame) }
                frames[k] = frame
                open.remove(k)
            } else {
                failed.append(k)
            }
        }
        ledger.syndromeBits = syndromeBits
        if failed.isEmpty {
            corrected.wipe()
            corrected = BitVector(count: 0)
            for k in 0..<plan.frames { corrected.append(contentsOf: frames[k]!) }
            state = .awaitingVerification
        }
        return [.reconciliationStatus(failedFrames: failed)]
    }

    /// Compares Alice's verification hash with Bob's corrected key; on a mismatch asks for a
    /// recovery round, or aborts when ``VerificationRecovery/maximumRounds`` are spent.
    private mutating func verify(seed: BitVector, hash: BitVector) -> [Message] {
        guard seed.count == corrected.count + configuration.verificationBits - 1,
              hash.count == configuration.verificationBits else { return abort("malformed verification hash") }
        verificationBits += hash.count
        let local = ToeplitzHash(inputBits: corrected.count, outputBits: configuration.verificationBits, seed: seed)
        if local.hash(corrected) == hash {
            wipeReconciliation()
            state = .awaitingAmplification
            return [.verified]
        }
        guard recoveries < VerificationRecovery.maximumRounds else { return abort(VerificationRecovery.exhaustedReason) }
        recoveries += 1
        // The verdict: one bit about Bob's errors.
        syndromeBits += 1
        ledger.syndromeBits = syndromeBits
        state = .awaitingFrameHashes
        return [.verificationFailed]
    }

    /// Finds the frames whose hashes differ from Alice's and reopens them for decoding.
    private mutating func locate(seed: BitVector, hashes: BitVector) -> [Message] {
        guard let plan, seed.count == VerificationRecovery.seedBits(plan: plan),
              hashes.count == VerificationRecovery.hashBits(plan: plan) else { return abort("malformed frame hashes") }
        verificationBits += hashes.count
        // The mismatch set: one bit per frame about Bob's errors.
        syndromeBits += plan.frames
        ledger.syndromeBits = syndromeBits
        let mismatched = VerificationRecovery.mismatchedFrames(of: corrected, plan: plan, seed: seed, hashes: hashes)
        guard !mismatched.isEmpty else { return abort(VerificationRecovery.unlocatedReason) }
        for k in mismatched { frames[k] = nil }
        open = Set(mismatched)
        state = .awaitingSyndromes
        return [.frameMismatch(frames: mismatched)]
    }

    /// Drops what only reconciliation and recovery needed once the keys are verified.
    private mutating func wipeReconciliation() {
        received.wipe()
        received = BitVector(count: 0)
        for k in frames.keys { frames[k]!.wipe() }
        frames = [:]
        checks = []
    }

    private mutating func amplify(seed: BitVector, keyBits: Int) -> [Message] {
        guard let epsilonUpper = ledger.estimate?.epsilonUpper else { return abort("internal state lost before amplification") }
        // Bob recomputes the key length from public data; a disagreement means a broken peer.
        let expected = FiniteSizeKey.length(rawKeyBits: corrected.count, epsilonUpper: epsilonUpper,
                                            leakedBits: syndromeBits + verificationBits,
                                            epsilonPA: configuration.epsilonPA)
        guard keyBits == expected, keyBits > 0, seed.count == corrected.count + keyBits - 1 else {
            return abort("Alice's key length \(keyBits) differs from Bob's computation \(expected)")
        }
        let hash = ToeplitzHash(inputBits: corrected.count, outputBits: keyBits, seed: seed)
        ledger.verificationBits = verificationBits
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
        wipeReconciliation()
    }
}

/// Test seam: a decoder that settles on a wrong string for one frame, `times` times.
///
/// After frame `frame` decodes, its first bit is flipped, as if the decoder had converged to
/// another string; Bob never rechecks a decoded frame against the syndrome (the decoder only
/// returns strings that match it), so the fault takes exactly the path of a real wrong
/// codeword: verification fails and the recovery must find and re-decode the frame.
struct WrongDecode {
    let frame: Int
    /// How many more decodings of the frame to corrupt.
    var times: Int

    mutating func corrupt(_ bits: inout BitVector) {
        guard times > 0 else { return }
        times -= 1
        bits[0].toggle()
    }
}
