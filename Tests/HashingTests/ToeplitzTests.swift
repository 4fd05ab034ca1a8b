import Testing
import Randomness
@testable import Hashing
import CCarryless

/// Schoolbook GF(2) product, bit by bit.
func slowProduct(_ a: BitVector, _ b: BitVector) -> BitVector {
    var out = BitVector(count: a.count + b.count - 1)
    for i in 0..<a.count where a[i] {
        for j in 0..<b.count where b[j] { out[i + j].toggle() }
    }
    return out
}

@Suite("bit vectors")
struct BitVectorTests {
    @Test func bytesRoundTripMostSignificantBitFirst() {
        let bits = BitVector(bits: [1, 0, 1, 1, 0, 0, 0, 0, 1, 1])
        #expect(bits.bytesMSBFirst() == [0b1011_0000, 0b1100_0000])
        #expect(BitVector(bytesMSBFirst: [0b1011_0000, 0b1100_0000], count: 10) == bits)
    }

    @Test(arguments: [1, 63, 64, 65, 130, 1000])
    func sliceAndReverse(count: Int) {
        var rng = Xoshiro256(seed: UInt64(count))
        let v = BitVector.random(count: count, using: &rng)
        let r = v.reversed()
        #expect((0..<count).allSatisfy { v[$0] == r[count - 1 - $0] })
        #expect(r.reversed() == v)
        let lower = count / 3, upper = count - count / 5
        let s = v.slice(lower..<upper)
        #expect((lower..<upper).allSatisfy { v[$0] == s[$0 - lower] })
    }
}

@Suite("GF(2) multiplication and Toeplitz hashing")
struct ToeplitzTests {
    @Test(arguments: GF2Polynomial.availableBackends)
    func productsAgreeWithSchoolbook(backend: GF2Polynomial.Backend) {
        let seed: UInt64 = 0x70E9
        print("GF(2) product test seed \(seed), backend \(backend)")
        var rng = Xoshiro256(seed: seed)
        for (na, nb) in [(1, 1), (64, 64), (65, 3), (700, 2000), (3000, 3000), (5000, 1601)] {
            let a = BitVector.random(count: na, using: &rng), b = BitVector.random(count: nb, using: &rng)
            #expect(GF2Polynomial.multiply(a, b, backend: backend) == slowProduct(a, b), "\(na) x \(nb)")
        }
    }

    @Test func backendsAgreeOnLargeInputs() {
        var rng = Xoshiro256(seed: 42)
        let a = BitVector.random(count: 100_003, using: &rng), b = BitVector.random(count: 77_777, using: &rng)
        let reference = GF2Polynomial.multiply(a, b, backend: .portable)
        for backend in GF2Polynomial.availableBackends { #expect(GF2Polynomial.multiply(a, b, backend: backend) == reference) }
    }

    @Test(arguments: [(1, 1), (5, 1), (5, 5), (64, 64), (100, 37), (300, 129), (1000, 1000), (2049, 700), (4000, 1)])
    func hashAgreesWithTheDefinition(n: Int, l: Int) {
        let seed = UInt64(n * 7919 + l)
        print("Toeplitz definition test seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let hash = ToeplitzHash.random(inputBits: n, outputBits: l, using: &rng)
        let x = BitVector.random(count: n, using: &rng)
        let expected = hash.hashByDefinition(x)
        for backend in GF2Polynomial.availableBackends {
            #expect(hash.hash(x, backend: backend) == expected, "\(backend)")
        }
    }

    /// Large shapes exercise the block recursion (several levels, several row and column
    /// blocks, padding); the full polynomial product is an independent second algorithm.
    @Test(arguments: [(1 << 17, 1 << 15), (200_003, 50_001), (131_072, 131_072), (99_999, 70_000), (300_000, 129)])
    func blockRecursionAgreesWithTheFullProduct(n: Int, l: Int) {
        let seed = UInt64(n ^ (l << 20))
        print("Toeplitz block test seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let hash = ToeplitzHash.random(inputBits: n, outputBits: l, using: &rng)
        let x = BitVector.random(count: n, using: &rng)
        let expected = hash.hashByProduct(x, backend: .portable)
        for backend in GF2Polynomial.availableBackends {
            #expect(hash.hashByBlocks(x, backend: backend) == expected, "\(backend) n \(n) l \(l)")
            #expect(hash.hash(x, backend: backend) == expected, "\(backend) n \(n) l \(l), automatic")
        }
    }

    @Test func fallbackIsSelectedAtRunTime() {
        #expect(GF2Polynomial.availableBackends.contains(.portable))
        #expect(GF2Polynomial.preferredBackend.isAvailable)
        #expect(GF2Polynomial.preferredBackend == GF2Polynomial.availableBackends.first)
    }

    @Test func hashIsLinear() {
        var rng = Xoshiro256(seed: 99)
        let hash = ToeplitzHash.random(inputBits: 20_000, outputBits: 5_000, using: &rng)
        let x = BitVector.random(count: 20_000, using: &rng), y = BitVector.random(count: 20_000, using: &rng)
        #expect(hash.hash(x ^ y) == hash.hash(x) ^ hash.hash(y))
    }
}

/// GF(2^64) reference arithmetic, bit by bit, for checking the transform.
private func slowFieldProduct(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var result: UInt64 = 0, shifted = a
    for bit in 0..<64 {
        if (b >> UInt64(bit)) & 1 == 1 { result ^= shifted }
        let carry = shifted >> 63
        shifted <<= 1
        if carry == 1 { shifted ^= 0x1B }
    }
    return result
}

@Suite("additive FFT over GF(2^64)")
struct AdditiveTransformTests {
    /// Every field-multiplication kernel this processor runs (the portable one always).
    static var kernels: [GF2Polynomial.Backend] { GF2Polynomial.availableBackends }

    @Test func fieldProductMatchesShiftAndAdd() {
        var rng = Xoshiro256(seed: 64)
        print("GF(2^64) product test seed 64")
        for _ in 0..<2000 {
            let a = rng.next(), b = rng.next()
            #expect(diqkd_gf64_multiply(a, b) == slowFieldProduct(a, b))
        }
    }

    @Test func cantorBasisSatisfiesItsRecurrence() {
        var beta = [UInt64](repeating: 0, count: 64)
        #expect(diqkd_gf64_cantor_basis(&beta, 64) == 1)
        #expect(beta[0] == 1)
        for i in 1..<64 { #expect(slowFieldProduct(beta[i], beta[i]) ^ beta[i] == beta[i - 1], "beta_\(i)") }
    }

    /// The transform's outputs are the polynomial's values at omega_t (Horner's rule), and
    /// interpolation undoes it.
    @Test(arguments: kernels)
    func evaluatesAtTheSubspacePoints(kernel: GF2Polynomial.Backend) {
        let seed: UInt64 = 2014
        print("additive FFT test seed \(seed), kernel \(kernel)")
        var rng = Xoshiro256(seed: seed)
        var beta = [UInt64](repeating: 0, count: 12)
        _ = diqkd_gf64_cantor_basis(&beta, 12)
        for k in [1, 2, 3, 4, 5, 6, 9] {
            let coefficients = (0..<(1 << k)).map { _ in rng.next() }
            var values = coefficients
            #expect(diqkd_afft_evaluate(&values, Int32(k), kernel.level) == 1)
            for t in 0..<(1 << k) {
                var point: UInt64 = 0
                for i in 0..<k where (t >> i) & 1 == 1 { point ^= beta[i] }
                let expected = coefficients.reversed().reduce(UInt64(0)) { slowFieldProduct($0, point) ^ $1 }
                #expect(values[t] == expected, "k \(k), point \(t)")
            }
            #expect(diqkd_afft_interpolate(&values, Int32(k), kernel.level) == 1)
            let restored = values == coefficients
            #expect(restored, "k \(k): interpolation")
        }
    }

    @Test(arguments: kernels)
    func interpolationUndoesEvaluationAtScale(kernel: GF2Polynomial.Backend) {
        var rng = Xoshiro256(seed: 17)
        let original = (0..<(1 << 16)).map { _ in rng.next() }
        var values = original
        _ = diqkd_afft_evaluate(&values, 16, kernel.level)
        let changed = values != original
        #expect(changed)
        _ = diqkd_afft_interpolate(&values, 16, kernel.level)
        let restored = values == original
        #expect(restored)
    }

    @Test(arguments: [(1, 1), (5, 1), (64, 64), (100, 37), (300, 129), (1000, 1000), (2049, 700), (4000, 1), (70_001, 17_003)])
    func toeplitzHashAgreesWithTheDefinition(n: Int, l: Int) {
        let seed = UInt64(n * 31 + l)
        print("Toeplitz transform definition test seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let hash = ToeplitzHash.random(inputBits: n, outputBits: l, using: &rng)
        let x = BitVector.random(count: n, using: &rng)
        let expected = n * l <= 5_000_000 ? hash.hashByDefinition(x) : hash.hashByProduct(x, backend: .portable)
        for kernel in Self.kernels {
            let agrees = hash.hashByTransform(x, backend: kernel) == expected
            #expect(agrees, "\(kernel), n \(n), l \(l)")
        }
    }

    @Test(arguments: [(1 << 18, 1 << 16), (500_003, 125_001), (262_144, 262_144), (299_999, 70_000), (400_000, 4_097)])
    func toeplitzHashAgreesWithTheFullProduct(n: Int, l: Int) {
        let seed = UInt64(n ^ (l << 21))
        print("Toeplitz transform test seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let hash = ToeplitzHash.random(inputBits: n, outputBits: l, using: &rng)
        let x = BitVector.random(count: n, using: &rng)
        let expected = hash.hashByProduct(x)
        for kernel in Self.kernels where kernel != .portable || n < 300_000 {
            let agrees = hash.hashByTransform(x, backend: kernel) == expected
            #expect(agrees, "\(kernel), n \(n), l \(l)")
        }
    }
}

@Suite("fully random matrices")
struct RandomMatrixHashTests {
    @Test(arguments: [(1, 1), (13, 5), (64, 64), (200, 37), (1000, 129)])
    func agreesWithTheDefinitionAndIsLinear(n: Int, l: Int) {
        let seed = UInt64(n * 131 + l)
        print("random matrix test seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        let hash = RandomMatrixHash.random(inputBits: n, outputBits: l, using: &rng)
        let x = BitVector.random(count: n, using: &rng), y = BitVector.random(count: n, using: &rng)
        var expected = BitVector(count: l)
        for j in 0..<l {
            var parity = false
            for i in 0..<n where hash.seed[j * n + i] && x[i] { parity.toggle() }
            expected[j] = parity
        }
        #expect(hash.hash(x) == expected)
        #expect(hash.hash(x ^ y) == hash.hash(x) ^ hash.hash(y))
    }

    /// A Toeplitz matrix written out row by row is one member of the family: both give the same bits.
    @Test func aToeplitzMatrixWrittenOutAgrees() {
        var rng = Xoshiro256(seed: 5)
        let n = 300, l = 77
        let toeplitz = ToeplitzHash.random(inputBits: n, outputBits: l, using: &rng)
        var rows = BitVector(count: l * n)
        for j in 0..<l { for i in 0..<n where toeplitz.seed[i - j + l - 1] { rows[j * n + i] = true } }
        let matrix = RandomMatrixHash(inputBits: n, outputBits: l, seed: rows)
        let x = BitVector.random(count: n, using: &rng)
        let hashes: [any LinearKeyHash] = [toeplitz, matrix]
        #expect(hashes[0].hash(x) == hashes[1].hash(x))
    }
}
