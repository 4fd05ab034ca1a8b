/// A packed vector of bits, 64 to a word: bit `i` is bit `i % 64` of word `i / 64`. Bits past
/// `count` in the last word are always zero.
public struct BitVector: Sendable, Hashable {
    public internal(set) var count: Int
    public internal(set) var words: [UInt64]

    /// `count` zero bits.
    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        self.words = [UInt64](repeating: 0, count: (count + 63) >> 6)
    }

    /// Bits from packed words; bits past `count` are cleared.
    public init(words: [UInt64], count: Int) {
        precondition(count >= 0 && words.count == (count + 63) >> 6, "need exactly ceil(count/64) words")
        self.count = count
        self.words = words
        clearTail()
    }

    /// Bits from a sequence of 0/1 values.
    public init<S: Sequence>(bits: S) where S.Element: BinaryInteger {
        var vector = BitVector(count: 0)
        for bit in bits { vector.append(bit != 0) }
        self = vector
    }

    /// `count` uniformly random bits.
    public static func random<G: RandomNumberGenerator>(count: Int, using generator: inout G) -> BitVector {
        var vector = BitVector(count: count)
        for i in vector.words.indices { vector.words[i] = generator.next() }
        vector.clearTail()
        return vector
    }

    public subscript(index: Int) -> Bool {
        get {
            precondition(index >= 0 && index < count, "bit index \(index) out of range 0..<\(count)")
            return words[index >> 6] >> UInt64(index & 63) & 1 == 1
        }
        set {
            precondition(index >= 0 && index < count, "bit index \(index) out of range 0..<\(count)")
            let mask: UInt64 = 1 << UInt64(index & 63)
            if newValue { words[index >> 6] |= mask } else { words[index >> 6] &= ~mask }
        }
    }

    public mutating func append(_ bit: Bool) {
        if count & 63 == 0 { words.append(0) }
        count += 1
        if bit { words[(count - 1) >> 6] |= 1 << UInt64((count - 1) & 63) }
    }

    /// The number of one bits.
    public var popCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Bitwise XOR of two vectors of the same length.
    public static func ^ (lhs: BitVector, rhs: BitVector) -> BitVector {
        var result = lhs
        result ^= rhs
        return result
    }

    public static func ^= (lhs: inout BitVector, rhs: BitVector) {
        precondition(lhs.count == rhs.count, "XOR of vectors of lengths \(lhs.count) and \(rhs.count)")
        for i in lhs.words.indices { lhs.words[i] ^= rhs.words[i] }
    }

    /// Bitwise AND of two vectors of the same length.
    public static func & (lhs: BitVector, rhs: BitVector) -> BitVector {
        precondition(lhs.count == rhs.count)
        return BitVector(words: zip(lhs.words, rhs.words).map { $0 & $1 }, count: lhs.count)
    }

    /// The parity of the bitwise AND (the GF(2) inner product).
    public func dot(_ other: BitVector) -> Bool {
        precondition(count == other.count)
        var acc: UInt64 = 0
        for i in words.indices { acc ^= words[i] & other.words[i] }
        return acc.nonzeroBitCount & 1 == 1
    }

    /// The bits `range`, as a new vector starting at bit 0.
    public func slice(_ range: Range<Int>) -> BitVector {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        var result = BitVector(count: range.count)
        let shift = UInt64(range.lowerBound & 63), first = range.lowerBound >> 6
        for i in result.words.indices {
            let low = words[first + i] >> shift
            let high = (shift != 0 && first + i + 1 < words.count) ? words[first + i + 1] << (64 - shift) : 0
            result.words[i] = low | high
        }
        result.clearTail()
        return result
    }

    /// The vector with bit order reversed: bit `i` becomes bit `count - 1 - i`.
    public func reversed() -> BitVector {
        var result = BitVector(count: count)
        guard count > 0 else { return result }
        let reversedWords = words.reversed().map { $0.bitReversed }
        // The reversed words hold the bits aligned to the end of the last word; shift them down.
        let padding = words.count * 64 - count
        let aligned = BitVector(words: reversedWords, count: words.count * 64)
        result = aligned.slice(padding..<(padding + count))
        return result
    }

    /// Bytes with the first bit as the most significant bit of the first byte; the last byte
    /// is zero-padded (SPEC.md key files).
    public func bytesMSBFirst() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (count + 7) / 8)
        for i in 0..<count where self[i] { bytes[i >> 3] |= 0x80 >> UInt8(i & 7) }
        return bytes
    }

    /// The first `count` bits of `bytes`, most significant bit first.
    public init(bytesMSBFirst bytes: [UInt8], count: Int) {
        precondition(count <= bytes.count * 8)
        self.init(count: count)
        for i in 0..<count where bytes[i >> 3] & (0x80 >> UInt8(i & 7)) != 0 { self[i] = true }
    }

    mutating func clearTail() {
        let used = count & 63
        if used != 0 { words[words.count - 1] &= (1 << UInt64(used)) - 1 }
    }
}

extension UInt64 {
    /// The word with its 64 bits in reverse order.
    var bitReversed: UInt64 {
        var x = self
        x = ((x >> 1) & 0x5555_5555_5555_5555) | ((x & 0x5555_5555_5555_5555) << 1)
        x = ((x >> 2) & 0x3333_3333_3333_3333) | ((x & 0x3333_3333_3333_3333) << 2)
        x = ((x >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((x & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        return x.byteSwapped
    }
}
