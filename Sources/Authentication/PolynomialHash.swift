import CCarryless

/// The polynomial hash over GF(2^128) of SECURITY-MATH §7, keyed by a secret element `k`.
///
/// A message of `n` bytes is cut into 16-byte little-endian blocks `m_1 ... m_(L-1)` (the last
/// one zero-padded), followed by the length block `m_L` = (low: 8n, high: 0), so
/// `L = ceil(n / 16) + 1`, and
///
///     h_k(m) = sum_(i = 1 ... L) m_i · k^(L + 1 - i),
///
/// evaluated by Horner's rule `acc = (acc + m_i) · k`. For `m ≠ m'` the difference
/// `h_k(m) + h_k(m')` is a non-zero polynomial in `k` of degree at most `max(L, L')` without a
/// constant term (the length block makes messages that differ only by trailing zero bytes
/// differ), so for every `c`, `Pr_k[h_k(m) + h_k(m') = c] ≤ max(L, L') / 2^128`: the family is
/// ε-almost-XOR-universal (Wegman & Carter, J. Comput. Syst. Sci. 22, 1981; the bound on the
/// number of roots as in Stinson, "On the connections between universal hashing, combinatorial
/// designs and error-correcting codes", 1996, and Bernstein, "The Poly1305-AES message-
/// authentication code", 2005).
///
/// The key is secret; `description` does not print it.
public struct PolynomialHash: Sendable, CustomStringConvertible {
    /// Which multiplication kernel evaluates the hash.
    public enum Backend: String, CaseIterable, Sendable {
        /// PCLMULQDQ, eight blocks per reduction (x86-64 processors that have it).
        case hardware
        /// Table-driven carry-less multiplication in plain C, one block at a time.
        case portable

        /// Whether this processor can run the backend.
        public var isAvailable: Bool { self == .portable || PolynomialHash.hardwareAvailable }

        /// The hardware kernel where the processor has it, else the portable one.
        public static let preferred: Backend = PolynomialHash.hardwareAvailable ? .hardware : .portable
    }

    /// Whether the PCLMULQDQ kernel can run here (decided once, at first use).
    public static let hardwareAvailable = diqkd_gf128_hardware_available() != 0

    /// The backends this processor can run.
    public static var availableBackends: [Backend] { Backend.allCases.filter(\.isAvailable) }

    let key: GF128

    /// A hash keyed by `key` (secret).
    public init(key: GF128) {
        self.key = key
    }

    public var description: String { "PolynomialHash(key redacted)" }

    /// The number of blocks `L = ceil(n / 16) + 1` hashed for `n` bytes, the length block included.
    /// - Precondition: `byteCount >= 0`.
    public static func blockCount(byteCount: Int) -> Int {
        precondition(byteCount >= 0, "a byte count is not negative")
        return (byteCount + 15) / 16 + 1
    }

    /// The forgery bound `L / 2^128` with `L = ceil(n / 16) + 1`: the probability over the key
    /// that two distinct messages of at most `n` bytes have hashes differing by any fixed value,
    /// hence the success probability of one substitution attempt on a Wegman–Carter tag.
    /// - Parameter byteCount: `n`, the length of the longer message in bytes, `>= 0`.
    public static func forgeryBound(byteCount: Int) -> Double {
        Double(blockCount(byteCount: byteCount)) * 0x1p-128
    }

    /// `h_k(bytes)`.
    /// - Parameter backend: the kernel; an unavailable hardware backend falls back to the portable one.
    /// - Complexity: `L` field multiplications.
    public func hash(_ bytes: UnsafeRawBufferPointer, backend: Backend = .preferred) -> GF128 {
        var out: [UInt64] = [0, 0]
        let keyWords = [key.low, key.high]
        diqkd_gf128_hash(keyWords, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &out,
                         backend == .hardware ? 1 : 0)
        return GF128(low: out[0], high: out[1])
    }

    /// `h_k(bytes)`.
    public func hash(_ bytes: [UInt8], backend: Backend = .preferred) -> GF128 {
        bytes.withUnsafeBytes { hash($0, backend: backend) }
    }

    /// The blocks `m_1 ... m_L` of a message, the length block last.
    static func blocks(_ bytes: [UInt8]) -> [GF128] {
        var out: [GF128] = []
        var start = 0
        while start < bytes.count {
            var block = [UInt8](repeating: 0, count: 16)
            let end = min(start + 16, bytes.count)
            block.replaceSubrange(0..<(end - start), with: bytes[start..<end])
            out.append(GF128(bytes: block))
            start = end
        }
        out.append(GF128(low: UInt64(bytes.count) &* 8, high: 0))
        return out
    }

    /// `h_k(bytes)` straight from the sum `sum m_i k^(L+1-i)` with explicit powers, for tests.
    func hashByDefinition(_ bytes: [UInt8]) -> GF128 {
        let blocks = Self.blocks(bytes)
        var sum = GF128.zero
        for (index, block) in blocks.enumerated() {
            sum = sum + block.multiplied(by: key.power(UInt64(blocks.count - index)), backend: .portable)
        }
        return sum
    }
}
