import Foundation
import KeyStore
import KeyStoreSQLite
import Testing

/// What only the SQLite backend promises: the file's mode and the bytes left in it.
@Suite struct SQLiteKeyStoreTests {
    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }

    @Test func fileIsPrivate() async throws {
        try await withPlace(.sqlite) { place in
            let path = place.path("alice")
            let store = try SQLiteKeyStore(path: path)
            try await store.add(makeBlocks([100], seed: 20)[0])
            await store.close()
            #expect(try mode(path) == 0o600)
            for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                #expect(try mode(path + suffix) & 0o077 == 0)
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            let open = #expect(throws: KeyStoreError.self) { _ = try SQLiteKeyStore(path: path) }
            #expect(open?.code == .permissions)
            try FileManager.default.createSymbolicLink(atPath: place.path("link"), withDestinationPath: path)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            let link = #expect(throws: KeyStoreError.self) { _ = try SQLiteKeyStore(path: place.path("link")) }
            #expect(link?.code == .permissions)
        }
    }

    /// Delivered bytes are overwritten in the database and its WAL within the checkpoint
    /// interval (50 ms) of the call's return.
    @Test(arguments: ["master", "slave"])
    func deliveredBytesLeaveTheFile(_ side: String) async throws {
        try await withPlace(.sqlite) { place in
            let blocks = makeBlocks([5000, 3000], seed: 21)
            let master = try SQLiteKeyStore(path: place.path("alice"))
            let slave = try SQLiteKeyStore(path: place.path("bob"))
            for block in blocks {
                try await master.add(block)
                try await slave.add(block)
            }
            let path = side == "master" ? master.path : slave.path
            let issued = try await master.issue(count: 60, bytes: 64)
            func fileBytes() throws -> [UInt8] {
                try ["", "-wal"].flatMap { suffix in
                    FileManager.default.fileExists(atPath: path + suffix) ? [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + suffix))) : []
                }
            }
            // A key may be split between two chunk rows, so look for its 16-byte pieces: one
            // piece found means some of it is still stored.
            func occurs(_ key: [UInt8], in haystack: [UInt8]) -> Bool {
                stride(from: 0, through: key.count - 16, by: 8).contains { start in
                    let needle = key[start..<(start + 16)]
                    return (0...(haystack.count - 16)).contains { i in haystack[i..<(i + 16)].elementsEqual(needle) }
                }
            }
            if side == "slave" {
                let before = try fileBytes()
                #expect(issued.prefix(30).allSatisfy { occurs($0.key, in: before) }, "the check can see stored key")
                _ = try await slave.retrieve(issued.prefix(30).map(\.id))
            }
            try await Task.sleep(for: .milliseconds(300))
            let after = try fileBytes()
            let gone = side == "master" ? issued : Array(issued.prefix(30))
            for key in gone { #expect(!occurs(key.key, in: after), "\(KeyRange.parse(key.id)!.range) still in \(path)") }
            if side == "slave" { #expect(issued.suffix(30).allSatisfy { occurs($0.key, in: after) }) }
            await master.close()
            await slave.close()
        }
    }
}
