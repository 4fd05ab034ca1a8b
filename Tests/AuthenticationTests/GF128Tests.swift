import Randomness
import Testing
@testable import Authentication

extension GF128 {
    static func random(using rng: inout some RandomNumberGenerator) -> GF128 {
        GF128(low: rng.next(), high: rng.next())
    }
}

func randomBytes(_ count: Int, using rng: inout some RandomNumberGenerator) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

@Suite("GF(2^128) arithmetic")
struct GF128Tests {
    @Test(arguments: PolynomialHash.availableBackends)
    func fieldAxiomsHoldOnRandomElements(backend: PolynomialHash.Backend) {
        let seed: UInt64 = 0x6F128
        print("GF(2^128) axiom test seed \(seed), backend \(backend)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<300 {
            let a = GF128.random(using: &rng), b = GF128.random(using: &rng), c = GF128.random(using: &rng)
            func mul(_ u: GF128, _ v: GF128) -> GF128 { u.multiplied(by: v, backend: backend) }
            #expect(mul(mul(a, b), c) == mul(a, mul(b, c)), "seed \(seed)")
            #expect(mul(a, b) == mul(b, a), "seed \(seed)")
            #expect(mul(a, b + c) == mul(a, b) + mul(a, c), "seed \(seed)")
            #expect(mul(a, .one) == a && mul(a, .zero) == .zero, "seed \(seed)")
        }
    }

    @Test func hardwareAndPortableMultiplicationAgree() throws {
        try #require(PolynomialHash.hardwareAvailable, "no PCLMULQDQ on this processor")
        let seed: UInt64 = 0xC1A55
        print("GF(2^128) backend agreement seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<2000 {
            let a = GF128.random(using: &rng), b = GF128.random(using: &rng)
            #expect(a.multiplied(by: b, backend: .hardware) == a.multiplied(by: b, backend: .portable), "seed \(seed)")
        }
    }

    @Test func inverseIsTheMultiplicativeInverse() {
        let seed: UInt64 = 0x1AB
        print("GF(2^128) inverse seed \(seed)")
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<20 {
            let a = GF128.random(using: &rng)
            #expect(a * a.inverse == .one, "seed \(seed)")
        }
        #expect(GF128.one.inverse == .one)
        #expect(GF128.zero.inverse == .zero)
    }

    @Test func reductionFollowsTheModulus() {
        // x^127 · x = x^128 = x^7 + x^2 + x + 1.
        #expect(GF128(low: 0, high: 1 << 63) * .x == GF128(low: 0x87, high: 0))
        // The multiplicative group has order 2^128 - 1 = 3 · 5 · 17 · 257 · 641 · 65537 · 274177 · 6700417 · 67280421310721,
        // so x^(2^128 - 1) = 1 and a^(2^128) = a.
        var a = GF128.x
        for _ in 0..<128 { a = a * a }
        #expect(a == .x)
    }

    @Test func bytesAreLittleEndian() {
        let a = GF128(low: 0x0807_0605_0403_0201, high: 0x100F_0E0D_0C0B_0A09)
        #expect(a.bytes == Array(1...16))
        #expect(GF128(bytes: Array(1...16)) == a)
    }
}
