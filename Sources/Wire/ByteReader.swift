import Hashing

/// Reads little-endian fields from a byte buffer, front to back, never past its end.
///
/// Every read names its field, so an error says what was being read ("syndromes: bits:
/// 120 bytes needed, 7 left"). Lengths are checked against the limits and against the bytes
/// left *before* any allocation.
struct ByteReader {
    private let buffer: UnsafeRawBufferPointer
    private(set) var offset = 0
    /// Prefixed to every error message ("syndromes", "frame header").
    let context: String

    init(_ buffer: UnsafeRawBufferPointer, context: String) {
        self.buffer = buffer
        self.context = context
    }

    var remaining: Int { buffer.count - offset }

    func error(_ code: WireError.Code, _ message: String) -> WireError {
        WireError(code, "\(context): \(message)")
    }

    /// Checks that `count` more bytes are present.
    func require(_ count: Int, for field: String) throws(WireError) {
        guard count <= remaining else {
            throw error(.truncated, "\(field): \(count) byte\(count == 1 ? "" : "s") needed, \(remaining) left")
        }
    }

    mutating func u8(_ field: String) throws(WireError) -> UInt8 {
        try require(1, for: field)
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func u32(_ field: String) throws(WireError) -> UInt32 {
        try require(4, for: field)
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(buffer[offset + i]) << UInt32(8 * i) }
        offset += 4
        return value
    }

    mutating func u64(_ field: String) throws(WireError) -> UInt64 {
        try require(8, for: field)
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(buffer[offset + i]) << UInt64(8 * i) }
        offset += 8
        return value
    }

    mutating func f64(_ field: String) throws(WireError) -> Double {
        Double(bitPattern: try u64(field))
    }

    /// A u64 in `range`, as an `Int`.
    mutating func int(_ field: String, in range: ClosedRange<Int>) throws(WireError) -> Int {
        let raw = try u64(field)
        guard raw <= UInt64(Int.max), range.contains(Int(raw)) else {
            throw error(.invalidValue, "\(field) \(raw) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(raw)
    }

    /// A u32 in `range`, as an `Int`.
    mutating func int32(_ field: String, in range: ClosedRange<Int>) throws(WireError) -> Int {
        let raw = Int(try u32(field))
        guard range.contains(raw) else {
            throw error(.invalidValue, "\(field) \(raw) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return raw
    }

    /// `count` raw bytes.
    mutating func bytes(_ count: Int, _ field: String) throws(WireError) -> [UInt8] {
        try require(count, for: field)
        defer { offset += count }
        return Array(buffer[offset..<(offset + count)])
    }

    /// A bit vector of at most `maximumBits` bits (see ``ByteWriter/bits(_:)``); the unused
    /// high bits of its last byte must be zero.
    mutating func bits(_ field: String, maximumBits: Int) throws(WireError) -> BitVector {
        let raw = try u64("\(field) bit count")
        guard raw <= UInt64(maximumBits) else {
            throw error(.tooLong, "\(field): \(raw) bits exceed the limit of \(maximumBits) bits")
        }
        let count = Int(raw), byteCount = (count + 7) / 8
        try require(byteCount, for: field)
        if count % 8 != 0, buffer[offset + byteCount - 1] >> UInt8(count % 8) != 0 {
            throw error(.invalidValue, "\(field): the unused high bits of the last byte are not zero")
        }
        var words = [UInt64](repeating: 0, count: (count + 63) / 64)
        for i in 0..<byteCount { words[i / 8] |= UInt64(buffer[offset + i]) << UInt64(8 * (i % 8)) }
        offset += byteCount
        return BitVector(words: words, count: count)
    }

    /// A list of at most `maximumFrames` frame numbers, each below `maximumFrames`.
    mutating func frames(_ field: String, maximumFrames: Int) throws(WireError) -> [Int] {
        let count = Int(try u32("\(field) count"))
        guard count <= maximumFrames else {
            throw error(.tooLong, "\(field): \(count) frames exceed the limit of \(maximumFrames)")
        }
        try require(4 * count, for: field)
        var list: [Int] = []
        list.reserveCapacity(count)
        for i in 0..<count {
            let k = Int(try u32("\(field)[\(i)]"))
            guard k < maximumFrames else {
                throw error(.invalidValue, "\(field)[\(i)]: frame \(k) is not below the limit of \(maximumFrames) frames")
            }
            list.append(k)
        }
        return list
    }

    /// Text of at most `maximumBytes` UTF-8 bytes, with a u32 byte count.
    mutating func text(_ field: String, maximumBytes: Int) throws(WireError) -> String {
        let count = Int(try u32("\(field) byte count"))
        return try utf8(count, field, maximumBytes: maximumBytes)
    }

    /// `count` bytes of UTF-8 text; invalid UTF-8 is an error, never repaired.
    mutating func utf8(_ count: Int, _ field: String, maximumBytes: Int) throws(WireError) -> String {
        guard count <= maximumBytes else {
            throw error(.tooLong, "\(field): \(count) bytes exceed the limit of \(maximumBytes) bytes")
        }
        let raw = try bytes(count, field)
        let text = String(decoding: raw, as: UTF8.self)
        // Decoding repairs invalid sequences with U+FFFD; a repaired string re-encodes differently.
        guard text.utf8.elementsEqual(raw) else { throw error(.invalidText, "\(field) is not valid UTF-8") }
        return text
    }

    /// Checks that every byte was read.
    func finish() throws(WireError) {
        guard remaining == 0 else {
            throw error(.trailingBytes, "\(remaining) byte\(remaining == 1 ? "" : "s") after the last field")
        }
    }
}
