extension KeyPool {
    /// A snapshot of a pool's header, for printing; sizes in bits.
    public struct Status: Equatable, Sendable, Codable, CustomStringConvertible {
        public let path: String
        /// The pool ID in lower-case hex (32 digits).
        public let id: String
        public let capacityBits: UInt64
        public let positionBits: UInt64
        public let remainingBits: UInt64
        /// Whether a process (a node) held the pool when it was read; its position may move.
        public let inUse: Bool

        public var description: String {
            """
            pool \(path)
              id         \(id)
              capacity   \(capacityBits) bits
              position   \(positionBits) bits
              remaining  \(remainingBits) bits
            """ + (inUse ? "\n  in use     by another process (a node): the position is the one it had written" : "")
        }
    }

    /// The pool's ID, capacity, position and remaining key, in bits.
    public var status: Status {
        Status(path: path, id: Self.hex(id), capacityBits: capacity * 8, positionBits: position * 8,
               remainingBits: remaining * 8, inUse: false)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
