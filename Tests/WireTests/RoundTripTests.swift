import Hashing
import Protocol
import Randomness
import Testing
@testable import Wire

@Suite("Wire round trips")
struct RoundTripTests {
    /// Every frame type, 40 random payloads each: encode, frame, decode, and encode again to the
    /// same bytes.
    @Test(arguments: FrameType.allCases)
    func payloadsRoundTrip(type: FrameType) throws {
        let seed = 0x5EED_0000 + UInt64(type.rawValue)
        var rng = Xoshiro256(seed: seed)
        for trial in 0..<40 {
            let payload = Samples.payload(type, &rng)
            #expect(payload.type == type)
            let session = SessionID.random(using: &rng)
            let bytes = WireCodec.frame(payload, direction: .aliceToBob, session: session, poolPosition: rng.next(),
                                        sequence: UInt32(trial))
            let decoded: (header: FrameHeader, payload: FramePayload)
            do { decoded = try decodeFrame(bytes) } catch {
                Issue.record("seed \(seed), trial \(trial): \(error)")
                return
            }
            #expect(decoded.payload == payload, "seed \(seed), trial \(trial)")
            #expect(decoded.header.type == type && decoded.header.session == session && decoded.header.sequence == UInt32(trial))
            #expect(WireCodec.frame(decoded.payload, direction: decoded.header.direction, session: decoded.header.session,
                                    poolPosition: decoded.header.poolPosition, sequence: decoded.header.sequence) == bytes,
                    "seed \(seed), trial \(trial)")
        }
    }

    @Test func headerRoundTrips() throws {
        let seed: UInt64 = 0x4EAD
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<200 {
            let header = FrameHeader(direction: Bool.random(using: &rng) ? .aliceToBob : .bobToAlice,
                                     type: FrameType.allCases.randomElement(using: &rng)!,
                                     session: SessionID.random(using: &rng), poolPosition: rng.next(),
                                     sequence: UInt32.random(in: 0...UInt32.max, using: &rng),
                                     payloadLength: Int.random(in: 0...Samples.limits.maximumPayloadBytes, using: &rng))
            let bytes = header.encoded()
            #expect(bytes.count == FrameHeader.byteCount)
            let decoded = try decodeHeader(bytes)
            #expect(decoded == header, "seed \(seed)")
            #expect(decoded.encoded() == bytes)
        }
    }

    /// The layout of docs/wire.md, byte by byte, for one header.
    @Test func headerLayout() {
        let session = SessionID(bytes: Array(0x10...0x1F))
        let header = FrameHeader(direction: .bobToAlice, type: .syndromes, session: session,
                                 poolPosition: 0x0102_0304_0506_0708, sequence: 0x0A0B_0C0D, payloadLength: 0x1234)
        let expected: [UInt8] = [0x44, 0x51, 0x4B, 0x44, 1, 1, 6, 0] + Array(0x10...0x1F)
            + [8, 7, 6, 5, 4, 3, 2, 1] + [0x0D, 0x0C, 0x0B, 0x0A] + [0, 0, 0, 0] + [0x34, 0x12, 0, 0, 0, 0, 0, 0]
        #expect(header.encoded() == expected)
        #expect(session.description == "101112131415161718191a1b1c1d1e1f")
        #expect(header.frameByteCount == 48 + 0x1234 + 16)
    }

    /// Bit `i` is bit `i % 8` of byte `i / 8`, after the u64 count.
    @Test func bitVectorLayout() throws {
        let vector = BitVector(bits: [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
        let bytes = WireCodec.encode(.message(.inputs(vector)))
        #expect(bytes == [11, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x06])
        #expect(try decodePayload(.inputs, bytes) == .message(.inputs(vector)))
    }

    @Test func directionFollowsTheSender() {
        #expect(Direction(from: .alice) == .aliceToBob && Direction(from: .bob) == .bobToAlice)
        #expect(Direction.bobToAlice.sender == .bob)
    }

    /// The limits of the default-sized run admit everything an honest run of it sends.
    @Test func limitsOfAConfiguration() {
        let configuration = ProtocolConfiguration(rounds: 10_000_000)
        let limits = WireLimits(configuration: configuration)
        #expect(limits.maximumVectorBits >= 2 * 10_000_000)
        #expect(limits.maximumFrames >= 10_000_000 / configuration.frameBits)
        #expect(limits.maximumPayloadBytes >= 2 * (limits.maximumVectorBits / 8))
        // The figure docs/wire.md quotes.
        #expect(limits.maximumPayloadBytes == 5_009_252)
        #expect(WireLimits.hello.maximumVectorBits == 0 && WireLimits.hello.maximumPayloadBytes <= 8192)
    }
}
