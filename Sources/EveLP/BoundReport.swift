import NonSignaling
import SecurityBounds

/// What `diqkd bound` computes for one question: the LP optimum (when the LP is solved), the
/// closed-form bounds, and the checks of both certificates. Field names follow SPEC.md.
public struct BoundReport: Codable, Sendable, Equatable {
    public var boxes: Int
    public var parity: Int
    /// `[u*, v*]` as n-bit integers.
    public var inputs: [Int]
    /// `16^n`: the variables of Lemma 10's LP as written in the paper.
    public var variables: Int
    /// `3^(2n)`: the free coordinates the solvers work with.
    public var reducedVariables: Int
    /// Lemma 10: `d = 1/2 b^T Delta*`; `null` when the LP was not solved (more than 4 boxes).
    @NullWhenAbsent public var distanceFromUniform: Double?
    /// The bound proved by the solver's (repaired) dual certificate.
    @NullWhenAbsent public var certifiedUpperBound: Double?
    /// Lemma 6's `1/2 prod 4 eps_i` for independent boxes, Lemma 14's bound otherwise, capped
    /// at 1/2 (no distance from uniform is larger; Lemma 6's product exceeds it for boxes with
    /// `eps > 1/4`, which are local).
    public var analyticBound: Double
    /// Lemma 14's bound (any behaviour; equals Lemma 6's for independent boxes).
    @NullWhenAbsent public var lemma14Bound: Double?
    /// Half the value of Lemma 12's tensor certificate built from Appendix C's duals.
    public var tensorCertificateBound: Double
    /// The tensor certificate's factors satisfy `A^T lambda = b`, `lambda >= 0`.
    public var tensorCertificateVerified: Bool
    /// The LP's own certificate holds, the optimal partition element is valid (Lemma 9) and
    /// the duality gap is closed; for more than 4 boxes, the tensor certificate's check.
    public var certificateVerified: Bool
    /// Lemma 10's optimal partition element `(p, P^{Z=0})`: its weight `p`.
    @NullWhenAbsent public var elementWeight: Double?
    @NullWhenAbsent public var elementValid: Bool?
    @NullWhenAbsent public var solver: String?
    @NullWhenAbsent public var iterations: Int?
    public var seconds: Double
}

/// The `bound` entry point.
public enum EveBound {
    /// The behaviour to analyse: independent noisy PR boxes (unbiased, error `eps_i` on every
    /// input) given by their errors, or any behaviour.
    public enum Source: Sendable {
        case independent(epsilons: [Double])
        case behaviour(Behaviour)
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case problem(EveProblem.InvalidProblem)
        case lp(EveLinearProgram.Failure)
        case tooManyBoxes(Int)

        public var description: String {
            switch self {
            case .problem(let error): return error.description
            case .lp(let error): return error.description
            case .tooManyBoxes(let n): return "\(n) boxes: at most 8 (LP up to 4, tensor certificate up to 8)"
            }
        }
    }

    /// - Parameters:
    ///   - solveLP: solve Lemma 10's LP (possible up to 4 boxes).
    ///   - clock: seconds since an arbitrary origin, for the report's `seconds`.
    public static func analyse(_ source: Source, parity: Int?, aliceInputs: Int, bobInputs: Int,
                               backend: EveLinearProgram.Backend?, solveLP: Bool = true,
                               clock: () -> Double,
                               progress: @escaping (Int, Double) -> Void = { _, _ in }) throws(Failure) -> BoundReport {
        try analyseWithOptimum(source, parity: parity, aliceInputs: aliceInputs, bobInputs: bobInputs, backend: backend,
                               solveLP: solveLP, clock: clock, progress: progress).report
    }

    /// Like ``analyse(_:parity:aliceInputs:bobInputs:backend:solveLP:clock:progress:)``, also
    /// returning the LP's optimum (with Eve's optimal partition element) when it was solved.
    public static func analyseWithOptimum(_ source: Source, parity: Int?, aliceInputs: Int, bobInputs: Int,
                                          backend: EveLinearProgram.Backend?, solveLP: Bool = true,
                                          clock: () -> Double,
                                          progress: @escaping (Int, Double) -> Void = { _, _ in })
        throws(Failure) -> (report: BoundReport, optimum: EveOptimum?)
    {
        let started = clock()
        let n: Int
        switch source {
        case .independent(let epsilons): n = epsilons.count
        case .behaviour(let behaviour): n = behaviour.boxes
        }
        guard n >= 1 && n <= 8 else { throw .tooManyBoxes(n) }
        let mask = parity ?? (1 << n) - 1
        guard mask >= 1 && mask < 1 << n else { throw .problem(.parity(mask, boxes: n)) }
        for value in [aliceInputs, bobInputs] where value < 0 || value >= 1 << n {
            throw .problem(.inputs(value, boxes: n))
        }
        let tensor = TensorCertificate(boxes: n, parity: mask, aliceInputs: aliceInputs, bobInputs: bobInputs)
        let tensorVerified = tensor.verifyFactors()

        var behaviour: Behaviour?
        let analytic: Double
        let tensorValue: Double
        switch source {
        case .independent(let epsilons):
            let singles = epsilons.map { Behaviour.noisyPRBox(epsilon: $0) }
            analytic = min(0.5, DistanceBound.parity(epsilons: (0..<n).filter { mask >> $0 & 1 == 1 }.map { epsilons[$0] }))
            tensorValue = tensor.value(independentBoxes: singles)
            if n <= EveLinearProgram.maximumBoxes {
                behaviour = singles.dropFirst().reduce(singles[0]) { $0.tensor($1) }
            }
        case .behaviour(let given):
            behaviour = given
            analytic = DistanceBound.lemma14(given, mask: mask)
            tensorValue = zip(given.probabilities, tensor.denseWeights()).reduce(0) { $0 + $1.0 * abs($1.1) }
        }
        let lemma14 = behaviour.map { DistanceBound.lemma14($0, mask: mask) }

        var optimum: EveOptimum?
        if solveLP, let behaviour, n <= EveLinearProgram.maximumBoxes {
            let problem: EveProblem
            do {
                problem = try EveProblem(behaviour: behaviour, parity: mask, aliceInputs: aliceInputs, bobInputs: bobInputs)
            } catch { throw .problem(error) }
            do { optimum = try EveLinearProgram.solve(problem, backend: backend, progress: progress) } catch { throw .lp(error) }
        }
        let reduced = (0..<(2 * n)).reduce(1) { acc, _ in acc * 3 }
        let report = BoundReport(
            boxes: n, parity: mask, inputs: [aliceInputs, bobInputs], variables: 1 << (4 * n), reducedVariables: reduced,
            distanceFromUniform: optimum?.distanceFromUniform,
            certifiedUpperBound: optimum?.certificateCheck.distanceBound,
            analyticBound: analytic, lemma14Bound: lemma14,
            tensorCertificateBound: tensorValue / 2, tensorCertificateVerified: tensorVerified,
            certificateVerified: optimum?.certificateVerified ?? tensorVerified,
            elementWeight: optimum?.elementWeight, elementValid: optimum?.elementIsValid,
            solver: optimum?.solver, iterations: optimum?.iterations, seconds: clock() - started)
        return (report, optimum)
    }
}
