import CommandLineSupport
import ArgumentParser
import SecurityBounds

struct Region: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The paper's Figure 4: where key agreement is possible and where quantum boxes reach.",
        discussion: """
            Examples:
              diqkd region --svg region.svg
              diqkd region --json > boundaries.json
            """
    )

    @Option(help: "Write the picture as an SVG file.")
    var svg: String?

    @Option(help: "Number of delta samples in each boundary table, 2 to 100000.")
    var samples: Int = 101

    @Flag(help: "Print the boundary curves as JSON tables.")
    var json = false

    func run() throws {
        guard samples >= 2, samples <= 100_000 else {
            throw CLIError.usage("--samples must be between 2 and 100000 (got \(samples)).")
        }
        let report = RegionReport(samples: samples)
        if let svg {
            try writeAtomically(Figures.region(report), to: svg, flag: "--svg")
        }
        if json {
            try JSONOutput.print(report)
            return
        }
        let singlet = RateReport(epsilon: KeyRate.quantumMinimumEpsilon(delta: 0), delta: 0)
        print("key agreement (Corollary 2): eps < 2^(-h(delta)-1) - 1/4, possible for delta < 0.5")
        print("quantum reach: eps >= eps_min(delta); eps_min(0) = \(formatted(singlet.epsilon)) (singlet, Figure 13)")
        print("quantum boxes give a non-signalling key for delta < \(formatted(report.largestQuantumKeyDelta))")
        print("noiseless singlet: rate \(formatted(singlet.rate)) bits per raw-key round")
        if let svg { print("wrote \(svg)") }
    }
}
