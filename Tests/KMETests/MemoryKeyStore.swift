import Foundation
import KeyStore

/// A `KeyStore` in memory for the KME's tests, with the protocol's semantics: the master side
/// issues keys from the oldest block first, the slave side hands out the bytes named by an ID at
/// most once, and delivered bytes are overwritten. IDs are deterministic and carry no tag (the
/// durable backends bring the real scheme): block number (8 bytes), offset (4), length (4),
/// big-endian, as the UUID's 16 bytes. A key never spans two blocks; a block's tail too short
/// for a request is left for smaller ones.
actor MemoryKeyStore: KeyStore {
    private struct Block {
        var session: String
        var key: [UInt8]
        /// Master side: bytes before this offset have been issued.
        var issued = 0
        /// Both sides: byte ranges delivered (and wiped) at this site.
        var delivered: [Range<Int>] = []
        var undelivered: Int { key.count - delivered.reduce(0) { $0 + $1.count } }
    }

    private var blocks: [UInt64: Block] = [:]
    /// When set, every call fails with a storage error (to test the KME's 503).
    private var failing = false
    /// Blocks whose rows the test has damaged: issuing from or retrieving from them throws
    /// ``KeyStoreError/Code/damaged``, as the durable backends do.
    private var damaged: Set<UInt64> = []

    init(blocks: [StoredBlock] = []) {
        for block in blocks { self.blocks[block.number] = Block(session: block.session, key: block.key) }
    }

    func setFailing(_ failing: Bool) { self.failing = failing }

    func damage(_ block: UInt64) { damaged.insert(block) }

    @discardableResult
    func add(_ block: StoredBlock) async throws(KeyStoreError) -> Bool {
        try check()
        if let existing = blocks[block.number] {
            guard existing.session == block.session, existing.key.count == block.key.count else {
                throw KeyStoreError(.conflict, "block \(block.number) differs from the stored one")
            }
            return false
        }
        blocks[block.number] = Block(session: block.session, key: block.key)
        return true
    }

    func issue(count: Int, bytes: Int, skipping skipped: Set<UInt32>) async throws(KeyStoreError) -> [DeliveredKey] {
        try check()
        guard count >= 1, bytes >= 1, bytes <= Int(UInt32.max) else { throw KeyStoreError(.invalidRequest, "count and bytes must be positive") }
        var cursors = blocks.mapValues(\.issued)
        var plan: [(UInt64, Range<Int>)] = []
        let numbers = blocks.keys.sorted()
        for _ in 0..<count {
            guard let number = numbers.first(where: { !skipped.contains(UInt32($0)) && blocks[$0]!.key.count - cursors[$0]! >= bytes }) else {
                throw KeyStoreError(.insufficient, "\(count) keys of \(bytes) bytes requested")
            }
            if damaged.contains(number) { throw .damaged(UInt32(number), "damaged by the test") }
            let start = cursors[number]!
            plan.append((number, start..<start + bytes))
            cursors[number] = start + bytes
        }
        return plan.map { number, range in
            blocks[number]!.issued = range.upperBound
            return DeliveredKey(id: Self.id(number, range), key: take(number, range))
        }
    }

    func retrieve(_ ids: [UUID]) async throws(KeyStoreError) -> [DeliveredKey] {
        try check()
        var plan: [(UUID, UInt64, Range<Int>)] = []
        for id in ids {
            let (number, range) = Self.parse(id)
            if number > blocks.keys.max() ?? 0 {
                throw KeyStoreError(.notYetStored, "block \(number) is not stored yet", block: UInt32(number))
            }
            if damaged.contains(number) { throw .damaged(UInt32(number), "damaged by the test") }
            guard let block = blocks[number], !range.isEmpty, range.upperBound <= block.key.count else {
                throw KeyStoreError(.unknownKey, "\(id.uuidString.lowercased())")
            }
            let taken = block.delivered + plan.filter { $0.1 == number }.map(\.2)
            guard !taken.contains(where: { $0.overlaps(range) }) else {
                throw KeyStoreError(.alreadyDelivered, "\(id.uuidString.lowercased())")
            }
            plan.append((id, number, range))
        }
        return plan.map { id, number, range in DeliveredKey(id: id, key: take(number, range)) }
    }

    func close() async {}

    func status() async throws(KeyStoreError) -> KeyStoreStatus {
        try check()
        let open = blocks.filter { $0.value.undelivered > 0 }
        return KeyStoreStatus(blocks: open.count, storedKeyBits: open.values.reduce(0) { $0 + 8 * $1.undelivered },
                              lastBlock: blocks.keys.max() ?? 0,
                              openRuns: blocks.sorted { $0.key < $1.key }.map { $0.value.key.count - $0.value.issued }.filter { $0 > 0 })
    }

    private func check() throws(KeyStoreError) {
        if failing { throw KeyStoreError(.storage, "the test store is set to fail") }
    }

    private func take(_ number: UInt64, _ range: Range<Int>) -> [UInt8] {
        let bytes = Array(blocks[number]!.key[range])
        blocks[number]!.key.replaceSubrange(range, with: repeatElement(0, count: range.count))
        blocks[number]!.delivered.append(range)
        return bytes
    }

    static func id(_ number: UInt64, _ range: Range<Int>) -> UUID {
        var bytes = withUnsafeBytes(of: number.bigEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt32(range.lowerBound).bigEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt32(range.count).bigEndian, Array.init)
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    static func parse(_ id: UUID) -> (UInt64, Range<Int>) {
        let b = withUnsafeBytes(of: id.uuid, Array.init)
        let number = b[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let offset = b[8..<12].reduce(0) { $0 << 8 | Int($1) }
        let length = b[12..<16].reduce(0) { $0 << 8 | Int($1) }
        return (number, offset..<offset + length)
    }
}

/// Test blocks, the same at both sites: block n's key is `bytes` bytes from a seeded generator.
func testBlocks(count: Int, bytes: Int, seed: UInt64 = 0x5EED) -> [StoredBlock] {
    var state = seed
    return (1...count).map { number in
        let key = (0..<bytes).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        return StoredBlock(number: UInt64(number), session: "test-session", key: key)
    }
}
