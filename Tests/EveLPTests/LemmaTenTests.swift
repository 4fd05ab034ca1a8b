import Foundation
import Testing
import LinearProgramming
import NonSignaling
import Randomness
import SecurityBounds
@testable import EveLP

/// A random correlated `n`-box behaviour: a mixture of three products of single boxes, each a
/// noisy PR box with random per-input errors or a local deterministic box. Mixtures of
/// products are non-signalling but not products themselves.
func randomCorrelatedBehaviour(boxes n: Int, using rng: inout Xoshiro256) -> Behaviour {
    func singleBox() -> Behaviour {
        if Double.random(in: 0..<1, using: &rng) < 0.75 {
            return .noisyPRBox(errors: (0..<4).map { _ in Double.random(in: 0...0.3, using: &rng) })
        }
        let index = Int.random(in: 0..<Behaviour.allLocalDeterministic.count, using: &rng)
        return Behaviour.allLocalDeterministic[index]
    }
    let parts: [(weight: Double, behaviour: Behaviour)] = (0..<3).map { _ in
        let boxes = (0..<n).map { _ in singleBox() }
        return (Double.random(in: 0.1..<1, using: &rng), boxes.dropFirst().reduce(boxes[0]) { $0.tensor($1) })
    }
    let total = parts.reduce(0) { $0 + $1.weight }
    return Behaviour.mixture(parts.map { ($0.weight / total, $0.behaviour) })
}

@Suite("the non-signalling parametrisation M (Collins–Gisin coordinates)")
struct ParametrisationTests {
    @Test(arguments: [1, 2])
    func everyColumnIsNonSignallingAndTheGramMatrixIsAKroneckerPower(n: Int) throws {
        let m = NonSignalingParametrisation(boxes: n)
        #expect(m.columns == Int(pow(3.0, Double(2 * n))))
        var columns: [[Double]] = []
        for j in 0..<m.columns {
            var unit = [Double](repeating: 0, count: m.columns)
            unit[j] = 1
            let column = m.multiply(unit)
            let behaviour = try Behaviour(boxes: n, probabilities: column)
            #expect(behaviour.signallingAmounts().allSatisfy { $0.amount < 1e-15 }, "column \(j) signals")
            columns.append(column)
        }
        // normalMatrix(1) = M^T M, and solveGram inverts it: full column rank.
        let gram = m.normalMatrix(weights: .init(repeating: 1, count: m.rows))
        for a in 0..<m.columns {
            for b in 0..<m.columns {
                let direct = zip(columns[a], columns[b]).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(abs(gram[a * m.columns + b] - direct) < 1e-12)
            }
        }
        var unit = [Double](repeating: 0, count: m.columns)
        unit[m.columns / 2] = 1
        let product = m.multiplyTransposed(m.multiply(m.solveGram(unit)))
        #expect(zip(product, unit).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func weightedNormalMatrixAndTransposeAgreeWithTheSparseMatrix() {
        let seed: UInt64 = 20261127
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let m = NonSignalingParametrisation(boxes: 2)
        let sparse = m.sparseMatrix()
        let x = (0..<m.columns).map { _ in Double.random(in: -1...1, using: &rng) }
        let y = (0..<m.rows).map { _ in Double.random(in: -1...1, using: &rng) }
        #expect(zip(m.multiply(x), sparse.multiply(x)).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(m.multiplyTransposed(y), sparse.multiplyTransposed(y)).allSatisfy { abs($0 - $1) < 1e-12 })
        let weights = (0..<m.rows).map { _ in Double.random(in: 0...1, using: &rng) }
        let normal = m.normalMatrix(weights: weights)
        // Column j of M^T W M is M^T W M e_j.
        for j in stride(from: 0, to: m.columns, by: 7) {
            var unit = [Double](repeating: 0, count: m.columns)
            unit[j] = 1
            let expected = sparse.multiplyTransposed(zip(weights, sparse.multiply(unit)).map { $0 * $1 })
            for i in 0..<m.columns { #expect(abs(normal[j * m.columns + i] - expected[i]) < 1e-12) }
        }
    }

    /// Every non-signalling behaviour lies in M's range: projecting onto it changes nothing.
    @Test func nonSignallingBehavioursAreInTheRange() {
        let seed: UInt64 = 5
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let m = NonSignalingParametrisation(boxes: 3)
        let behaviour = randomCorrelatedBehaviour(boxes: 3, using: &rng)
        let projected = m.multiply(m.solveGram(m.multiplyTransposed(behaviour.probabilities)))
        #expect(zip(projected, behaviour.probabilities).allSatisfy { abs($0 - $1) < 1e-12 })
        // A signalling vector is not.
        var signalling = behaviour.probabilities
        signalling[0] += 0.01
        let back = m.multiply(m.solveGram(m.multiplyTransposed(signalling)))
        #expect(zip(back, signalling).contains { abs($0 - $1) > 1e-4 })
    }
}

@Suite("Lemma 10's LP: optimum, partition element, certificates")
struct LemmaTenTests {
    /// Lemma 6 (tight): independent unbiased boxes give 1/2 prod_{i in c} 4 eps_i, for every
    /// parity and public input; both solvers, checked certificates, valid elements.
    @Test(arguments: [1, 2, 3])
    func productBoxesGiveTheLemma6Value(n: Int) throws {
        let seed = UInt64(100 + n)
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<3 {
            let epsilons = (0..<n).map { _ in Double.random(in: 0.01...0.24, using: &rng) }
            let boxes = epsilons.map { Behaviour.noisyPRBox(epsilon: $0) }
            let behaviour = boxes.dropFirst().reduce(boxes[0]) { $0.tensor($1) }
            let parity = Int.random(in: 1..<(1 << n), using: &rng)
            let u = Int.random(in: 0..<(1 << n), using: &rng), v = Int.random(in: 0..<(1 << n), using: &rng)
            let problem = try EveProblem(behaviour: behaviour, parity: parity, aliceInputs: u, bobInputs: v)
            let expected = DistanceBound.parity(epsilons: (0..<n).filter { parity >> $0 & 1 == 1 }.map { epsilons[$0] })
            for backend in EveLinearProgram.Backend.allCases {
                let optimum = try EveLinearProgram.solve(problem, backend: backend)
                #expect(abs(optimum.distanceFromUniform - expected) < 1e-8,
                        "\(backend) eps \(epsilons) c \(parity) u \(u) v \(v): \(optimum.distanceFromUniform) vs \(expected)")
                let verified = optimum.certificateVerified, valid = optimum.elementIsValid
                #expect(verified, "\(backend)")
                #expect(valid, "\(backend)")
                // Lemma 10: the element's own distance from uniform is the LP value.
                #expect(abs(elementDistance(optimum) - optimum.distanceFromUniform) < 1e-8)
            }
        }
    }

    /// Correlated behaviours never exceed Lemma 14's bound, and the LP's certificate holds.
    @Test(arguments: [2, 3])
    func correlatedBehavioursStayBelowLemma14(n: Int) throws {
        let seed = UInt64(200 + n)
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<4 {
            let behaviour = randomCorrelatedBehaviour(boxes: n, using: &rng)
            try behaviour.validate()
            let parity = Int.random(in: 1..<(1 << n), using: &rng)
            let problem = try EveProblem(behaviour: behaviour, parity: parity,
                                         aliceInputs: Int.random(in: 0..<(1 << n), using: &rng),
                                         bobInputs: Int.random(in: 0..<(1 << n), using: &rng))
            let clp = try EveLinearProgram.solve(problem, backend: .clp)
            let interior = try EveLinearProgram.solve(problem, backend: .interiorPoint)
            #expect(clp.distanceFromUniform <= problem.lemma14Bound + 1e-8)
            #expect(abs(clp.distanceFromUniform - interior.distanceFromUniform) < 1e-8)
            let verified = (clp.certificateVerified, interior.certificateVerified)
            #expect(verified.0 && verified.1)
            #expect(abs(elementDistance(clp) - clp.distanceFromUniform) < 1e-8)
            #expect(abs(elementDistance(interior) - interior.distanceFromUniform) < 1e-8)
        }
    }

    /// Four boxes (65,536 variables) through the structured interior-point method.
    @Test func fourBoxesThroughTheInteriorPointMethod() throws {
        let behaviour = Behaviour.independent(.noisyPRBox(epsilon: 0.15), count: 4)
        let problem = try EveProblem(behaviour: behaviour, parity: 0b1011, aliceInputs: 0b0110, bobInputs: 0b0011)
        let optimum = try EveLinearProgram.solve(problem)
        #expect(optimum.solver == "interior-point")
        #expect(abs(optimum.distanceFromUniform - DistanceBound.parity(epsilons: [0.15, 0.15, 0.15])) < 1e-8)
        let verified = optimum.certificateVerified
        #expect(verified)
    }

    /// A certificate that is not orthogonal is caught by the independent check.
    @Test func aDamagedCertificateFailsItsCheck() throws {
        let problem = try EveProblem(behaviour: .independent(.noisyPRBox(epsilon: 0.1), count: 2), parity: 3,
                                     aliceInputs: 0, bobInputs: 0)
        let optimum = try EveLinearProgram.solve(problem)
        var weights = optimum.certificate.weights
        weights[17] += 0.25
        #expect(!DualCertificate(weights: weights).check(for: problem).holds)
        // A too-small "bound" is impossible: zero weights are not a certificate.
        #expect(!DualCertificate(weights: .init(repeating: 0, count: weights.count)).check(for: problem).holds)
    }

    @Test func problemsRejectBadMasksAndInputs() {
        let behaviour = Behaviour.independent(.noisyPRBox(epsilon: 0.1), count: 2)
        #expect(throws: EveProblem.InvalidProblem.parity(0, boxes: 2)) {
            try EveProblem(behaviour: behaviour, parity: 0, aliceInputs: 0, bobInputs: 0)
        }
        #expect(throws: EveProblem.InvalidProblem.inputs(4, boxes: 2)) {
            try EveProblem(behaviour: behaviour, parity: 3, aliceInputs: 4, bobInputs: 0)
        }
    }

    /// The distance from uniform of Eve's optimal two-element partition (Lemma 8):
    /// `sum_z p_z |P^z[c.x = 0 | u*, v*] - 1/2|`.
    private func elementDistance(_ optimum: EveOptimum) -> Double {
        guard let partition = optimum.partition else { return .nan }
        let problem = optimum.problem
        let layout = problem.behaviour.layout
        return partition.elements.reduce(0.0) { sum, element in
            var even = 0.0
            for x in 0..<layout.strings where (x & problem.parity).nonzeroBitCount % 2 == 0 {
                for y in 0..<layout.strings {
                    even += element.behaviour[x, y, problem.aliceInputs, problem.bobInputs]
                }
            }
            return sum + element.weight * abs(even - 0.5)
        }
    }
}

@Suite("Lemma 12's tensor certificate from Appendix C's duals")
struct TensorCertificateTests {
    /// Appendix C: for every public input pair the single-box dual is feasible and worth
    /// sum over CHSH-violating entries of P, i.e. 4 eps.
    @Test func singleBoxDualsForEveryInputPair() throws {
        for u in 0...1 {
            for v in 0...1 {
                let certificate = TensorCertificate(boxes: 1, parity: 1, aliceInputs: u, bobInputs: v)
                #expect(certificate.verifyFactors())
                for epsilon in [0.0, 0.1, 0.25] {
                    #expect(abs(certificate.value(independentBoxes: [.noisyPRBox(epsilon: epsilon)]) - 4 * epsilon) < 1e-15)
                }
                // The same vector passes the dense check and the LP meets it.
                let problem = try EveProblem(behaviour: .noisyPRBox(epsilon: 0.1), parity: 1, aliceInputs: u, bobInputs: v)
                #expect(DualCertificate(weights: certificate.denseWeights()).check(for: problem).holds)
            }
        }
    }

    /// Up to 8 boxes without the dense LP, every parity pattern and input: factors verify.
    @Test(arguments: [4, 6, 8])
    func factorsVerifyForManyBoxes(n: Int) {
        let seed = UInt64(300 + n)
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<20 {
            let certificate = TensorCertificate(
                boxes: n, parity: Int.random(in: 1..<(1 << n), using: &rng),
                aliceInputs: Int.random(in: 0..<(1 << n), using: &rng), bobInputs: Int.random(in: 0..<(1 << n), using: &rng))
            #expect(certificate.verifyFactors())
            let epsilons = (0..<n).map { _ in Double.random(in: 0...0.25, using: &rng) }
            let value = certificate.value(independentBoxes: epsilons.map { .noisyPRBox(epsilon: $0) })
            let expected = DistanceBound.parity(epsilons: (0..<n).filter { certificate.parity >> $0 & 1 == 1 }.map { epsilons[$0] })
            #expect(abs(value / 2 - expected) < 1e-12)
        }
    }

    /// For any behaviour the product certificate is worth exactly Lemma 14's bound, and it
    /// passes the dense check (n = 3).
    @Test func denseCertificateIsWorthLemma14() throws {
        let seed: UInt64 = 401
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let behaviour = randomCorrelatedBehaviour(boxes: 3, using: &rng)
        for parity in [1, 5, 7] {
            let problem = try EveProblem(behaviour: behaviour, parity: parity, aliceInputs: 3, bobInputs: 6)
            let certificate = TensorCertificate(boxes: 3, parity: parity, aliceInputs: 3, bobInputs: 6)
            let check = DualCertificate(weights: certificate.denseWeights()).check(for: problem)
            #expect(check.holds)
            #expect(abs(check.distanceBound - problem.lemma14Bound) < 1e-12)
        }
    }

    /// A wrong sign in one factor breaks feasibility.
    @Test func aWrongSignIsCaught() {
        var w = TensorCertificate.singleBox(aliceInput: 0, bobInput: 0, inParity: true)
        let single = NonSignalingParametrisation(boxes: 1)
        let index = w.firstIndex { $0 != 0 }!
        w[index] = -w[index]
        let b = TensorCertificate(boxes: 1, parity: 1, aliceInputs: 0, bobInputs: 0).factorObjective(0)
        #expect(single.multiplyTransposed(zip(w, b).map { $0 - $1 }).contains { $0 != 0 })
    }
}
