/// One of the `2n` interfaces of an `n`-box behaviour: Alice's or Bob's side of box `i`.
public struct Interface: Sendable, Hashable, CustomStringConvertible {
    public enum Party: String, Sendable, Hashable { case alice = "Alice", bob = "Bob" }
    public let party: Party
    public let box: Int

    public init(_ party: Party, box: Int) {
        self.party = party
        self.box = box
    }

    public var description: String { "\(party.rawValue)'s interface of box \(box)" }
}

/// The worst signalling found at one interface: how far the marginal of the *other* parts of
/// the system moves when this interface's input is flipped.
public struct SignallingViolation: Sendable, Hashable, CustomStringConvertible {
    public let interface: Interface
    /// The largest change of a marginal probability caused by flipping the input.
    public let amount: Double

    public var description: String {
        "the behaviour signals through \(interface): flipping its input changes a marginal by \(amount)"
    }
}

extension Behaviour {
    /// The tolerance of SPEC.md for normalisation and non-signalling checks.
    public static let defaultTolerance = 1e-9

    /// The total probability for each input pair `(u, v)`, indexed by `u * 2^n + v`.
    public func inputSums() -> [Double] {
        let pairs = 1 << (2 * boxes)
        var sums = [Double](repeating: 0, count: pairs)
        for (index, p) in probabilities.enumerated() { sums[index & (pairs - 1)] += p }
        return sums
    }

    /// For every interface, the largest change of the remaining marginal when its input flips
    /// (Condition 1'; by Lemma 26 this implies non-signalling between all groupings).
    ///
    /// - Complexity: O(n 16^n).
    public func signallingAmounts() -> [(interface: Interface, amount: Double)] {
        let layout = self.layout
        var result: [(Interface, Double)] = []
        for box in 0..<boxes {
            result.append((Interface(.alice, box: box),
                           worstChange(output: layout.aliceOutputBit(box), input: layout.aliceInputBit(box))))
            result.append((Interface(.bob, box: box),
                           worstChange(output: layout.bobOutputBit(box), input: layout.bobInputBit(box))))
        }
        return result
    }

    private func worstChange(output: Int, input: Int) -> Double {
        var worst = 0.0
        for index in 0..<probabilities.count where index & (output | input) == 0 {
            let withInput0 = probabilities[index] + probabilities[index | output]
            let withInput1 = probabilities[index | input] + probabilities[index | output | input]
            worst = max(worst, abs(withInput0 - withInput1))
        }
        return worst
    }

    /// Checks that every entry is a finite non-negative number, that every input pair is
    /// normalised, and that no interface signals, each within `tolerance`.
    ///
    /// - Throws: the first problem found, naming the entry, input pair or interface; for
    ///   signalling, the interface with the largest violation.
    public func validate(tolerance: Double = Behaviour.defaultTolerance) throws(BehaviourError) {
        for (index, p) in probabilities.enumerated() {
            guard p.isFinite else { throw .notFinite(index: index) }
            guard p >= -tolerance else { throw .negative(index: index, value: p) }
        }
        let strings = layout.strings
        for (pair, sum) in inputSums().enumerated() where abs(sum - 1) > tolerance {
            throw .notNormalised(u: pair / strings, v: pair % strings, sum: sum)
        }
        if let worst = signallingAmounts().max(by: { $0.amount < $1.amount }), worst.amount > tolerance {
            throw .signalling(SignallingViolation(interface: worst.interface, amount: worst.amount))
        }
    }

    /// Whether ``validate(tolerance:)`` passes.
    public func isNonSignaling(tolerance: Double = Behaviour.defaultTolerance) -> Bool {
        (try? validate(tolerance: tolerance)) != nil
    }
}
