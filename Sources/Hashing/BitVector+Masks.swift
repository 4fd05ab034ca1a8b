/// Word-level helpers for selecting rounds by masks.
extension BitVector {
    /// Bitwise NOT (within `count`).
    public static prefix func ~ (vector: BitVector) -> BitVector {
        BitVector(words: vector.words.map { ~$0 }, count: vector.count)
    }

    /// Bitwise OR of two vectors of the same length.
    public static func | (lhs: BitVector, rhs: BitVector) -> BitVector {
        precondition(lhs.count == rhs.count)
        return BitVector(words: zip(lhs.words, rhs.words).map { $0 | $1 }, count: lhs.count)
    }

    /// The bits at the positions where `mask` is set, in order.
    public func gather(_ mask: BitVector) -> BitVector {
        precondition(mask.count == count)
        var result = BitVector(count: mask.popCount)
        var out = 0
        for w in words.indices {
            var m = mask.words[w]
            while m != 0 {
                let bit = m.trailingZeroBitCount
                if words[w] >> UInt64(bit) & 1 == 1 { result.words[out >> 6] |= 1 << UInt64(out & 63) }
                out += 1
                m &= m - 1
            }
        }
        return result
    }

    /// A vector of `mask.count` bits holding `self`'s bits, in order, at the positions where
    /// `mask` is set, and zero elsewhere: the inverse of ``gather(_:)``.
    public func scatter(into mask: BitVector) -> BitVector {
        precondition(mask.popCount == count, "scatter needs one bit per set position of the mask")
        var result = BitVector(count: mask.count)
        var next = 0
        for w in mask.words.indices {
            var m = mask.words[w]
            while m != 0 {
                let bit = m.trailingZeroBitCount
                if words[next >> 6] >> UInt64(next & 63) & 1 == 1 { result.words[w] |= 1 << UInt64(bit) }
                next += 1
                m &= m - 1
            }
        }
        return result
    }

    /// Appends every bit of `other`.
    public mutating func append(contentsOf other: BitVector) {
        let shift = UInt64(count & 63)
        if shift == 0 {
            words.append(contentsOf: other.words)
        } else {
            for word in other.words {
                words[words.count - 1] |= word << shift
                words.append(word >> (64 - shift))
            }
        }
        count += other.count
        words.removeLast(words.count - (count + 63) / 64)
        clearTail()
    }
}
