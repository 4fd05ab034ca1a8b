import Hashing
import Protocol
import Reconciliation
import Testing
@testable import Wire

/// Payloads with one field out of range: rejected with the expected code, never a trap.
@Suite("Malformed payloads")
struct MalformedPayloadTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let type: FrameType
        let bytes: [UInt8]
        let code: WireError.Code
        var testDescription: String { name }
    }

    static func bytes(_ build: (inout ByteWriter) -> Void) -> [UInt8] {
        var writer = ByteWriter()
        build(&writer)
        return writer.bytes
    }

    /// A bit vector field written by hand: count, then raw bytes.
    static func vector(count: UInt64, _ raw: [UInt8]) -> [UInt8] {
        bytes { $0.u64(count); $0.append(raw) }
    }

    static let vectorCases: [Case] = [
        Case(name: "bit count 2^63", type: .inputs, bytes: vector(count: 1 << 63, []), code: .tooLong),
        Case(name: "bit count one past the limit", type: .inputs,
             bytes: vector(count: UInt64(Samples.limits.maximumVectorBits + 1), []), code: .tooLong),
        Case(name: "bit count with too few bytes", type: .inputs, bytes: vector(count: 17, [0xFF, 0xFF]), code: .truncated),
        Case(name: "unused high bit set", type: .inputs, bytes: vector(count: 9, [0xFF, 0x02]), code: .invalidValue),
        Case(name: "unused bits of a 1-bit vector", type: .testMarks, bytes: vector(count: 1, [0x81]), code: .invalidValue),
        Case(name: "an extra byte after a vector", type: .inputs, bytes: vector(count: 8, [0xFF, 0]), code: .trailingBytes),
        Case(name: "a vector before a configuration is agreed", type: .inputs, bytes: vector(count: 1, [1]), code: .tooLong),
        Case(name: "frame list count 2^32 - 1", type: .frameMismatch, bytes: bytes { $0.u32(UInt32.max) }, code: .tooLong),
        Case(name: "frame list shorter than its count", type: .reconciliationStatus, bytes: bytes { $0.u32(3); $0.u32(1) },
             code: .truncated),
        Case(name: "frame number at the bound", type: .frameMismatch,
             bytes: bytes { $0.u32(1); $0.u32(Samples.limits.maximumFrames) }, code: .invalidValue),
        Case(name: "attempt 0", type: .extraSyndromes, bytes: bytes { $0.u32(0); $0.u32(UInt32(0)); $0.u64(0) }, code: .invalidValue),
        Case(name: "begin with 0 rounds", type: .begin, bytes: bytes { $0.u64(UInt64(0)) }, code: .invalidValue),
        Case(name: "begin with 2^63 rounds", type: .begin, bytes: bytes { $0.u64(UInt64(1) << 63) }, code: .invalidValue),
        Case(name: "key bits 0", type: .privacyAmplification, bytes: vector(count: 0, []) + bytes { $0.u64(UInt64(0)) },
             code: .invalidValue),
        Case(name: "key bits 2^64 - 1", type: .privacyAmplification, bytes: vector(count: 0, []) + bytes { $0.u64(UInt64.max) },
             code: .invalidValue),
        Case(name: "reason of 2^32 - 1 bytes", type: .abort, bytes: bytes { $0.u32(UInt32.max) }, code: .tooLong),
        Case(name: "reason of 4097 bytes", type: .abort, bytes: bytes { $0.u32(4097); $0.append(Array(repeating: 0x61, count: 4097)) },
             code: .tooLong),
        Case(name: "reason 0xFF", type: .abort, bytes: bytes { $0.u32(1); $0.u8(0xFF) }, code: .invalidText),
        Case(name: "reason overlong NUL", type: .abort, bytes: bytes { $0.u32(2); $0.append([0xC0, 0x80]) }, code: .invalidText),
        Case(name: "reason surrogate", type: .abort, bytes: bytes { $0.u32(3); $0.append([0xED, 0xA0, 0x80]) }, code: .invalidText),
        Case(name: "reason cut inside a character", type: .abort, bytes: bytes { $0.u32(1); $0.append([0xCE]) }, code: .invalidText),
    ]

    @Test(arguments: vectorCases)
    func rejected(_ example: Case) {
        let limits = example.name.contains("before a configuration") ? WireLimits.hello : Samples.limits
        let error = wireError { () throws(WireError) in _ = try decodePayload(example.type, example.bytes, limits: limits) }
        #expect(error?.code == example.code, "\(error.map(\.description) ?? "accepted")")
    }

    @Test func errorsNameTheField() {
        let error = wireError { () throws(WireError) in _ = try decodePayload(.abort, [1, 0, 0, 0, 0xFF]) }
        #expect(error?.description == "abort frame: reason is not valid UTF-8")
        let vectorError = wireError { () throws(WireError) in _ = try decodePayload(.inputs, Self.vector(count: 1 << 63, [])) }
        #expect(vectorError?.description == "inputs frame: inputs: 9223372036854775808 bits exceed the limit of 14096 bits")
    }

    /// The longest reason decodes; valid multi-byte text is kept byte for byte.
    @Test func reasonsAtTheLimit() throws {
        let reason = String(repeating: "δ", count: WireCodec.maximumReasonBytes / 2)
        let bytes = WireCodec.encode(.message(.abort(reason: reason)))
        #expect(try decodePayload(.abort, bytes) == .message(.abort(reason: reason)))
    }
}
