/// Box partitions (Definition 3): Eve's view of a behaviour as a mixture `P = sum_z p_z P^z`
/// of non-signalling behaviours, one for each value `z` she may learn.
public struct BoxPartition: Sendable {
    /// The pairs `(p_z, P^z)`.
    public var elements: [(weight: Double, behaviour: Behaviour)]

    public init(_ elements: [(weight: Double, behaviour: Behaviour)]) {
        self.elements = elements
    }

    /// Why a family is not a box partition of a given behaviour.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case negativeWeight(element: Int, weight: Double)
        case weightsDoNotSumToOne(sum: Double)
        case elementInvalid(element: Int, reason: BehaviourError)
        case wrongBoxCount(element: Int)
        case mixtureDiffers(index: Int, difference: Double)

        public var description: String {
            switch self {
            case .negativeWeight(let z, let w): return "element \(z) has negative weight \(w)"
            case .weightsDoNotSumToOne(let s): return "weights sum to \(s), not 1"
            case .elementInvalid(let z, let reason): return "element \(z) is not a valid box: \(reason)"
            case .wrongBoxCount(let z): return "element \(z) has a different number of boxes"
            case .mixtureDiffers(let i, let d): return "the mixture differs from the behaviour at index \(i) by \(d)"
            }
        }
    }

    /// Checks Definition 3: non-negative weights summing to 1, every element a normalised
    /// non-signalling behaviour, and the weighted sum equal to `behaviour`.
    public func validate(of behaviour: Behaviour, tolerance: Double = Behaviour.defaultTolerance) throws(Failure) {
        var total = 0.0
        for (z, element) in elements.enumerated() {
            guard element.weight >= -tolerance else { throw .negativeWeight(element: z, weight: element.weight) }
            guard element.behaviour.boxes == behaviour.boxes else { throw .wrongBoxCount(element: z) }
            do { try element.behaviour.validate(tolerance: tolerance) } catch { throw .elementInvalid(element: z, reason: error) }
            total += element.weight
        }
        guard abs(total - 1) <= tolerance else { throw .weightsDoNotSumToOne(sum: total) }
        let mixed = Behaviour.mixture(elements)
        for (index, p) in behaviour.probabilities.enumerated() where abs(mixed.probabilities[index] - p) > tolerance {
            throw .mixtureDiffers(index: index, difference: mixed.probabilities[index] - p)
        }
    }

    /// Lemma 9: `(p, Q)` is an element of some box partition of `P` iff `Q` is a valid
    /// non-signalling behaviour and `p Q <= P` entrywise.
    public static func isElement(weight p: Double, _ q: Behaviour, of behaviour: Behaviour,
                                 tolerance: Double = Behaviour.defaultTolerance) -> Bool {
        guard p >= 0, p <= 1 + tolerance, q.boxes == behaviour.boxes, q.isNonSignaling(tolerance: tolerance) else {
            return false
        }
        return zip(q.probabilities, behaviour.probabilities).allSatisfy { p * $0 <= $1 + tolerance }
    }

    /// The two-element partition `{(p, Q), (1 - p, (P - p Q) / (1 - p))}` that witnesses
    /// Lemma 9, or `nil` when `(p, Q)` is not an element.
    public static func completing(weight p: Double, _ q: Behaviour, of behaviour: Behaviour,
                                  tolerance: Double = Behaviour.defaultTolerance) -> BoxPartition? {
        guard isElement(weight: p, q, of: behaviour, tolerance: tolerance) else { return nil }
        if p >= 1 - tolerance { return BoxPartition([(1, q)]) }
        let rest = zip(behaviour.probabilities, q.probabilities).map { max(0, ($0 - p * $1) / (1 - p)) }
        return BoxPartition([(p, q), (1 - p, try! Behaviour(boxes: behaviour.boxes, probabilities: rest))])
    }
}
