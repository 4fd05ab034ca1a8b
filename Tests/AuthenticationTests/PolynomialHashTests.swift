import Randomness
import Testing
@testable import Authentication

@Suite("Polynomial hash")
struct PolynomialHashTests {
    @Test func hornerMatchesTheDirectSumOnShortMessages() {
        let seed: UInt64 = 0x40E5
        print("Horner vs definition seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for length in 0...80 {
            let hash = PolynomialHash(key: .random(using: &rng))
            let message = randomBytes(length, using: &rng)
            for backend in PolynomialHash.availableBackends {
                #expect(hash.hash(message, backend: backend) == hash.hashByDefinition(message), "seed \(seed) length \(length) \(backend)")
            }
        }
    }

    @Test func hardwareAndPortableKernelsAgreeOverRandomLengths() throws {
        try #require(PolynomialHash.hardwareAvailable, "no PCLMULQDQ on this processor")
        let seed: UInt64 = 0xA66
        print("hash kernel agreement seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        var lengths = (0..<300).map { _ in Int.random(in: 0...3000, using: &rng) }
        lengths += [0, 1, 15, 16, 127, 128, 129, 255, 256, 257, 1 << 20, (1 << 20) + 3]
        for length in lengths {
            let hash = PolynomialHash(key: .random(using: &rng))
            let message = randomBytes(length, using: &rng)
            #expect(hash.hash(message, backend: .hardware) == hash.hash(message, backend: .portable), "seed \(seed) length \(length)")
        }
    }

    @Test func trailingZeroBytesChangeTheHash() {
        var rng = Xoshiro256(seed: 5)
        let hash = PolynomialHash(key: .random(using: &rng))
        let message = randomBytes(20, using: &rng)
        #expect(hash.hash(message) != hash.hash(message + [0]))
        #expect(hash.hash([]) != hash.hash([0]))
    }

    @Test(arguments: [(0, 1), (1, 2), (15, 2), (16, 2), (17, 3), (32, 3), (33, 4), (1000, 64)])
    func blockCountAndForgeryBound(bytes: Int, blocks: Int) {
        #expect(PolynomialHash.blockCount(byteCount: bytes) == blocks)
        #expect(PolynomialHash.forgeryBound(byteCount: bytes) == Double(blocks) * 0x1p-128)
    }

    @Test func descriptionHidesTheKey() {
        let hash = PolynomialHash(key: GF128(low: 0x1234_5678_9ABC_DEF0, high: 0))
        #expect(!String(describing: hash).contains("1234"))
        #expect(!String(describing: hash).contains(String(0x1234_5678_9ABC_DEF0 as UInt64)))
    }
}
