import Foundation
import KeyStore
import Testing

/// A PostgreSQL store made before blocks had `has_delivered` (the fast path's guard) gets the
/// column on its next open, set for every block with retrieved ranges, so the fast path never
/// hands such a range out again.
@Suite struct PostgresMigrationTests {
    @Test(.enabled(if: Backend.postgresURL != nil))
    func aStoreFromBeforeTheFastPathKeepsItsRetrievedRanges() async throws {
        try await withPlace(.postgres) { place in
            let block = makeBlocks([400], seed: 14)[0]
            let sites = try await place.sites(holding: [block])
            let master = sites.master
            var other = sites.slave
            let issued = try await master.issue(count: 2, bytes: 40)
            _ = try await other.retrieve([issued[1].id])
            await other.close()
            try await place.execute("ALTER TABLE \"\(place.schema("bob"))\".blocks DROP COLUMN has_delivered")
            other = try await place.open("bob")
            let again = try await other.issue(count: 2, bytes: 40)
            #expect(again.map { KeyRange.parse($0.id)!.range.offset } == [32, 112])
            await master.close()
            await other.close()
        }
    }
}
