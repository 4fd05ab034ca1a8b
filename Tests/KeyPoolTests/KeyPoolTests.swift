import Foundation
import Testing
@testable import KeyPool

/// A fresh folder for one test's pool files.
func scratchFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("diqkd-pool-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func contents(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// A pair of pools of `bytes` bytes in a new folder.
func makePair(bytes: Int = 4096) throws -> (alice: String, bob: String) {
    let folder = try scratchFolder()
    let alice = folder + "/alice.pool", bob = folder + "/bob.pool"
    try KeyPool.createPair(alice: alice, bob: bob, bytes: bytes)
    return (alice, bob)
}

@Suite("Key pool")
struct KeyPoolTests {
    @Test func createPairWritesIdenticalPrivateFiles() throws {
        let (alice, bob) = try makePair(bytes: 3 << 20)
        let a = try contents(alice), b = try contents(bob)
        #expect(a == b)
        #expect(a.count == 64 + 3 << 20)
        #expect(Array(a[0..<8]) == Array("DQKDPOOL".utf8))
        #expect(a[64...].contains { $0 != 0 })
        for path in [alice, bob] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
        let pool = try KeyPool.open(path: alice)
        #expect(pool.capacity == 3 << 20 && pool.position == 0 && pool.remaining == 3 << 20)
        #expect(pool.id == Array(a[16..<32]))
        #expect(pool.status.capacityBits == 8 * (3 << 20))
    }

    /// `status(path:)` reads a pool a node holds, read-only, and says it is in use.
    @Test func statusReadsAPoolInUse() throws {
        let (alice, _) = try makePair()
        let held = try KeyPool.open(path: alice)
        _ = try held.reserve(bytes: 1040)
        let status = try KeyPool.status(path: alice)
        #expect(status.inUse && status.positionBits == 1040 * 8 && status.remainingBits == (4096 - 1040) * 8)
        #expect(status.description.contains("in use"))
        held.close()
        #expect(try KeyPool.status(path: alice).inUse == false)
        #expect(try KeyPool.status(path: alice) == KeyPool.open(path: alice).status)
    }

    @Test func twoPairsHaveDifferentIDsAndKeys() throws {
        let first = try makePair(), second = try makePair()
        #expect(try contents(first.alice)[16...] != contents(second.alice)[16...])
    }

    @Test func createPairRefusesExistingFilesAndLeavesNothing() throws {
        let folder = try scratchFolder()
        let alice = folder + "/a", bob = folder + "/b"
        _ = FileManager.default.createFile(atPath: bob, contents: Data([1]))
        #expect { try KeyPool.createPair(alice: alice, bob: bob, bytes: 64) } throws: { error in
            let e = error as! KeyPoolError
            return e.code == .exists && e.path == bob && e.message.contains(bob)
        }
        #expect(!FileManager.default.fileExists(atPath: alice))
        #expect(try contents(bob) == [1])
        #expect(throws: KeyPoolError.self) { try KeyPool.createPair(alice: alice, bob: alice, bytes: 64) }
        #expect(throws: KeyPoolError.self) { try KeyPool.createPair(alice: alice, bob: folder + "/c", bytes: 100) }
        #expect(!FileManager.default.fileExists(atPath: alice))
    }

    @Test func reservationsAdvanceBothSidesIdentically() throws {
        let (alice, bob) = try makePair()
        let a = try KeyPool.open(path: alice), b = try KeyPool.open(path: bob)
        for size in [16, 1040, 32, 1040] {
            let ra = try a.reserve(bytes: size), rb = try b.reserve(bytes: size, at: ra.position)
            #expect(ra.bytes == rb.bytes && ra.byteCount == size)
            #expect(a.position == b.position && a.position == ra.position + UInt64(size))
        }
        #expect(a.position == 2128 && a.remaining == 4096 - 2128)
    }

    @Test func reservedAndSkippedBytesAreZeroOnDisk() throws {
        let (alice, _) = try makePair()
        let before = try contents(alice)
        let pool = try KeyPool.open(path: alice)
        let first = try pool.reserve(bytes: 32)
        #expect(first.bytes == Array(before[64..<96]))
        let second = try pool.reserve(bytes: 32, at: 128)           // skips 96..<128
        #expect(second.bytes == Array(before[(64 + 128)..<(64 + 160)]))
        let after = try contents(alice)
        #expect(after[64..<(64 + 160)].allSatisfy { $0 == 0 })
        #expect(after[(64 + 160)...] == before[(64 + 160)...])
        pool.close()
        #expect(try KeyPool.open(path: alice).position == 160)
    }

    @Test func skipsBeyondTheWindowAndReuseAreRefused() throws {
        let (alice, _) = try makePair()
        let pool = try KeyPool.open(path: alice)
        _ = try pool.reserve(bytes: 16)
        // The window is 16 reservations of the requested size past the position.
        #expect { try pool.reserve(bytes: 16, at: 16 + 16 * 16 + 16) } throws: { ($0 as? KeyPoolError)?.code == .window }
        _ = try pool.reserve(bytes: 16, at: 16 + 16 * 16)
        #expect(pool.position == 16 + 17 * 16)
        #expect { try pool.reserve(bytes: 16, at: 0) } throws: {
            ($0 as? KeyPoolError)?.code == .consumed && ($0 as! KeyPoolError).message.contains("already consumed")
        }
        #expect { try pool.reserve(bytes: 16, at: 8 + pool.position) } throws: { ($0 as? KeyPoolError)?.code == .invalidArgument }
        #expect { try pool.reserve(bytes: 20) } throws: { ($0 as? KeyPoolError)?.code == .invalidArgument }
        #expect { try pool.reserve(bytes: 0) } throws: { ($0 as? KeyPoolError)?.code == .invalidArgument }
    }

    @Test func exhaustionSaysWhatIsNeededAndLeft() throws {
        let (alice, _) = try makePair(bytes: 64)
        let pool = try KeyPool.open(path: alice)
        _ = try pool.reserve(bytes: 48)
        #expect { try pool.reserve(bytes: 32) } throws: {
            let e = $0 as! KeyPoolError
            return e.code == .exhausted && e.message.contains("needs 32 bytes") && e.message.contains("has 16 bytes")
        }
        #expect(pool.position == 48)
        _ = try pool.reserve(bytes: 16)
        #expect(pool.remaining == 0)
    }

    @Test func refillAppendsKey() throws {
        let (alice, bob) = try makePair(bytes: 32)
        let extra = (0..<48).map { UInt8($0 + 1) }
        for path in [alice, bob] {
            let pool = try KeyPool.open(path: path)
            _ = try pool.reserve(bytes: 32)
            #expect(try pool.refill(extra, block: 3))
            #expect(pool.capacity == 80 && pool.remaining == 48 && pool.lastRefillBlock == 3)
            #expect(try pool.reserve(bytes: 48).bytes == extra)
            #expect { try pool.refill([1, 2, 3], block: 4) } throws: { ($0 as? KeyPoolError)?.code == .invalidArgument }
            #expect { try pool.refill(extra, block: 0) } throws: { ($0 as? KeyPoolError)?.code == .invalidArgument }
        }
        #expect(try contents(alice) == contents(bob))
    }

    /// A node killed after refilling from a block and before recording the block delivered
    /// refills from it again on restart: the pool must take the bytes once, also across a
    /// reopen, or the pair's pools would differ from there on.
    @Test func aRefillFromTheSameBlockIsTakenOnce() throws {
        let (alice, _) = try makePair(bytes: 32)
        let extra = [UInt8](repeating: 9, count: 32)
        do {
            let pool = try KeyPool.open(path: alice)
            #expect(try pool.refill(extra, block: 5))
            #expect(try !pool.refill(extra, block: 5))
            #expect(try !pool.refill(extra, block: 4))
            #expect(pool.capacity == 64)
        }
        let reopened = try KeyPool.open(path: alice)
        #expect(reopened.lastRefillBlock == 5 && reopened.capacity == 64)
        #expect(try !reopened.refill(extra, block: 5))
        #expect(try reopened.refill(extra, block: 6))
        #expect(reopened.capacity == 96)
    }

    /// A version-1 file (before the refill field) opens as "no refill recorded" and is written
    /// as version 3 from then on, with a refill chain.
    @Test func aVersionOnePoolOpensAndBecomesVersionThree() throws {
        let (alice, _) = try makePair(bytes: 32)
        let handle = try #require(FileHandle(forUpdatingAtPath: alice))
        try handle.seek(toOffset: 8)
        try handle.write(contentsOf: Data([1, 0, 0, 0]))
        try handle.close()
        let pool = try KeyPool.open(path: alice)
        #expect(pool.lastRefillBlock == 0)
        #expect(try pool.refill([UInt8](repeating: 1, count: 16), block: 1))
        pool.close()
        let bytes = try contents(alice)
        #expect(bytes[8] == 3 && bytes[48] == 1 && bytes[56..<64].contains { $0 != 0 })
    }

    @Test func aSecondOpenOfTheSameFileIsRefused() throws {
        let (alice, _) = try makePair()
        let pool = try KeyPool.open(path: alice)
        #expect { try KeyPool.open(path: alice) } throws: {
            let e = $0 as! KeyPoolError
            return e.code == .inUse && e.message == "pool \(alice) is in use by another process."
        }
        pool.close()
        _ = try KeyPool.open(path: alice)
    }

    @Test func filesReadableByOthersAreRefused() throws {
        let (alice, _) = try makePair()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: alice)
        #expect { try KeyPool.open(path: alice) } throws: {
            let e = $0 as! KeyPoolError
            return e.code == .permissions && e.message.contains("chmod 600 \(alice)")
        }
    }

    @Test func missingFilesFoldersAndLinksAreReported() throws {
        let folder = try scratchFolder()
        #expect { try KeyPool.open(path: folder + "/none.pool") } throws: { ($0 as? KeyPoolError)?.code == .notFound }
        #expect { try KeyPool.open(path: folder) } throws: { ($0 as? KeyPoolError)?.code == .permissions }
        let (alice, _) = try makePair()
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.pool", withDestinationPath: alice)
        #expect { try KeyPool.open(path: folder + "/link.pool") } throws: { ($0 as? KeyPoolError)?.code == .permissions }
    }

    /// Damaged files: each gives a `.format` error naming the file, never a trap.
    @Test(arguments: ["empty", "short header", "magic", "version", "flags", "reserved", "position beyond capacity",
                      "capacity not a multiple of 16", "truncated key"])
    func corruptHeadersAreErrors(damage: String) throws {
        let (alice, _) = try makePair(bytes: 256)
        var bytes = try contents(alice)
        func put(_ value: UInt64, at offset: Int, width: Int) {
            for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }
        switch damage {
        case "empty": bytes = []
        case "short header": bytes = Array(bytes[0..<40])
        case "magic": bytes[0] = UInt8(ascii: "X")
        case "version": put(4, at: 8, width: 4)
        case "flags": put(1, at: 12, width: 4)
        case "reserved":
            // Version 2 has reserved bytes where version 3 keeps the refill chain.
            put(2, at: 8, width: 4)
            bytes[63] = 1
        case "position beyond capacity": put(272, at: 40, width: 8)
        case "capacity not a multiple of 16": put(250, at: 32, width: 8)
        default: bytes = Array(bytes[0..<(64 + 100)])
        }
        try Data(bytes).write(to: URL(fileURLWithPath: alice))
        #expect { try KeyPool.open(path: alice) } throws: {
            let e = $0 as! KeyPoolError
            return e.code == .format && e.message.contains(alice)
        }
    }

    /// A crash after the new position reached the disk but before the spent bytes were zeroed:
    /// the bytes stay on disk, yet no later reservation returns them.
    @Test func aCrashBeforeZeroingNeverLeadsToReuse() throws {
        let (alice, _) = try makePair()
        let original = try contents(alice)
        let pool = try KeyPool.open(path: alice)
        _ = try pool.reserve(bytes: 64)
        struct Crash: Error {}
        pool.afterPositionRecorded = { () throws(KeyPoolError) in throw KeyPoolError(.io, path: alice, "simulated crash") }
        #expect(throws: KeyPoolError.self) { try pool.reserve(bytes: 64) }
        pool.close()

        let onDisk = try contents(alice)
        #expect(onDisk[(64 + 64)..<(64 + 128)] == original[(64 + 64)..<(64 + 128)])   // not zeroed
        let reopened = try KeyPool.open(path: alice)
        #expect(reopened.position == 128)
        let next = try reopened.reserve(bytes: 64)
        #expect(next.position == 128)
        #expect(next.bytes == Array(original[(64 + 128)..<(64 + 192)]))
        #expect { try reopened.reserve(bytes: 64, at: 64) } throws: { ($0 as? KeyPoolError)?.code == .consumed }
    }

    @Test func reservationsAreRedactedAndWiped() throws {
        let (alice, _) = try makePair()
        let r = try KeyPool.open(path: alice).reserve(bytes: 32)
        #expect(String(describing: r) == "Reservation(position 0, 32 bytes, redacted)")
        r.wipe()
        #expect(r.bytes.isEmpty)
    }

    /// The pool state of a hello: equal for two files that took the same refills, different
    /// when one took another run's refill (same block and size, another session) or one more.
    @Test func refillsChangeThePoolStateByHistory() throws {
        let (a, b) = try makePair(bytes: 64)
        let alice = try KeyPool.open(path: a), bob = try KeyPool.open(path: b)
        defer { bob.close() }
        #expect(alice.state == bob.state)
        let extra = [UInt8](repeating: 9, count: 32)
        try alice.refill(extra, block: 2, session: [1, 2, 3])
        #expect(alice.state != bob.state)
        try bob.refill(extra, block: 2, session: [1, 2, 4])
        #expect(alice.state.capacity == bob.state.capacity && alice.state.lastRefillBlock == bob.state.lastRefillBlock)
        #expect(alice.state.refillChain != bob.state.refillChain)
        #expect(bob.state == PoolState(capacity: 64, lastRefillBlock: 0).refilled(block: 2, session: [1, 2, 4], bytes: 32))
        let before = alice.state
        alice.close()
        let reopened = try KeyPool.open(path: a)
        #expect(reopened.state == before)
        reopened.close()
    }

    /// A block that refills no bytes is recorded all the same: the chain moves, the capacity
    /// stays, and the same block again changes nothing.
    @Test func aBlockWithoutRefillBytesIsRecordedInTheChain() throws {
        let (a, _) = try makePair(bytes: 64)
        let pool = try KeyPool.open(path: a)
        defer { pool.close() }
        let before = pool.state
        #expect(try pool.refill([], block: 3, session: [7]))
        #expect(pool.state == before.refilled(block: 3, session: [7], bytes: 0))
        #expect(pool.capacity == 64 && pool.state.refillChain != before.refillChain)
        #expect(try !pool.refill([], block: 3, session: [7]))
    }
}
