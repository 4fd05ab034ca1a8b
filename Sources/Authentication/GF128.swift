import CCarryless

/// An element of GF(2^128) = GF(2)[x]/(x^128 + x^7 + x^2 + x + 1).
///
/// Bit `i` of the 128-bit integer `low + 2^64 · high` is the coefficient of `x^i`; as bytes, an
/// element is those 128 bits little-endian (byte 0 holds x^0 ... x^7). This is the plain
/// polynomial order, not the bit-reflected order of GCM's GHASH. Addition is XOR; multiplication
/// is carry-less multiplication followed by reduction modulo the (irreducible) pentanomial.
public struct GF128: Hashable, Sendable {
    /// Coefficients of x^0 ... x^63.
    public var low: UInt64
    /// Coefficients of x^64 ... x^127.
    public var high: UInt64

    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    /// Reads 16 bytes little-endian.
    /// - Precondition: `bytes.count == 16`.
    public init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 16, "a GF(2^128) element is 16 bytes (got \(bytes.count))")
        low = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        high = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    /// Reads 16 bytes little-endian.
    /// - Precondition: `bytes.count == 16`.
    public init(bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { GF128(bytes: $0) }
    }

    /// The 16 little-endian bytes of the element.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        out.withUnsafeMutableBytes { buffer in
            buffer.storeBytes(of: low.littleEndian, toByteOffset: 0, as: UInt64.self)
            buffer.storeBytes(of: high.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
        return out
    }

    public static let zero = GF128(low: 0, high: 0)
    public static let one = GF128(low: 1, high: 0)
    /// The generator x of the polynomial basis.
    public static let x = GF128(low: 2, high: 0)

    /// The sum (XOR) of two elements.
    public static func + (a: GF128, b: GF128) -> GF128 {
        GF128(low: a.low ^ b.low, high: a.high ^ b.high)
    }

    /// The product, with the processor's carry-less multiply where it has one.
    public static func * (a: GF128, b: GF128) -> GF128 {
        a.multiplied(by: b, backend: .preferred)
    }

    /// The product computed by the given kernel; every backend gives the same result.
    public func multiplied(by other: GF128, backend: PolynomialHash.Backend) -> GF128 {
        let a = [low, high], b = [other.low, other.high]
        var out: [UInt64] = [0, 0]
        diqkd_gf128_multiply(a, b, &out, backend == .hardware ? 1 : 0)
        return GF128(low: out[0], high: out[1])
    }

    /// `self^exponent` by square-and-multiply (`0^0 = 1`).
    /// - Complexity: at most 2 · 64 multiplications.
    public func power(_ exponent: UInt64) -> GF128 {
        var result = GF128.one, base = self, e = exponent
        while e != 0 {
            if e & 1 == 1 { result = result * base }
            base = base * base
            e >>= 1
        }
        return result
    }

    /// The multiplicative inverse `a^(2^128 - 2)` (Fermat's little theorem in the field of order
    /// 2^128), and zero for zero.
    /// - Complexity: 127 squarings and 126 multiplications.
    public var inverse: GF128 {
        // 2^128 - 2 = 2 + 4 + ... + 2^127: the product of a^(2^j) for j = 1 ... 127.
        var square = self * self, result = GF128.one
        for _ in 1..<128 {
            result = result * square
            square = square * square
        }
        return result
    }
}
