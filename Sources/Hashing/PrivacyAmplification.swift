/// The two hash families of privacy amplification, by the names the command line uses.
public enum HashFamily: String, Sendable, CaseIterable {
    /// ``ToeplitzHash``: `n + l - 1` seed bits.
    case toeplitz
    /// ``RandomMatrixHash``: `l n` seed bits.
    case matrix

    /// How the seed length follows from `n` and `l`, as the messages write it.
    public var seedFormula: String { self == .matrix ? "l n" : "n + l - 1" }
}

/// Why a privacy-amplification request cannot be carried out. The cases are ordered as
/// ``PrivacyAmplification`` checks them.
public enum AmplificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input length `n` is not between 1 and the key's bits, or leaves a whole byte of the
    /// key unused.
    case inputBitsDoNotFit(inputBits: Int, keyBytes: Int)
    /// The output length `l` is not between 1 and `n`.
    case outputBitsOutOfRange(outputBits: Int, inputBits: Int)
    /// The family name is neither `toeplitz` nor `matrix`.
    case unknownFamily(String)
    /// A random `l x n` matrix would need more than ``RandomMatrixHash/maximumSeedBits``.
    case matrixTooLarge(outputBits: Int, inputBits: Int)
    /// The seed does not hold exactly `ceil(seedBits / 8)` bytes.
    case seedLength(bytes: Int, seedBits: Int, family: HashFamily)
    /// Bits after the first `seedBits` of the seed are set.
    case seedPadding(seedBits: Int, family: HashFamily)

    public var description: String {
        switch self {
        case .inputBitsDoNotFit(let n, let bytes): return "\(n) input bits do not fit a key of \(bytes) bytes"
        case .outputBitsOutOfRange(let l, let n): return "the output length must be between 1 and the input length \(n) (got \(l))"
        case .unknownFamily(let name): return "the family must be 'toeplitz' or 'matrix' (got '\(name)')"
        case .matrixTooLarge(let l, let n): return "the \(l) x \(n) matrix needs more than 2^28 seed bits"
        case .seedLength(let bytes, let bits, let family):
            return "the seed holds \(bytes * 8) bits; \(family.seedFormula) = \(bits) bits need exactly \((bits + 7) / 8) bytes"
        case .seedPadding(let bits, let family):
            return "the seed has bits set past its \(family.seedFormula) = \(bits) bits; the padding must be zero"
        }
    }
}

/// Privacy amplification of a key file: the lengths and the seed checked, then `K = M x` with
/// a Toeplitz or a fully random matrix (SECURITY-MATH §4.5). Keys and seeds are bytes, most
/// significant bit first, the last byte zero-padded.
///
/// The checks come in two steps so that a caller reading files can reject impossible lengths
/// before it reads the seed: ``init(keyBytes:inputBits:outputBits:family:)``, then
/// ``hash(key:seed:)`` (or ``checkSeed(_:)`` first, to check the seed apart from hashing).
public struct PrivacyAmplification: Sendable {
    public let family: HashFamily
    /// `n`: the bits of the key that are hashed.
    public let inputBits: Int
    /// `l`: the bits of the output key.
    public let outputBits: Int
    /// The bits the seed must hold: `n + l - 1` (Toeplitz) or `l n` (matrix).
    public let seedBits: Int
    /// The bytes of the key this request was checked for.
    public let keyBytes: Int

    /// Checks the lengths of a request.
    /// - Parameters:
    ///   - keyBytes: the size of the key in bytes.
    ///   - inputBits: `n`; `nil` for all `8 keyBytes` bits. When given, it must use part of the
    ///     last byte (at most 7 padding bits).
    ///   - outputBits: `l`, between 1 and `n`.
    ///   - family: `toeplitz` or `matrix`.
    /// - Throws: the first failed check, in the order of ``AmplificationError``'s cases.
    public init(keyBytes: Int, inputBits: Int?, outputBits: Int, family: String) throws(AmplificationError) {
        let available = keyBytes.multipliedReportingOverflow(by: 8)
        guard keyBytes >= 0, !available.overflow else { throw .inputBitsDoNotFit(inputBits: inputBits ?? 0, keyBytes: keyBytes) }
        let n = inputBits ?? available.partialValue
        guard n >= 1, n <= available.partialValue, n > available.partialValue - 8 || inputBits == nil else {
            throw .inputBitsDoNotFit(inputBits: n, keyBytes: keyBytes)
        }
        guard outputBits >= 1, outputBits <= n else { throw .outputBitsOutOfRange(outputBits: outputBits, inputBits: n) }
        guard let family = HashFamily(rawValue: family) else { throw .unknownFamily(family) }
        let (matrixBits, overflow) = outputBits.multipliedReportingOverflow(by: n)
        if family == .matrix, overflow || matrixBits > RandomMatrixHash.maximumSeedBits {
            throw .matrixTooLarge(outputBits: outputBits, inputBits: n)
        }
        self.family = family
        self.inputBits = n
        self.outputBits = outputBits
        self.seedBits = family == .matrix ? matrixBits : n + outputBits - 1
        self.keyBytes = keyBytes
    }

    /// Checks that a seed has this request's length and zero padding.
    /// - Throws: ``AmplificationError/seedLength(bytes:seedBits:family:)`` or
    ///   ``AmplificationError/seedPadding(seedBits:family:)``.
    public func checkSeed(_ seed: [UInt8]) throws(AmplificationError) {
        guard seed.count == (seedBits + 7) / 8 else { throw .seedLength(bytes: seed.count, seedBits: seedBits, family: family) }
        if seedBits % 8 != 0, seed[seed.count - 1] & (0xFF >> UInt8(seedBits % 8)) != 0 {
            throw .seedPadding(seedBits: seedBits, family: family)
        }
    }

    /// Checks the seed (``checkSeed(_:)``) and hashes the key.
    /// - Parameters:
    ///   - key: the key, ``keyBytes`` bytes (secret).
    ///   - seed: the public seed, exactly `ceil(seedBits / 8)` bytes with zero padding.
    /// - Returns: the `l`-bit output key as bytes, most significant bit first (secret).
    /// - Throws: ``AmplificationError/seedLength(bytes:seedBits:family:)`` or
    ///   ``AmplificationError/seedPadding(seedBits:family:)``.
    public func hash(key: [UInt8], seed: [UInt8]) throws(AmplificationError) -> [UInt8] {
        precondition(key.count == keyBytes, "the key has \(key.count) bytes; the lengths were checked for \(keyBytes)")
        try checkSeed(seed)
        let bits = SecretBits(BitVector(bytesMSBFirst: key, count: inputBits))
        let seedVector = BitVector(bytesMSBFirst: seed, count: seedBits)
        let hash: any LinearKeyHash = family == .matrix
            ? RandomMatrixHash(inputBits: inputBits, outputBits: outputBits, seed: seedVector)
            : ToeplitzHash(inputBits: inputBits, outputBits: outputBits, seed: seedVector)
        return bits.withBits { hash.hash($0).bytesMSBFirst() }
    }

    /// Checks a whole request and hashes the key: ``init(keyBytes:inputBits:outputBits:family:)``
    /// then ``hash(key:seed:)``.
    /// - Parameters:
    ///   - key: the key (secret).
    ///   - inputBits: `n`, or `nil` for all of the key.
    ///   - outputBits: `l`.
    ///   - family: `toeplitz` or `matrix`.
    ///   - seed: the public seed.
    /// - Returns: the output key (secret).
    /// - Throws: the first failed check.
    public static func hash(key: [UInt8], inputBits: Int?, outputBits: Int, family: String,
                            seed: [UInt8]) throws(AmplificationError) -> [UInt8] {
        try PrivacyAmplification(keyBytes: key.count, inputBits: inputBits, outputBits: outputBits, family: family)
            .hash(key: key, seed: seed)
    }
}
