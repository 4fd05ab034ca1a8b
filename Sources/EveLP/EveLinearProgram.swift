import LinearProgramming
import NonSignaling
import SecurityBounds

/// Eve's question (Lemma 10): how far from uniform, given her best non-signalling attack, is
/// the parity `c . x` of Alice's outputs on `n` boxes whose inputs `(u*, v*)` are public?
public struct EveProblem: Sendable {
    public let behaviour: Behaviour
    /// The parity mask `c` (bit `i` = box `i`), non-zero.
    public let parity: Int
    /// Alice's public inputs `u*` as an `n`-bit string.
    public let aliceInputs: Int
    /// Bob's public inputs `v*`.
    public let bobInputs: Int

    public enum InvalidProblem: Error, Sendable, Equatable, CustomStringConvertible {
        case parity(Int, boxes: Int)
        case inputs(Int, boxes: Int)

        public var description: String {
            switch self {
            case .parity(let mask, let n):
                return mask < 1 ? "--parity must be at least 1 (got \(mask)): the mask names the boxes whose outputs are XORed"
                    : "--parity \(mask) must be between 1 and \((1 << n) - 1) for \(n) box\(n == 1 ? "" : "es")"
            case .inputs(let value, let n):
                return "--inputs: the input string \(value) must be between 0 and \((1 << n) - 1) for \(n) box\(n == 1 ? "" : "es")"
            }
        }
    }

    public init(behaviour: Behaviour, parity: Int, aliceInputs: Int, bobInputs: Int) throws(InvalidProblem) {
        let n = behaviour.boxes
        guard parity >= 1 && parity < 1 << n else { throw .parity(parity, boxes: n) }
        for value in [aliceInputs, bobInputs] where value < 0 || value >= 1 << n {
            throw .inputs(value, boxes: n)
        }
        self.behaviour = behaviour
        self.parity = parity
        self.aliceInputs = aliceInputs
        self.bobInputs = bobInputs
    }

    /// Lemma 10's objective `b`: `(-1)^(c . x)` on the entries with inputs `(u*, v*)`, zero
    /// elsewhere (flat layout).
    public var objective: [Double] {
        let layout = behaviour.layout
        var b = [Double](repeating: 0, count: layout.count)
        for x in 0..<layout.strings {
            let sign: Double = (x & parity).nonzeroBitCount % 2 == 0 ? 1 : -1
            for y in 0..<layout.strings {
                b[layout.index(x: x, y: y, u: aliceInputs, v: bobInputs)] = sign
            }
        }
        return b
    }

    /// Lemma 14's bound (with Lemma 10's factor 1/2) for this parity: the probability mass on
    /// which every box of the parity set violates CHSH.
    public var lemma14Bound: Double { DistanceBound.lemma14(behaviour, mask: parity) }
}

/// A dual certificate for Lemma 10's LP: a vector `w` (flat layout) with `w - b` orthogonal to
/// every non-signalling vector. Then for every feasible `Delta`,
/// `b^T Delta = w^T Delta <= sum_e P_e |w_e|`, so `d <= 1/2 sum_e P_e |w_e|`. (In the paper's
/// form (6), `lambda` splits `|w|` into the multipliers of the two bound rows and the
/// non-signalling multipliers absorb `w - b`.)
public struct DualCertificate: Sendable {
    public let weights: [Double]

    public init(weights: [Double]) { self.weights = weights }

    /// The outcome of checking the certificate against a problem, without any solver.
    public struct Check: Sendable {
        /// `max |M^T (w - b)|` relative to `max |w|`: zero for an exact certificate.
        public let orthogonalityResidual: Double
        /// `1/2 sum P |w|`: the bound on the distance from uniform the certificate proves.
        public let distanceBound: Double
        public var holds: Bool { orthogonalityResidual <= 1e-9 }
    }

    public func check(for problem: EveProblem, parametrisation: NonSignalingParametrisation? = nil) -> Check {
        let parametrisation = parametrisation ?? NonSignalingParametrisation(boxes: problem.behaviour.boxes)
        let b = problem.objective
        let difference = zip(weights, b).map { $0 - $1 }
        let residual = parametrisation.multiplyTransposed(difference).map(abs).max() ?? 0
        let scale = max(1, weights.map(abs).max() ?? 0)
        let value = zip(problem.behaviour.probabilities, weights).reduce(0) { $0 + $1.0 * abs($1.1) }
        return Check(orthogonalityResidual: residual / scale, distanceBound: value / 2)
    }

    /// Removes the non-orthogonal part of `w - b` by the exact orthogonal projection
    /// `w - M (M^T M)^{-1} M^T (w - b)` (cheap: `M^T M` is a Kronecker power), so that a
    /// solver's approximate dual becomes a certificate up to rounding.
    public func repaired(for problem: EveProblem, parametrisation: NonSignalingParametrisation) -> DualCertificate {
        let b = problem.objective
        let difference = zip(weights, b).map { $0 - $1 }
        let correction = parametrisation.multiply(parametrisation.solveGram(parametrisation.multiplyTransposed(difference)))
        return DualCertificate(weights: zip(weights, correction).map { $0 - $1 })
    }
}

/// Eve's optimal attack found by solving Lemma 10's LP.
public struct EveOptimum: Sendable {
    public let problem: EveProblem
    /// `d = 1/2 b^T Delta*` from the primal solution.
    public let distanceFromUniform: Double
    /// The optimal `Delta*` (flat layout).
    public let delta: [Double]
    /// Lemma 10's partition element `(p, P^{Z=0})` built from `Delta*`.
    public let elementWeight: Double
    public let elementBox: Behaviour
    /// Eve's optimal partition `{(p, P^{Z=0}), (1 - p, P^{Z=1})}` (Lemma 9's completion), or
    /// `nil` if the element is not valid. Its distance from uniform is the LP value:
    /// `Delta = p P^{Z=0} - (1 - p) P^{Z=1}`, so `b^T Delta = sum_z +-2 p_z (P^z[c.x = 0] - 1/2)`.
    public var partition: BoxPartition? {
        BoxPartition.completing(weight: elementWeight, elementBox, of: problem.behaviour, tolerance: 1e-8)
    }
    /// Whether `(p, P^{Z=0})` passes Lemma 9 (non-signalling box, `p P^{Z=0} <= P`).
    public let elementIsValid: Bool
    /// The solver's dual, repaired to exact orthogonality, and its independent check.
    public let certificate: DualCertificate
    public let certificateCheck: DualCertificate.Check
    public let solver: String
    public let iterations: Int

    /// The certificate holds, the element is valid, and the bound it proves meets the primal
    /// value (a zero duality gap up to `1e-8`): `distanceFromUniform` is Eve's optimum.
    public var certificateVerified: Bool {
        certificateCheck.holds && elementIsValid
            && abs(certificateCheck.distanceBound - distanceFromUniform) <= 1e-8 * max(1, distanceFromUniform)
    }
}

/// Solves Lemma 10's LP for a problem.
public enum EveLinearProgram {
    public enum Backend: String, Sendable, CaseIterable {
        /// COIN-OR Clp's dual simplex on the reduced form (practical to `n = 3`).
        case clp
        /// The structured interior-point method (dense Cholesky of the `3^(2n)` normal
        /// matrix; `n = 4` in well under two minutes).
        case interiorPoint = "interior-point"

        /// Clp up to three boxes, the interior-point method beyond.
        public static func automatic(boxes: Int) -> Backend { boxes <= 3 ? .clp : .interiorPoint }
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case solver(LinearProgramError)
        case notSolved(String)
        case tooManyBoxes(Int)

        public var description: String {
            switch self {
            case .solver(let error): return error.description
            case .notSolved(let status): return "the LP was not solved to optimality (\(status))"
            case .tooManyBoxes(let n):
                return "the LP has 16^\(n) entries; it is solved for at most 4 boxes (use the tensor certificate beyond)"
            }
        }
    }

    public static let maximumBoxes = 4

    /// - Parameter progress: the interior-point iterations, as `(iteration, relative gap)`.
    public static func solve(_ problem: EveProblem, backend: Backend? = nil,
                             progress: @escaping (Int, Double) -> Void = { _, _ in }) throws(Failure) -> EveOptimum {
        let n = problem.behaviour.boxes
        guard n <= maximumBoxes else { throw .tooManyBoxes(n) }
        let backend = backend ?? .automatic(boxes: n)
        let parametrisation = NonSignalingParametrisation(boxes: n)
        let b = problem.objective
        let gradient = parametrisation.multiplyTransposed(b)
        let bounds = problem.behaviour.probabilities.map { max(0, $0) }
        let theta: [Double]
        let dual: [Double]
        let iterations: Int
        switch backend {
        case .clp:
            // Entries of P are about 4^-n; Clp's feasibility tolerance is absolute, so the rows
            // are scaled to bounds of mean 1 (and theta scaled back).
            let scale = bounds.reduce(0, +) / Double(bounds.count)
            let scaled = bounds.map { $0 / scale }
            let program = LinearProgram(
                sense: .maximise, objective: gradient, matrix: parametrisation.sparseMatrix(),
                columnLower: .init(repeating: -.infinity, count: parametrisation.columns),
                columnUpper: .init(repeating: .infinity, count: parametrisation.columns),
                rowLower: scaled.map { -$0 }, rowUpper: scaled)
            let solution: LinearProgramSolution
            do { solution = try ClpSolver().solve(program) } catch { throw .solver(error) }
            guard solution.status == .optimal else { throw .notSolved("\(solution.status)") }
            theta = solution.columnValues.map { $0 * scale }
            dual = solution.rowDuals
            iterations = solution.iterations
        case .interiorPoint:
            let program = SymmetricBoxProgram(matrix: parametrisation, gradient: gradient, bounds: bounds)
            let solution: InteriorPointSolution
            do { solution = try InteriorPointSolver().solve(program, progress: progress) } catch { throw .solver(error) }
            guard solution.status == .optimal else { throw .notSolved("stopped after \(solution.iterations) iterations") }
            theta = solution.theta
            dual = solution.dual
            iterations = solution.iterations
        }
        let delta = parametrisation.multiply(theta)
        let value = zip(b, delta).reduce(0) { $0 + $1.0 * $1.1 } / 2
        let element = partitionElement(delta: delta, behaviour: problem.behaviour)
        let certificate = DualCertificate(weights: dual).repaired(for: problem, parametrisation: parametrisation)
        return EveOptimum(
            problem: problem, distanceFromUniform: value, delta: delta,
            elementWeight: element.weight, elementBox: element.box,
            elementIsValid: BoxPartition.isElement(weight: element.weight, element.box, of: problem.behaviour,
                                                   tolerance: 1e-8),
            certificate: certificate, certificateCheck: certificate.check(for: problem, parametrisation: parametrisation),
            solver: backend.rawValue, iterations: iterations)
    }

    /// Lemma 10's map from a feasible `Delta` to a partition element:
    /// `p = 1/2 (1 + sum_xy Delta(xy|0..0))`, `P^{Z=0} = (P + Delta) / (2p)` (`P` when `p = 0`).
    ///
    /// The paper's proof then writes the objective as `2 * 2p (P^{Z=0}[f = 0] - 1/2)`, which
    /// drops a term `-(P[f = 0] - P[f = 1])` and so holds only when the honest parity is
    /// unbiased at `(u*, v*)`. In general the objective is twice the distance from uniform of
    /// the two-element partition `{(p, P^{Z=0}), (1 - p, P^{Z=1})}` (grouping any partition's
    /// elements by the sign of their bias shows the converse), so Lemma 10's statement holds;
    /// ``EveOptimum/partition`` returns that partition and the tests check its distance.
    public static func partitionElement(delta: [Double], behaviour: Behaviour) -> (weight: Double, box: Behaviour) {
        let layout = behaviour.layout
        var total = 0.0
        for x in 0..<layout.strings {
            for y in 0..<layout.strings { total += delta[layout.index(x: x, y: y, u: 0, v: 0)] }
        }
        let p = (1 + total) / 2
        guard p > 0 else { return (0, behaviour) }
        let box = zip(behaviour.probabilities, delta).map { max(0, ($0 + $1) / (2 * p)) }
        return (p, try! Behaviour(boxes: behaviour.boxes, probabilities: box))
    }
}
