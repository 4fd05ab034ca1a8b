import Hashing
import Protocol
import Reconciliation
import Testing
@testable import Wire

/// Plans that would make Bob's code construction trap, or that are not canonical, are
/// rejected; plans at the edges of the accepted ranges build their codes.
@Suite("Plan validation")
struct PlanValidationTests {
    /// A plan's fields, written in the wire layout whether or not they are valid.
    struct Fields: Sendable {
        var rawKeyBits: UInt64 = 3000
        var frameBits: UInt64 = 1024
        var syndromeBits: [UInt32] = [400, 400]
        var errorRate = 0.02
        var degrees: [UInt32] = [3, 8]
        var fractions = [0.75, 0.25]
        var staircase: UInt8 = 1
        var seed: UInt64 = 99
        var lift: UInt32 = 0
        var extraBits = 0
        /// Leave out the syndrome vector (for plans whose vector would be too large to build).
        var planOnly = false

        /// A syndromes payload: the plan, then `totalSyndromeBits + extraBits` zero bits.
        var payload: [UInt8] {
            var writer = ByteWriter()
            writer.u64(rawKeyBits)
            writer.u64(frameBits)
            writer.u32(UInt32(syndromeBits.count))
            for bits in syndromeBits { writer.u32(bits) }
            writer.f64(errorRate)
            writer.u32(UInt32(degrees.count))
            for (d, f) in zip(degrees, fractions) { writer.u32(d); writer.f64(f) }
            writer.u8(staircase)
            writer.u64(seed)
            writer.u32(lift)
            if !planOnly { writer.bits(BitVector(count: max(0, syndromeBits.reduce(0) { $0 + Int($1) } + extraBits))) }
            return writer.bytes
        }

        func with(_ change: (inout Fields) -> Void) -> Fields {
            var copy = self
            change(&copy)
            return copy
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let fields: Fields
        var code: WireError.Code = .invalidValue
        var testDescription: String { name }
    }

    static let base = Fields()

    static let cases: [Case] = [
        Case(name: "raw key 0", fields: base.with { $0.rawKeyBits = 0 }),
        Case(name: "raw key beyond the vector limit", fields: base.with { $0.rawKeyBits = 1 << 40 }),
        Case(name: "frame bits 0", fields: base.with { $0.frameBits = 0 }),
        Case(name: "no frames", fields: base.with { $0.syndromeBits = [] }),
        Case(name: "more frames than the limit", fields: base.with { $0.syndromeBits = Array(repeating: 1, count: 6) }, code: .tooLong),
        Case(name: "more frames than raw-key bits", fields: base.with { $0.rawKeyBits = 2; $0.syndromeBits = [1, 1, 1] }),
        Case(name: "syndrome bits 0", fields: base.with { $0.syndromeBits = [400, 0] }),
        Case(name: "syndrome bits above the frame length", fields: base.with { $0.syndromeBits = [1501, 400] }),
        Case(name: "design error rate NaN", fields: base.with { $0.errorRate = .nan }),
        Case(name: "design error rate infinite", fields: base.with { $0.errorRate = .infinity }),
        Case(name: "design error rate 0", fields: base.with { $0.errorRate = 0 }),
        Case(name: "design error rate 0.5", fields: base.with { $0.errorRate = 0.5 }),
        Case(name: "design error rate negative", fields: base.with { $0.errorRate = -0.01 }),
        Case(name: "no profile entries", fields: base.with { $0.degrees = []; $0.fractions = [] }),
        Case(name: "65 profile entries", fields: base.with {
            $0.degrees = Array(repeating: 3, count: 65); $0.fractions = Array(repeating: 1.0 / 65, count: 65)
        }),
        Case(name: "degree 0", fields: base.with { $0.degrees = [0, 8] }),
        Case(name: "degree 1001", fields: base.with { $0.degrees = [3, 1001] }),
        Case(name: "fraction NaN", fields: base.with { $0.fractions = [.nan, 0.25] }),
        Case(name: "fraction negative", fields: base.with { $0.fractions = [1.25, -0.25] }),
        Case(name: "fraction -0.0", fields: base.with { $0.fractions = [1, -0.0] }),
        Case(name: "fraction above 1", fields: base.with { $0.fractions = [1e300, 0.25] }),
        Case(name: "fractions summing to 0.5", fields: base.with { $0.fractions = [0.25, 0.25] }),
        Case(name: "staircase 2", fields: base.with { $0.staircase = 2 }),
        Case(name: "lift 8", fields: base.with { $0.lift = 8 }),
        Case(name: "lift 24 (not a multiple of 16)", fields: base.with { $0.lift = 24 }),
        Case(name: "lift 2^20", fields: base.with { $0.lift = 1 << 20 }),
        Case(name: "syndrome bits one short", fields: base.with { $0.extraBits = -1 }),
        Case(name: "syndrome bits one too many", fields: base.with { $0.extraBits = 1 }),
    ]

    @Test(arguments: cases)
    func rejected(_ example: Case) {
        let error = wireError { () throws(WireError) in _ = try decodePayload(.syndromes, example.fields.payload) }
        #expect(error?.code == example.code, "\(error.map(\.description) ?? "accepted")")
    }

    /// The message docs/wire.md quotes.
    @Test func liftMessage() {
        let error = wireError { () throws(WireError) in _ = try decodePayload(.syndromes, Self.base.with { $0.lift = 24 }.payload) }
        #expect(error?.description == "syndromes frame: plan lift 24 is neither 0 nor a multiple of 16 from 16 to 65536")
    }

    @Test func frameCountBeyondTheBytes() {
        var bytes = Self.base.payload
        bytes.replaceSubrange(16..<20, with: [0xFF, 0xFF, 0xFF, 0xFF])
        let error = wireError { () throws(WireError) in _ = try decodePayload(.syndromes, bytes) }
        #expect(error?.code == .tooLong)
    }

    /// Plans too large for `LDPCCode`'s 32-bit indices or for a dense base matrix, under
    /// limits generous enough to let them through otherwise.
    @Test func oversizedCodes() {
        let wide = WireLimits(maximumPayloadBytes: 1 << 40, maximumVectorBits: 1 << 36, maximumFrames: 1 << 20)
        let manyEdges = Self.base.with { $0.rawKeyBits = 1 << 30; $0.syndromeBits = [1 << 28]; $0.planOnly = true }
        let hugeBase = Self.base.with { $0.rawKeyBits = 1 << 26; $0.syndromeBits = [1 << 24]; $0.degrees = [3]; $0.fractions = [1]
            $0.lift = 16; $0.planOnly = true }
        for fields in [manyEdges, hugeBase] {
            let error = wireError { () throws(WireError) in _ = try decodePayload(.syndromes, fields.payload, limits: wide) }
            #expect(error?.code == .invalidValue, "\(error.map(\.description) ?? "accepted")")
        }
    }

    /// Plans at the edges of what is accepted decode, and Bob can build every code in them.
    @Test(arguments: [
        base,
        base.with { $0.rawKeyBits = 1; $0.syndromeBits = [1]; $0.degrees = [1000]; $0.fractions = [1] },
        base.with { $0.rawKeyBits = 1; $0.syndromeBits = [1]; $0.lift = 16 },
        base.with { $0.syndromeBits = [1500, 1500]; $0.lift = 65_536 },
        base.with { $0.rawKeyBits = 5; $0.syndromeBits = [1, 1, 1, 1, 1]; $0.staircase = 0; $0.fractions = [0.75, 0.2500000001] },
        base.with { $0.errorRate = 0.4999999; $0.degrees = [1, 2]; $0.fractions = [0, 1]; $0.lift = 1024 },
    ])
    func accepted(_ fields: Fields) throws {
        let payload = try decodePayload(.syndromes, fields.payload)
        guard case .message(.syndromes(let plan, let bits)) = payload else {
            Issue.record("decoded \(payload)")
            return
        }
        #expect(bits.count == plan.totalSyndromeBits)
        #expect(WireCodec.encode(payload) == fields.payload)
        for (k, code) in plan.codes().enumerated() {
            #expect(code.variables == plan.frameRange(k).count && code.checks == plan.syndromeBits[k])
        }
    }
}
