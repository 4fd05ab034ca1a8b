import EveLP
import NonSignaling
import Randomness

/// Devices prepared by an eavesdropper: each round's box is an element of her box partition of
/// the honest behaviour (independent noisy PR boxes with CHSH error `eps` on every input), and
/// she remembers which element it was. Local elements are refined into local deterministic
/// boxes, so that whenever her element is local she knows Alice's output for either input.
public struct EavesdropperDevices {
    public enum Attack: Sendable, Hashable {
        /// Appendix A on every box: a PR box with weight `1 - 4 eps`, else one of the eight
        /// deterministic boxes with CHSH error 1/4.
        case individual(epsilon: Double)
        /// Lemma 24 on groups of `boxes` consecutive rounds (Lemma 23 for two).
        case collective(boxes: Int, epsilon: Double)

        public var epsilon: Double {
            switch self {
            case .individual(let e), .collective(_, let e): return e
            }
        }
    }

    public let attack: Attack
    /// The single boxes rounds are drawn from: index 0 the PR box, then the 16 local
    /// deterministic boxes.
    public let elements: [Behaviour]
    /// `aliceOutput[z][u]`: Alice's output on element `z` with input `u`, or `nil` when it is
    /// not determined (the PR box).
    public let aliceOutput: [[Int?]]
    public let source: BoxSource

    public enum Unavailable: Error, Sendable, CustomStringConvertible {
        case epsilon(Double)
        case collectiveThreshold(boxes: Int, epsilon: Double, limit: Double)

        public var description: String {
            switch self {
            case .epsilon(let e): return "the attacks need 0 <= eps <= 1/4 (got \(e))"
            case .collectiveThreshold(let n, let e, let limit):
                return "Lemma 24's partition of \(n) boxes exists only for eps <= \(limit) (got \(e))"
            }
        }
    }

    public init(attack: Attack, seed: UInt64) throws(Unavailable) {
        let epsilon = attack.epsilon
        guard (0...0.25).contains(epsilon) else { throw .epsilon(epsilon) }
        let deterministic = Behaviour.allLocalDeterministic
        elements = [Behaviour.prBox] + deterministic
        aliceOutput = elements.enumerated().map { z, box in
            guard z > 0 else { return [nil, nil] }
            return (0...1).map { u in box[0, 0, u, 0] + box[0, 1, u, 0] > 0.5 ? 0 : 1 }
        }
        // Deterministic boxes by CHSH error: 1/4 (win on three inputs) and 3/4 (win on one).
        let quarter = deterministic.indices.filter { deterministic[$0].chshError == 0.25 }.map { $0 + 1 }
        let threeQuarters = deterministic.indices.filter { deterministic[$0].chshError == 0.75 }.map { $0 + 1 }
        self.attack = attack
        switch attack {
        case .individual:
            // Appendix A: PR with 1 - 4 eps, each of the eight error-1/4 boxes with eps/2.
            let pr = 1 - 4 * epsilon
            source = BoxSource(boxes: elements, seed: seed, recordsPartition: true) { rng in
                let r = Double(rng.next() >> 11) * 0x1p-53
                guard r >= pr else { return [0] }
                return [quarter[Int(rng.next() % UInt64(quarter.count))]]
            }
        case .collective(let n, _):
            guard let collective = ExplicitAttack.collective(boxes: n, epsilon: epsilon) else {
                throw .collectiveThreshold(boxes: n, epsilon: epsilon, limit: 3 / Double(8 * n + 4))
            }
            var total = 0.0
            let cumulative = collective.partition.elements.map { total += $0.weight; return total }
            let patterns = collective.outcomes.map(\.localBoxes)
            source = BoxSource(boxes: elements, seed: seed, recordsPartition: true) { rng in
                let r = Double(rng.next() >> 11) * 0x1p-53 * total
                let pattern = patterns[cumulative.firstIndex { r < $0 } ?? patterns.count - 1]
                let localCount = pattern.filter { $0 }.count
                // Lemma 24: one local box has error 1/4, two or more have error 3/4; a local
                // noisy PR box is the uniform mixture of the eight deterministic boxes with
                // that error.
                let pool = localCount == 1 ? quarter : threeQuarters
                return pattern.map { $0 ? pool[Int(rng.next() % UInt64(pool.count))] : 0 }
            }
        }
    }
}
