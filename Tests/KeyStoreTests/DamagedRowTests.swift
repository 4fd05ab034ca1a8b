import Foundation
import GRDB
import KeyStore
import Testing

/// A store whose rows were damaged outside diqkd (a deleted chunk, a truncated chunk, an ID key
/// of the wrong length) refuses the damaged block with ``KeyStoreError/Code/damaged`` naming
/// it, hands out nothing from it, and keeps serving every other block.
@Suite struct DamagedRowTests {
    /// Runs `sql` on a site's store outside the store (SQLite: its file; PostgreSQL: its schema,
    /// written `S.` in `sql`).
    func damage(_ place: StorePlace, _ site: String, _ sql: String) async throws {
        switch place.backend {
        case .sqlite:
            let queue = try DatabaseQueue(path: place.path(site))
            try await queue.write { db in try db.execute(sql: sql.replacingOccurrences(of: "S.", with: "")) }
            try queue.close()
        case .postgres:
            try await place.execute(sql.replacingOccurrences(of: "S.", with: "\"\(place.schema(site))\"."))
        }
    }

    func error(_ body: () async throws -> Any) async -> KeyStoreError? {
        do { _ = try await body() } catch let error as KeyStoreError { return error } catch {}
        return nil
    }

    @Test(arguments: Backend.available)
    func aDamagedBlockIsNamedAndTheRestServes(_ backend: Backend) async throws {
        try await withPlace(backend) { place in
            let blocks = makeBlocks([3000, 3000, 3000, 3000], seed: 11)
            let (master, slave) = try await place.sites(holding: blocks)
            try await damage(place, "alice", "DELETE FROM S.chunks WHERE block = 1 AND idx = 1")
            try await damage(place, "alice", "UPDATE S.chunks SET bytes = substr(bytes, 1, 10) WHERE block = 2 AND idx = 0")
            try await damage(place, "bob", "UPDATE S.blocks SET id_key = substr(id_key, 1, 5) WHERE number = 3")

            // Master: block 1 (missing chunk), then block 2 (short chunk) are refused by name.
            let first = await error { try await master.issue(count: 1, bytes: 2000) }
            #expect(first?.code == .damaged && first?.block == 1, "\(String(describing: first))")
            let second = await error { try await master.issue(count: 1, bytes: 2000, skipping: [1]) }
            #expect(second?.code == .damaged && second?.block == 2, "\(String(describing: second))")
            let keys = try await master.issue(count: 2, bytes: 2000, skipping: [1, 2])
            #expect(keys.count == 2 && keys.allSatisfy { $0.key.count == 2000 })

            // Slave: block 3's ID key is damaged, block 4 serves.
            let third = await error { try await slave.retrieve([keys[0].id]) }
            #expect(third?.code == .damaged && third?.block == 3, "\(String(describing: third))")
            let fourth = try await slave.retrieve([keys[1].id])
            #expect(fourth.map(\.key) == [keys[1].key])
            #expect(try await master.status().blocks == 4)
            await master.close()
            await slave.close()
        }
    }
}
