/// A linear program in the general bounded form
///
///     optimise    c^T x
///     subject to  rowLower <= A x <= rowUpper,   columnLower <= x <= columnUpper,
///
/// with `A` sparse and stored by columns. Equal lower and upper bounds make an equality;
/// infinite bounds (`-.infinity`, `.infinity`) are absent bounds.
public struct LinearProgram: Sendable {
    public enum Sense: Sendable { case minimise, maximise }

    public var sense: Sense
    public var objective: [Double]
    public var matrix: SparseMatrix
    public var columnLower: [Double]
    public var columnUpper: [Double]
    public var rowLower: [Double]
    public var rowUpper: [Double]

    /// - Precondition: the vectors match the matrix's shape and every lower bound is at most
    ///   its upper bound.
    public init(sense: Sense, objective: [Double], matrix: SparseMatrix,
                columnLower: [Double], columnUpper: [Double], rowLower: [Double], rowUpper: [Double]) {
        precondition(objective.count == matrix.columns && columnLower.count == matrix.columns
                     && columnUpper.count == matrix.columns, "column vectors must have \(matrix.columns) entries")
        precondition(rowLower.count == matrix.rows && rowUpper.count == matrix.rows,
                     "row vectors must have \(matrix.rows) entries")
        precondition(zip(columnLower, columnUpper).allSatisfy { $0 <= $1 }
                     && zip(rowLower, rowUpper).allSatisfy { $0 <= $1 }, "a lower bound exceeds its upper bound")
        self.sense = sense
        self.objective = objective
        self.matrix = matrix
        self.columnLower = columnLower
        self.columnUpper = columnUpper
        self.rowLower = rowLower
        self.rowUpper = rowUpper
    }
}

/// A sparse matrix in compressed-column form (the layout Clp loads without copying twice).
public struct SparseMatrix: Sendable {
    public let rows: Int
    public let columns: Int
    /// `columnStarts[j] ..< columnStarts[j + 1]` are column `j`'s entries; `columns + 1` values.
    public let columnStarts: [Int32]
    public let rowIndices: [Int32]
    public let values: [Double]

    /// Builds the matrix from `(row, column, value)` triplets; repeated positions are added.
    public init(rows: Int, columns: Int, entries: [(row: Int, column: Int, value: Double)]) {
        precondition(rows < Int(Int32.max) && columns < Int(Int32.max) && entries.count < Int(Int32.max))
        var counts = [Int](repeating: 0, count: columns + 1)
        for entry in entries {
            precondition((0..<rows).contains(entry.row) && (0..<columns).contains(entry.column),
                         "entry (\(entry.row), \(entry.column)) outside a \(rows) x \(columns) matrix")
            counts[entry.column + 1] += 1
        }
        for j in 0..<columns { counts[j + 1] += counts[j] }
        var next = counts
        var rowIndices = [Int32](repeating: 0, count: entries.count)
        var values = [Double](repeating: 0, count: entries.count)
        for entry in entries {
            rowIndices[next[entry.column]] = Int32(entry.row)
            values[next[entry.column]] = entry.value
            next[entry.column] += 1
        }
        // Sort each column by row and merge duplicates.
        var starts: [Int32] = [0]
        var mergedRows: [Int32] = []
        var mergedValues: [Double] = []
        mergedRows.reserveCapacity(entries.count)
        mergedValues.reserveCapacity(entries.count)
        for j in 0..<columns {
            let range = counts[j]..<counts[j + 1]
            let sorted = range.sorted { rowIndices[$0] < rowIndices[$1] }
            for k in sorted {
                if let last = mergedRows.last, mergedRows.count > Int(starts[j]), last == rowIndices[k] {
                    mergedValues[mergedValues.count - 1] += values[k]
                } else {
                    mergedRows.append(rowIndices[k])
                    mergedValues.append(values[k])
                }
            }
            starts.append(Int32(mergedRows.count))
        }
        self.rows = rows
        self.columns = columns
        self.columnStarts = starts
        self.rowIndices = mergedRows
        self.values = mergedValues
    }

    /// `A x`.
    public func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == columns)
        var result = [Double](repeating: 0, count: rows)
        for j in 0..<columns where x[j] != 0 {
            for k in Int(columnStarts[j])..<Int(columnStarts[j + 1]) {
                result[Int(rowIndices[k])] += values[k] * x[j]
            }
        }
        return result
    }

    /// `A^T y`.
    public func multiplyTransposed(_ y: [Double]) -> [Double] {
        precondition(y.count == rows)
        return (0..<columns).map { j in
            var sum = 0.0
            for k in Int(columnStarts[j])..<Int(columnStarts[j + 1]) { sum += values[k] * y[Int(rowIndices[k])] }
            return sum
        }
    }
}

/// What a solver reports. Dual values follow one convention for every backend:
/// `rowDuals` are multipliers `y` with `objective = A^T y + reducedCosts`, so that at an
/// optimum of a maximisation a row at its upper bound has `y >= 0` and a row at its lower
/// bound `y <= 0` (for a minimisation the signs swap).
public struct LinearProgramSolution: Sendable {
    public enum Status: Sendable, Equatable {
        case optimal
        case infeasible
        case unbounded
        /// An iteration or time limit stopped the solver before it proved optimality.
        case stopped
    }

    public var status: Status
    public var objectiveValue: Double
    public var columnValues: [Double]
    public var rowActivities: [Double]
    public var rowDuals: [Double]
    public var reducedCosts: [Double]
    public var iterations: Int

    public init(status: Status, objectiveValue: Double, columnValues: [Double], rowActivities: [Double],
                rowDuals: [Double], reducedCosts: [Double], iterations: Int) {
        self.status = status
        self.objectiveValue = objectiveValue
        self.columnValues = columnValues
        self.rowActivities = rowActivities
        self.rowDuals = rowDuals
        self.reducedCosts = reducedCosts
        self.iterations = iterations
    }
}

/// Errors a solver raises for problems it could not attempt (as opposed to a status such as
/// infeasible, which is an answer).
public enum LinearProgramError: Error, Sendable, Equatable, CustomStringConvertible {
    case solverFailed(String)
    case notPositiveDefinite(pivot: Int)

    public var description: String {
        switch self {
        case .solverFailed(let reason): return "the linear program solver failed: \(reason)"
        case .notPositiveDefinite(let pivot):
            return "the normal matrix lost positive definiteness at pivot \(pivot)"
        }
    }
}

/// Anything that solves a ``LinearProgram``: the rest of diqkd sees only this protocol.
public protocol LinearProgramSolver: Sendable {
    /// A short name for reports (`"clp"`).
    var name: String { get }
    func solve(_ problem: LinearProgram) throws(LinearProgramError) -> LinearProgramSolution
}
