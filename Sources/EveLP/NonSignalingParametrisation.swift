import LinearProgramming
import NonSignaling

/// Every non-signalling vector on `n` boxes (normalised or not, positive or not) written as
/// `Delta = M theta`, with `M` the `2n`-fold Kronecker power of one interface's 4 x 3 matrix
/// `K` (SECURITY-MATH §2, reformulation (a)).
///
/// One interface (Alice's or Bob's side of one box) carries `f(out | in)` with
/// `f(0|0) + f(1|0) = f(0|1) + f(1|1)`; its coordinates are that common sum `t` and
/// `f(0|0)`, `f(0|1)` (Collins–Gisin), so
///
///     f(0|0) = a0,  f(0|1) = a1,  f(1|0) = t - a0,  f(1|1) = t - a1.
///
/// The vectors satisfying Condition 1' on all `2n` interfaces are exactly the tensor products
/// of these 3-dimensional spaces (the intersection of `ker(N_i (x) I)` over the interfaces is
/// `(x)_i ker N_i`), so `M` has full column rank `3^(2n)` and its columns span them. With
/// `n = 4` this replaces 65,536 variables and their equality constraints by 6,561 free ones.
///
/// Internally the tensor modes are the interfaces in the order Alice 0..n-1, Bob 0..n-1, each
/// with digit `2 out + in`; ``flatIndex`` maps that order to SECURITY-MATH's flat layout.
public struct NonSignalingParametrisation: LinearOperator {
    public let boxes: Int
    /// `16^n`: entries of a behaviour.
    public let rows: Int
    /// `3^(2n)`: free coordinates.
    public let columns: Int
    /// Interface-ordered entry -> flat-layout entry.
    public let flatIndex: [Int32]

    /// `K`, rows by digit `2 out + in`, columns `(t, a0, a1)`.
    static let interfaceMatrix: [[Double]] = [
        [0, 1, 0],   // out 0, in 0
        [0, 0, 1],   // out 0, in 1
        [1, -1, 0],  // out 1, in 0
        [1, 0, -1],  // out 1, in 1
    ]

    public init(boxes n: Int) {
        precondition(n >= 1 && n <= 8, "the parametrisation is built for 1 to 8 boxes")
        boxes = n
        rows = 1 << (4 * n)
        columns = (0..<(2 * n)).reduce(1) { acc, _ in acc * 3 }
        var map = [Int32](repeating: 0, count: 1 << (4 * n))
        for interfaceIndex in 0..<map.count {
            var x = 0, y = 0, u = 0, v = 0
            for mode in 0..<(2 * n) {
                let digit = interfaceIndex >> (2 * mode) & 3
                let out = digit >> 1, input = digit & 1
                if mode < n {
                    x |= out << mode
                    u |= input << mode
                } else {
                    y |= out << (mode - n)
                    v |= input << (mode - n)
                }
            }
            map[interfaceIndex] = Int32(((x << n | y) << n | u) << n | v)
        }
        flatIndex = map
    }

    // MARK: LinearOperator

    public func multiply(_ theta: [Double]) -> [Double] {
        precondition(theta.count == columns)
        var tensor = theta
        var shape = [Int](repeating: 3, count: 2 * boxes)
        for mode in 0..<(2 * boxes) {
            tensor = Self.applyMode(tensor, shape: shape, mode: mode, matrix: Self.interfaceMatrix)
            shape[mode] = 4
        }
        return toFlat(tensor)
    }

    public func multiplyTransposed(_ y: [Double]) -> [Double] {
        precondition(y.count == rows)
        var tensor = fromFlat(y)
        var shape = [Int](repeating: 4, count: 2 * boxes)
        let transposed = (0..<3).map { c in (0..<4).map { r in Self.interfaceMatrix[r][c] } }
        for mode in 0..<(2 * boxes) {
            tensor = Self.applyMode(tensor, shape: shape, mode: mode, matrix: transposed)
            shape[mode] = 3
        }
        return tensor
    }

    /// `M^T diag(w) M`, formed mode by mode: each interface's pair of column indices `(a, b)`
    /// collects `sum_d K[d][a] K[d][b] w` — about `4 * 9^(2n)` multiplications in all, instead
    /// of touching each of the `(3^(2n))^2` entries once per row.
    public func normalMatrix(weights: [Double]) -> [Double] {
        precondition(weights.count == rows)
        var pairMatrix = [[Double]](repeating: [0, 0, 0, 0], count: 9)
        for pair in 0..<9 {
            for d in 0..<4 {
                let left: Double = Self.interfaceMatrix[d][pair / 3]
                let right: Double = Self.interfaceMatrix[d][pair % 3]
                pairMatrix[pair][d] = left * right
            }
        }
        var tensor = fromFlat(weights)
        var shape = [Int](repeating: 4, count: 2 * boxes)
        for mode in 0..<(2 * boxes) {
            tensor = Self.applyMode(tensor, shape: shape, mode: mode, matrix: pairMatrix)
            shape[mode] = 9
        }
        // Entry with pair digits (a_j, b_j) goes to row sum a_j 3^j, column sum b_j 3^j.
        let k = columns
        var dense = [Double](repeating: 0, count: k * k)
        let modes = 2 * boxes
        var digits = [Int](repeating: 0, count: modes)
        var powers = [Int](repeating: 1, count: modes)
        for j in 1..<max(modes, 1) where j < modes { powers[j] = powers[j - 1] * 3 }
        var row = 0, column = 0
        tensor.withUnsafeBufferPointer { source in
            dense.withUnsafeMutableBufferPointer { target in
                for index in 0..<source.count {
                    target[column * k + row] = source[index]
                    // Advance the mixed-radix counter (base 9 per mode).
                    var j = 0
                    while j < modes {
                        let old = digits[j]
                        let new = old + 1
                        if new < 9 {
                            digits[j] = new
                            row += ((new / 3) - (old / 3)) * powers[j]
                            column += ((new % 3) - (old % 3)) * powers[j]
                            break
                        }
                        digits[j] = 0
                        row -= (old / 3) * powers[j]
                        column -= (old % 3) * powers[j]
                        j += 1
                    }
                }
            }
        }
        return dense
    }

    // MARK: Helpers

    /// The orthogonal projection's helper `(M^T M)^{-1} r`: `M^T M = (K^T K)^(x)2n`, so its
    /// inverse is the Kronecker power of a 3 x 3 inverse.
    public func solveGram(_ r: [Double]) -> [Double] {
        precondition(r.count == columns)
        // K^T K = [[2, -1, -1], [-1, 2, 0], [-1, 0, 2]] (determinant 4); its inverse, by the adjugate.
        let inverse: [[Double]] = [[1, 0.5, 0.5], [0.5, 0.75, 0.25], [0.5, 0.25, 0.75]]
        var tensor = r
        let shape = [Int](repeating: 3, count: 2 * boxes)
        for mode in 0..<(2 * boxes) {
            tensor = Self.applyMode(tensor, shape: shape, mode: mode, matrix: inverse)
        }
        return tensor
    }

    func toFlat(_ interfaceOrdered: [Double]) -> [Double] {
        var flat = [Double](repeating: 0, count: rows)
        for (i, target) in flatIndex.enumerated() { flat[Int(target)] = interfaceOrdered[i] }
        return flat
    }

    func fromFlat(_ flat: [Double]) -> [Double] {
        flatIndex.map { flat[Int($0)] }
    }

    /// Multiplies mode `mode` of a tensor (mode 0 varies fastest) by `matrix` (`r x s`, with
    /// `s = shape[mode]`); the mode's size becomes `r`.
    static func applyMode(_ input: [Double], shape: [Int], mode: Int, matrix: [[Double]]) -> [Double] {
        let s = shape[mode]
        let r = matrix.count
        precondition(matrix.allSatisfy { $0.count == s })
        let low = shape[..<mode].reduce(1, *)
        let high = shape[(mode + 1)...].reduce(1, *)
        var output = [Double](repeating: 0, count: low * r * high)
        let flatMatrix = matrix.flatMap { $0 }
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for h in 0..<high {
                    let sourceBase = h * s * low
                    let targetBase = h * r * low
                    for a in 0..<r {
                        let targetRow = targetBase + a * low
                        for b in 0..<s {
                            let coefficient = flatMatrix[a * s + b]
                            if coefficient == 0 { continue }
                            let sourceRow = sourceBase + b * low
                            for l in 0..<low { target[targetRow + l] += coefficient * source[sourceRow + l] }
                        }
                    }
                }
            }
        }
        return output
    }

    /// `M` as a sparse matrix (rows in the flat layout), for general LP solvers.
    public func sparseMatrix() -> SparseMatrix {
        var entries: [(row: Int, column: Int, value: Double)] = []
        let modes = 2 * boxes
        for interfaceIndex in 0..<rows {
            var partial: [(column: Int, value: Double)] = [(0, 1)]
            var power = 1
            for mode in 0..<modes {
                let digit = interfaceIndex >> (2 * mode) & 3
                var next: [(column: Int, value: Double)] = []
                for (c, coefficient) in Self.interfaceMatrix[digit].enumerated() where coefficient != 0 {
                    for item in partial { next.append((item.column + c * power, item.value * coefficient)) }
                }
                partial = next
                power *= 3
            }
            let row = Int(flatIndex[interfaceIndex])
            for item in partial { entries.append((row, item.column, item.value)) }
        }
        return SparseMatrix(rows: rows, columns: columns, entries: entries)
    }
}
