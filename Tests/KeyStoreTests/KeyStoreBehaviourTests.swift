import Foundation
import KeyStore
import Randomness
import Testing

/// The behaviour every backend shares, run against each of ``Backend/available``.
@Suite struct KeyStoreBehaviourTests {
    @Test func postgresBackendConfigured() {
        if Backend.postgresURL == nil {
            print("KeyStore: PostgreSQL backend tests skipped: DIQKD_POSTGRES_URL is not set (scripts/postgres-for-tests prints one).")
        }
    }

    @Test(arguments: Backend.available)
    func bothSitesGetTheSameBytes(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let blocks = makeBlocks([200, 200], seed: 1)
            let master = try await place.open("alice")
            let slave = try await place.open("bob")
            for block in blocks {
                try await master.add(block)
                try await slave.add(block)
            }
            // 240 bytes: more than either block holds, so the keys span both.
            let issued = try await master.issue(count: 6, bytes: 40)
            #expect(issued.count == 6)
            #expect(Set(issued.map(\.id)).count == 6)
            // 168 usable bytes in block 1: four keys of 40 there, the rest from block 2.
            let ranges = issued.map { KeyRange.parse($0.id)!.range }
            #expect(ranges.map(\.block) == [1, 1, 1, 1, 2, 2])
            #expect(ranges.map(\.offset) == [32, 72, 112, 152, 32, 72])
            for (key, range) in zip(issued, ranges) {
                let block = blocks[Int(range.block) - 1]
                #expect(key.key == Array(block.key[Int(range.offset)..<range.end]))
            }
            let retrieved = try await slave.retrieve(issued.map(\.id).reversed())
            #expect(retrieved == issued.reversed())
            await master.close()
            await slave.close()
        }
    }

    @Test(arguments: Backend.available)
    func eachIDIsDeliveredOnce(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let block = makeBlocks([300], seed: 2)[0]
            let master = try await place.open("alice")
            let slave = try await place.open("bob")
            try await master.add(block)
            try await slave.add(block)
            let issued = try await master.issue(count: 2, bytes: 16)
            _ = try await slave.retrieve([issued[0].id])
            #expect(await code { try await slave.retrieve([issued[0].id]) } == .alreadyDelivered)
            #expect(await code { try await slave.retrieve([issued[1].id, issued[1].id]) } == .alreadyDelivered)
            // The master delivered them when it issued them.
            #expect(await code { try await master.retrieve([issued[1].id]) } == .alreadyDelivered)
            #expect(try await slave.retrieve([issued[1].id]) == [issued[1]])
            await master.close()
            await slave.close()
        }
    }

    @Test(arguments: Backend.available)
    func forgedAndFlippedIDsAreUnknown(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let block = makeBlocks([300], seed: 3)[0]
            let master = try await place.open("alice")
            let slave = try await place.open("bob")
            try await master.add(block)
            try await slave.add(block)
            let id = try await master.issue(count: 1, bytes: 32)[0].id
            var flipped = id.uuid
            flipped.15 ^= 1
            #expect(await code { try await slave.retrieve([UUID(uuid: flipped)]) } == .unknownKey)
            // A well-formed ID with a tag from another key.
            let forged = KeyRange(block: 1, offset: 32, length: 32).id(IDKey([UInt8](repeating: 7, count: 32)))
            #expect(await code { try await slave.retrieve([forged]) } == .unknownKey)
            // A block above every stored one may be the master's newest, not yet settled here.
            let noBlock = KeyRange(block: 9, offset: 32, length: 32).id(IDKey(block.key[0..<32]))
            #expect(await code { try await slave.retrieve([noBlock]) } == .notYetStored)
            // Below the last stored block, a missing one is unknown.
            try await slave.add(makeBlocks([300], seed: 4, first: 5)[0])
            let gap = KeyRange(block: 3, offset: 32, length: 32).id(IDKey(block.key[0..<32]))
            #expect(await code { try await slave.retrieve([gap]) } == .unknownKey)
            #expect(await code { try await slave.retrieve([UUID()]) } == .unknownKey)
            #expect(try await slave.retrieve([id]).count == 1)
            await master.close()
            await slave.close()
        }
    }

    @Test(arguments: Backend.available)
    func sizes(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let blocks = makeBlocks([65535 + 32, 100], seed: 4)
            let master = try await place.open("alice")
            let slave = try await place.open("bob")
            for block in blocks {
                try await master.add(block)
                try await slave.add(block)
            }
            let big = try await master.issue(count: 1, bytes: 65535)
            #expect(big[0].key == Array(blocks[0].key[32...]))
            let small = try await master.issue(count: 1, bytes: 1)
            #expect(small[0].key == [blocks[1].key[32]])
            #expect(try await slave.retrieve([big[0].id, small[0].id]) == big + small)
            for (count, bytes) in [(1, 0), (1, 65536), (0, 16), (-1, 16), (1, -8), (1025, 1)] {
                #expect(await code { try await master.issue(count: count, bytes: bytes) } == .invalidRequest, "\(count) × \(bytes)")
            }
            #expect(await code { try await slave.retrieve([]) } == .invalidRequest)
            #expect(await code { try await master.add(StoredBlock(number: 3, session: "s", key: [UInt8](repeating: 1, count: 32))) } == .invalidRequest)
            #expect(await code { try await master.add(StoredBlock(number: 1 << 24, session: "s", key: [UInt8](repeating: 1, count: 64))) } == .invalidRequest)
            #expect(await code { try await master.add(StoredBlock(number: 0, session: "s", key: [UInt8](repeating: 1, count: 64))) } == .invalidRequest)
            await master.close()
            await slave.close()
        }
    }

    @Test(arguments: Backend.available)
    func insufficientKeyHandsOutNothing(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let store = try await place.open("alice")
            #expect(await code { try await store.issue(count: 1, bytes: 1) } == .insufficient)
            try await store.add(makeBlocks([100], seed: 5)[0])
            let before = try await store.status()
            #expect(before == KeyStoreStatus(blocks: 1, storedKeyBits: 68 * 8, lastBlock: 1, openRuns: [68]))
            #expect(await code { try await store.issue(count: 3, bytes: 32) } == .insufficient)
            #expect(await code { try await store.issue(count: 1, bytes: 69) } == .insufficient)
            #expect(try await store.status() == before)
            let two = try await store.issue(count: 2, bytes: 32)
            #expect(two.count == 2)
            #expect(try await store.status() == KeyStoreStatus(blocks: 1, storedKeyBits: 4 * 8, lastBlock: 1, openRuns: [4]))
            _ = try await store.issue(count: 4, bytes: 1)
            #expect(try await store.status() == KeyStoreStatus(blocks: 0, storedKeyBits: 0, lastBlock: 1))
            await store.close()
        }
    }

    @Test(arguments: Backend.available)
    func aBatchWithOneBadIDDeliversNothing(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let block = makeBlocks([400], seed: 6)[0]
            let master = try await place.open("alice")
            let slave = try await place.open("bob")
            try await master.add(block)
            try await slave.add(block)
            let issued = try await master.issue(count: 3, bytes: 24)
            var bad = issued[2].id.uuid
            bad.12 ^= 0x10
            let before = try await slave.status()
            #expect(await code { try await slave.retrieve([issued[0].id, issued[1].id, UUID(uuid: bad)]) } == .unknownKey)
            #expect(try await slave.status() == before)
            #expect(try await slave.retrieve(issued.map(\.id)) == issued)
            #expect(try await slave.status().storedKeyBits == before.storedKeyBits - 3 * 24 * 8)
            await master.close()
            await slave.close()
        }
    }

    @Test(arguments: Backend.available)
    func addIsIdempotentAndRefusesConflicts(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let blocks = makeBlocks([64, 64], seed: 7)
            let store = try await place.open("alice")
            try await store.add(blocks[0])
            try await store.add(blocks[0])
            let other = StoredBlock(number: 1, session: blocks[0].session, key: blocks[1].key)
            #expect(await code { try await store.add(other) } == .conflict)
            #expect(await code { try await store.add(StoredBlock(number: 1, session: "other", key: blocks[0].key)) } == .conflict)
            _ = try await store.issue(count: 1, bytes: 32)
            // Fully consumed and retired: adding it again must not bring its key back.
            #expect(try await store.status() == KeyStoreStatus(blocks: 0, storedKeyBits: 0, lastBlock: 1))
            try await store.add(blocks[0])
            #expect(try await store.status() == KeyStoreStatus(blocks: 0, storedKeyBits: 0, lastBlock: 1))
            #expect(await code { try await store.add(other) } == .conflict)
            await store.close()
        }
    }

    @Test(arguments: Backend.available)
    func stateSurvivesReopening(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let blocks = makeBlocks([1000, 3000], seed: 8)
            var master = try await place.open("alice")
            var slave = try await place.open("bob")
            for block in blocks {
                try await master.add(block)
                try await slave.add(block)
            }
            let first = try await master.issue(count: 10, bytes: 50)
            _ = try await slave.retrieve(Array(first.prefix(4).map(\.id)))
            let masterStatus = try await master.status()
            let slaveStatus = try await slave.status()
            await master.close()
            await slave.close()
            master = try await place.open("alice")
            slave = try await place.open("bob")
            #expect(try await master.status() == masterStatus)
            #expect(try await slave.status() == slaveStatus)
            let second = try await master.issue(count: 10, bytes: 50)
            let firstRanges = first.map { KeyRange.parse($0.id)!.range }
            for key in second {
                let range = KeyRange.parse(key.id)!.range
                #expect(!firstRanges.contains { $0.block == range.block && Int($0.offset) < range.end && Int(range.offset) < $0.end })
            }
            #expect(await code { try await slave.retrieve([first[0].id]) } == .alreadyDelivered)
            #expect(try await slave.retrieve((first.dropFirst(4) + second).map(\.id)) == Array(first.dropFirst(4) + second))
            await master.close()
            await slave.close()
        }
    }

    /// Ranges handed out by several tasks (and, for PostgreSQL, two store instances on one
    /// database, as two KME replicas) never overlap.
    @Test(arguments: Backend.available)
    func concurrentIssuesNeverOverlap(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let blocks = makeBlocks([2000, 2000, 2000], seed: 9)
            var stores = [try await place.open("alice")]
            if backend == .postgres { stores.append(try await place.open("alice")) }
            for block in blocks { try await stores[0].add(block) }
            let replicas = stores
            let issued = try await withThrowingTaskGroup(of: [DeliveredKey].self) { group in
                for task in 0..<8 {
                    group.addTask {
                        var mine: [DeliveredKey] = []
                        for _ in 0..<12 { mine += try await replicas[task % replicas.count].issue(count: 2, bytes: 24) }
                        return mine
                    }
                }
                return try await group.reduce(into: [DeliveredKey]()) { $0 += $1 }
            }
            #expect(issued.count == 8 * 12 * 2)
            #expect(Set(issued.map(\.id)).count == issued.count)
            var taken: [UInt32: [Range<Int>]] = [:]
            for key in issued {
                let range = KeyRange.parse(key.id)!.range
                let bytes = Int(range.offset)..<range.end
                #expect(!(taken[range.block] ?? []).contains { $0.overlaps(bytes) }, "\(range) handed out twice")
                taken[range.block, default: []].append(bytes)
                #expect(key.key == Array(blocks[Int(range.block) - 1].key[bytes]))
            }
            for store in stores { await store.close() }
        }
    }

    /// Sixteen concurrent issuers (two replicas on PostgreSQL) drain small blocks to the end:
    /// they claim blocks one by one and fall back to waiting for all, and blocks retire under
    /// them. No byte goes out twice, every byte is either handed out or still stored, and
    /// "not enough key" comes only when the store cannot serve the request.
    @Test(arguments: Backend.available)
    func concurrentIssuersDrainTheStoreExactly(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let blocks = makeBlocks([200, 150, 330, 90, 260, 120], seed: 12)
            var stores = [try await place.open("alice")]
            if backend == .postgres { stores.append(try await place.open("alice")) }
            for block in blocks { try await stores[0].add(block) }
            let replicas = stores
            let issued = try await withThrowingTaskGroup(of: [DeliveredKey].self) { group in
                for task in 0..<16 {
                    group.addTask {
                        var mine: [DeliveredKey] = []
                        var rng = Xoshiro256(seed: 100 + UInt64(task))
                        while true {
                            let count = Int.random(in: 1...3, using: &rng), bytes = Int.random(in: 8...24, using: &rng)
                            do {
                                mine += try await replicas[task % replicas.count].issue(count: count, bytes: bytes)
                            } catch let error as KeyStoreError where error.code == .insufficient {
                                // Only once too little is left for the smallest request.
                                if count == 1 && bytes == 8 { return mine }
                            }
                        }
                    }
                }
                return try await group.reduce(into: [DeliveredKey]()) { $0 += $1 }
            }
            var taken: [UInt32: [Range<Int>]] = [:]
            for key in issued {
                let range = KeyRange.parse(key.id)!.range
                let bytes = Int(range.offset)..<range.end
                #expect(!(taken[range.block] ?? []).contains { $0.overlaps(bytes) }, "\(range) handed out twice")
                taken[range.block, default: []].append(bytes)
                #expect(key.key == Array(blocks[Int(range.block) - 1].key[bytes]))
            }
            let handedOut = issued.reduce(0) { $0 + $1.key.count }
            let stored = try await stores[0].status().storedKeyBits / 8
            #expect(handedOut + stored == blocks.reduce(0) { $0 + $1.key.count - KeyRange.idKeyBytes })
            #expect(stored < 8 * blocks.count, "\(stored) bytes left: a block with room for a key of 8 bytes was passed over")
            for store in stores { await store.close() }
        }
    }

    /// A site that retrieved a range and then issues (a store used both ways, which the
    /// deployment never does) must still not hand that range out again: the block goes through
    /// the careful path, not the one-block fast path. Consecutive single-block requests carve
    /// consecutive ranges from the cursor.
    @Test(arguments: Backend.available)
    func issuingSkipsRangesRetrievedAtTheSameSite(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let block = makeBlocks([400], seed: 13)[0]
            let (master, other) = try await place.sites(holding: [block])
            let issued = try await master.issue(count: 3, bytes: 40)
            #expect(issued.map { KeyRange.parse($0.id)!.range.offset } == [32, 72, 112])
            #expect(try await other.retrieve([issued[1].id]) == [issued[1]])
            // The status counts the runs around the retrieved range: 32..<72 and 112..<400.
            #expect(try await other.status().openRuns == [40, 288])
            #expect(try await other.status().keys(ofBytes: 40) == 1 + 7)
            let again = try await other.issue(count: 4, bytes: 40)
            let offsets = again.map { KeyRange.parse($0.id)!.range.offset }
            #expect(offsets == [32, 112, 152, 192], "\(offsets): the retrieved range 72..<112 must be skipped")
            for key in again {
                let range = KeyRange.parse(key.id)!.range
                #expect(key.key == Array(block.key[Int(range.offset)..<range.end]))
            }
            await master.close()
            await other.close()
        }
    }
}
