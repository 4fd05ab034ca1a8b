import Testing
import Randomness
@testable import NonSignaling

@Suite("depolarisation (Appendix E)")
struct DepolarisationTests {
    @Test func everyRelabellingPreservesTheCHSHConditionEntryByEntry() {
        for r in Depolarisation.Relabelling.all {
            for x in 0...1 { for y in 0...1 { for u in 0...1 { for v in 0...1 {
                let e = r.boxEntry(x: x, y: y, u: u, v: v)
                #expect(((x ^ y) == (u & v)) == ((e.x ^ e.y) == (e.u & e.v)), "\(r) at \(x)\(y)\(u)\(v)")
            } } } }
        }
    }

    @Test func depolarisedBoxesAreUnbiasedWithEqualErrorsAndKeepEpsilon() throws {
        let seed: UInt64 = 0xDE90_1A12
        print("depolarisation property test seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<50 {
            let box = randomNonSignalingBox(using: &rng)
            let depolarised = Depolarisation.depolarise(box)
            try depolarised.validate()
            #expect(abs(depolarised.chshError - box.chshError) < 1e-12)
            for error in depolarised.errorsPerInput { #expect(abs(error - box.chshError) < 1e-12) }
            // Unbiased: each party's marginal output is uniform for each input.
            for u in 0...1 { for v in 0...1 {
                #expect(abs(depolarised[0, 0, u, v] + depolarised[0, 1, u, v] - 0.5) < 1e-12)
                #expect(abs(depolarised[0, 0, u, v] + depolarised[1, 0, u, v] - 0.5) < 1e-12)
            } }
            // It is then exactly the noisy PR box with that error.
            let target = Behaviour.noisyPRBox(epsilon: box.chshError)
            #expect(zip(depolarised.probabilities, target.probabilities).allSatisfy { abs($0 - $1) < 1e-12 })
        }
    }

    @Test func depolarisingCorrelatedBoxesKeepsLemma14Mass() throws {
        let seed: UInt64 = 0x14_14_14
        print("correlated depolarisation seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<10 {
            // A correlated (non-product) two-box behaviour: a mixture of products.
            var parts: [(Double, Behaviour)] = []
            for _ in 0..<3 {
                let weight = Double.random(in: 0.1..<1, using: &rng)
                parts.append((weight, randomNonSignalingBox(using: &rng).tensor(randomNonSignalingBox(using: &rng))))
            }
            let total = parts.map(\.0).reduce(0, +)
            let behaviour = Behaviour.mixture(parts.map { ($0.0 / total, $0.1) })
            let depolarised = Depolarisation.depolarise(behaviour)
            try depolarised.validate()
            #expect(abs(depolarised.massWhereAllViolate(mask: 3) - behaviour.massWhereAllViolate(mask: 3)) < 1e-12)
            for (before, after) in zip(behaviour.chshErrorsPerBox, depolarised.chshErrorsPerBox) {
                #expect(abs(before - after) < 1e-12)
            }
        }
    }
}

@Suite("box partitions (Definition 3, Lemma 9)")
struct BoxPartitionTests {
    /// Appendix A / Lemma 20: a noisy PR box with error eps is the mixture of a PR box
    /// (weight 1 - 4 eps) and the eight deterministic boxes meeting CHSH on three inputs
    /// (weight eps/2 each). Eve learns Alice's bit exactly on those, so her distance from
    /// uniform is 2 eps: Lemma 5 is tight.
    @Test(arguments: [0.0, 0.05, 0.1875, 0.25])
    func appendixAPartitionReachesTwoEpsilon(epsilon: Double) throws {
        let noisy = Behaviour.noisyPRBox(epsilon: epsilon)
        let deterministic = Behaviour.allLocalDeterministic.filter { $0.chshError == 0.25 }
        #expect(deterministic.count == 8)
        let partition = BoxPartition([(1 - 4 * epsilon, Behaviour.prBox)] + deterministic.map { (epsilon / 2, $0) })
        try partition.validate(of: noisy)
        let distance = partition.elements.reduce(0.0) { sum, element in
            let p0 = element.behaviour[0, 0, 0, 0] + element.behaviour[0, 1, 0, 0]
            return sum + element.weight * abs(p0 - 0.5)
        }
        #expect(abs(distance - 2 * epsilon) < 1e-12)
    }

    @Test func lemma9MembershipIsTheEntrywiseCondition() throws {
        let noisy = Behaviour.noisyPRBox(epsilon: 0.1)
        // PR entries are 1/2 where the noisy box has 0.45: the largest weight is 0.9.
        #expect(BoxPartition.isElement(weight: 0.9, .prBox, of: noisy))
        #expect(!BoxPartition.isElement(weight: 0.91, .prBox, of: noisy))
        let partition = try #require(BoxPartition.completing(weight: 0.6, .prBox, of: noisy))
        try partition.validate(of: noisy)
        // A signalling "element" is never allowed, however small its weight.
        let signalling = Behaviour(boxes: 1) { x, y, u, v in (x == v && y == 0) ? 1 : 0 }
        #expect(!BoxPartition.isElement(weight: 0.01, signalling, of: noisy))
    }

    @Test func invalidPartitionsSayWhy() {
        let noisy = Behaviour.noisyPRBox(epsilon: 0.1)
        #expect(throws: BoxPartition.Failure.weightsDoNotSumToOne(sum: 0.9)) {
            try BoxPartition([(0.9, noisy)]).validate(of: noisy)
        }
        #expect(throws: BoxPartition.Failure.self) {
            try BoxPartition([(0.5, .prBox), (0.5, Behaviour.noisyPRBox(epsilon: 0.25))]).validate(of: noisy)
        }
    }
}
