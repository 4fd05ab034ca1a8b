import ArgumentParser
import CommandLineSupport
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
            if isFolder(out) == true { throw CLIError.usage("--out \(out) is a folder; give the key file's name.") }
            for (flag, path) in [("--input", input), ("--seed", seed)] where SecretFiles.sameFile(out, path) {
                throw CLIError.usage("--out \(out) is the same file as \(flag); diqkd never overwrites its input: give another file name.")
            }
        }
        let inputBytes = try read(input, flag: "--input")
        let amplification: PrivacyAmplification
        do {
            amplification = try PrivacyAmplification(keyBytes: inputBytes.count, inputBits: inputBits,
                                                      outputBits: outputBits, family: family)
        } catch {
            throw usage(error)
        }
        let seedBytes = try read(seed, flag: "--seed")
        do {
            try amplification.checkSeed(seedBytes)
        } catch {
            throw usage(error)
        }
        if out == nil && isatty(STDOUT_FILENO) != 0 {
            throw CLIError.usage("refusing to print key bytes on a terminal; give --out FILE or redirect standard output.")
        }
        let output: Data
        do {
            output = Data(try amplification.hash(key: inputBytes, seed: seedBytes))
        } catch {
            throw usage(error)
        }
        if let out {
            try SecretFiles.writeAtomically([UInt8](output), to: out)
        } else {
            FileHandle.standardOutput.write(output)
        }
    }

    /// The message of each failed check, naming the flags and files as the user gave them.
    private func usage(_ error: AmplificationError) -> CLIError {
        switch error {
        case .inputBitsDoNotFit(let n, let bytes):
            return .usage("--input-bits \(n) does not fit \(input), which holds \(bytes) bytes.")
        case .outputBitsOutOfRange(let l, let n):
            return .usage("--output-bits must be between 1 and the input length \(n) (got \(l)).")
        case .unknownFamily(let name):
            return .usage("--family must be 'toeplitz' or 'matrix' (got '\(name)').")
        case .matrixTooLarge(let l, let n):
            return .usage("--family matrix: the \(l) x \(n) matrix needs more than 2^28 seed bits; "
                          + "use the Toeplitz family for inputs this long.")
        case .seedLength(let bytes, let bits, let family):
            return .usage("--seed \(seed) holds \(bytes * 8) bits; \(family.seedFormula) = \(bits) bits "
                          + "need exactly \((bits + 7) / 8) bytes.")
        case .seedPadding(let bits, let family):
            return .usage("--seed \(seed) has bits set past its \(family.seedFormula) = \(bits) bits; the padding must be zero.")
        }
    }

    private func read(_ path: String, flag: String) throws -> [UInt8] {
        let data = try BoundedFile.read(path, maximumBytes: BoundedFile.keyBytes, what: "\(flag) \(path)")
        guard !data.isEmpty else { throw CLIError.usage("\(flag) \(path) is empty.") }
        return [UInt8](data)
    }
}
