/// Bytes taken from a key pool: secret, never printed, overwritten with zeros when released.
public final class Reservation: @unchecked Sendable, CustomStringConvertible {
    /// Offset in the pool's key (bytes after the header) of the first reserved byte; in bits,
    /// `8 · position`.
    public let position: UInt64
    /// The key bytes; empty after `wipe()`. Copies made from here are the holder's to wipe.
    public private(set) var bytes: [UInt8]

    init(position: UInt64, bytes: [UInt8]) {
        self.position = position
        self.bytes = bytes
    }

    /// The number of reserved bytes (a multiple of 16).
    public var byteCount: Int { bytes.count }

    /// Overwrites the bytes with zeros and empties the reservation.
    public func wipe() {
        bytes.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = 0 }
        }
        bytes = []
    }

    public var description: String { "Reservation(position \(position), \(bytes.count) bytes, redacted)" }

    deinit { wipe() }
}
