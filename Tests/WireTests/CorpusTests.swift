import Foundation
import Testing
@testable import Wire

/// The FrameFuzzer seeds are written from docs/wire.md by an independent Python encoder
/// (`Fuzz/corpus/make-frame-seeds.py`): the `valid-*` ones must decode and re-encode to the
/// same bytes, the `invalid-*` ones must be rejected.
@Suite("Fuzz seeds written from the document")
struct CorpusTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus/FrameFuzzer").standardized
    static let limits = WireLimits(configuration: .init(rounds: 20_000, frameBits: 4096))

    static var seeds: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test func seedsArePresent() {
        #expect(Self.seeds.filter { $0.hasPrefix("valid-") }.count >= FrameType.allCases.count)
        #expect(Self.seeds.contains { $0.hasPrefix("invalid-") })
    }

    @Test(arguments: seeds)
    func seed(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
        let result = Result { () throws(WireError) in try decodeFrame(bytes, limits: Self.limits) }
        switch result {
        case .success(let (header, payload)):
            #expect(name.hasPrefix("valid-"), "\(name) decoded")
            #expect(WireCodec.frame(payload, direction: header.direction, session: header.session,
                                    poolPosition: header.poolPosition, sequence: header.sequence) == bytes, "\(name)")
        case .failure(let error):
            #expect(name.hasPrefix("invalid-"), "\(name): \(error)")
        }
    }

    /// Every frame type has a valid seed.
    @Test func everyTypeHasASeed() throws {
        var types = Set<FrameType>()
        for name in Self.seeds where name.hasPrefix("valid-") {
            let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
            if let (header, _) = try? decodeFrame(bytes, limits: Self.limits) { types.insert(header.type) }
        }
        #expect(types == Set(FrameType.allCases))
    }
}
