import Foundation
import Testing
@testable import SecurityBounds

@Suite("finite-size key length (SECURITY-MATH §4)")
struct FiniteSizeTests {
    @Test func samplingDeviation() {
        // xi = 4 sqrt(ln(2/eps_PE)/k)
        let xi = ParameterEstimation.deviation(testRounds: 1_000_000, epsilonPE: 1e-10)
        #expect(abs(xi - 4 * (log(2e10) / 1e6).squareRoot()) < 1e-15)
        let up = ParameterEstimation.upperBound(observed: 0.19, testRounds: 100, rawKeyBits: 300, epsilonPE: 0.01)
        #expect(abs(up - (0.19 + 4 * (log(200.0) / 100).squareRoot() * 400 / 300)) < 1e-15)
    }

    /// The key length is the largest `l` satisfying Lemma 18's inequality.
    @Test(arguments: [(10_000, 0.19, 500, 1e-10), (1_000_000, 0.2, 40_000, 5e-10), (123_457, 0.1875, 0, 1e-3),
                      (5_000_000, 0.21, 1_000_000, 1e-9)])
    func keyLengthIsTheLargestSecureLength(n: Int, epsUp: Double, leak: Int, epsPA: Double) {
        let l = FiniteSizeKey.length(rawKeyBits: n, epsilonUpper: epsUp, leakedBits: leak, epsilonPA: epsPA)
        func log2Distance(_ l: Int) -> Double { DistanceBound.log2LinearKey(keyBits: l, leakedBits: leak, boxes: n, epsilon: epsUp) }
        #expect(log2Distance(l) <= log2(epsPA) + 1e-6)
        #expect(log2Distance(l + 1) > log2(epsPA) - 1e-6)
    }

    @Test func noKeyAboveAQuarter() {
        #expect(FiniteSizeKey.length(rawKeyBits: 1_000_000, epsilonUpper: 0.25, leakedBits: 0, epsilonPA: 1e-9) <= 0)
    }

    @Test(arguments: [ProtocolMode.spotCheck, .paper])
    func minimumRoundsIsTheFirstPositivePoint(mode: ProtocolMode) throws {
        let parameters = FiniteSizeParameters(mode: mode, testFraction: 0.15)
        let minimum = try #require(FiniteSizePlan.minimumRounds(epsilon: 0.19, delta: 0.004, parameters: parameters))
        #expect(FiniteSizePlan.point(rounds: minimum, epsilon: 0.19, delta: 0.004, parameters: parameters).keyBits > 0)
        #expect(FiniteSizePlan.point(rounds: minimum - 1, epsilon: 0.19, delta: 0.004, parameters: parameters).keyBits == 0)
    }

    @Test func spotCheckNeedsFewerRoundsThanPaperMode() throws {
        let spot = try #require(FiniteSizePlan.minimumRounds(epsilon: 0.19, delta: 0.004, parameters: .init(mode: .spotCheck)))
        let paper = try #require(FiniteSizePlan.minimumRounds(epsilon: 0.19, delta: 0.004, parameters: .init(mode: .paper)))
        #expect(spot < paper)
    }

    @Test func noMinimumWithoutAsymptoticKey() {
        #expect(FiniteSizePlan.minimumRounds(epsilon: 0.24, delta: 0.05, parameters: .init()) == nil)
    }

    @Test func planPointsAccountForEveryBit() {
        let parameters = FiniteSizeParameters()
        let point = FiniteSizePlan.point(rounds: 50_000_000, epsilon: 0.190625, delta: 0.005, parameters: parameters)
        #expect(point.testRounds == 5_000_000)
        #expect(point.rawKeyBits == 45_000_000)
        let syndrome = Int((1.2 * 45_000_000 * binaryEntropy(0.005)).rounded(.up))
        #expect(point.leakedBits == syndrome + 64)
        #expect(point.keyBits == FiniteSizeKey.length(rawKeyBits: point.rawKeyBits, epsilonUpper: point.epsilonUpper,
                                                      leakedBits: point.leakedBits, epsilonPA: parameters.epsilonPA))
    }
}

@Suite("test-fraction optimisation")
struct TestFractionTests {
    @Test(arguments: [2_000_000, 10_000_000, 100_000_000])
    func theBestFractionBeatsEveryFixedOne(rounds: Int) {
        let parameters = FiniteSizeParameters(reconciliationEfficiency: 1.45)
        let best = FiniteSizePlan.bestTestFraction(rounds: rounds, epsilon: 0.190625, delta: 0.005, parameters: parameters)
        for gamma in [0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5] {
            var fixed = parameters
            fixed.testFraction = gamma
            let key = FiniteSizePlan.point(rounds: rounds, epsilon: 0.190625, delta: 0.005, parameters: fixed).keyBits
            #expect(best.point.keyBits >= key, "rounds \(rounds), gamma \(gamma)")
        }
        #expect(abs(best.point.testFraction - best.fraction) < 1e-6 + 1 / Double(rounds))
    }

    @Test func optimisingNeverNeedsMoreRounds() throws {
        let parameters = FiniteSizeParameters(reconciliationEfficiency: 1.45)
        let fixed = try #require(FiniteSizePlan.minimumRounds(epsilon: 0.190625, delta: 0.005, parameters: parameters))
        let optimised = try #require(FiniteSizePlan.minimumRounds(epsilon: 0.190625, delta: 0.005, parameters: parameters,
                                                                  optimiseTestFraction: true))
        #expect(optimised <= fixed)
    }
}
