/// A linear hash `K = M x` from a two-universal family over GF(2): what privacy amplification
/// and verification need (SECURITY-MATH §4.5 and §5: every non-empty sum of output bits is a
/// uniform function of the public seed when the seed is uniform).
public protocol LinearKeyHash: Sendable {
    /// `n`, the length of the input.
    var inputBits: Int { get }
    /// `l`, the length of the output.
    var outputBits: Int { get }
    /// The public seed that fixes the matrix.
    var seed: BitVector { get }
    /// `M x`.
    func hash(_ x: BitVector) -> BitVector
}

extension ToeplitzHash: LinearKeyHash {
    /// `T x` with the fastest backend of this processor.
    public func hash(_ x: BitVector) -> BitVector { hash(x, backend: GF2Polynomial.preferredBackend) }
}

/// A uniformly random `l x n` matrix: the family of the paper's Protocol 1 taken literally.
/// Its seed is the whole matrix, `l n` bits (row `j` is `seed[j n ..< (j + 1) n]`), so it is
/// meant for short inputs; the Toeplitz family (`n + l - 1` seed bits) gives the same guarantee.
public struct RandomMatrixHash: LinearKeyHash {
    public let inputBits: Int
    public let outputBits: Int
    public let seed: BitVector

    /// The largest seed accepted, `l n <= 2^28` bits (32 MiB).
    public static let maximumSeedBits = 1 << 28

    public init(inputBits n: Int, outputBits l: Int, seed: BitVector) {
        precondition(n >= 1 && l >= 1 && l <= n, "need 1 <= l <= n (got l = \(l), n = \(n))")
        let (size, overflow) = l.multipliedReportingOverflow(by: n)
        precondition(!overflow && size <= Self.maximumSeedBits, "a random \(l) x \(n) matrix is too large; use the Toeplitz family")
        precondition(seed.count == l * n, "a random-matrix seed needs l n = \(l * n) bits, not \(seed.count)")
        inputBits = n
        outputBits = l
        self.seed = seed
    }

    /// A hash with a fresh uniformly random matrix.
    public static func random<G: RandomNumberGenerator>(inputBits n: Int, outputBits l: Int, using generator: inout G) -> RandomMatrixHash {
        RandomMatrixHash(inputBits: n, outputBits: l, seed: .random(count: l * n, using: &generator))
    }

    /// Output bit `j` is the inner product of row `j` with `x`.
    /// - Complexity: O(l n / 64).
    public func hash(_ x: BitVector) -> BitVector {
        precondition(x.count == inputBits, "input has \(x.count) bits, the hash takes \(inputBits)")
        var result = BitVector(count: outputBits)
        for j in 0..<outputBits {
            result[j] = seed.slice((j * inputBits)..<((j + 1) * inputBits)).dot(x)
        }
        return result
    }
}
