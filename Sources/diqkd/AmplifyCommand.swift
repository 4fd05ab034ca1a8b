import ArgumentParser
import Foundation
import Hashing

struct Amplify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply privacy amplification (a Toeplitz or a fully random matrix) to a key file.",
        discussion: """
            K = T x with T[j][i] = seed[i - j + l - 1] (an l x n Toeplitz matrix), computed as the \
            middle of a GF(2) polynomial product; the seed holds exactly n + l - 1 bits. With \
            --family matrix, K = M x with a fully random l x n matrix (the paper's Protocol 1 \
            literally): row j is seed bits j n ... (j + 1) n - 1, so the seed holds exactly l n bits \
            (at most 2^28). Files are raw bytes, most significant bit first, the last byte \
            zero-padded.

            Examples:
              diqkd amplify --input raw.key --seed seed.bin --output-bits 100000 --out final.key
              diqkd amplify --input raw.key --input-bits 999997 --seed seed.bin --output-bits 1000 --out final.key
              diqkd amplify --family matrix --input short.key --seed matrix.bin --output-bits 64 --out final.key
            """
    )

    @Option(help: "The key to compress (raw bytes, most significant bit first).")
    var input: String

    @Option(help: "Bits of the input to use, when its last byte is padded (default: all of it).")
    var inputBits: Int?

    @Option(help: "The seed: n + l - 1 bits (toeplitz) or l n bits (matrix), most significant bit first.")
    var seed: String

    @Option(help: "The hash family: toeplitz or matrix (a fully random l x n matrix).")
    var family: String = "toeplitz"

    @Option(help: "Length l of the output key in bits.")
    var outputBits: Int

    @Option(help: "Where to write the output key (default: standard output, if it is not a terminal).")
    var out: String?

    func run() throws {
        if let inputBits, inputBits < 1 { throw CLIError.usage("--input-bits must be at least 1 (got \(inputBits)).") }
        if outputBits < 1 { throw CLIError.usage("--output-bits must be at least 1 (got \(outputBits)).") }
        if let out {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
                throw CLIError.usage("--out \(out) is a folder; give the key file's name.")
            }
            if SecretFiles.sameFile(out, input) || SecretFiles.sameFile(out, seed) {
                throw CLIError.usage("--out \(out) is the same file as --\(SecretFiles.sameFile(out, input) ? "input" : "seed"); "
                                     + "diqkd never overwrites its input: give another file name.")
            }
        }
        let inputBytes = try read(input, flag: "--input")
        let n = inputBits ?? inputBytes.count * 8
        guard n >= 1, n <= inputBytes.count * 8, n > inputBytes.count * 8 - 8 || inputBits == nil else {
            throw CLIError.usage("--input-bits \(n) does not fit \(input), which holds \(inputBytes.count) bytes.")
        }
        guard outputBits >= 1, outputBits <= n else {
            throw CLIError.usage("--output-bits must be between 1 and the input length \(n) (got \(outputBits)).")
        }
        guard family == "toeplitz" || family == "matrix" else {
            throw CLIError.usage("--family must be 'toeplitz' or 'matrix' (got '\(family)').")
        }
        let (matrixBits, overflow) = outputBits.multipliedReportingOverflow(by: n)
        if family == "matrix", overflow || matrixBits > RandomMatrixHash.maximumSeedBits {
            throw CLIError.usage("--family matrix: an \(outputBits) x \(n) matrix needs more than 2^28 seed bits; "
                                 + "use the Toeplitz family for inputs this long.")
        }
        let seedBits = family == "matrix" ? matrixBits : n + outputBits - 1
        let seedFormula = family == "matrix" ? "l n" : "n + l - 1"
        let seedBytes = try read(seed, flag: "--seed")
        guard seedBytes.count == (seedBits + 7) / 8 else {
            throw CLIError.usage("--seed \(seed) holds \(seedBytes.count * 8) bits; \(seedFormula) = \(seedBits) bits "
                                 + "need exactly \((seedBits + 7) / 8) bytes.")
        }
        if seedBits % 8 != 0, seedBytes.last! & (0xFF >> UInt8(seedBits % 8)) != 0 {
            throw CLIError.usage("--seed \(seed) has bits set past its \(seedFormula) = \(seedBits) bits; the padding must be zero.")
        }
        if out == nil && isatty(STDOUT_FILENO) != 0 {
            throw CLIError.usage("refusing to print key bytes on a terminal; give --out FILE or redirect standard output.")
        }
        let key = SecretBits(BitVector(bytesMSBFirst: inputBytes, count: n))
        let seedVector = BitVector(bytesMSBFirst: seedBytes, count: seedBits)
        let hash: any LinearKeyHash = family == "matrix"
            ? RandomMatrixHash(inputBits: n, outputBits: outputBits, seed: seedVector)
            : ToeplitzHash(inputBits: n, outputBits: outputBits, seed: seedVector)
        let output = key.withBits { Data(hash.hash($0).bytesMSBFirst()) }
        if let out {
            try SecretFiles.writeAtomically([UInt8](output), to: out)
        } else {
            FileHandle.standardOutput.write(output)
        }
    }

    private func read(_ path: String, flag: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.usage("\(flag) \(path): cannot read the file.")
        }
        guard !data.isEmpty else { throw CLIError.usage("\(flag) \(path) is empty.") }
        return [UInt8](data)
    }
}
