import Foundation
import Testing

@Suite("amplify through the command line")
struct AmplifyCommandTests {
    /// The n = 13, l = 5 vector of Tests/HashingTests/Vectors (x a0b8, seed 8ba900, hash 70).
    @Test func aKnownVectorThroughFiles() throws {
        let dir = try temporaryDirectory()
        try Data([0xA0, 0xB8]).write(to: dir.appendingPathComponent("x.key"))
        try Data([0x8B, 0xA9, 0x00]).write(to: dir.appendingPathComponent("seed.bin"))
        let result = try diqkd(["amplify", "--input", dir.appendingPathComponent("x.key").path, "--input-bits", "13",
                                "--seed", dir.appendingPathComponent("seed.bin").path, "--output-bits", "5",
                                "--out", dir.appendingPathComponent("k.key").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("k.key")) == Data([0x70]))
        #expect(result.stdout.isEmpty)
    }

    /// The same vector with `--family matrix`: the seed is the Toeplitz matrix written out row by
    /// row (row j = Toeplitz seed bits 4 - j ..< 17 - j), so the output must be the same byte.
    @Test func theToeplitzMatrixWrittenOutGivesTheSameKey() throws {
        let toeplitzSeed: [UInt8] = [0x8B, 0xA9, 0x00]
        let bit = { (i: Int) -> Bool in toeplitzSeed[i / 8] >> UInt8(7 - i % 8) & 1 == 1 }
        var rows: [Bool] = []
        for j in 0..<5 { for i in 0..<13 { rows.append(bit(4 - j + i)) } }
        var bytes = [UInt8](repeating: 0, count: (rows.count + 7) / 8)
        for (i, b) in rows.enumerated() where b { bytes[i / 8] |= 0x80 >> UInt8(i % 8) }
        let dir = try temporaryDirectory()
        try Data([0xA0, 0xB8]).write(to: dir.appendingPathComponent("x.key"))
        try Data(bytes).write(to: dir.appendingPathComponent("matrix.bin"))
        let result = try diqkd(["amplify", "--family", "matrix", "--input", dir.appendingPathComponent("x.key").path,
                                "--input-bits", "13", "--seed", dir.appendingPathComponent("matrix.bin").path,
                                "--output-bits", "5", "--out", dir.appendingPathComponent("k.key").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("k.key")) == Data([0x70]))
    }

    @Test(arguments: [
        (["--family", "matrix", "--output-bits", "5"], [0x8B, 0xA9, 0x00], "l n = 65 bits need exactly 9 bytes"),
        (["--family", "circulant", "--output-bits", "5"], [0x8B, 0xA9, 0x00], "--family"),
        (["--output-bits", "5"], [0x8B, 0xA9], "need exactly 3 bytes"),
        (["--output-bits", "5"], [0x8B, 0xA9, 0x01], "padding must be zero"),
        (["--output-bits", "14"], [0x8B, 0xA9, 0x00], "--output-bits"),
        (["--output-bits", "0"], [0x8B, 0xA9, 0x00], "--output-bits"),
    ])
    func wrongSizesAreClearErrors(flags: [String], seed: [UInt8], message: String) throws {
        let dir = try temporaryDirectory()
        try Data([0xA0, 0xB8]).write(to: dir.appendingPathComponent("x.key"))
        try Data(seed).write(to: dir.appendingPathComponent("seed.bin"))
        let out = dir.appendingPathComponent("k.key")
        let result = try diqkd(["amplify", "--input", dir.appendingPathComponent("x.key").path, "--input-bits", "13",
                                "--seed", dir.appendingPathComponent("seed.bin").path, "--out", out.path] + flags)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
