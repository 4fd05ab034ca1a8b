/// Key material: bits that must never be printed or logged, compared in constant time and
/// overwritten when released.
public final class SecretBits: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible, Equatable {
    private var storage: BitVector

    public init(_ bits: BitVector) {
        storage = bits
    }

    public var count: Int { storage.count }

    /// Gives scoped access to the bits, for hashing or writing a key file the user asked for.
    public func withBits<T>(_ body: (BitVector) throws -> T) rethrows -> T {
        try body(storage)
    }

    public var description: String { "SecretBits(\(count) bits, redacted)" }
    public var debugDescription: String { description }

    /// Equality that inspects every word whatever their contents, so timing does not reveal
    /// where two keys first differ.
    public static func == (lhs: SecretBits, rhs: SecretBits) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt64 = 0
        for i in lhs.storage.words.indices { difference |= lhs.storage.words[i] ^ rhs.storage.words[i] }
        return difference == 0
    }

    deinit {
        storage.wipe()
    }
}

extension BitVector {
    /// Overwrites every word with zeros.
    public mutating func wipe() {
        words.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = 0 }
        }
    }
}
