import Foundation
import Testing
import NonSignaling
import Simulation
@testable import SecurityBounds

@Suite("closed forms against the paper's numbers")
struct ClosedFormTests {
    @Test func binaryEntropyKnownValues() {
        #expect(binaryEntropy(0) == 0)
        #expect(binaryEntropy(1) == 0)
        #expect(binaryEntropy(0.5) == 1)
        #expect(abs(binaryEntropy(0.11) - 0.4999159) < 1e-6)
    }

    @Test func noiselessSingletRate() {
        // Section 6.4: eps = 0.1875, delta = 0; Lemma 19 gives q = 1 - log2(1.75).
        let box = QuantumDeviceModel().behaviour
        let q = KeyRate.nonSignaling(epsilon: box.chshError, delta: box.keyBasisError)
        #expect(abs(q - 0.19265) < 1e-5)
        #expect(abs(q - (1 - log2(1.75))) < 1e-12)
    }

    @Test func theorem3Corner() {
        let q = KeyRate.nonSignaling(epsilon: 0.2, delta: 0.02)
        #expect(q > 0)
        #expect(abs(q - 0.01056) < 1e-5)
    }

    @Test(arguments: [0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3])
    func corollary2ThresholdIsWhereTheRateVanishes(delta: Double) {
        let threshold = KeyRate.epsilonThreshold(delta: delta)
        #expect(abs(threshold - (pow(2, -binaryEntropy(delta) - 1) - 0.25)) < 1e-15)
        #expect(abs(KeyRate.nonSignaling(epsilon: threshold, delta: delta)) < 1e-12)
        #expect(KeyRate.nonSignaling(epsilon: threshold - 1e-6, delta: delta) > 0)
        #expect(KeyRate.nonSignaling(epsilon: threshold + 1e-6, delta: delta) < 0)
    }

    @Test func corollary2AtTheCorner() {
        #expect(KeyRate.epsilonThreshold(delta: 0) == 0.25)
        #expect(abs(KeyRate.epsilonThreshold(delta: 0.02) - 0.2033067) < 1e-7)
    }

    @Test func quantumBoundaryStartsAtTheSinglet() {
        #expect(abs(KeyRate.quantumMinimumEpsilon(delta: 0) - 0.1875) < 1e-15)
        // At Tsirelson's point every input has the same error (1 - 1/sqrt 2)/2.
        let tsirelson = (1 - 1 / 2.0.squareRoot()) / 2
        #expect(abs(KeyRate.quantumMinimumEpsilon(delta: tsirelson) - tsirelson) < 1e-12)
    }

    /// Brute force over the quantum condition `asin E00 + asin E01 + asin E10 - asin E11 <= pi`
    /// with `E00 = 1 - 2 delta` fixed: the best split of the remaining angle is never better than
    /// the closed form.
    @Test(arguments: [0.0, 0.01, 0.03, 0.1, 0.25])
    func quantumBoundaryMatchesBruteForce(delta: Double) {
        let remaining = Double.pi - asin(1 - 2 * delta)
        var best = Double.infinity
        let steps = 300
        for i in 0...steps {
            for j in 0...(steps - i) {
                let a = remaining * Double(i) / Double(steps), b = remaining * Double(j) / Double(steps)
                let c = remaining - a - b
                guard a <= .pi / 2, b <= .pi / 2, c <= .pi / 2 else { continue }
                // Errors (1 - sin a)/2 on the three inputs other than (0,0).
                let eps = (delta + (1 - sin(a)) / 2 + (1 - sin(b)) / 2 + (1 - sin(c)) / 2) / 4
                best = min(best, eps)
            }
        }
        let closed = KeyRate.quantumMinimumEpsilon(delta: delta)
        #expect(closed <= best + 1e-12)
        #expect(best - closed < 1e-4)
    }

    @Test func largestQuantumKeyDeltaIsTheCrossing() {
        let d = KeyRate.largestQuantumKeyDelta()
        #expect(abs(KeyRate.quantumMinimumEpsilon(delta: d) - KeyRate.epsilonThreshold(delta: d)) < 1e-12)
        #expect(d > 0.05 && d < 0.06)
    }

    @Test func quantumAdversaryComparisonRate() {
        let tsirelson = 2 * 2.0.squareRoot()
        #expect(abs(KeyRate.quantumAdversary(chshValue: tsirelson, delta: 0)! - 1) < 1e-9)
        #expect(KeyRate.quantumAdversary(chshValue: 2, delta: 0) == nil)
        #expect(KeyRate.quantumAdversary(chshValue: 3, delta: 0) == nil)
        // S = 2.5 (the singlet box of Figure 13): h((1 + sqrt(0.5625)) / 2) = h(0.875).
        #expect(abs(KeyRate.quantumAdversary(chshValue: 2.5, delta: 0)! - (1 - binaryEntropy(0.875))) < 1e-12)
    }

    @Test(arguments: 1...12)
    func lemma25Threshold(boxes n: Int) {
        let eps = DistanceBound.collectiveAttackThreshold(boxes: n)
        #expect(eps == 3 / (8 * Double(n) + 4))
        // The threshold is where the partition of Lemma 24 puts all weight on outcomes that make
        // at least one box local: n 4 eps (1 - 4 eps/3)^(n-1) = n (4 eps/3)(1 - 4 eps/3)^(n-1) + (1 - 4 eps/3)^n.
        let r = 1 - 4 * eps / 3, nn = Double(n)
        let left = nn * 4 * eps * pow(r, nn - 1)
        let right = nn * (4 * eps / 3) * pow(r, nn - 1) + pow(r, nn)
        #expect(abs(left - right) < 1e-12)
    }
}

@Suite("distance-from-uniform bounds (Lemmas 5, 6, 14, 17, 18)")
struct DistanceBoundTests {
    @Test func singleBoxIsTwoEpsilon() {
        #expect(DistanceBound.singleBox(epsilon: 0.1875) == 0.375)
        #expect(DistanceBound.parity(epsilons: [0.1875]) == 0.375)
    }

    @Test func lemma14EqualsLemma6OnProducts() {
        let epsilons = [0.05, 0.1875, 0.2]
        let product = Behaviour.noisyPRBox(epsilon: epsilons[0])
            .tensor(.noisyPRBox(epsilon: epsilons[1])).tensor(.noisyPRBox(epsilon: epsilons[2]))
        #expect(abs(DistanceBound.lemma14(product, mask: 0b111) - DistanceBound.parity(epsilons: epsilons)) < 1e-14)
        #expect(abs(DistanceBound.lemma14(product, mask: 0b010) - 2 * epsilons[1]) < 1e-14)
        #expect(abs(DistanceBound.lemma14(product, mask: 0b101) - DistanceBound.parity(epsilons: [epsilons[0], epsilons[2]])) < 1e-14)
    }

    @Test func lemma14OnACorrelatedMixtureIsTheAverage() {
        // Half the time two boxes with error 0.05, half the time two with error 0.25.
        let good = Behaviour.independent(.noisyPRBox(epsilon: 0.05), count: 2)
        let bad = Behaviour.independent(.noisyPRBox(epsilon: 0.25), count: 2)
        let mixed = Behaviour.mixture([(0.5, good), (0.5, bad)])
        let expected = 0.5 * DistanceBound.parity(epsilons: [0.05, 0.05]) + 0.5 * DistanceBound.parity(epsilons: [0.25, 0.25])
        #expect(abs(DistanceBound.lemma14(mixed, mask: 3) - expected) < 1e-14)
        // The mixture's average error is 0.15, and the product bound at that error is smaller:
        // correlations between boxes are exactly what Lemma 14 has to cover.
        #expect(DistanceBound.lemma14(mixed, mask: 3) > DistanceBound.parity(epsilons: [0.15, 0.15]))
    }

    @Test func lemma17And18InLogForm() {
        // s key bits and m leaked bits from n boxes: 1/2 2^(s+m) ((1+4eps)/2)^n.
        let direct: Double = 0.5 * pow(2.0, 15.0) * pow(1.4 / 2, 100.0)
        #expect(abs(DistanceBound.log2LinearKey(keyBits: 10, leakedBits: 5, boxes: 100, epsilon: 0.1) - log2(direct)) < 1e-10)
    }
}
