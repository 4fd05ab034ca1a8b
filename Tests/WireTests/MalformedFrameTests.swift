import Hashing
import Protocol
import Randomness
import Testing
@testable import Wire

/// Corrupted headers and frames: each is rejected with the expected code, never a trap.
@Suite("Malformed frames")
struct MalformedFrameTests {
    static let session = SessionID(bytes: Array(repeating: 7, count: 16))
    static let valid = WireCodec.frame(.message(.inputs(BitVector(bits: [1, 0, 1, 1, 0, 0, 1, 0, 1]))), direction: .bobToAlice,
                                       session: session, poolPosition: 4096, sequence: 3)

    static func corrupt(_ offset: Int, _ values: [UInt8]) -> [UInt8] {
        var bytes = valid
        bytes.replaceSubrange(offset..<(offset + values.count), with: values)
        return bytes
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let code: WireError.Code
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "magic", bytes: corrupt(0, [0x44, 0x51, 0x4B, 0x45]), code: .badMagic),
        Case(name: "version 0", bytes: corrupt(4, [0]), code: .unsupportedVersion),
        Case(name: "version 2", bytes: corrupt(4, [2]), code: .unsupportedVersion),
        Case(name: "direction 2", bytes: corrupt(5, [2]), code: .badDirection),
        Case(name: "type 18", bytes: corrupt(6, [18]), code: .unknownType),
        Case(name: "type 255", bytes: corrupt(6, [255]), code: .unknownType),
        Case(name: "flags", bytes: corrupt(7, [0x80]), code: .badFlags),
        Case(name: "reserved", bytes: corrupt(36, [0, 0, 0, 1]), code: .badReserved),
        Case(name: "payload length 2^63", bytes: corrupt(40, [0, 0, 0, 0, 0, 0, 0, 0x80]), code: .tooLong),
        Case(name: "payload length 2^64 - 1", bytes: corrupt(40, Array(repeating: 0xFF, count: 8)), code: .tooLong),
        Case(name: "payload length one more than the bytes", bytes: corrupt(40, [UInt8(valid.count - 63), 0, 0, 0, 0, 0, 0, 0]),
             code: .truncated),
        Case(name: "payload length one less than the bytes", bytes: corrupt(40, [UInt8(valid.count - 65), 0, 0, 0, 0, 0, 0, 0]),
             code: .trailingBytes),
        Case(name: "an extra byte after the tag", bytes: valid + [0], code: .trailingBytes),
        Case(name: "a type whose payload does not parse", bytes: corrupt(6, [FrameType.abort.rawValue]), code: .truncated),
        Case(name: "an empty type with a payload", bytes: corrupt(6, [FrameType.verified.rawValue]), code: .trailingBytes),
    ]

    @Test(arguments: cases)
    func rejected(_ example: Case) {
        let error = wireError { () throws(WireError) in _ = try decodeFrame(example.bytes) }
        #expect(error?.code == example.code, "\(error.map(\.description) ?? "accepted")")
        #expect(error.map { !$0.description.isEmpty } ?? false)
    }

    @Test func validFrameDecodes() throws {
        let (header, payload) = try decodeFrame(Self.valid)
        #expect(header.direction == .bobToAlice && header.sequence == 3 && header.poolPosition == 4096)
        #expect(payload == .message(.inputs(BitVector(bits: [1, 0, 1, 1, 0, 0, 1, 0, 1]))))
    }

    /// Every proper prefix of a valid frame is rejected as truncated.
    @Test func everyTruncation() {
        for length in 0..<Self.valid.count {
            let error = wireError { () throws(WireError) in _ = try decodeFrame(Array(Self.valid[..<length])) }
            #expect(error?.code == .truncated, "length \(length): \(error.map(\.description) ?? "accepted")")
        }
    }

    /// Every proper prefix of every type's payload is rejected (as truncated, or as trailing
    /// bytes for the empty payloads' neighbours), and no prefix traps.
    @Test(arguments: FrameType.allCases)
    func everyPayloadTruncation(type: FrameType) {
        let seed = 0x7A_0000 + UInt64(type.rawValue)
        var rng = Xoshiro256(seed: seed)
        let bytes = WireCodec.encode(Samples.payload(type, &rng))
        for length in 0..<bytes.count {
            let error = wireError { () throws(WireError) in _ = try decodePayload(type, Array(bytes[..<length])) }
            #expect(error != nil, "seed \(seed), \(type), length \(length) accepted")
        }
    }

    /// The payload length is checked against the limits in force: a 2.5 MB inputs frame is
    /// refused while only a hello is expected.
    @Test func helloLimitsRefuseLargePayloads() {
        var header = Array(Self.valid[..<48])
        header.replaceSubrange(40..<48, with: [0xA0, 0x25, 0x26, 0, 0, 0, 0, 0])
        let error = wireError { () throws(WireError) in _ = try decodeHeader(header, limits: .hello) }
        #expect(error?.code == .tooLong)
        #expect(error?.description == "frame header: payload length 2500000 bytes exceeds the limit of 8192 bytes")
    }

    @Test func headerMustBeExactly48Bytes() {
        let long = Array(Self.valid[..<49])
        let error = wireError { () throws(WireError) in _ = try decodeHeader(long) }
        #expect(error?.code == .trailingBytes)
    }
}
