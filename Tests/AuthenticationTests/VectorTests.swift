import Foundation
import Testing
@testable import Authentication

/// The vectors of `scripts/mac-vectors.py`, computed with Python integers and bit-by-bit
/// multiplication, independently of the Swift and C code.
struct MACVectors: Decodable {
    struct Multiplication: Decodable { let a: String, b: String, product: String }
    struct Hash: Decodable { let key: String, message: String, hash: String }
    struct Tag: Decodable { let key: String, pad: String, message: String, tag: String }
    struct Negative: Decodable { let reason: String, key: String, pad: String, message: String, tag: String }
    struct Frame: Decodable { let direction: UInt8, sequence: UInt32, message: String, tag: String }
    struct Reservation: Decodable { let reservation: String, frames: [Frame] }

    let multiplications: [Multiplication]
    let hashes: [Hash]
    let tags: [Tag]
    let negatives: [Negative]
    let reservations: [Reservation]

    static func load() throws -> MACVectors {
        let url = try #require(Bundle.module.url(forResource: "mac-vectors", withExtension: "json", subdirectory: "Vectors"))
        return try JSONDecoder().decode(MACVectors.self, from: Data(contentsOf: url))
    }
}

func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return out
}

func element(_ hex: String) -> GF128 { GF128(bytes: bytes(hex: hex)) }

/// A reservation whose key is `key` and whose pad for (0, 0) is `pad`, the rest zero.
func reservation(key: String, pad: String) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: AuthenticationKeys.byteCount)
    out.replaceSubrange(0..<16, with: bytes(hex: key))
    out.replaceSubrange(16..<32, with: bytes(hex: pad))
    return out
}

@Suite("MAC test vectors")
struct VectorTests {
    @Test func multiplications() throws {
        let vectors = try MACVectors.load()
        #expect(vectors.multiplications.count >= 50)
        for v in vectors.multiplications {
            for backend in PolynomialHash.availableBackends {
                #expect(element(v.a).multiplied(by: element(v.b), backend: backend) == element(v.product), "\(v.a) · \(v.b) \(backend)")
            }
        }
    }

    @Test func hashes() throws {
        let vectors = try MACVectors.load()
        let lengths = Set(vectors.hashes.map { $0.message.count / 2 })
        #expect(lengths.isSuperset(of: [0, 1, 15, 16, 17, 31, 32, 33, 1000]))
        for v in vectors.hashes {
            let hash = PolynomialHash(key: element(v.key))
            for backend in PolynomialHash.availableBackends {
                #expect(hash.hash(bytes(hex: v.message), backend: backend) == element(v.hash), "key \(v.key) length \(v.message.count / 2) \(backend)")
            }
        }
    }

    @Test func tagsVerify() throws {
        for v in try MACVectors.load().tags {
            let keys = try AuthenticationKeys(reservation: reservation(key: v.key, pad: v.pad))
            let message = bytes(hex: v.message), tag = bytes(hex: v.tag)
            #expect(try message.withUnsafeBytes { try keys.tag($0, direction: 0, sequence: 0) } == tag)
            #expect(message.withUnsafeBytes { m in tag.withUnsafeBytes { keys.verify(m, tag: $0, direction: 0, sequence: 0) } })
        }
    }

    @Test func negativeCasesFail() throws {
        let negatives = try MACVectors.load().negatives
        let reasons = Set(negatives.map(\.reason))
        #expect(reasons == ["message bit flipped", "message truncated", "zero byte appended", "tag bit flipped", "pad bit flipped", "key bit flipped"])
        for v in negatives {
            let keys = try AuthenticationKeys(reservation: reservation(key: v.key, pad: v.pad))
            let message = bytes(hex: v.message), tag = bytes(hex: v.tag)
            #expect(!message.withUnsafeBytes { m in tag.withUnsafeBytes { keys.verify(m, tag: $0, direction: 0, sequence: 0) } }, "\(v.reason)")
        }
    }

    @Test func reservationLayout() throws {
        for r in try MACVectors.load().reservations {
            let keys = try AuthenticationKeys(reservation: bytes(hex: r.reservation))
            for f in r.frames {
                let message = bytes(hex: f.message), tag = bytes(hex: f.tag)
                #expect(try message.withUnsafeBytes { try keys.tag($0, direction: f.direction, sequence: f.sequence) } == tag)
                #expect(message.withUnsafeBytes { m in tag.withUnsafeBytes { keys.verify(m, tag: $0, direction: f.direction, sequence: f.sequence) } })
                // The same tag under the other direction's pad or the next sequence number fails.
                #expect(!message.withUnsafeBytes { m in tag.withUnsafeBytes { keys.verify(m, tag: $0, direction: 1 - f.direction, sequence: f.sequence) } })
                #expect(!message.withUnsafeBytes { m in tag.withUnsafeBytes { keys.verify(m, tag: $0, direction: f.direction, sequence: (f.sequence + 1) % 32) } })
            }
        }
    }
}
