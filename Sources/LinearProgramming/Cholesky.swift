import CLapack

/// The Cholesky factor `L L^T = A` of a dense symmetric positive definite matrix, computed by
/// LAPACK's `dpotrf` (OpenBLAS: blocked and multithreaded — about 1 s for order 6,561 on this
/// project's 2-core machine).
public struct CholeskyFactor: Sendable {
    public let order: Int
    private var factor: [Double]

    /// Factors `matrix`, given column-major with `order * order` entries; only its lower
    /// triangle is read.
    /// - Throws: ``LinearProgramError/notPositiveDefinite(pivot:)`` naming the failing pivot.
    public init(symmetric matrix: consuming [Double], order: Int) throws(LinearProgramError) {
        precondition(matrix.count == order * order && order > 0 && order < Int(Int32.max))
        var n = Int32(order)
        var info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))
        matrix.withUnsafeMutableBufferPointer { a in
            var lda = n
            dpotrf_(&uplo, &n, a.baseAddress, &lda, &info)
        }
        if info > 0 { throw .notPositiveDefinite(pivot: Int(info)) }
        if info < 0 { throw .solverFailed("dpotrf rejected argument \(-info)") }
        self.order = order
        self.factor = matrix
    }

    /// Solves `A x = b`.
    public func solve(_ b: [Double]) -> [Double] {
        precondition(b.count == order)
        var x = b
        var n = Int32(order)
        var one: Int32 = 1
        var info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))
        factor.withUnsafeBufferPointer { a in
            x.withUnsafeMutableBufferPointer { rhs in
                var lda = n
                var ldb = n
                dpotrs_(&uplo, &n, &one, a.baseAddress, &lda, rhs.baseAddress, &ldb, &info)
            }
        }
        precondition(info == 0, "dpotrs rejected argument \(-info)")
        return x
    }
}
