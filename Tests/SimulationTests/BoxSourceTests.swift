import Testing
import Randomness
import Hashing
import NonSignaling
import Protocol
@testable import Simulation

/// Empirical `P(x, y | u, v)` of `rounds` rounds with uniformly random inputs.
func empirical(source: BoxSource, rounds: Int, bobFirst: Bool, seed: UInt64) -> [Double] {
    var rng = Xoshiro256(seed: seed)
    let u = BitVector.random(count: rounds, using: &rng), v = BitVector.random(count: rounds, using: &rng)
    let devices = source.makeDevices()
    let (x, y): (BitVector, BitVector)
    if bobFirst {
        y = devices.bob.measure(v)
        x = devices.alice.measure(u)
    } else {
        x = devices.alice.measure(u)
        y = devices.bob.measure(v)
    }
    var counts = [Double](repeating: 0, count: 16), perInput = [Double](repeating: 0, count: 4)
    for i in 0..<rounds {
        let ui = u[i] ? 1 : 0, vi = v[i] ? 1 : 0, xi = x[i] ? 1 : 0, yi = y[i] ? 1 : 0
        counts[((xi * 2 + yi) * 2 + ui) * 2 + vi] += 1
        perInput[ui * 2 + vi] += 1
    }
    return counts.enumerated().map { $0.element / perInput[$0.offset & 3] }
}

@Suite("simulated devices sample the model")
struct BoxSourceTests {
    @Test(arguments: [false, true])
    func outcomesFollowTheBehaviourWhicheverSideMeasuresFirst(bobFirst: Bool) {
        let model = QuantumDeviceModel(visibility: 0.9, detectionEfficiency: 0.9)
        let rounds = 400_000
        let observed = empirical(source: BoxSource(box: model.behaviour, seed: 11), rounds: rounds, bobFirst: bobFirst, seed: 5)
        for (index, p) in model.behaviour.probabilities.enumerated() {
            // About 100,000 rounds per input pair: five standard deviations.
            let sigma = (p * (1 - p) / 100_000).squareRoot()
            #expect(abs(observed[index] - p) < 5 * sigma + 1e-4, "entry \(index): \(observed[index]) vs \(p)")
        }
    }

    @Test func eveKeepsTheElementOfEveryRound() {
        let partition = BoxPartition([(0.6, .prBox), (0.4, .localDeterministic(alice: [1, 1], bob: [1, 0]))])
        let source = BoxSource(partition: partition, seed: 4, recordsPartition: true)
        let devices = source.makeDevices()
        let inputs = BitVector(count: 10_000)
        let x = devices.alice.measure(inputs)
        _ = devices.bob.measure(inputs)
        #expect(source.partitionRecord.count == 10_000)
        // Whenever Eve's record says "deterministic box", Alice's output is 1.
        for i in 0..<10_000 where source.partitionRecord[i] == 1 { #expect(x[i]) }
        let share = Double(source.partitionRecord.filter { $0 == 1 }.count) / 10_000
        #expect(abs(share - 0.4) < 0.03)
    }
}
