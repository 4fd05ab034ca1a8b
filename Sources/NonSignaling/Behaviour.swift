/// The joint conditional distribution `P(x, y | u, v)` of `n` bipartite boxes with binary
/// inputs and outputs (Definition 1 of the paper, taken `n` times).
///
/// Entries are stored in the canonical flat layout of SECURITY-MATH §1,
///
///     index(x, y, u, v) = ((x * 2^n + y) * 2^n + u) * 2^n + v,
///
/// where `x, y, u, v` are `n`-bit strings and bit `i` belongs to box `i` (box 0 is the least
/// significant bit). So Bob's input occupies bits `0..<n` of the index, Alice's input bits
/// `n..<2n`, Bob's output bits `2n..<3n` and Alice's output bits `3n..<4n`.
///
/// A `Behaviour` is a plain value: it may be unnormalised or signalling (that is what
/// ``validate(tolerance:)`` is for), so that files and intermediate results can be held and
/// checked before use.
public struct Behaviour: Sendable, Hashable {
    /// The number of boxes `n`.
    public let boxes: Int
    /// The `16^n` probabilities in the flat layout.
    public var probabilities: [Double]

    /// The largest number of boxes a dense behaviour may have (`16^8` doubles = 32 GiB is
    /// already too many; `16^6` = 128 MiB is the practical ceiling).
    public static let maximumBoxes = 6

    /// Creates a behaviour from its flat probability table.
    /// - Throws: ``BehaviourError/wrongLength(expected:actual:)`` when the table does not hold
    ///   `16^boxes` entries.
    public init(boxes: Int, probabilities: [Double]) throws(BehaviourError) {
        guard boxes >= 1, boxes <= Behaviour.maximumBoxes else {
            throw .unsupportedBoxCount(boxes)
        }
        let expected = 1 << (4 * boxes)
        guard probabilities.count == expected else {
            throw .wrongLength(expected: expected, actual: probabilities.count)
        }
        self.boxes = boxes
        self.probabilities = probabilities
    }

    /// Creates a behaviour by evaluating `probability(x, y, u, v)` on every entry.
    public init(boxes: Int, _ probability: (_ x: Int, _ y: Int, _ u: Int, _ v: Int) -> Double) {
        precondition(boxes >= 1 && boxes <= Behaviour.maximumBoxes, "unsupported box count \(boxes)")
        self.boxes = boxes
        let layout = Layout(boxes: boxes)
        self.probabilities = (0..<layout.count).map { index in
            let (x, y, u, v) = layout.coordinates(of: index)
            return probability(x, y, u, v)
        }
    }

    /// The index layout shared by every behaviour with this many boxes.
    public var layout: Layout { Layout(boxes: boxes) }

    /// `P(x, y | u, v)` for `n`-bit strings `x, y, u, v`.
    public subscript(x: Int, y: Int, u: Int, v: Int) -> Double {
        get { probabilities[layout.index(x: x, y: y, u: u, v: v)] }
        set { probabilities[layout.index(x: x, y: y, u: u, v: v)] = newValue }
    }
}

extension Behaviour {
    /// Index arithmetic for the flat layout of `n` boxes.
    public struct Layout: Sendable, Hashable {
        public let boxes: Int
        /// `2^n`: the number of values of one party's input or output string.
        public var strings: Int { 1 << boxes }
        /// `16^n`: the number of entries.
        public var count: Int { 1 << (4 * boxes) }

        public init(boxes: Int) { self.boxes = boxes }

        @inline(__always)
        public func index(x: Int, y: Int, u: Int, v: Int) -> Int {
            ((x << boxes | y) << boxes | u) << boxes | v
        }

        @inline(__always)
        public func coordinates(of index: Int) -> (x: Int, y: Int, u: Int, v: Int) {
            let mask = strings - 1
            return (index >> (3 * boxes), (index >> (2 * boxes)) & mask, (index >> boxes) & mask, index & mask)
        }

        /// The index bit holding Bob's input to box `i`.
        public func bobInputBit(_ i: Int) -> Int { 1 << i }
        /// The index bit holding Alice's input to box `i`.
        public func aliceInputBit(_ i: Int) -> Int { 1 << (boxes + i) }
        /// The index bit holding Bob's output of box `i`.
        public func bobOutputBit(_ i: Int) -> Int { 1 << (2 * boxes + i) }
        /// The index bit holding Alice's output of box `i`.
        public func aliceOutputBit(_ i: Int) -> Int { 1 << (3 * boxes + i) }
    }
}

/// Why a probability table is not a valid non-signalling behaviour.
public enum BehaviourError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsupportedBoxCount(Int)
    case wrongLength(expected: Int, actual: Int)
    case notFinite(index: Int)
    case negative(index: Int, value: Double)
    case notNormalised(u: Int, v: Int, sum: Double)
    case signalling(SignallingViolation)

    public var description: String {
        switch self {
        case .unsupportedBoxCount(let n):
            return "a behaviour must have between 1 and \(Behaviour.maximumBoxes) boxes, not \(n)"
        case .wrongLength(let expected, let actual):
            return "expected \(expected) probabilities (16^n), found \(actual)"
        case .notFinite(let index):
            return "probability at index \(index) is not a finite number"
        case .negative(let index, let value):
            return "probability at index \(index) is negative (\(value))"
        case .notNormalised(let u, let v, let sum):
            return "probabilities for inputs u=\(u), v=\(v) sum to \(sum), not 1"
        case .signalling(let violation):
            return violation.description
        }
    }
}
