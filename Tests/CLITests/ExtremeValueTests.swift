import Foundation
import Testing

/// Every numeric flag of every subcommand over extreme values: the exit code is always 0, 2 or
/// 3 (never a trap, a signal or 1), and an exit 2 names the flag.
@Suite("extreme values of every numeric flag")
struct ExtremeValueTests {
    static let values = ["0", "-1", "1e-320", "1e308", "inf", "nan", String(Int.max), String(Int.min)]

    /// A subcommand with arguments that make it quick, and the numeric flags to try. `{dir}` is
    /// replaced by a fresh folder, `{rec}` by a folder of recorded rounds.
    struct Case: Sendable, CustomStringConvertible {
        let base: [String]
        let flags: [String]
        var description: String { base.prefix(2).joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(base: ["simulate", "--rounds", "20000", "--out", "{dir}/out"],
             flags: ["--rounds", "--test-fraction", "--epsilon-pe", "--epsilon-pa", "--verification-bits", "--frame-bits",
                     "--seed", "--visibility", "--detection-efficiency", "--alice-angles", "--bob-angles"]),
        Case(base: ["postprocess", "--alice", "{rec}/alice.csv", "--bob", "{rec}/bob.csv", "--assume-nonsignaling",
                    "--out", "{dir}/out"],
             flags: ["--test-fraction", "--epsilon-pe", "--epsilon-pa", "--verification-bits", "--frame-bits", "--seed"]),
        Case(base: ["rate"], flags: ["--visibility", "--detection-efficiency", "--alice-angles", "--bob-angles"]),
        Case(base: ["rate", "--delta", "0.01"], flags: ["--epsilon"]),
        Case(base: ["rate", "--epsilon", "0.19"], flags: ["--delta"]),
        Case(base: ["plan", "--epsilon", "0.19", "--delta", "0.01", "--points", "5"],
             flags: ["--test-fraction", "--epsilon-pe", "--epsilon-pa", "--verification-bits", "--reconciliation-efficiency",
                     "--min-rounds", "--max-rounds", "--points"]),
        Case(base: ["plan", "--delta", "0.01", "--points", "5"], flags: ["--epsilon"]),
        Case(base: ["plan", "--points", "5"], flags: ["--visibility", "--detection-efficiency", "--alice-angles"]),
        Case(base: ["region", "--samples", "11"], flags: ["--samples"]),
        Case(base: ["bound", "--epsilon", "0.1"], flags: ["--epsilon", "--parity", "--inputs"]),
        Case(base: ["bound", "--epsilon", "0.1,0.1"], flags: ["--boxes"]),
        Case(base: ["attack", "--rounds", "4000", "--runs", "1"],
             flags: ["--epsilon", "--rounds", "--runs", "--seed", "--test-fraction", "--epsilon-pe", "--epsilon-pa",
                     "--hypothetical-key-bits"]),
        Case(base: ["attack", "--attack", "collective", "--rounds", "4000", "--runs", "1"], flags: ["--group-boxes"]),
        Case(base: ["amplify", "--input", "{dir}/x.key", "--seed", "{dir}/seed.bin", "--output-bits", "5",
                    "--input-bits", "13", "--out", "{dir}/k.key"],
             flags: ["--input-bits", "--output-bits"]),
        Case(base: ["bench", "simulate", "--rounds", "20000"], flags: ["--rounds", "--visibility"]),
        Case(base: ["bench", "toeplitz", "--from-log2", "10", "--to-log2", "10", "--repeats", "1"],
             flags: ["--from-log2", "--to-log2", "--repeats"]),
        Case(base: ["bench", "reconcile", "--frame", "4096", "--frames", "1"],
             flags: ["--qber", "--frame", "--frames", "--efficiency", "--iterations", "--lift"]),
        Case(base: ["bench", "postprocess", "--rounds", "2000"], flags: ["--rounds"]),
        Case(base: ["bench", "lp", "--max-boxes", "1", "--solvers", "clp"], flags: ["--epsilon", "--max-boxes"]),
        Case(base: ["bench", "mac", "--bytes", "64", "--seconds", "0.01"], flags: ["--bytes", "--seconds"]),
        Case(base: ["pool", "init", "--bits", "1024", "--alice", "{dir}/a.pool", "--bob", "{dir}/b.pool"], flags: ["--bits"]),
    ]

    /// Recorded rounds for `postprocess`, made once.
    static let records: URL = {
        let dir = try! temporaryDirectory()
        _ = try! diqkd(["simulate", "--rounds", "20000", "--seed", "1", "--record", dir.path, "--out", dir.appendingPathComponent("o").path])
        return dir
    }()

    @Test(arguments: cases)
    func everyValueExitsCleanly(_ testCase: Case) throws {
        for flag in testCase.flags {
            for value in Self.values {
                let dir = try temporaryDirectory()
                defer { try? FileManager.default.removeItem(at: dir) }
                try Data([0xA0, 0xB8]).write(to: dir.appendingPathComponent("x.key"))
                try Data([0x8B, 0xA9, 0x00]).write(to: dir.appendingPathComponent("seed.bin"))
                var arguments = testCase.base.map {
                    $0.replacingOccurrences(of: "{dir}", with: dir.path).replacingOccurrences(of: "{rec}", with: Self.records.path)
                }
                // The flag under test replaces its value in the base arguments, if there is one.
                if let i = arguments.firstIndex(of: flag) { arguments.removeSubrange(i...(i + 1)) }
                let angleValue = flag.hasSuffix("-angles") ? "\(value),0" : value
                arguments += [flag, angleValue]
                let shown = "diqkd " + arguments.joined(separator: " ")
                guard let result = try diqkd(arguments, timeout: 120) else {
                    Issue.record("\(shown): still running after 120 s")
                    continue
                }
                #expect(!result.signalled && [0, 2, 3].contains(result.status),
                        "\(shown): exit \(result.status)\(result.signalled ? " (signal)" : ""): \(result.stderr.suffix(400))")
                if result.status == 2 {
                    #expect(result.stderr.contains(flag) || result.stderr.contains(flag.dropFirst(2)),
                            "\(shown): the message does not name \(flag): \(result.stderr.suffix(300))")
                }
            }
        }
    }
}
