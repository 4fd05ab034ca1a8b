import Testing
import Randomness
@testable import Hashing

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
            #expect(hash.hash(x, backend: backend) == expected, "\(backend) n \(n) l \(l)")
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
