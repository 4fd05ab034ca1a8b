import CCarryless

/// Polynomial multiplication over GF(2), bit-packed.
public enum GF2Polynomial {
    /// Which base-case multiplier to use.
    public enum Backend: String, Sendable, Hashable, CaseIterable {
        /// AVX-512 VPCLMULQDQ: four carry-less multiplications per instruction.
        case vector
        /// The processor's carry-less multiply (PCLMULQDQ / PMULL).
        case hardware
        /// Portable four-bit-window multiplication.
        case portable

        /// Whether this processor can run the backend.
        public var isAvailable: Bool {
            switch self {
            case .vector: return GF2Polynomial.vectorAvailable
            case .hardware: return GF2Polynomial.hardwareAvailable
            case .portable: return true
            }
        }

        /// The flag the C kernels take.
        var level: Int32 { self == .vector ? 2 : (self == .hardware ? 1 : 0) }
    }

    /// Whether this processor offers a carry-less multiply instruction.
    public static let hardwareAvailable = diqkd_clmul_hardware_available() != 0
    /// Whether it offers the AVX-512 vector form.
    public static let vectorAvailable = diqkd_vector_clmul_available() != 0

    /// The fastest backend this processor runs, chosen at run time.
    public static var preferredBackend: Backend { Backend.allCases.first { $0.isAvailable }! }

    /// The backends this processor runs.
    public static var availableBackends: [Backend] { Backend.allCases.filter(\.isAvailable) }

    /// The product of two polynomials (bit `k` = coefficient of `z^k`), of `a.count + b.count - 1` bits.
    /// - Complexity: O(w^1.585) word operations for factors of `w` words (Karatsuba).
    public static func multiply(_ a: BitVector, _ b: BitVector, backend: Backend = preferredBackend) -> BitVector {
        guard a.count > 0, b.count > 0 else { return BitVector(count: 0) }
        var out = [UInt64](repeating: 0, count: a.words.count + b.words.count)
        a.words.withUnsafeBufferPointer { pa in
            b.words.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    diqkd_gf2_multiply(pa.baseAddress, pa.count, pb.baseAddress, pb.count, po.baseAddress,
                                       min(backend.level, 1))
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

    /// Output length from which `hash` uses the transform rather than the block recursion: where
    /// the two cross over in `diqkd bench toeplitz --method ...` on this project's 2-core
    /// machine. The portable backend keeps the recursion (its field multiplication is slow).
    public static func transformThreshold(_ backend: GF2Polynomial.Backend) -> Int? {
        switch backend {
        case .vector: return 1 << 16
        case .hardware: return 1 << 19
        case .portable: return nil
        }
    }

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
    /// With `s'` the reversed seed, `K_j = sum_i s'[n - 1 - i + j] x_i`: the middle `l`
    /// coefficients of the product `s'(z) x(z)`. Short outputs (`l <= 128`) use direct inner
    /// products; up to `transformThreshold` the block recursion (`hashByBlocks`, about
    /// `(n / l) l^1.585` word operations); beyond it the additive FFT (`hashByTransform`,
    /// O(n log^2 n)). All three compute the same bits (tested against each other and against the
    /// definition).
    public func hash(_ x: BitVector, backend: GF2Polynomial.Backend = GF2Polynomial.preferredBackend) -> BitVector {
        precondition(x.count == inputBits, "input has \(x.count) bits, the hash takes \(inputBits)")
        if outputBits <= 128 { return hashByRows(x) }
        if let threshold = Self.transformThreshold(backend), outputBits >= threshold,
           let hashed = transformed(x, backend: backend) {
            return hashed
        }
        // Below the threshold, or when the transform's buffers could not be allocated.
        return hashByBlocks(x, backend: backend)
    }

    /// `T x` by an additive fast Fourier transform over GF(2^64) (see `afft.c`): the input is cut
    /// into column blocks of `w` bits, each block's product with its `l + w - 1` seed bits is
    /// multiplied by evaluation on a subspace of 2^k points, the products are summed in the
    /// evaluation domain and interpolated once. About `(2 n / w + 1) k 2^k` multiplications in
    /// GF(2^64) for `2^k >= (l + 2 w) / 32` — O(n log^2 n) in all.
    /// - Parameter backend: the field multiplication: AVX-512 kernels (`vector`), scalar PCLMULQDQ
    ///   (`hardware`) or portable arithmetic (slow; for tests).
    public func hashByTransform(_ x: BitVector, backend: GF2Polynomial.Backend = GF2Polynomial.preferredBackend) -> BitVector {
        guard let hashed = transformed(x, backend: backend) else {
            preconditionFailure("the transform could not allocate its buffers")
        }
        return hashed
    }

    /// `T x` by the transform, or `nil` when its buffers cannot be allocated.
    private func transformed(_ x: BitVector, backend: GF2Polynomial.Backend) -> BitVector? {
        precondition(x.count == inputBits, "input has \(x.count) bits, the hash takes \(inputBits)")
        var output = [UInt64](repeating: 0, count: (outputBits + 63) / 64)
        let ok = seed.words.withUnsafeBufferPointer { s in
            x.words.withUnsafeBufferPointer { xs in
                output.withUnsafeMutableBufferPointer { y in
                    diqkd_toeplitz_fft(s.baseAddress, inputBits, outputBits, xs.baseAddress, y.baseAddress, backend.level)
                }
            }
        }
        return ok != 0 ? BitVector(words: output, count: outputBits) : nil
    }

    /// The full polynomial product, sliced: kept as an independent second algorithm for tests.
    public func hashByProduct(_ x: BitVector, backend: GF2Polynomial.Backend = GF2Polynomial.preferredBackend) -> BitVector {
        let product = GF2Polynomial.multiply(seed.reversed(), x, backend: backend)
        return product.slice((inputBits - 1)..<(inputBits - 1 + outputBits))
    }

    /// `T x` by the block recursion alone. The matrix is cut into square `L x L` blocks (`L` a few
    /// words times a power of two, just above `l`), each a Toeplitz block whose product is computed
    /// by a three-way recursion down to carry-less multiplications (see `toeplitz.c`): `l = n/4`
    /// costs four block products of size `l`, about `4 l^1.585` word operations.
    public func hashByBlocks(_ x: BitVector, backend: GF2Polynomial.Backend = GF2Polynomial.preferredBackend) -> BitVector {
        precondition(x.count == inputBits, "input has \(x.count) bits, the hash takes \(inputBits)")
        let n = inputBits, l = outputBits
        let base = Int(DIQKD_TMVP_BASE)
        // Block of L = b * 2^k words, b <= base, the smallest such cover of l.
        let needed = (l + 63) / 64
        var k = 0
        while base << k < needed { k += 1 }
        let blockWords = ((needed + (1 << k) - 1) >> k) << k
        let blockBits = blockWords * 64
        let rowBlocks = (l + blockBits - 1) / blockBits, columnBlocks = (n + blockBits - 1) / blockBits
        // The reversed seed, placed so that every block's defining vector starts on a word:
        // block (r, c) reads 2L bits from bit n + shift + (r - c) L.
        let shift = (64 - n % 64) % 64
        let reversed = seed.reversed()
        let placedBits = n + shift + (rowBlocks + 1) * blockBits + 64 * (Int(DIQKD_TMVP_SLACK) + 1)
        var placed = [UInt64](repeating: 0, count: (placedBits + 63) / 64)
        let start = shift + blockBits
        for (w, word) in reversed.words.enumerated() {
            let bit = start + 64 * w
            placed[bit >> 6] |= word << UInt64(bit & 63)
            if bit & 63 != 0 { placed[(bit >> 6) + 1] |= word >> UInt64(64 - bit & 63) }
        }
        var input = x.words
        input.append(contentsOf: repeatElement(0, count: columnBlocks * blockWords - input.count))
        var output = [UInt64](repeating: 0, count: rowBlocks * blockWords)
        var block = [UInt64](repeating: 0, count: blockWords)
        let hardware = backend.level
        placed.withUnsafeBufferPointer { s in
            input.withUnsafeBufferPointer { xs in
                block.withUnsafeMutableBufferPointer { y in
                    for r in 0..<rowBlocks {
                        for c in 0..<columnBlocks {
                            let offset = (n + shift + (r - c) * blockBits) / 64
                            diqkd_toeplitz_block(s.baseAddress! + offset, xs.baseAddress! + c * blockWords, blockWords,
                                                 y.baseAddress!, hardware)
                            for w in 0..<blockWords { output[r * blockWords + w] ^= y[w] }
                        }
                    }
                }
            }
        }
        output.removeLast(output.count - (l + 63) / 64)
        return BitVector(words: output, count: l)
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

