import Foundation
import Testing
@_spi(Fuzzing) @testable import KeyPool

/// `PoolHeader.decode(_:fileLength:path:)`, the check `KeyPool.open` makes, without a file, and
/// the PoolHeaderFuzzer seeds (file length as a little-endian u64, then the header) written by
/// `Fuzz/corpus/make-pool-header-seeds.py`: `valid-*` decode and encode back, `invalid-*` are
/// `.format` errors.
@Suite("Pool header")
struct PoolHeaderTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus/PoolHeaderFuzzer").standardized

    static var seeds: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test func fileLengthIsChecked() throws {
        let header = PoolHeader(id: [UInt8](repeating: 7, count: 16), capacity: 4096, position: 32).encoded()
        #expect(try PoolHeader.decode(header, fileLength: 64 + 4096, path: "p") == PoolHeader(id: [UInt8](repeating: 7, count: 16), capacity: 4096, position: 32))
        #expect(throws: KeyPoolError.self) { try PoolHeader.decode(header, fileLength: 64 + 4080, path: "p") }
        #expect(throws: KeyPoolError.self) { try PoolHeader.decode(header, fileLength: 63, path: "p") }
        #expect(throws: KeyPoolError.self) { try PoolHeader.decode(Array(header.prefix(63)), fileLength: 64 + 4096, path: "p") }
        #expect(throws: KeyPoolError.self) { try PoolHeader.decode([], fileLength: 0, path: "p") }
    }

    @Test func seedsArePresent() {
        #expect(Self.seeds.filter { $0.hasPrefix("valid-") }.count >= 3)
        #expect(Self.seeds.filter { $0.hasPrefix("invalid-") }.count >= 3)
    }

    @Test(arguments: seeds)
    func seed(_ name: String) throws {
        let input = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
        try #require(input.count >= 8)
        let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(input[$1]) << (8 * UInt64($1)) }
        let bytes = Array(input[8...])
        switch Result(catching: { () throws(KeyPoolError) in try PoolHeader.decode(bytes, fileLength: length, path: name) }) {
        case .success(let header):
            #expect(name.hasPrefix("valid-"), "\(name) decoded")
            // Versions 1 and 2 are read and written back as version 3, the rest unchanged.
            var expected = bytes
            if expected[8] == 1 || expected[8] == 2 { expected[8] = 3 }
            #expect(header.encoded() == expected, "\(name)")
        case .failure(let error):
            #expect(name.hasPrefix("invalid-"), "\(name): \(error)")
            #expect(error.code == .format, "\(name)")
        }
    }
}
