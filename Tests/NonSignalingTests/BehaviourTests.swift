import Testing
import Randomness
@testable import NonSignaling

@Suite("boxes, CHSH quantities and non-signalling checks")
struct BehaviourTests {
    @Test func layoutMatchesTheSpecification() {
        let layout = Behaviour.Layout(boxes: 2)
        #expect(layout.index(x: 1, y: 2, u: 3, v: 0) == ((1 * 4 + 2) * 4 + 3) * 4 + 0)
        let c = layout.coordinates(of: layout.index(x: 3, y: 1, u: 2, v: 1))
        #expect(c.x == 3 && c.y == 1 && c.u == 2 && c.v == 1)
    }

    @Test func prBoxIsPerfectAndNonLocal() throws {
        let pr = Behaviour.prBox
        try pr.validate()
        #expect(pr.chshError == 0)
        #expect(pr.chshValue == 4)
        #expect(!pr.isLocal())
    }

    @Test func noisyPRBoxHasItsErrors() throws {
        let box = Behaviour.noisyPRBox(errors: [0.02, 0.1, 0.2, 0.3])
        try box.validate()
        #expect(abs(box.chshError - 0.155) < 1e-15)
        #expect(box.keyBasisError == 0.02)
        #expect(box.errorsPerInput == [0.02, 0.1, 0.2, 0.3])
    }

    @Test func localDeterministicBoxesAreLocalWithQuarterErrors() throws {
        for box in Behaviour.allLocalDeterministic {
            try box.validate()
            #expect(box.isLocal())
            // Each violates CHSH on exactly one or three of the four inputs.
            #expect(box.chshError == 0.25 || box.chshError == 0.75)
        }
    }

    @Test func unbiasedBoxIsLocalExactlyFromAQuarter() {
        #expect(!Behaviour.noisyPRBox(epsilon: 0.249).isLocal())
        #expect(Behaviour.noisyPRBox(epsilon: 0.25).isLocal())
        #expect(Behaviour.noisyPRBox(epsilon: 0.6).isLocal())
        // A relabelled PR box is as non-local as the PR box although its eps is large.
        #expect(!Behaviour.noisyPRBox(epsilon: 0.95).isLocal())
    }

    @Test func signallingBoxIsRejectedWithTheInterfaceNamed() throws {
        // Alice's output copies Bob's input: Bob signals to Alice.
        let copy = Behaviour(boxes: 1) { x, y, u, v in (x == v && y == 0) ? 1 : 0 }
        #expect(throws: BehaviourError.signalling(SignallingViolation(interface: Interface(.bob, box: 0), amount: 1))) {
            try copy.validate()
        }
        let error = try #require(throws: BehaviourError.self) { try copy.validate() }
        #expect(error.description.contains("Bob's interface of box 0"))
    }

    @Test func signallingBetweenBoxesOfOneLabIsFound() throws {
        // Two boxes; box 0's Alice output equals box 1's Alice input: signalling inside Alice's lab.
        let behaviour = Behaviour(boxes: 2) { x, y, u, v in
            let x0 = x & 1, x1 = x >> 1
            return (x0 == (u >> 1) && x1 == 0 && y == 0) ? 1 : 0
        }
        let error = try #require(throws: BehaviourError.self) { try behaviour.validate() }
        guard case .signalling(let violation) = error else {
            Issue.record("expected signalling, got \(error)")
            return
        }
        #expect(violation.interface == Interface(.alice, box: 1))
        #expect(violation.amount == 1)
    }

    @Test func malformedTablesAreRejected() {
        #expect(throws: BehaviourError.wrongLength(expected: 16, actual: 15)) {
            try Behaviour(boxes: 1, probabilities: Array(repeating: 0.25, count: 15))
        }
        var negative = Behaviour.prBox
        negative.probabilities[0] = -0.1
        #expect(throws: BehaviourError.negative(index: 0, value: -0.1)) { try negative.validate() }
        var unnormalised = Behaviour.prBox
        unnormalised.probabilities[unnormalised.layout.index(x: 0, y: 0, u: 1, v: 0)] = 0.7
        #expect(throws: BehaviourError.notNormalised(u: 1, v: 0, sum: 1.2)) { try unnormalised.validate() }
        var nan = Behaviour.prBox
        nan.probabilities[3] = .nan
        #expect(throws: BehaviourError.notFinite(index: 3)) { try nan.validate() }
    }

    @Test func productsOfNonSignalingBoxesAreNonSignaling() throws {
        let seed: UInt64 = 0x5EED_0001
        print("products property test seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<20 {
            let a = randomNonSignalingBox(using: &rng), b = randomNonSignalingBox(using: &rng)
            let product = a.tensor(b)
            try product.validate()
            #expect(product.boxes == 2)
            let marginalA = product.marginal(keeping: [0]), marginalB = product.marginal(keeping: [1])
            #expect(zip(marginalA.probabilities, a.probabilities).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(zip(marginalB.probabilities, b.probabilities).allSatisfy { abs($0 - $1) < 1e-12 })
            let three = product.tensor(randomNonSignalingBox(using: &rng))
            try three.validate()
        }
    }

    @Test func massWhereAllViolateIsTheProductForIndependentBoxes() {
        let boxes = [0.1, 0.2, 0.05].map { Behaviour.noisyPRBox(epsilon: $0) }
        let product = boxes[0].tensor(boxes[1]).tensor(boxes[2])
        #expect(abs(product.massWhereAllViolate(mask: 0b111) - 4 * 0.1 * 4 * 0.2 * 4 * 0.05) < 1e-12)
        #expect(abs(product.massWhereAllViolate(mask: 0b101) - 4 * 0.1 * 4 * 0.05 * 4) < 1e-12)
        #expect(product.chshErrorsPerBox.enumerated().allSatisfy { abs($0.element - [0.1, 0.2, 0.05][$0.offset]) < 1e-12 })
    }
}
