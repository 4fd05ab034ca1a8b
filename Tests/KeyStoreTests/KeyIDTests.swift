import Foundation
import KeyStore
import Randomness
import Testing

private struct Vectors: Decodable {
    struct Valid: Decodable {
        let idKey: String
        let block: UInt32
        let offset: UInt32
        let length: UInt16
        let id: String
    }
    struct Invalid: Decodable {
        let idKey: String
        let id: String
        let why: String
        let parses: Bool
    }
    let valid: [Valid]
    let invalid: [Invalid]

    static let loaded: Vectors = {
        let url = Bundle.module.url(forResource: "key-ids", withExtension: "json", subdirectory: "Vectors")!
        return try! JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }()
}

private func hex(_ s: String) -> [UInt8] {
    stride(from: 0, to: s.count, by: 2).map { i in
        let start = s.index(s.startIndex, offsetBy: i)
        return UInt8(s[start..<s.index(start, offsetBy: 2)], radix: 16)!
    }
}

/// Key IDs against the vectors of scripts/key-id-vectors.py (Python's hmac, hashlib, uuid).
@Suite struct KeyIDTests {
    @Test func validVectors() throws {
        #expect(Vectors.loaded.valid.count >= 5)
        for vector in Vectors.loaded.valid {
            let idKey = IDKey(hex(vector.idKey))
            let range = KeyRange(block: vector.block, offset: vector.offset, length: vector.length)
            let id = try #require(UUID(uuidString: vector.id))
            #expect(range.id(idKey) == id, "\(range)")
            let parsed = try #require(KeyRange.parse(id))
            #expect(parsed.range == range)
            #expect(range.verify(tag: parsed.tag, idKey))
        }
    }

    @Test func invalidVectorsAreRejected() throws {
        #expect(Vectors.loaded.invalid.count >= 8)
        for vector in Vectors.loaded.invalid {
            let id = try #require(UUID(uuidString: vector.id))
            let parsed = KeyRange.parse(id)
            #expect((parsed != nil) == vector.parses, "\(vector.why)")
            if let parsed {
                #expect(!parsed.range.verify(tag: parsed.tag, IDKey(hex(vector.idKey))), "\(vector.why)")
            }
        }
    }

    /// Random ranges survive the round trip, and every single-bit flip of an ID is caught.
    @Test func everyBitFlipIsCaught() throws {
        let seed: UInt64 = 15
        var rng = Xoshiro256(seed: seed)
        for _ in 0..<20 {
            let idKey = IDKey((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let range = KeyRange(
                block: .random(in: 1...KeyRange.maxBlock, using: &rng),
                offset: .random(in: 32..<UInt32(KeyRange.maxBlockBytes), using: &rng),
                length: .random(in: 1...UInt16.max, using: &rng)
            )
            let id = range.id(idKey)
            #expect(KeyRange.parse(id)?.range == range, "seed \(seed)")
            for bit in 0..<128 {
                var bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
                bytes[bit / 8] ^= 0x80 >> UInt8(bit % 8)
                let flipped = bytes.withUnsafeBytes { UUID(uuid: $0.load(as: uuid_t.self)) }
                if let parsed = KeyRange.parse(flipped) {
                    #expect(!parsed.range.verify(tag: parsed.tag, idKey), "bit \(bit) of \(range), seed \(seed)")
                }
            }
        }
    }
}

/// The carving rule both backends share.
@Suite struct CarvingTests {
    @Test func keysNeverSpanBlocksAndShortRestsStay() throws {
        let blocks = [BlockCursor(number: 1, length: 100, cursor: 32, delivered: []),
                      BlockCursor(number: 2, length: 200, cursor: 32, delivered: [])]
        let plan = try #require(carve(count: 4, bytes: 30, from: blocks))
        #expect(plan.ranges.map(\.block) == [1, 1, 2, 2])
        #expect(plan.ranges.map(\.offset) == [32, 62, 32, 62])
        #expect(plan.moved.map(\.passed) == [32..<92, 32..<92])
        let small = try #require(carve(count: 1, bytes: 8, from: plan.moved.map(\.block)))
        #expect(small.ranges == [KeyRange(block: 1, offset: 92, length: 8)])
        #expect(small.moved[0].block.remaining == 0)
        #expect(carve(count: 1, bytes: 9, from: [plan.moved[0].block]) == nil)
    }

    @Test func deliveredRangesAreSkipped() throws {
        let block = BlockCursor(number: 1, length: 100, cursor: 32, delivered: [40..<50, 60..<64])
        let plan = try #require(carve(count: 3, bytes: 10, from: [block]))
        #expect(plan.ranges.map(\.offset) == [50, 64, 74])
        #expect(plan.moved[0].block.cursor == 84)
        #expect(plan.moved[0].block.delivered.isEmpty)
        #expect(plan.moved[0].block.remaining == 16)
    }

    @Test func retrievalRefusesOverlaps() throws {
        let idKey = IDKey([UInt8](repeating: 3, count: 32))
        let live = StoredBlockState.live(BlockCursor(number: 1, length: 100, cursor: 40, delivered: [60..<70]), idKey)
        func ask(_ offset: UInt32, _ length: UInt16) throws(KeyStoreError) -> [UInt32: BlockCursor] {
            let range = KeyRange(block: 1, offset: offset, length: length)
            return try recordDelivery(try parseKeyIDs([range.id(idKey)]), in: [1: live], lastBlock: 1)
        }
        #expect(try ask(40, 20)[1]?.delivered == [40..<60, 60..<70])
        #expect(throws: KeyStoreError.self) { try ask(32, 8) }
        #expect(throws: KeyStoreError.self) { try ask(65, 2) }
        #expect(throws: KeyStoreError.self) { try ask(90, 11) }
    }
}
