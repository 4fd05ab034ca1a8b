import Foundation
import Testing
@testable import Hashing

/// Vectors written by `Vectors/make_vectors.py` straight from the definition.
struct ToeplitzVector: Decodable {
    let n: Int
    let l: Int
    let x: String
    let seed: String
    let hash: String
}

func bits(hex: String, count: Int) -> BitVector {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return BitVector(bytesMSBFirst: bytes, count: count)
}

@Suite("Toeplitz test vectors")
struct VectorTests {
    static func load() throws -> [ToeplitzVector] {
        let url = try #require(Bundle.module.url(forResource: "toeplitz", withExtension: "json", subdirectory: "Vectors"))
        struct File: Decodable { let vectors: [ToeplitzVector] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
    }

    @Test func everyBackendReproducesTheVectors() throws {
        let vectors = try Self.load()
        #expect(vectors.count >= 10)
        for v in vectors {
            let hash = ToeplitzHash(inputBits: v.n, outputBits: v.l, seed: bits(hex: v.seed, count: v.n + v.l - 1))
            let expected = bits(hex: v.hash, count: v.l)
            let x = bits(hex: v.x, count: v.n)
            for backend in GF2Polynomial.availableBackends {
                #expect(hash.hash(x, backend: backend) == expected, "n \(v.n) l \(v.l) \(backend)")
            }
            #expect(hash.hashByDefinition(x) == expected)
        }
    }

    @Test func aFlippedInputBitChangesTheHashWhereTheMatrixSaysSo() throws {
        // Negative case: the vector's hash must not match a different input, except in rows whose
        // entry for the flipped column is zero.
        let v = try #require(try Self.load().first { $0.n == 100 })
        let seed = bits(hex: v.seed, count: v.n + v.l - 1)
        let hash = ToeplitzHash(inputBits: v.n, outputBits: v.l, seed: seed)
        var x = bits(hex: v.x, count: v.n)
        x[17].toggle()
        let difference = hash.hash(x) ^ bits(hex: v.hash, count: v.l)
        for j in 0..<v.l { #expect(difference[j] == seed[17 - j + v.l - 1]) }
    }
}
