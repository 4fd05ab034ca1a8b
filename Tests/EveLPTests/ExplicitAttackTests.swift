import Testing
import NonSignaling
import SecurityBounds
@testable import EveLP

@Suite("explicit attacks (Appendices A and F)")
struct ExplicitAttackTests {
    @Test(arguments: [0.0, 0.05, 0.1875, 0.25])
    func appendixAReachesTwoEpsilon(epsilon: Double) throws {
        let partition = ExplicitAttack.individual(epsilon: epsilon)
        try partition.validate(of: .noisyPRBox(epsilon: epsilon))
        // Distance from uniform of Alice's bit given z (inputs (0, 0)): 1/2 on deterministic boxes.
        let distance = partition.elements.reduce(0.0) { sum, element in
            sum + element.weight * abs(element.behaviour[0, 0, 0, 0] + element.behaviour[0, 1, 0, 0] - 0.5)
        }
        #expect(abs(distance - DistanceBound.singleBox(epsilon: epsilon)) < 1e-12)
    }

    @Test(arguments: [(2, 0.02), (2, 0.1), (2, 0.15), (3, 0.05), (3, 0.1), (4, 0.05)])
    func lemma24IsABoxPartitionOfTheHonestBoxes(n: Int, epsilon: Double) throws {
        let attack = try #require(ExplicitAttack.collective(boxes: n, epsilon: epsilon))
        let honest = Behaviour.independent(.noisyPRBox(epsilon: epsilon), count: n)
        try attack.partition.validate(of: honest)
        #expect(attack.partition.elements.count == 1 << n)
    }

    /// Lemma 23 / Corollary 4, recomputed from the construction: Eve knows at least one of two
    /// bits with probability p_ll + p_l⊥ + p_⊥l = (4 eps/3)^2 + 2 (4 eps)(1 - 4 eps/3). The
    /// corollary's text has (4 eps)^2 for the first term; the partition gives (4 eps/3)^2.
    @Test(arguments: [0.01, 0.05, 0.1, 0.15])
    func corollary4FromTheConstruction(epsilon: Double) throws {
        let attack = try #require(ExplicitAttack.collective(boxes: 2, epsilon: epsilon))
        let probability = ExplicitAttack.probabilityOfAKnownBit(attack)
        let r = 4 * epsilon / 3
        #expect(abs(probability - (r * r + 2 * 4 * epsilon * (1 - r))) < 1e-12)
        // Collective beats individual: (4 eps)^2 + 2 (4 eps)(1 - 4 eps) = 1 - (1 - 4 eps)^2.
        let individual = ExplicitAttack.individualProbabilityOfAKnownBit(boxes: 2, epsilon: epsilon)
        #expect(abs(individual - ((4 * epsilon) * (4 * epsilon) + 2 * 4 * epsilon * (1 - 4 * epsilon))) < 1e-12)
        if epsilon > 0 { #expect(probability > individual) }
    }

    /// Lemma 23 holds only up to eps = 3/20 (n = 2): beyond, the PR-PR outcome would need negative
    /// weight. The noiseless singlet's eps = 0.1875 is past it, so this attack does not apply there.
    @Test func lemma23NeedsEpsilonUpToThreeTwentieths() {
        #expect(ExplicitAttack.collective(boxes: 2, epsilon: 0.15) != nil)
        #expect(ExplicitAttack.collective(boxes: 2, epsilon: 0.1875) == nil)
    }

    @Test(arguments: 1...5)
    func lemma25ThresholdIsWhereEveAlwaysFindsALocalBox(n: Int) throws {
        let threshold = DistanceBound.collectiveAttackThreshold(boxes: n)
        let attack = try #require(ExplicitAttack.collective(boxes: n, epsilon: threshold))
        #expect(abs(ExplicitAttack.probabilityOfAKnownBit(attack) - 1) < 1e-9)
        // Beyond the threshold the construction has no weight left for "no local box".
        #expect(ExplicitAttack.collective(boxes: n, epsilon: threshold * 1.01) == nil)
    }
}
