import CommandLineSupport
import ArgumentParser
import Protocol
import SecurityBounds

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Finite-size key length against the number of rounds, and the fewest rounds for a key.",
        discussion: """
            The key length is SECURITY-MATH §4.6 evaluated at the expected test and raw-key counts, \
            with the observed errors equal to the model's.

            Examples:
              diqkd plan --visibility 0.99 --svg plan.svg
              diqkd plan --epsilon 0.19 --delta 0.01 --mode paper --test-fraction 0.2 --json
              diqkd plan --visibility 0.995 --optimise-test-fraction
            """
    )

    @OptionGroup var errors: ErrorRateOptions
    @OptionGroup var classical: FiniteSizeOptions

    @Option(help: "Reconciliation efficiency f, 1 to 10 (syndrome bits per n h(delta)); default: what the protocol's codes need at this delta.")
    var reconciliationEfficiency: Double?

    @Option(help: "Smallest number of rounds on the curve (default: chosen around the minimum).")
    var minRounds: Int?

    @Option(help: "Largest number of rounds on the curve.")
    var maxRounds: Int?

    @Option(help: "Number of points on the curve, 2 to 10000.")
    var points: Int = 61

    @Flag(help: "Use, for every number of rounds, the test fraction that gives the longest key (overrides --test-fraction).")
    var optimiseTestFraction = false

    @Option(help: "Write key length and key per round against rounds as an SVG file.")
    var svg: String?

    @Flag(help: "Print a JSON object instead of text.")
    var json = false

    func run() throws {
        guard (2...10_000).contains(points) else {
            throw CLIError.usage("--points must be between 2 and 10000 (got \(points)).")
        }
        _ = try classical.parameters(reconciliationEfficiency: reconciliationEfficiency ?? 1)
        let (epsilon, delta, _) = try errors.resolve()
        let efficiency = reconciliationEfficiency ?? ReconciliationMargin.efficiency(errorRate: delta)
        let parameters = try classical.parameters(reconciliationEfficiency: efficiency)
        var range: ClosedRange<Int>?
        if minRounds != nil || maxRounds != nil {
            let low = minRounds ?? 1000
            guard low >= 1, low < FiniteSizePlan.maximumRounds else {
                throw CLIError.usage("--min-rounds must be between 1 and 2^50 (got \(low)).")
            }
            let high = maxRounds ?? FiniteSizePlan.defaultCurveEnd(from: low)
            guard high > low, high <= FiniteSizePlan.maximumRounds else {
                throw CLIError.usage("--min-rounds and --max-rounds need 1 <= min < max <= 2^50 (got \(low) and \(high)).")
            }
            range = low...high
        }
        let report = PlanReport(epsilon: epsilon, delta: delta, parameters: parameters, rounds: range, count: points,
                                optimiseTestFraction: optimiseTestFraction)
        if let svg { try writeAtomically(Figures.plan(report), to: svg, flag: "--svg") }
        if json {
            try JSONOutput.print(report)
            return
        }
        let fraction = optimiseTestFraction ? "optimised per point" : "\(parameters.testFraction)"
        print("eps \(formatted(epsilon)), delta \(formatted(delta)); mode \(parameters.mode.rawValue), test fraction "
              + "\(fraction), eps_sec \(formatted(parameters.epsilonSecurity)), f \(formatted(efficiency, digits: 3))"
              + (reconciliationEfficiency == nil ? " (the protocol's codes at this delta)" : ""))
        print("asymptotic key per raw-key round: \(formatted(report.asymptoticRate)); per round: \(formatted(report.asymptoticKeyPerRound))")
        if let minimum = report.minimumRounds {
            print("minimum rounds for a positive key: \(grouped(minimum))")
        } else {
            print("no positive key at any number of rounds for these parameters")
        }
        print("")
        print([("rounds", 15), ("test frac.", 12), ("raw key", 15), ("eps_up", 14), ("key bits", 15), ("key/round", 11)]
            .map { $0.0.leftPadded($0.1) }.joined(separator: " "))
        let stride = max(1, report.points.count / 12)
        for (i, p) in report.points.enumerated() where i % stride == 0 || i == report.points.count - 1 {
            let row = [grouped(p.rounds).leftPadded(15), formatted(p.testFraction, digits: 3).leftPadded(12),
                       grouped(p.rawKeyBits).leftPadded(15),
                       probabilityBoundText(p.epsilonUpper, digits: 4).leftPadded(14), grouped(p.keyBits).leftPadded(15),
                       formatted(p.keyBitsPerRound, digits: 4).leftPadded(11)]
            print(row.joined(separator: " "))
        }
        if let svg { print("wrote \(svg)") }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
