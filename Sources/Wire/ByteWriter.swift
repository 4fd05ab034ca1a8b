import Hashing

/// Appends little-endian fields to a byte array (the encoders' side of ``ByteReader``).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A non-negative `Int` that fits in 32 bits (a programmer mistake otherwise).
    mutating func u32(_ value: Int) {
        precondition(value >= 0 && value <= Int(UInt32.max), "\(value) does not fit in an unsigned 32-bit field")
        u32(UInt32(value))
    }

    /// A non-negative `Int` as an unsigned 64-bit field.
    mutating func u64(_ value: Int) {
        precondition(value >= 0, "\(value) is negative")
        u64(UInt64(value))
    }

    mutating func f64(_ value: Double) { u64(value.bitPattern) }

    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// A bit vector: its count as u64, then `ceil(count / 8)` bytes, bit `i` in bit `i % 8` of
    /// byte `i / 8` (the vector's words are little-endian, so its bytes are theirs in order).
    mutating func bits(_ vector: BitVector) {
        u64(vector.count)
        var remaining = (vector.count + 7) / 8
        for word in vector.words {
            for shift in stride(from: 0, to: 64, by: 8) where remaining > 0 {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
                remaining -= 1
            }
        }
    }

    /// A list of frame numbers: u32 count, u32 each.
    mutating func frames(_ list: [Int]) {
        u32(list.count)
        for k in list { u32(k) }
    }

    /// Text as u32 byte count and its UTF-8 bytes.
    mutating func text(_ string: String) {
        let utf8 = Array(string.utf8)
        u32(utf8.count)
        append(utf8)
    }
}
