import Testing
import Hashing
@testable import Protocol
import Reconciliation
import SecurityBounds
import Simulation

/// A seeded run at visibility 0.998 (about 25 frames of 2^14 bits), with Bob's decoder made
/// to answer wrongly for one frame when `wrongDecode` says so.
func runWithWrongDecode(_ wrongDecode: WrongDecode?, seed: UInt64) -> (result: ProtocolRun.Result, channel: InMemoryChannel) {
    print("recovery run seed \(seed), wrong decode \(String(describing: wrongDecode))")
    let source = BoxSource(box: QuantumDeviceModel(visibility: 0.998).behaviour, seed: seed)
    let devices = source.makeDevices()
    let configuration = smallConfiguration(rounds: 600_000)
    var alice = Alice(configuration: configuration,
                      measurements: .device(devices.alice, inputRandomness: .init(seed: seed, stream: "alice.inputs")),
                      randomness: .init(seed: seed, stream: "alice"))
    var bob = Bob(configuration: configuration,
                  measurements: .device(devices.bob, inputRandomness: .init(seed: seed, stream: "bob.inputs")))
    bob.wrongDecode = wrongDecode
    let channel = InMemoryChannel()
    return (ProtocolRun.run(alice: &alice, bob: &bob, channel: channel), channel)
}

/// The bits a transcript discloses about the raw keys, counted from the messages alone, split
/// as the report splits them.
func disclosedBits(_ transcript: [(from: Party, message: Message)]) -> (syndrome: Int, verification: Int) {
    var syndrome = 0, verification = 0, frames = 0
    for (_, message) in transcript {
        switch message {
        case .syndromes(let plan, let bits):
            frames = plan.frames
            syndrome += bits.count + plan.frames           // the syndromes, then one status bit per frame
        case .extraSyndromes(let failed, _, let bits):
            syndrome += bits.count + failed.count          // the extra syndromes, then a status bit per frame
        case .verificationFailed:
            syndrome += 1
        case .frameMismatch:
            syndrome += frames
        case .verification(_, let hash), .frameHashes(_, let hash):
            verification += hash.count
        default:
            break
        }
    }
    return (syndrome, verification)
}

@Suite("recovery from a failed verification", .serialized)
struct VerificationRecoveryTests {
    @Test(arguments: [(frame: 0, seed: UInt64(4)), (frame: 7, seed: UInt64(5))])
    func aWrongDecodeOfOneFrameIsRecovered(frame: Int, seed: UInt64) throws {
        let (result, channel) = runWithWrongDecode(WrongDecode(frame: frame, times: 1), seed: seed)
        let report = result.report
        #expect(!report.aborted, "seed \(seed): \(report.abortReason ?? "")")
        let (alice, bob) = try #require(keys(result), "seed \(seed)")
        #expect(alice == bob, "seed \(seed)")
        #expect(alice.count == report.keyBits && report.keyBits > 0)

        // The recovery ran once and named exactly the corrupted frame.
        let kinds = channel.transcript.map(\.message.kind)
        #expect(kinds.filter { $0 == "verification" }.count == 2)
        #expect(kinds.filter { $0 == "verificationFailed" }.count == 1)
        let mismatch = channel.transcript.compactMap { entry -> [Int]? in
            if case .frameMismatch(let frames) = entry.message { return frames } else { return nil }
        }
        #expect(mismatch == [[frame]])
        #expect(kinds.suffix(9) == ["verification", "verificationFailed", "frameHashes", "frameMismatch", "extraSyndromes",
                                    "reconciliationStatus", "verification", "verified", "privacyAmplification"])

        // Every disclosed bit is in the report: two t-bit verifications plus the frame hashes,
        // and the status bits, verdict, mismatch set and extra syndromes.
        let plan = try #require(channel.transcript.lazy.compactMap { entry -> SyndromeReconciliation.Plan? in
            if case .syndromes(let plan, _) = entry.message { return plan } else { return nil }
        }.first)
        let disclosed = disclosedBits(channel.transcript)
        #expect(report.syndromeBits == disclosed.syndrome)
        #expect(report.verificationBits == disclosed.verification)
        #expect(report.verificationBits == 2 * 32 + VerificationRecovery.hashBits(plan: plan))
        #expect(VerificationRecovery.hashBits(plan: plan) == 32 * plan.frames)
        // SECURITY-MATH §4.6 recomputed from the report's own fields.
        #expect(report.keyBits == FiniteSizeKey.length(rawKeyBits: report.rawKeyBits, epsilonUpper: try #require(report.epsilonUpper),
                                                       leakedBits: report.syndromeBits + report.verificationBits,
                                                       epsilonPA: report.epsilonPA))
        #expect(report.epsilonCorrectness == Double(1 + VerificationRecovery.maximumRounds) * 0x1p-32)

        // The same run without the fault: the recovery cost exactly its disclosed bits.
        let (clean, cleanChannel) = runWithWrongDecode(nil, seed: seed)
        let cleanKinds = cleanChannel.transcript.map(\.message.kind)
        #expect(!cleanKinds.contains("verificationFailed"), "seed \(seed) needed a recovery on its own")
        let extraBits = channel.transcript.reduce(0) { sum, entry in
            if case .extraSyndromes(let frames, _, let bits) = entry.message { return sum + bits.count + frames.count }
            return sum
        }
        let cleanExtraBits = cleanChannel.transcript.reduce(0) { sum, entry in
            if case .extraSyndromes(let frames, _, let bits) = entry.message { return sum + bits.count + frames.count }
            return sum
        }
        #expect(report.syndromeBits - clean.report.syndromeBits == 1 + plan.frames + extraBits - cleanExtraBits)
        #expect(report.verificationBits - clean.report.verificationBits == 32 + 32 * plan.frames)
        #expect(report.keyBits < clean.report.keyBits)
    }

    @Test func aWrongDecodeBeyondTheBoundAbortsWithoutKeys() throws {
        let seed: UInt64 = 4
        // Wrong on the first decoding and on every recovery's re-decoding.
        let (result, channel) = runWithWrongDecode(WrongDecode(frame: 2, times: 1 + VerificationRecovery.maximumRounds), seed: seed)
        let report = result.report
        #expect(report.aborted)
        #expect(report.abortReason == VerificationRecovery.exhaustedReason)
        #expect(report.abortReason?.hasPrefix("verification failed") == true)
        #expect(report.keyBits == 0)
        #expect(keys(result) == nil)
        if case .key = result.alice { Issue.record("Alice kept a key (seed \(seed))") }
        if case .key = result.bob { Issue.record("Bob kept a key (seed \(seed))") }
        let kinds = channel.transcript.map(\.message.kind)
        #expect(kinds.filter { $0 == "verification" }.count == 1 + VerificationRecovery.maximumRounds)
        #expect(kinds.filter { $0 == "frameHashes" }.count == VerificationRecovery.maximumRounds)
        #expect(kinds.last == "abort")
        // Even without a key, the report counts what was disclosed.
        let disclosed = disclosedBits(channel.transcript)
        #expect(report.syndromeBits == disclosed.syndrome)
        #expect(report.verificationBits == disclosed.verification)
    }

    /// Frame hashes name exactly the frames that differ (seeded; a differing frame escapes
    /// with probability 2^-32).
    @Test(arguments: [[1, 4], [0], [9]])
    func frameHashesLocateTheDifferingFrames(differing: [Int]) {
        var rng = SplitMix64(state: 17)
        let plan = SyndromeReconciliation.plan(rawKeyBits: 10 * 5_000 + 7, errorRate: 0.02, efficiency: 1.2, frameBits: 5_000,
                                               codeSeed: 1)
        let x = BitVector.random(count: plan.rawKeyBits, using: &rng)
        var y = x
        for k in differing { y[plan.frameRange(k).upperBound - 1].toggle() }
        let seed = BitVector.random(count: VerificationRecovery.seedBits(plan: plan), using: &rng)
        let hashes = VerificationRecovery.frameHashes(of: x, plan: plan, seed: seed)
        #expect(hashes.count == VerificationRecovery.hashBits(plan: plan))
        #expect(VerificationRecovery.mismatchedFrames(of: x, plan: plan, seed: seed, hashes: hashes).isEmpty)
        #expect(VerificationRecovery.mismatchedFrames(of: y, plan: plan, seed: seed, hashes: hashes) == differing)
        // Each frame's hash is the Toeplitz definition on that frame's bits.
        let k = differing[0]
        let hash = VerificationRecovery.frameHash(frame: k, plan: plan, seed: seed)
        #expect(hash.hash(x.slice(plan.frameRange(k))) == hash.hashByDefinition(x.slice(plan.frameRange(k))))
    }
}

/// A small seeded generator for the hash tests (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
