import Testing
import Hashing

/// The checks of `diqkd amplify`'s inputs, now in ``PrivacyAmplification`` (fuzzed by
/// Fuzz/Sources/AmplifyFuzzer).
@Suite("privacy amplification requests")
struct PrivacyAmplificationTests {
    /// The n = 13, l = 5 vector of Vectors/ (x a0b8, seed 8ba900, hash 70).
    @Test func theKnownVector() throws {
        let output = try PrivacyAmplification.hash(key: [0xA0, 0xB8], inputBits: 13, outputBits: 5, family: "toeplitz",
                                                   seed: [0x8B, 0xA9, 0x00])
        #expect(output == [0x70])
    }

    @Test(arguments: [
        ([0xA0, 0xB8], 17, 5, "toeplitz", [0x8B, 0xA9, 0x00], AmplificationError.inputBitsDoNotFit(inputBits: 17, keyBytes: 2)),
        ([0xA0, 0xB8], 8, 5, "toeplitz", [0x8B, 0xA9], .inputBitsDoNotFit(inputBits: 8, keyBytes: 2)),
        ([], nil, 1, "toeplitz", [0x80], .inputBitsDoNotFit(inputBits: 0, keyBytes: 0)),
        ([0xA0, 0xB8], 13, 14, "toeplitz", [0x8B, 0xA9, 0x00], .outputBitsOutOfRange(outputBits: 14, inputBits: 13)),
        ([0xA0, 0xB8], 13, 0, "circulant", [0x8B, 0xA9, 0x00], .outputBitsOutOfRange(outputBits: 0, inputBits: 13)),
        ([0xA0, 0xB8], 13, 5, "circulant", [0x8B, 0xA9, 0x00], .unknownFamily("circulant")),
        ([0xA0, 0xB8], 13, 5, "toeplitz", [0x8B, 0xA9], .seedLength(bytes: 2, seedBits: 17, family: .toeplitz)),
        ([0xA0, 0xB8], 13, 5, "toeplitz", [0x8B, 0xA9, 0x01], .seedPadding(seedBits: 17, family: .toeplitz)),
        ([0xA0, 0xB8], 13, 5, "matrix", [0x8B, 0xA9, 0x00], .seedLength(bytes: 3, seedBits: 65, family: .matrix)),
    ] as [([UInt8], Int?, Int, String, [UInt8], AmplificationError)])
    func eachCheckHasItsError(key: [UInt8], inputBits: Int?, outputBits: Int, family: String, seed: [UInt8],
                              expected: AmplificationError) {
        #expect(throws: expected) {
            _ = try PrivacyAmplification.hash(key: key, inputBits: inputBits, outputBits: outputBits, family: family, seed: seed)
        }
    }

    @Test func aMatrixBeyond2To28SeedBitsIsRefusedBeforeTheSeedIsRead() {
        #expect(throws: AmplificationError.matrixTooLarge(outputBits: 1 << 15, inputBits: 1 << 16)) {
            _ = try PrivacyAmplification(keyBytes: 1 << 13, inputBits: nil, outputBits: 1 << 15, family: "matrix")
        }
    }
}
