/// A matrix `M` (rows x columns, full column rank) known through products, so that structured
/// matrices — Kronecker powers, say — never need to be stored.
public protocol LinearOperator: Sendable {
    var rows: Int { get }
    var columns: Int { get }
    /// `M x`.
    func multiply(_ x: [Double]) -> [Double]
    /// `M^T y`.
    func multiplyTransposed(_ y: [Double]) -> [Double]
    /// The dense normal matrix `M^T diag(weights) M`, column-major, `columns x columns`.
    func normalMatrix(weights: [Double]) -> [Double]
}

/// A dense matrix as a ``LinearOperator`` (row-major storage); for tests and small problems.
public struct DenseOperator: LinearOperator {
    public let rows: Int
    public let columns: Int
    public let entries: [Double]

    public init(rows: Int, columns: Int, rowMajor entries: [Double]) {
        precondition(entries.count == rows * columns)
        self.rows = rows
        self.columns = columns
        self.entries = entries
    }

    public func multiply(_ x: [Double]) -> [Double] {
        (0..<rows).map { i in (0..<columns).reduce(0.0) { $0 + entries[i * columns + $1] * x[$1] } }
    }

    public func multiplyTransposed(_ y: [Double]) -> [Double] {
        var result = [Double](repeating: 0, count: columns)
        for i in 0..<rows where y[i] != 0 {
            for j in 0..<columns { result[j] += entries[i * columns + j] * y[i] }
        }
        return result
    }

    public func normalMatrix(weights: [Double]) -> [Double] {
        var result = [Double](repeating: 0, count: columns * columns)
        for i in 0..<rows {
            let w = weights[i]
            for a in 0..<columns where entries[i * columns + a] != 0 {
                let scaled = w * entries[i * columns + a]
                for b in 0..<columns { result[a * columns + b] += scaled * entries[i * columns + b] }
            }
        }
        return result
    }
}

/// The linear program
///
///     maximise  g^T theta   subject to   -p <= M theta <= p     (p >= 0 entrywise),
///
/// the shape of Eve's problem (Lemma 10) once the non-signalling constraints are solved by a
/// parametrisation `Delta = M theta`. Rows with `p = 0` are equalities.
public struct SymmetricBoxProgram: Sendable {
    /// `M`.
    public let matrix: any LinearOperator
    public let gradient: [Double]
    public let bounds: [Double]

    public init(matrix: any LinearOperator, gradient: [Double], bounds: [Double]) {
        precondition(gradient.count == matrix.columns && bounds.count == matrix.rows)
        precondition(bounds.allSatisfy { $0 >= 0 && $0.isFinite }, "bounds must be finite and non-negative")
        self.matrix = matrix
        self.gradient = gradient
        self.bounds = bounds
    }
}

/// The answer of ``InteriorPointSolver``: a primal point, a dual vector and how well each
/// satisfies its constraints. The dual vector `w` has `M^T w = g`; weak duality gives
/// `g^T theta <= sum_e p_e |w_e|` for every feasible `theta`.
public struct InteriorPointSolution: Sendable {
    public enum Status: Sendable, Equatable { case optimal, stopped }
    public var status: Status
    public var theta: [Double]
    public var dual: [Double]
    public var primalValue: Double
    public var dualValue: Double
    public var iterations: Int
    /// The largest violation of `|M theta| <= p`.
    public var primalInfeasibility: Double
    /// `max |M^T w - g|`.
    public var dualInfeasibility: Double
}

/// A primal-dual interior-point method (Mehrotra's predictor-corrector) for
/// ``SymmetricBoxProgram``. It works on the dual in standard form,
///
///     minimise p^T (y+ + y-)   subject to   M^T (y+ - y-) = g,   y+, y- >= 0,
///
/// whose Newton steps need only the normal matrix `M^T D M` (order = `columns`), factored
/// densely by LAPACK. Zero bounds are harmless in this form: they are zero costs. Each
/// iteration costs one normal matrix, one Cholesky factorisation and two solves.
public struct InteriorPointSolver: Sendable {
    /// Stop when the relative gap and the scaled residuals are all below this.
    public var tolerance: Double
    /// Accept the best iterate as optimal when its measures are below this (late iterations
    /// may stall a little above `tolerance` in floating point).
    public var acceptance: Double
    public var maximumIterations: Int

    public init(tolerance: Double = 1e-10, acceptance: Double = 1e-8, maximumIterations: Int = 100) {
        self.tolerance = tolerance
        self.acceptance = acceptance
        self.maximumIterations = maximumIterations
    }

    /// - Parameter progress: called after each iteration with its number and the relative
    ///   duality gap.
    public func solve(_ program: SymmetricBoxProgram,
                      progress: (_ iteration: Int, _ gap: Double) -> Void = { _, _ in })
        throws(LinearProgramError) -> InteriorPointSolution
    {
        let m = program.matrix.rows
        let k = program.matrix.columns
        let op = program.matrix
        // Scale the bounds to mean 1, so that the starting point is well centred.
        let meanBound = program.bounds.reduce(0, +) / Double(m)
        let scale = meanBound > 0 ? meanBound : 1
        let p = program.bounds.map { $0 / scale }
        let g = program.gradient

        var theta = [Double](repeating: 0, count: k)
        var yPlus = [Double](repeating: 1, count: m), yMinus = yPlus
        var zPlus = p.map { $0 + 1 }, zMinus = zPlus
        var iterations = 0
        var status = InteriorPointSolution.Status.stopped
        // Late iterations can lose accuracy (the normal matrix becomes ill-conditioned as the
        // complementarity vanishes), so the best iterate seen is kept and returned.
        var best: (merit: Double, theta: [Double], yPlus: [Double], yMinus: [Double])?
        var worseningSteps = 0

        func stepLength(_ values: [Double], _ steps: [Double]) -> Double {
            var alpha = 1.0
            for i in values.indices where steps[i] < 0 { alpha = min(alpha, -values[i] / steps[i]) }
            return alpha
        }

        while iterations < maximumIterations {
            let mTheta = op.multiply(theta)
            var net = [Double](repeating: 0, count: m)
            for e in 0..<m { net[e] = yPlus[e] - yMinus[e] }
            let mtNet = op.multiplyTransposed(net)
            let rPrimal = (0..<k).map { g[$0] - mtNet[$0] }
            var rDualPlus = [Double](repeating: 0, count: m), rDualMinus = rDualPlus
            var complementarity = 0.0
            var primalObjective = 0.0
            for e in 0..<m {
                rDualPlus[e] = p[e] - mTheta[e] - zPlus[e]
                rDualMinus[e] = p[e] + mTheta[e] - zMinus[e]
                complementarity += yPlus[e] * zPlus[e] + yMinus[e] * zMinus[e]
                primalObjective += p[e] * (yPlus[e] + yMinus[e])
            }
            let dualObjective = zip(g, theta).reduce(0) { $0 + $1.0 * $1.1 }
            let mu = complementarity / Double(2 * m)
            let gap = abs(primalObjective - dualObjective) / (1 + abs(dualObjective))
            let primalResidual = rPrimal.map(abs).max() ?? 0
            let dualResidual = max(rDualPlus.map(abs).max() ?? 0, rDualMinus.map(abs).max() ?? 0)
            let gNorm = g.map(abs).max() ?? 0
            let merit = max(gap, primalResidual / (1 + gNorm), dualResidual / 2)
            if merit < best?.merit ?? .infinity {
                best = (merit, theta, yPlus, yMinus)
                worseningSteps = 0
            } else {
                worseningSteps += 1
            }
            if merit < tolerance { break }
            if worseningSteps >= 3 || mu < 1e-18 { break }
            iterations += 1

            // Normal matrix M^T (D+ + D-) M with D = y / z.
            var dPlus = [Double](repeating: 0, count: m), dMinus = dPlus, weights = dPlus
            for e in 0..<m {
                dPlus[e] = yPlus[e] / zPlus[e]
                dMinus[e] = yMinus[e] / zMinus[e]
                weights[e] = dPlus[e] + dMinus[e]
            }
            let factor = try factorise(op.normalMatrix(weights: weights), order: k)

            // One Newton direction for complementarity targets rc (y z -> y z + rc).
            func direction(_ rcPlus: [Double], _ rcMinus: [Double])
                -> (dTheta: [Double], dyPlus: [Double], dyMinus: [Double], dzPlus: [Double], dzMinus: [Double])
            {
                var combined = [Double](repeating: 0, count: m)
                for e in 0..<m {
                    combined[e] = -(rcPlus[e] / zPlus[e] - rcMinus[e] / zMinus[e])
                        + dPlus[e] * rDualPlus[e] - dMinus[e] * rDualMinus[e]
                }
                let mtCombined = op.multiplyTransposed(combined)
                let rhs = (0..<k).map { rPrimal[$0] + mtCombined[$0] }
                var dTheta = factor.solve(rhs)
                // One step of iterative refinement with the exact operator: the factor of an
                // ill-conditioned normal matrix is not accurate enough on its own.
                let weighted = op.multiply(dTheta).enumerated().map { weights[$0.offset] * $0.element }
                let applied = op.multiplyTransposed(weighted)
                let correction = factor.solve((0..<k).map { rhs[$0] - applied[$0] })
                for j in 0..<k { dTheta[j] += correction[j] }
                let mdTheta = op.multiply(dTheta)
                var dzPlus = [Double](repeating: 0, count: m), dzMinus = dzPlus, dyPlus = dzPlus, dyMinus = dzPlus
                for e in 0..<m {
                    dzPlus[e] = rDualPlus[e] - mdTheta[e]
                    dzMinus[e] = rDualMinus[e] + mdTheta[e]
                    dyPlus[e] = (rcPlus[e] - yPlus[e] * dzPlus[e]) / zPlus[e]
                    dyMinus[e] = (rcMinus[e] - yMinus[e] * dzMinus[e]) / zMinus[e]
                }
                return (dTheta, dyPlus, dyMinus, dzPlus, dzMinus)
            }

            // Predictor (affine scaling).
            let affine = direction((0..<m).map { -yPlus[$0] * zPlus[$0] }, (0..<m).map { -yMinus[$0] * zMinus[$0] })
            let alphaPrimalAffine = min(stepLength(yPlus, affine.dyPlus), stepLength(yMinus, affine.dyMinus))
            let alphaDualAffine = min(stepLength(zPlus, affine.dzPlus), stepLength(zMinus, affine.dzMinus))
            var affineComplementarity = 0.0
            for e in 0..<m {
                affineComplementarity += (yPlus[e] + alphaPrimalAffine * affine.dyPlus[e])
                    * (zPlus[e] + alphaDualAffine * affine.dzPlus[e])
                affineComplementarity += (yMinus[e] + alphaPrimalAffine * affine.dyMinus[e])
                    * (zMinus[e] + alphaDualAffine * affine.dzMinus[e])
            }
            let muAffine = affineComplementarity / Double(2 * m)
            let sigma = min(1, pow3(muAffine / mu))

            // Corrector: centring plus the second-order term.
            var rcPlus = [Double](repeating: 0, count: m), rcMinus = rcPlus
            for e in 0..<m {
                rcPlus[e] = sigma * mu - yPlus[e] * zPlus[e] - affine.dyPlus[e] * affine.dzPlus[e]
                rcMinus[e] = sigma * mu - yMinus[e] * zMinus[e] - affine.dyMinus[e] * affine.dzMinus[e]
            }
            let step = direction(rcPlus, rcMinus)
            let alphaPrimal = min(1, 0.995 * min(stepLength(yPlus, step.dyPlus), stepLength(yMinus, step.dyMinus)))
            let alphaDual = min(1, 0.995 * min(stepLength(zPlus, step.dzPlus), stepLength(zMinus, step.dzMinus)))
            for e in 0..<m {
                yPlus[e] += alphaPrimal * step.dyPlus[e]
                yMinus[e] += alphaPrimal * step.dyMinus[e]
                zPlus[e] += alphaDual * step.dzPlus[e]
                zMinus[e] += alphaDual * step.dzMinus[e]
            }
            for j in 0..<k { theta[j] += alphaDual * step.dTheta[j] }
            progress(iterations, gap)
        }

        if let best {
            theta = best.theta
            yPlus = best.yPlus
            yMinus = best.yMinus
            // The iterate is accepted when it is optimal to within the acceptance tolerance;
            // callers verify it independently (a repaired dual certificate, primal bounds).
            if best.merit < acceptance { status = .optimal }
        }
        // Back to the caller's units: theta scales with p, the dual vector does not.
        let unscaledTheta = theta.map { $0 * scale }
        let dual = (0..<m).map { yPlus[$0] - yMinus[$0] }
        let mTheta = op.multiply(unscaledTheta)
        let primalInfeasibility = (0..<m).reduce(0.0) { max($0, abs(mTheta[$1]) - program.bounds[$1]) }
        let mtDual = op.multiplyTransposed(dual)
        let dualInfeasibility = (0..<k).reduce(0.0) { max($0, abs(mtDual[$1] - g[$1])) }
        return InteriorPointSolution(
            status: status, theta: unscaledTheta, dual: dual,
            primalValue: zip(g, unscaledTheta).reduce(0) { $0 + $1.0 * $1.1 },
            dualValue: zip(program.bounds, dual).reduce(0) { $0 + $1.0 * abs($1.1) },
            iterations: iterations, primalInfeasibility: max(0, primalInfeasibility),
            dualInfeasibility: dualInfeasibility)
    }

    /// Factors the normal matrix, adding a tiny multiple of the identity if late iterations
    /// have made it numerically singular.
    private func factorise(_ matrix: [Double], order: Int) throws(LinearProgramError) -> CholeskyFactor {
        do {
            return try CholeskyFactor(symmetric: matrix, order: order)
        } catch {
            var regularised = matrix
            let largest = (0..<order).reduce(0.0) { max($0, matrix[$1 * order + $1]) }
            for i in 0..<order { regularised[i * order + i] += 1e-13 * largest }
            return try CholeskyFactor(symmetric: regularised, order: order)
        }
    }

    private func pow3(_ x: Double) -> Double { x * x * x }
}
