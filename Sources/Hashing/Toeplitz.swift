import CCarryless

/// Polynomial multiplication over GF(2), bit-packed.
public enum GF2Polynomial {
    /// Which base-case multiplier to use.
    public enum Backend: Sendable, Hashable, CaseIterable {
        /// The processor's carry-less multiply (PCLMULQDQ / PMULL).
        case hardware
        /// Portable four-bit-window multiplication.
        case portable
    }

    /// Whether this processor offers a carry-less multiply instruction.
    public static let hardwareAvailable = diqkd_clmul_hardware_available() != 0

    /// The backend chosen at run time: hardware when available.
    public static var preferredBackend: Backend { hardwareAvailable ? .hardware : .portable }

    /// The product of two polynomials (bit `k` = coefficient of `z^k`), of `a.count + b.count - 1` bits.
    /// - Complexity: O(w^1.585) word operations for factors of `w` words (Karatsuba).
    public static func multiply(_ a: BitVector, _ b: BitVector, backend: Backend = preferredBackend) -> BitVector {
        guard a.count > 0, b.count > 0 else { return BitVector(count: 0) }
        var out = [UInt64](repeating: 0, count: a.words.count + b.words.count)
        a.words.withUnsafeBufferPointer { pa in
            b.words.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    diqkd_gf2_multiply(pa.baseAddress, pa.count, pb.baseAddress, pb.count, po.baseAddress,
                                       backend == .hardware ? 1 : 0)
                }
            }
        }
        let bits = a.count + b.count - 1
        out.removeLast(out.count - (bits + 63) / 64)
        return BitVector(words: out, count: bits)
    }
}

/// A Toeplitz hash `K = T x` over GF(2) with `T[j][i] = seed[i - j + l - 1]` (SECURITY-MATH
/// §4.5): an `l x n` matrix fixed by `n + l - 1` seed bits.
///
/// Every non-empty sum of rows of `T` is a uniformly distributed vector when the seed is
/// uniform, which is what Lemma 16's union bound needs (SECURITY-MATH §5); the hash is
/// therefore used for both verification and privacy amplification.
public struct ToeplitzHash: Sendable {
    public let inputBits: Int
    public let outputBits: Int
    /// The public seed, `inputBits + outputBits - 1` bits.
    public let seed: BitVector

    public init(inputBits n: Int, outputBits l: Int, seed: BitVector) {
        precondition(n >= 1 && l >= 1 && l <= n, "need 1 <= l <= n (got l = \(l), n = \(n))")
        precondition(seed.count == n + l - 1, "a Toeplitz seed needs n + l - 1 = \(n + l - 1) bits, not \(seed.count)")
        inputBits = n
        outputBits = l
        self.seed = seed
    }

    /// A hash with a fresh uniformly random seed.
    public static func random<G: RandomNumberGenerator>(inputBits n: Int, outputBits l: Int, using generator: inout G) -> ToeplitzHash {
        ToeplitzHash(inputBits: n, outputBits: l, seed: .random(count: n + l - 1, using: &generator))
    }

    /// `T x`.
    ///
    /// With `s'` the reversed seed, `K_j = sum_i s'[n - 1 - i + j] x_i`, which is the coefficient
    /// of `z^(n - 1 + j)` in the product `s'(z) x(z)`: the middle `l` coefficients of one
    /// polynomial multiplication. Short outputs use direct inner products instead.
    /// - Complexity: O(l n / 64) for `l <= 128`, else one `n`-bit polynomial product.
    public func hash(_ x: BitVector, backend: GF2Polynomial.Backend = GF2Polynomial.preferredBackend) -> BitVector {
        precondition(x.count == inputBits, "input has \(x.count) bits, the hash takes \(inputBits)")
        if outputBits <= 128 { return hashByRows(x) }
        let product = GF2Polynomial.multiply(seed.reversed(), x, backend: backend)
        return product.slice((inputBits - 1)..<(inputBits - 1 + outputBits))
    }

    /// Row `j` of `T` is `seed[l - 1 - j ..< l - 1 - j + n]`.
    private func hashByRows(_ x: BitVector) -> BitVector {
        var result = BitVector(count: outputBits)
        for j in 0..<outputBits {
            let start = outputBits - 1 - j
            result[j] = seed.slice(start..<(start + inputBits)).dot(x)
        }
        return result
    }

    /// The definition, bit by bit: for tests only.
    /// - Complexity: O(l n).
    public func hashByDefinition(_ x: BitVector) -> BitVector {
        var result = BitVector(count: outputBits)
        for j in 0..<outputBits {
            var bit = false
            for i in 0..<inputBits where x[i] && seed[i - j + outputBits - 1] { bit.toggle() }
            result[j] = bit
        }
        return result
    }
}
