import NonSignaling

/// Eavesdropping strategies written down as box partitions (Definition 3) of the honest
/// behaviour: `n` independent unbiased boxes with CHSH error `eps` on every input. Each element
/// is a product of single boxes, and Eve learns which element occurred.
///
/// The LP of Lemma 10 (``EveLinearProgram``) finds Eve's optimum; these constructions show
/// what concrete attacks achieve, and each is checked to be a valid partition by the tests.
public enum ExplicitAttack {
    /// What Eve learns in one element: for each box, whether it is local (`true`) — then she
    /// can refine it into local deterministic boxes and know its outputs — or a PR box.
    public struct Outcome: Sendable, Hashable {
        public let localBoxes: [Bool]
    }

    /// Appendix A (Lemma 20): one box is a PR box with weight `1 - 4 eps` and, with weight
    /// `eps / 2` each, one of the eight local deterministic boxes that meet CHSH on three inputs.
    /// Eve's distance from uniform on Alice's bit is `2 eps`: Lemma 5 is tight.
    public static func individual(epsilon: Double) -> BoxPartition {
        precondition((0...0.25).contains(epsilon), "the Appendix A partition needs eps in [0, 1/4]")
        let deterministic = Behaviour.allLocalDeterministic.filter { $0.chshError == 0.25 }
        return BoxPartition([(1 - 4 * epsilon, Behaviour.prBox)] + deterministic.map { (epsilon / 2, $0) })
    }

    /// Lemma 24 (Lemma 23 for `n = 2`): outcome `z` in `{l, PR}^n`. With `i >= 2` local boxes the
    /// weight is `(4 eps / 3)^i (1 - 4 eps / 3)^(n - i)` and the local boxes have error 3/4; with
    /// exactly one local box the weight is `4 eps (1 - 4 eps / 3)^(n - 1)` and its error is 1/4;
    /// no local box takes the remaining weight. Valid while that weight is not negative, i.e.
    /// up to Lemma 25's `eps = 3 / (8n + 4)`, where Eve always finds at least one local box.
    /// (The paper states Lemma 23 for any eps; the construction needs `eps <= 3/20` for two
    /// boxes, and `nil` is returned past the threshold.)
    /// - Returns: the partition and, for each element, which boxes are local.
    public static func collective(boxes n: Int, epsilon: Double) -> (partition: BoxPartition, outcomes: [Outcome])? {
        precondition(n >= 1 && n <= Behaviour.maximumBoxes && epsilon >= 0)
        let r = 4 * epsilon / 3
        var elements: [(weight: Double, behaviour: Behaviour)] = []
        var outcomes: [Outcome] = []
        var allPR = 1.0
        for pattern in 1..<(1 << n) {
            let local = (0..<n).map { pattern >> $0 & 1 == 1 }
            let count = local.filter { $0 }.count
            let weight: Double
            let localBox: Behaviour
            if count == 1 {
                weight = 4 * epsilon * pow(1 - r, n - 1)
                localBox = .noisyPRBox(epsilon: 0.25)
            } else {
                weight = pow(r, count) * pow(1 - r, n - count)
                localBox = .noisyPRBox(epsilon: 0.75)
            }
            allPR -= weight
            elements.append((weight, product(local.map { $0 ? localBox : .prBox })))
            outcomes.append(Outcome(localBoxes: local))
        }
        guard allPR >= -1e-12 else { return nil }
        elements.append((max(0, allPR), product(Array(repeating: .prBox, count: n))))
        outcomes.append(Outcome(localBoxes: Array(repeating: false, count: n)))
        return (BoxPartition(elements), outcomes)
    }

    /// The probability that Eve's outcome leaves at least one box local, so that she knows at
    /// least one output bit with certainty.
    public static func probabilityOfAKnownBit(_ attack: (partition: BoxPartition, outcomes: [Outcome])) -> Double {
        zip(attack.partition.elements, attack.outcomes).reduce(0) { $0 + ($1.1.localBoxes.contains(true) ? $1.0.weight : 0) }
    }

    /// The same probability for the best individual attack (each box attacked with Appendix A's
    /// partition independently): `1 - (1 - 4 eps)^n`.
    public static func individualProbabilityOfAKnownBit(boxes n: Int, epsilon: Double) -> Double {
        1 - pow(1 - 4 * epsilon, n)
    }

    private static func product(_ boxes: [Behaviour]) -> Behaviour {
        boxes.dropFirst().reduce(boxes[0]) { $0.tensor($1) }
    }

    private static func pow(_ base: Double, _ exponent: Int) -> Double {
        (0..<exponent).reduce(1.0) { acc, _ in acc * base }
    }
}
