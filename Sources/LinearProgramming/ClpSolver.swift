import CClp

/// COIN-OR Clp (simplex) through its C interface. Each call builds a fresh Clp model, loads
/// the problem, solves it and copies the answer out before the model is freed, so the
/// solver is a plain value that is safe to share.
public struct ClpSolver: LinearProgramSolver {
    public enum Algorithm: Sendable {
        /// Clp's own choice of presolve and method.
        case automatic
        case dualSimplex
        case primalSimplex
    }

    public var algorithm: Algorithm
    /// Stops after this many seconds (`nil`: no limit); the status is then `.stopped`.
    public var timeLimit: Double?
    /// Clp's absolute feasibility tolerances (its defaults are 1e-7); scale rows to O(1).
    public var primalTolerance: Double
    public var dualTolerance: Double

    public init(algorithm: Algorithm = .dualSimplex, timeLimit: Double? = nil,
                primalTolerance: Double = 1e-9, dualTolerance: Double = 1e-9) {
        self.algorithm = algorithm
        self.timeLimit = timeLimit
        self.primalTolerance = primalTolerance
        self.dualTolerance = dualTolerance
    }

    public var name: String { "clp" }

    public func solve(_ problem: LinearProgram) throws(LinearProgramError) -> LinearProgramSolution {
        guard let model = Clp_newModel() else { throw .solverFailed("Clp could not create a model") }
        defer { Clp_deleteModel(model) }
        Clp_setLogLevel(model, 0)
        let matrix = problem.matrix
        // Clp takes infinite bounds as its own large number; map them explicitly.
        let infinity = 1e30
        func clip(_ values: [Double]) -> [Double] { values.map { max(-infinity, min(infinity, $0)) } }
        let columnLower = clip(problem.columnLower), columnUpper = clip(problem.columnUpper)
        let rowLower = clip(problem.rowLower), rowUpper = clip(problem.rowUpper)
        matrix.columnStarts.withUnsafeBufferPointer { starts in
            matrix.rowIndices.withUnsafeBufferPointer { indices in
                matrix.values.withUnsafeBufferPointer { values in
                    Clp_loadProblem(model, Int32(matrix.columns), Int32(matrix.rows), starts.baseAddress,
                                    indices.baseAddress, values.baseAddress, columnLower, columnUpper,
                                    problem.objective, rowLower, rowUpper)
                }
            }
        }
        Clp_setOptimizationDirection(model, problem.sense == .maximise ? -1 : 1)
        if let timeLimit { Clp_setMaximumSeconds(model, timeLimit) }
        Clp_setPrimalTolerance(model, primalTolerance)
        Clp_setDualTolerance(model, dualTolerance)
        switch algorithm {
        case .automatic: _ = Clp_initialSolve(model)
        case .dualSimplex: _ = Clp_dual(model, 0)
        case .primalSimplex: _ = Clp_primal(model, 0)
        }
        let status: LinearProgramSolution.Status
        switch Clp_status(model) {
        case 0: status = .optimal
        case 1: status = .infeasible
        case 2: status = .unbounded
        case 3: status = .stopped
        default: throw .solverFailed("Clp stopped with status \(Clp_status(model))")
        }
        func copy(_ pointer: UnsafePointer<Double>?, _ count: Int) -> [Double] {
            guard let pointer else { return [Double](repeating: 0, count: count) }
            return Array(UnsafeBufferPointer(start: pointer, count: count))
        }
        let columnValues = copy(Clp_getColSolution(model), matrix.columns)
        let rowActivities = copy(Clp_getRowActivity(model), matrix.rows)
        let rowDuals = copy(Clp_getRowPrice(model), matrix.rows)
        let reducedCosts = copy(Clp_getReducedCost(model), matrix.columns)
        return LinearProgramSolution(
            status: status, objectiveValue: Clp_objectiveValue(model), columnValues: columnValues,
            rowActivities: rowActivities, rowDuals: rowDuals, reducedCosts: reducedCosts,
            iterations: Int(Clp_numberIterations(model)))
    }
}
