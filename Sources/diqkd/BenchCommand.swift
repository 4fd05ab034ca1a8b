import ArgumentParser
import CommandLineSupport
import Foundation
import EveLP
import Hashing
import Protocol
import Randomness
import Records
import Reconciliation
import SecurityBounds
import Simulation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks, one JSON object per line.",
        discussion: """
            Build with `swift build -c release` for meaningful numbers.

            Examples:
              diqkd bench simulate --json
              diqkd bench toeplitz --json
              diqkd bench reconcile --qber 0.02 --frame 65536 --json
              diqkd bench postprocess --rounds 10000000 --json
              diqkd bench lp --json
              diqkd bench mac --json
              diqkd bench audit --json
            """,
        subcommands: [SimulateBench.self, ToeplitzBench.self, ReconcileBench.self, PostprocessBench.self, LPBench.self, MacBench.self,
                      AuditBench.self]
    )
}

struct SimulateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Times a default `simulate` run stage by stage, and the simulated devices alone.",
        discussion: "Example:\n  diqkd bench simulate --rounds 10000000 --json")

    @Option(help: "Number of rounds.")
    var rounds: Int = 10_000_000

    @Option(help: "Werner visibility of the simulated devices.")
    var visibility: Double = 0.99

    @Flag(help: "JSON lines.")
    var json = false

    func run() throws {
        let configuration = ProtocolConfiguration(rounds: rounds)
        do { try configuration.validate() } catch { throw CLIError.usage("\(error.description).") }
        guard visibility.isFinite, (0...1).contains(visibility) else { throw CLIError.usage("--visibility must be between 0 and 1 (got \(visibility)).") }
        let model = QuantumDeviceModel(visibility: visibility)
        // The devices alone: both sides measure every round with random inputs.
        var rng = Xoshiro256(seed: 1)
        let u = BitVector.random(count: rounds, using: &rng), v = BitVector.random(count: rounds, using: &rng)
        let devices = BoxSource(box: model.behaviour, seed: 2).makeDevices()
        let deviceSeconds = measureSeconds {
            _ = devices.alice.measure(u)
            _ = devices.bob.measure(v)
        }
        let result = SimulatedRun.run(model: model, configuration: configuration, seed: 3)
        let report = result.report
        let post = ["estimation", "reconciliation", "verification", "amplification"].reduce(0.0) { $0 + (report.stageSeconds[$1] ?? 0) }
        var fields: [String: Any] = [
            "benchmark": "simulate", "rounds": rounds, "seconds": report.seconds, "keyBits": report.keyBits,
            "rawKeyBits": report.rawKeyBits, "aborted": report.aborted,
            "deviceRoundsPerSecond": Double(rounds) / deviceSeconds,
            "postProcessingMbitPerSecond": Double(report.rawKeyBits) / post / 1e6,
        ]
        for (stage, seconds) in report.stageSeconds { fields["\(stage)Seconds"] = seconds }
        try emit(fields, json: json)
    }
}

struct ToeplitzBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "toeplitz",
        abstract: "Toeplitz hashing with l = n/4 for n = 2^20 ... 2^27: median time, throughput and peak memory.",
        discussion: "Examples:\n  diqkd bench toeplitz --json\n  diqkd bench toeplitz --from-log2 20 --to-log2 24 --method transform --repeats 3")

    @Option(help: "Smallest log2 n.")
    var fromLog2: Int = 20

    @Option(help: "Largest log2 n.")
    var toLog2: Int = 27

    @Option(help: "Runs per size, 1 to 1000 (the median is reported).")
    var repeats: Int = 5

    @Option(help: "Multiplier backend: vector (AVX-512 VPCLMULQDQ), hardware (PCLMULQDQ/PMULL) or portable.")
    var backend: String = GF2Polynomial.preferredBackend.rawValue

    @Option(help: "auto (what the protocol uses), blocks (Karatsuba-style recursion) or transform (additive FFT).")
    var method: String = "auto"

    @Flag(help: "JSON lines.")
    var json = false

    func run() throws {
        guard ["auto", "blocks", "transform"].contains(method) else {
            throw CLIError.usage("--method must be 'auto', 'blocks' or 'transform' (got '\(method)').")
        }
        guard (10...30).contains(fromLog2), (fromLog2...30).contains(toLog2), (1...1000).contains(repeats) else {
            throw CLIError.usage("need 10 <= --from-log2 <= --to-log2 <= 30 and --repeats between 1 and 1000.")
        }
        guard let backend = GF2Polynomial.Backend(rawValue: backend) else {
            throw CLIError.usage("--backend must be 'vector', 'hardware' or 'portable' (got '\(self.backend)').")
        }
        guard backend.isAvailable else {
            throw CLIError.usage("--backend \(backend.rawValue): this processor does not have the instructions it needs.")
        }
        var rng = Xoshiro256(seed: 7)
        for k in fromLog2...toLog2 {
            let n = 1 << k, l = n / 4
            PeakMemory.reset()
            let hash = ToeplitzHash.random(inputBits: n, outputBits: l, using: &rng)
            let x = BitVector.random(count: n, using: &rng)
            var times: [Double] = []
            for _ in 0..<repeats {
                times.append(measureSeconds {
                    switch method {
                    case "blocks": _ = hash.hashByBlocks(x, backend: backend)
                    case "transform": _ = hash.hashByTransform(x, backend: backend)
                    default: _ = hash.hash(x, backend: backend)
                    }
                })
            }
            let median = times.sorted()[times.count / 2]
            try emit(["benchmark": "toeplitz", "n": n, "l": l, "seconds": median, "mbitPerSecond": Double(n) / median / 1e6,
                      "peakMemoryBytes": PeakMemory.bytes() ?? -1, "backend": backend.rawValue, "method": method],
                     json: json)
        }
    }
}

struct ReconcileBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Syndrome reconciliation on the binary symmetric channel: efficiency, frame error rate, throughput.",
        discussion: "Examples:\n  diqkd bench reconcile --qber 0.02 --json\n  diqkd bench reconcile --qber 0.005 --frame 1048576 --frames 64 --efficiency 1.15 --profile 3:0.6,8:0.28,26:0.12")

    @Option(help: "Crossover probability of the channel.")
    var qber: Double = 0.02

    @Option(help: "Frame length in bits, 1024 to 2^30.")
    var frame: Int = ReconciliationMargin.defaultFrameBits

    @Option(help: "Number of frames, 1 to 100000.")
    var frames: Int = 20

    @Option(help: "Reconciliation efficiency to size the codes with (default: the protocol's margin for this QBER).")
    var efficiency: Double?

    @Option(help: "Column-weight profile of the non-staircase columns, e.g. 3:0.6,12:0.4 (default: the protocol's for this QBER).")
    var profile: String?

    @Option(help: "Decoder iteration limit, 1 to 10000.")
    var iterations: Int = SyndromeDecoder.defaultMaximumIterations

    @Option(help: "batch: sixteen frames per code, decoded together (as the protocol does); single: a code per frame, decoded alone.")
    var decoder: String = "batch"

    @Option(help: "Quasi-cyclic codes with this lift (a multiple of 16), or 0 for codes drawn edge by edge (default: the protocol's choice for this frame).")
    var lift: Int?

    @Flag(help: "JSON lines.")
    var json = false

    func run() throws {
        let lift = lift ?? ReconciliationMargin.lift(frameBits: frame) ?? 0
        guard lift == 0 || (16...65_536).contains(lift) && lift % 16 == 0 else {
            throw CLIError.usage("--lift must be 0 or a multiple of 16 from 16 to 65536 (got \(lift)).")
        }
        guard (1...10_000).contains(iterations) else {
            throw CLIError.usage("--iterations must be between 1 and 10000 (got \(iterations)).")
        }
        let codeProfile = try profile.map(parseProfile) ?? ReconciliationMargin.profile(errorRate: qber, frameBits: frame)
        guard qber > 0, qber < 0.5 else { throw CLIError.usage("--qber must be strictly between 0 and 0.5 (got \(qber)).") }
        // Shorter than the protocol's frames, so that what does not decode can be measured.
        guard (1024...ProtocolConfiguration.frameBitsRange.upperBound).contains(frame) else {
            throw CLIError.usage("--frame must be between 1024 and 2^30 (got \(frame)).")
        }
        guard (1...100_000).contains(frames) else { throw CLIError.usage("--frames must be between 1 and 100000 (got \(frames)).") }
        let f = efficiency ?? ReconciliationMargin.efficiency(errorRate: qber, frameBits: frame)
        guard FiniteSizeParameters.reconciliationEfficiencyRange.contains(f) else {
            throw CLIError.usage("--efficiency must be between 1 and 10 (got \(f)).")
        }
        guard ["batch", "single"].contains(decoder) else {
            throw CLIError.usage("--decoder must be 'batch' or 'single' (got '\(decoder)').")
        }
        var rng = Xoshiro256(seed: 11)
        var leaked = 0, failures = 0, totalIterations = 0, wrongCodewords = 0
        var decodeSeconds = 0.0
        // Frames in groups: sixteen frames under one code, decoded together (what the protocol
        // does with frames of equal length), or one frame per code, decoded alone.
        let group = decoder == "batch" ? SyndromeDecoder.batchWidth : 1
        let progress = ProgressReporter()
        defer { progress.finish() }
        for first in stride(from: 0, to: frames, by: group) {
            progress.handler("reconcile", Double(first) / Double(frames))
            let count = min(group, frames - first)
            let plan = SyndromeReconciliation.plan(rawKeyBits: frame, errorRate: qber, efficiency: f, frameBits: frame,
                                                   profile: codeProfile, lift: lift == 0 ? nil : lift,
                                                   codeSeed: UInt64(first))
            let code = plan.code(frame: 0)
            var xs: [BitVector] = [], ys: [BitVector] = [], syndromes: [BitVector] = []
            for _ in 0..<count {
                let x = BitVector.random(count: frame, using: &rng)
                var y = x
                for i in 0..<frame where Double(rng.next() >> 11) * 0x1p-53 < qber { y[i].toggle() }
                xs.append(x); ys.append(y); syndromes.append(code.syndrome(x))
            }
            let decoder = SyndromeDecoder(code: code, maximumIterations: iterations)
            var outcomes: [SyndromeDecoder.Outcome] = []
            decodeSeconds += measureSeconds {
                outcomes = count == 1 ? [decoder.decode(ys[0], syndrome: syndromes[0], errorRate: qber)]
                    : decoder.decode(batch: ys, syndromes: syndromes, errorRate: qber)
            }
            for (x, outcome) in zip(xs, outcomes) {
                if let corrected = outcome.corrected, corrected == x {
                    leaked += plan.totalSyndromeBits
                    totalIterations += outcome.iterations
                } else {
                    // A failed frame counts as fully disclosed. A decode that "succeeds" with another
                    // string of the same syndrome is counted separately: verification catches it.
                    if outcome.corrected != nil { wrongCodewords += 1 }
                    failures += 1
                    leaked += frame
                }
            }
        }
        try emit(["benchmark": "reconcile", "qber": qber, "frame": frame, "frames": frames,
                  "efficiency": Double(leaked) / (Double(frame * frames) * binaryEntropy(qber)),
                  "designEfficiency": f, "frameErrorRate": Double(failures) / Double(frames), "wrongCodewords": wrongCodewords,
                  "mbitPerSecond": Double(frame * frames) / decodeSeconds / 1e6,
                  "iterations": frames > failures ? Double(totalIterations) / Double(frames - failures) : 0,
                  "maximumIterations": iterations, "decoder": lift == 0 ? decoder : "quasi-cyclic", "lift": lift], json: json)
    }
}

/// Parses `degree:fraction,...` into a staircase (eIRA) degree profile.
func parseProfile(_ text: String) throws -> DegreeProfile {
    var pairs: [(degree: Int, fraction: Double)] = []
    for item in text.split(separator: ",") {
        let parts = item.split(separator: ":")
        guard parts.count == 2, let degree = Int(parts[0]), (2...1000).contains(degree), let fraction = Double(parts[1]),
              fraction.isFinite, fraction > 0, fraction <= 1 else {
            throw CLIError.usage("--profile: '\(item)' is not degree:fraction (degree 2 to 1000, fraction in (0, 1]).")
        }
        pairs.append((degree, fraction))
    }
    guard !pairs.isEmpty else { throw CLIError.usage("--profile is empty.") }
    let total = pairs.reduce(0) { $0 + $1.fraction }
    guard abs(total - 1) < 1e-6 else {
        throw CLIError.usage("--profile: the fractions sum to \(total), not 1.")
    }
    return DegreeProfile(pairs, staircase: true)
}

struct LPBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lp",
        abstract: "Lemma 10's LP for n = 1..4 boxes: solve time and checks, one line per size and solver.",
        discussion: "Examples:\n  diqkd bench lp --json\n  diqkd bench lp --max-boxes 3 --solvers clp")

    @Option(help: "CHSH error of each (independent, unbiased) box.")
    var epsilon: Double = 0.1

    @Option(help: "Largest number of boxes.")
    var maxBoxes: Int = 4

    @Option(help: "Solvers to time, comma-separated: clp, interior-point (clp is skipped beyond 3 boxes).")
    var solvers: String = "clp,interior-point"

    @Flag(help: "JSON lines.")
    var json = false

    func run() throws {
        guard (1...EveLinearProgram.maximumBoxes).contains(maxBoxes) else {
            throw CLIError.usage("--max-boxes must be between 1 and \(EveLinearProgram.maximumBoxes).")
        }
        guard epsilon.isFinite, (0...0.5).contains(epsilon) else { throw CLIError.usage("--epsilon must be between 0 and 0.5 (got \(epsilon)).") }
        var backends: [EveLinearProgram.Backend] = []
        for name in solvers.split(separator: ",") {
            guard let backend = EveLinearProgram.Backend(rawValue: String(name)) else {
                throw CLIError.usage("--solvers: unknown solver '\(name)' (clp, interior-point).")
            }
            backends.append(backend)
        }
        for n in 1...maxBoxes {
            for backend in backends where !(backend == .clp && n > 3) {
                var outcome: Result<BoundReport, EveBound.Failure>?
                let seconds = measureSeconds {
                    outcome = Result { () throws(EveBound.Failure) -> BoundReport in
                        try EveBound.analyse(.independent(epsilons: Array(repeating: epsilon, count: n)),
                                             parity: nil, aliceInputs: 0, bobInputs: 0, backend: backend, clock: { 0 })
                    }
                }
                let report: BoundReport
                switch outcome! {
                case .success(let value): report = value
                case .failure(let error): throw CLIError.failure("\(n) boxes, \(backend.rawValue): \(error.description)")
                }
                try emit(["benchmark": "lp", "boxes": n, "variables": report.variables,
                          "reducedVariables": report.reducedVariables, "solver": backend.rawValue,
                          "seconds": seconds, "iterations": report.iterations ?? 0,
                          "distanceFromUniform": report.distanceFromUniform ?? -1,
                          "analyticBound": report.analyticBound,
                          "certificateVerified": report.certificateVerified], json: json)
            }
        }
    }
}
