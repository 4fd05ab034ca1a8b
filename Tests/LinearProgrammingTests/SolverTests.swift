import Testing
import Randomness
@testable import LinearProgramming

@Suite("Clp backend")
struct ClpSolverTests {
    /// max x + y s.t. x + 2y <= 4, 3x + y <= 6, x, y >= 0: optimum (1.6, 1.2), value 2.8, both
    /// rows tight with duals (0.4, 0.2).
    @Test func smallProblemWithKnownPrimalAndDual() throws {
        let matrix = SparseMatrix(rows: 2, columns: 2, entries: [(0, 0, 1), (0, 1, 2), (1, 0, 3), (1, 1, 1)])
        let problem = LinearProgram(sense: .maximise, objective: [1, 1], matrix: matrix,
                                    columnLower: [0, 0], columnUpper: [.infinity, .infinity],
                                    rowLower: [-.infinity, -.infinity], rowUpper: [4, 6])
        let solution = try ClpSolver().solve(problem)
        #expect(solution.status == .optimal)
        #expect(abs(solution.objectiveValue - 2.8) < 1e-12)
        #expect(abs(solution.columnValues[0] - 1.6) < 1e-12 && abs(solution.columnValues[1] - 1.2) < 1e-12)
        #expect(abs(solution.rowDuals[0] - 0.4) < 1e-12 && abs(solution.rowDuals[1] - 0.2) < 1e-12)
        // objective = A^T y + reduced costs.
        let aty = matrix.multiplyTransposed(solution.rowDuals)
        for j in 0..<2 { #expect(abs(aty[j] + solution.reducedCosts[j] - problem.objective[j]) < 1e-12) }
    }

    @Test func infeasibleAndUnboundedAreStatuses() throws {
        let matrix = SparseMatrix(rows: 1, columns: 1, entries: [(0, 0, 1)])
        let infeasible = LinearProgram(sense: .minimise, objective: [1], matrix: matrix, columnLower: [0],
                                       columnUpper: [1], rowLower: [2], rowUpper: [3])
        #expect(try ClpSolver().solve(infeasible).status == .infeasible)
        let unbounded = LinearProgram(sense: .maximise, objective: [1], matrix: matrix, columnLower: [0],
                                      columnUpper: [.infinity], rowLower: [0], rowUpper: [.infinity])
        #expect(try ClpSolver().solve(unbounded).status == .unbounded)
    }

    @Test func duplicateTripletsAreAdded() {
        let matrix = SparseMatrix(rows: 2, columns: 1, entries: [(1, 0, 2), (0, 0, 1), (1, 0, 3)])
        #expect(matrix.multiply([1]) == [1, 5])
        #expect(matrix.rowIndices == [0, 1])
    }
}

@Suite("interior-point method and Cholesky")
struct InteriorPointTests {
    @Test func choleskySolvesAndRejectsIndefiniteMatrices() throws {
        // [[4, 2], [2, 3]] x = [2, 1]  ->  x = [0.5, 0].
        let factor = try CholeskyFactor(symmetric: [4, 2, 2, 3], order: 2)
        let x = factor.solve([2, 1])
        #expect(abs(x[0] - 0.5) < 1e-15 && abs(x[1]) < 1e-15)
        #expect(throws: LinearProgramError.notPositiveDefinite(pivot: 2)) {
            try CholeskyFactor(symmetric: [1, 2, 2, 1], order: 2)
        }
    }

    /// Random instances of `max g.theta s.t. |M theta| <= p` (some `p = 0`): the interior-point
    /// method agrees with Clp, and its dual satisfies `M^T w = g` with the same value.
    @Test(arguments: 1...5)
    func agreesWithClpOnRandomInstances(instance: Int) throws {
        let seed = UInt64(instance) * 7919
        print("seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let rows = 24, columns = 6
        let entries = (0..<(rows * columns)).map { _ in Double.random(in: -1...1, using: &rng) }
        let op = DenseOperator(rows: rows, columns: columns, rowMajor: entries)
        let bounds = (0..<rows).map { i in i % 5 == 0 ? 0 : Double.random(in: 0.1...2, using: &rng) }
        let gradient = (0..<columns).map { _ in Double.random(in: -1...1, using: &rng) }
        let interior = try InteriorPointSolver().solve(SymmetricBoxProgram(matrix: op, gradient: gradient, bounds: bounds))
        #expect(interior.status == .optimal)
        #expect(interior.dualInfeasibility < 1e-8)
        #expect(interior.primalInfeasibility < 1e-8)
        #expect(abs(interior.primalValue - interior.dualValue) < 1e-7)

        var triplets: [(row: Int, column: Int, value: Double)] = []
        for i in 0..<rows { for j in 0..<columns { triplets.append((i, j, entries[i * columns + j])) } }
        let problem = LinearProgram(sense: .maximise, objective: gradient,
                                    matrix: SparseMatrix(rows: rows, columns: columns, entries: triplets),
                                    columnLower: .init(repeating: -.infinity, count: columns),
                                    columnUpper: .init(repeating: .infinity, count: columns),
                                    rowLower: bounds.map { -$0 }, rowUpper: bounds)
        let clp = try ClpSolver().solve(problem)
        #expect(clp.status == .optimal)
        #expect(abs(clp.objectiveValue - interior.primalValue) < 1e-7, "clp \(clp.objectiveValue) ipm \(interior.primalValue)")
    }
}
