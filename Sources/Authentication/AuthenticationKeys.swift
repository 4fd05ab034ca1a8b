import CCarryless

/// The key material of one run's authentication, drawn from the pre-shared pool in one
/// reservation of `byteCount` bytes, and the Wegman–Carter tags made with it.
///
/// Layout of the reservation (docs/authentication.md):
/// - bytes `0 ..< 16`: the hash key `k` (a GF(2^128) element, little-endian), used for every
///   frame of the run;
/// - bytes `16 + (d · 32 + s) · 16 ..< +16`: the one-time pad `r` for direction `d`
///   (0 = Alice → Bob, 1 = Bob → Alice) and sequence number `s` (`0 ..< 32`).
///
/// The tag of a frame is `h_k(frame) + r` (Wegman & Carter, J. Comput. Syst. Sci. 22, 1981).
/// Keeping `k` for the whole run is secure because every tag takes a fresh pad (Portmann, "Key
/// recycling in authentication", IEEE Trans. Inf. Theory 60(7), 2014); one substitution
/// attempt succeeds with probability at most `PolynomialHash.forgeryBound(byteCount:)`.
///
/// - Important: each (direction, sequence) pair must be used for exactly one frame per
///   reservation; the caller (the protocol's framing) guarantees it, because a pad used twice
///   reveals `h_k(m) + h_k(m')` and with it information about `k`. This type does not track use.
///
/// All bytes are secret: there is no `description` that prints them, tags are compared in
/// constant time, and the storage is overwritten with zeros when the object is released.
public final class AuthenticationKeys: @unchecked Sendable, CustomStringConvertible {
    /// Tags per direction in one reservation.
    public static let tagsPerDirection = 32
    /// Bytes in one reservation: the key and `2 · 32` pads of 16 bytes (8320 bits).
    public static let byteCount = 16 + 2 * tagsPerDirection * 16
    /// Bytes in a tag.
    public static let tagByteCount = 16

    // Immutable after init; shared reads only, hence @unchecked Sendable.
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies the key and pads out of `reservation` (the caller wipes its own copy).
    /// - Throws: `.reservationSize` unless `reservation.count == byteCount`.
    public init(reservation: [UInt8]) throws(AuthenticationError) {
        guard reservation.count == Self.byteCount else {
            throw .reservationSize(expected: Self.byteCount, actual: reservation.count)
        }
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.byteCount, alignment: 16)
        reservation.withUnsafeBytes { storage.copyMemory(from: $0) }
    }

    deinit {
        diqkd_wipe(storage.baseAddress, storage.count)
        storage.deallocate()
    }

    public var description: String { "AuthenticationKeys(\(Self.byteCount) bytes, redacted)" }

    /// The byte offset of the pad for `(direction, sequence)`.
    /// - Throws: `.direction` unless `direction` is 0 or 1, `.sequence` unless `sequence < 32`.
    public static func padOffset(direction: UInt8, sequence: UInt32) throws(AuthenticationError) -> Int {
        guard direction <= 1 else { throw .direction(direction) }
        guard sequence < UInt32(tagsPerDirection) else { throw .sequence(sequence) }
        return 16 + (Int(direction) * tagsPerDirection + Int(sequence)) * 16
    }

    private var hash: PolynomialHash {
        PolynomialHash(key: GF128(bytes: UnsafeRawBufferPointer(rebasing: storage[0..<16])))
    }

    private func pad(at offset: Int) -> GF128 {
        GF128(bytes: UnsafeRawBufferPointer(rebasing: storage[offset..<(offset + 16)]))
    }

    /// The tag `h_k(bytes) + r_(direction, sequence)`, 16 bytes little-endian.
    /// - Parameters:
    ///   - bytes: the exact bytes of the frame (header and payload).
    ///   - direction: 0 = Alice → Bob, 1 = Bob → Alice.
    ///   - sequence: the frame's number in its direction, `0 ..< tagsPerDirection`; used once.
    /// - Throws: `.direction` or `.sequence` when there is no pad for the pair.
    public func tag(_ bytes: UnsafeRawBufferPointer, direction: UInt8, sequence: UInt32) throws(AuthenticationError) -> [UInt8] {
        let offset = try Self.padOffset(direction: direction, sequence: sequence)
        return (hash.hash(bytes) + pad(at: offset)).bytes
    }

    /// Whether `tag` is the tag of `bytes` for `(direction, sequence)`. The comparison inspects
    /// all 16 bytes whatever their values. False for a tag that is not 16 bytes long and for a
    /// pair with no pad.
    public func verify(_ bytes: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer, direction: UInt8,
                       sequence: UInt32) -> Bool {
        guard tag.count == Self.tagByteCount, let expected = try? self.tag(bytes, direction: direction, sequence: sequence) else {
            return false
        }
        var difference: UInt8 = 0
        for i in 0..<Self.tagByteCount { difference |= expected[i] ^ tag[i] }
        return difference == 0
    }
}
