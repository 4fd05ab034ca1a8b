import Testing
import Hashing
import NonSignaling
@testable import Protocol
import SecurityBounds
import Simulation
import Reconciliation

/// Small, fast runs: loose security parameters keep the number of rounds low enough for a
/// debug build, without changing any code path.
func smallConfiguration(rounds: Int, mode: ProtocolMode = .spotCheck) -> ProtocolConfiguration {
    ProtocolConfiguration(rounds: rounds, mode: mode, testFraction: 0.3, epsilonPE: 1e-2, epsilonPA: 1e-2,
                          verificationBits: 32, frameBits: 1 << 14)
}

func keys(_ result: ProtocolRun.Result) -> (SecretBits, SecretBits)? {
    if case .key(let a) = result.alice, case .key(let b) = result.bob { return (a, b) }
    return nil
}

@Suite("the protocol end to end", .serialized)
struct ProtocolRunTests {
    @Test(arguments: [(1.0, ProtocolMode.spotCheck), (0.995, .spotCheck), (0.99, .spotCheck), (0.995, .paper)])
    func seededRunsGiveEqualKeysOrAbortCleanly(visibility: Double, mode: ProtocolMode) throws {
        let rounds = mode == .paper ? 1_600_000 : 500_000
        for seed in UInt64(1)...3 {
            print("protocol run seed \(seed), visibility \(visibility), mode \(mode.rawValue)")
            let result = SimulatedRun.run(model: QuantumDeviceModel(visibility: visibility),
                                          configuration: smallConfiguration(rounds: rounds, mode: mode), seed: seed)
            let report = result.report
            if let (alice, bob) = keys(result) {
                #expect(!report.aborted)
                #expect(alice == bob, "seed \(seed)")
                #expect(alice.count == report.keyBits)
                #expect(report.keyBits > 0)
                // SECURITY-MATH §4.6 recomputed from the report's own fields.
                #expect(report.keyBits == FiniteSizeKey.length(rawKeyBits: report.rawKeyBits, epsilonUpper: try #require(report.epsilonUpper),
                                                               leakedBits: report.syndromeBits + report.verificationBits,
                                                               epsilonPA: report.epsilonPA))
            } else {
                #expect(report.aborted, "seed \(seed)")
                #expect(report.keyBits == 0)
                guard case .aborted = result.alice, case .aborted = result.bob else {
                    Issue.record("one party kept a key although the run aborted (seed \(seed))")
                    return
                }
            }
        }
    }

    /// Frames of 2^20 bits and more (the default is 2^21) are coded with quasi-cyclic codes: a
    /// run with a 2.3-million-bit raw key reconciles through the quasi-cyclic decoder and ends
    /// with equal keys.
    @Test func defaultFramesUseQuasiCyclicCodes() {
        #expect(ReconciliationMargin.lift(frameBits: 1 << 20) == LDPCCode.defaultLift)
        #expect(ReconciliationMargin.lift(frameBits: (1 << 20) - 1) == nil)
        #expect(ReconciliationMargin.lift(rawKeyBits: 3_000_000, frameBits: 1 << 21) == LDPCCode.defaultLift)
        #expect(ReconciliationMargin.lift(rawKeyBits: 900_000, frameBits: 1 << 21) == nil)
        // Each construction with the profile its table was measured with.
        #expect(ReconciliationMargin.profile(errorRate: 0.02, frameBits: 1 << 20) == ReconciliationMargin.quasiCyclicProfile)
        #expect(ReconciliationMargin.profile(errorRate: 0.011, frameBits: 1 << 21) == ReconciliationMargin.highRateProfile)
        #expect(ReconciliationMargin.profile(errorRate: 0.02, frameBits: 1 << 18) == ReconciliationMargin.profile)
        #expect(ReconciliationMargin.profile(errorRate: 0.02, frameBits: 1 << 16) == ReconciliationMargin.shortFrameProfile)
        let configuration = ProtocolConfiguration(rounds: 2_600_000, testFraction: 0.1, epsilonPE: 1e-2, epsilonPA: 1e-2,
                                                  verificationBits: 32)
        #expect(configuration.frameBits == ReconciliationMargin.defaultFrameBits)
        let seed: UInt64 = 21
        print("quasi-cyclic protocol run seed \(seed)")
        let result = SimulatedRun.run(model: QuantumDeviceModel(visibility: 0.998), configuration: configuration, seed: seed)
        #expect(result.report.rawKeyBits >= 2 << 20)
        #expect(!result.report.aborted, "\(result.report.abortReason ?? "")")
        if let (alice, bob) = keys(result) { #expect(alice == bob && alice.count > 0) }
    }

    @Test func highVisibilityRunsAlwaysProduceKeys() {
        for seed in UInt64(10)...14 {
            print("key run seed \(seed)")
            let result = SimulatedRun.run(model: QuantumDeviceModel(visibility: 0.998),
                                          configuration: smallConfiguration(rounds: 600_000), seed: seed)
            #expect(!result.report.aborted, "seed \(seed): \(result.report.abortReason ?? "")")
            #expect((result.report.deltaEstimate ?? 0) > 0)
            #expect(result.report.syndromeBits > 0)
        }
    }

    @Test(arguments: [0.85, 0.8, 0.5])
    func belowTheThresholdRunsAbortWithoutKeys(visibility: Double) {
        let result = SimulatedRun.run(model: QuantumDeviceModel(visibility: visibility),
                                      configuration: smallConfiguration(rounds: 200_000), seed: 7)
        #expect(result.report.aborted)
        #expect(result.report.abortReason?.contains("parameter estimation") == true)
        #expect(keys(result) == nil)
        if case .key = result.alice { Issue.record("Alice kept a key") }
        if case .key = result.bob { Issue.record("Bob kept a key") }
    }

    @Test func tooFewRoundsSaysHowManyWouldBeNeeded() throws {
        let result = SimulatedRun.run(model: QuantumDeviceModel(visibility: 0.99),
                                      configuration: ProtocolConfiguration(rounds: 20_000), seed: 3)
        let reason = try #require(result.report.abortReason)
        #expect(reason.contains("rounds would be needed"))
    }

    @Test func seededRunsAreReproducible() {
        let configuration = smallConfiguration(rounds: 600_000)
        let first = SimulatedRun.run(model: QuantumDeviceModel(visibility: 0.998), configuration: configuration, seed: 99)
        let second = SimulatedRun.run(model: QuantumDeviceModel(visibility: 0.998), configuration: configuration, seed: 99)
        #expect(keys(first).map { $0.0 } == keys(second).map { $0.0 })
        #expect(first.report.epsilonEstimate == second.report.epsilonEstimate)
    }
}
