import Foundation
import Hashing
import Protocol
import Testing
@testable import SourceLink

@Suite("Source link codec")
struct SourceWireTests {
    static func roundTrip(_ frame: SourceWire.Frame) throws -> SourceWire.Frame {
        try SourceWire.decode(SourceWire.encode(frame))
    }

    /// Found by SourceLinkFuzzer: `encode` cut a reason longer than 4096 bytes in the middle of
    /// a multi-byte scalar, and the receiving end rejected the frame as not UTF-8, so the
    /// service's reason never reached the device.
    @Test(arguments: ["é", "✗", "𝄞"])
    func longReasonIsCutAtAScalarBoundary(_ last: String) throws {
        let reason = String(repeating: "x", count: 4095) + last + "tail"
        guard case .error(let back) = try Self.roundTrip(.error(reason)) else {
            Issue.record("not an error frame")
            return
        }
        #expect(back == String(repeating: "x", count: 4095))
    }

    @Test func reasonOfExactly4096BytesIsKept() throws {
        let reason = String(repeating: "x", count: 4094) + "é"
        #expect(try Self.roundTrip(.error(reason)) == .error(reason))
        let longer = String(repeating: "ü", count: 3000)
        guard case .error(let back) = try Self.roundTrip(.error(longer)) else {
            Issue.record("not an error frame")
            return
        }
        #expect(back == String(repeating: "ü", count: 2048))
    }

    @Test func framesRoundTrip() throws {
        let label = [UInt8](0..<16)
        #expect(try Self.roundTrip(.open(role: .bob, label: label)) == .open(role: .bob, label: label))
        let bits = BitVector(bits: (0..<77).map { ($0 * 3) % 5 == 0 ? 1 : 0 })
        #expect(try Self.roundTrip(.measure(bits)) == .measure(bits))
        #expect(try Self.roundTrip(.outputs(bits)) == .outputs(bits))
    }
}

/// The SourceLinkFuzzer seeds are written from the layout documented on `SourceWire` by
/// `Fuzz/corpus/make-source-link-seeds.py`: `valid-*` must decode and re-encode to the same
/// bytes, `invalid-*` must be rejected, by the framing or by `decode`.
@Suite("Source link fuzz seeds")
struct SourceLinkCorpusTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus/SourceLinkFuzzer").standardized

    static var seeds: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test func seedsArePresent() {
        #expect(Self.seeds.filter { $0.hasPrefix("valid-") }.count >= 4)
        #expect(Self.seeds.filter { $0.hasPrefix("invalid-") }.count >= 4)
    }

    @Test(arguments: seeds)
    func seed(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
        switch Result(catching: { () throws(SourceWire.DecodingError) in try SourceWire.decode(bytes) }) {
        case .success(let frame):
            #expect(name.hasPrefix("valid-"), "\(name) decoded")
            #expect(SourceWire.encode(frame) == bytes, "\(name)")
        case .failure(let error):
            #expect(name.hasPrefix("invalid-"), "\(name): \(error)")
        }
    }
}
