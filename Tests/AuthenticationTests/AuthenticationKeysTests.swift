import Randomness
import Testing
@testable import Authentication

@Suite("Authentication keys")
struct AuthenticationKeysTests {
    static func keys(seed: UInt64) throws -> (AuthenticationKeys, [UInt8]) {
        var rng = Xoshiro256(seed: seed)
        let reservation = randomBytes(AuthenticationKeys.byteCount, using: &rng)
        return (try AuthenticationKeys(reservation: reservation), reservation)
    }

    @Test func layoutConstants() {
        #expect(AuthenticationKeys.tagsPerDirection == 32)
        #expect(AuthenticationKeys.byteCount == 1040)
        #expect(AuthenticationKeys.byteCount * 8 == 8320)
    }

    @Test(arguments: [0, 16, 1039, 1041, 2080])
    func wrongReservationSizeThrows(count: Int) {
        #expect(throws: AuthenticationError.reservationSize(expected: 1040, actual: count)) {
            try AuthenticationKeys(reservation: [UInt8](repeating: 1, count: count))
        }
    }

    @Test func everyPadSitsWhereTheLayoutSays() throws {
        let (keys, reservation) = try Self.keys(seed: 17)
        let hash = PolynomialHash(key: GF128(bytes: Array(reservation[0..<16])))
        let message: [UInt8] = Array("frame".utf8)
        for direction: UInt8 in 0...1 {
            for sequence: UInt32 in 0..<32 {
                let offset = 16 + (Int(direction) * 32 + Int(sequence)) * 16
                let pad = GF128(bytes: Array(reservation[offset..<(offset + 16)]))
                let tag = try message.withUnsafeBytes { try keys.tag($0, direction: direction, sequence: sequence) }
                #expect(tag == (hash.hash(message) + pad).bytes)
            }
        }
    }

    @Test func outOfRangePairsThrowAndNeverVerify() throws {
        let (keys, _) = try Self.keys(seed: 3)
        let message: [UInt8] = [1, 2, 3]
        #expect(throws: AuthenticationError.sequence(32)) { try message.withUnsafeBytes { try keys.tag($0, direction: 0, sequence: 32) } }
        #expect(throws: AuthenticationError.direction(2)) { try message.withUnsafeBytes { try keys.tag($0, direction: 2, sequence: 0) } }
        let tag = try message.withUnsafeBytes { try keys.tag($0, direction: 1, sequence: 31) }
        #expect(message.withUnsafeBytes { m in tag.withUnsafeBytes { keys.verify(m, tag: $0, direction: 1, sequence: 31) } })
        #expect(!message.withUnsafeBytes { m in tag.withUnsafeBytes { keys.verify(m, tag: $0, direction: 1, sequence: 32) } })
        #expect(!message.withUnsafeBytes { m in tag.withUnsafeBytes { keys.verify(m, tag: $0, direction: 3, sequence: 31) } })
        let short = Array(tag.prefix(15))
        #expect(!message.withUnsafeBytes { m in short.withUnsafeBytes { keys.verify(m, tag: $0, direction: 1, sequence: 31) } })
    }

    @Test func descriptionHidesTheBytes() throws {
        let reservation = [UInt8](repeating: 0xAB, count: AuthenticationKeys.byteCount)
        let keys = try AuthenticationKeys(reservation: reservation)
        let text = String(describing: keys) + String(reflecting: keys)
        #expect(!text.lowercased().contains("ab, ") && !text.contains("171"))
    }
}
