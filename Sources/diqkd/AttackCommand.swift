import ArgumentParser
import CommandLineSupport
import Foundation
import Protocol
import Simulation

struct Attack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs the protocol on devices an eavesdropper prepared and measures what she learns about the key.",
        discussion: """
            Eve hands out boxes drawn from her box partition of the honest behaviour (independent \
            noisy PR boxes with CHSH error eps): Appendix A's individual attack, or Appendix F's \
            collective attack on groups of boxes (Lemma 24). She keeps which element each box was; \
            after the run, diqkd computes exactly which linear functions of the final key she can \
            determine from that and the public transcript (syndromes, verification and \
            privacy-amplification seeds), and compares her distance from uniform, 1 - 2^-k, with \
            the epsilonSecurity the protocol claims. Her deductions are checked against Alice's key.

            Small runs need relaxed security parameters to produce a key at all; the defaults \
            (60,000 rounds, a quarter of them tested, eps_PE = eps_PA = 1e-3) give a few thousand key bits a run, \
            and a few seconds of analysis each.

            Examples:
              diqkd attack --attack individual --epsilon 0.02 --runs 10
              diqkd attack --attack collective --group-boxes 2 --epsilon 0.02 --json
              diqkd attack --runs 3 --hypothetical-key-bits 30000
              diqkd attack --runs 1 --svg appendix-f.svg
            """
    )

    @Option(help: "individual (Appendix A) or collective (Lemma 24).")
    var attack: String = "individual"

    @Option(help: "Boxes per group of the collective attack (2 = Lemma 23).")
    var groupBoxes: Int = 2

    @Option(help: "CHSH error eps of the honest behaviour Eve imitates (key-basis error equals eps).")
    var epsilon: Double = 0.02

    @Option(help: "Rounds per run, 1,000 to 2,000,000 (Eve's exact analysis is quadratic in the raw key).")
    var rounds: Int = 60_000

    @Option(help: "Number of protocol runs, 1 to 1000.")
    var runs: Int = 5

    @Option(help: "Seed of the whole study (nature, Eve, both parties): attack studies are reproducible simulations.")
    var seed: UInt64 = 1

    @Option(help: "Fraction of rounds used for testing (gamma), in (0, 1).")
    var testFraction: Double = 0.25

    @Option(name: .customLong("epsilon-pe"), help: "Failure probability of parameter estimation.")
    var epsilonPE: Double = 1e-3

    @Option(name: .customLong("epsilon-pa"), help: "Soundness target of privacy amplification.")
    var epsilonPA: Double = 1e-3

    @Option(help: "Also analyse a key of this many bits hashed from the same raw key (to see what too long a key leaks).")
    var hypotheticalKeyBits: Int?

    @Option(help: "Also draw Appendix F's comparison of collective and individual attacks (n = 2, 3, 4) as SVG.")
    var svg: String?

    @Flag(help: "Print the report as JSON (with every run's protocol report and Eve's knowledge).")
    var json = false

    func run() throws {
        let chosen = try eavesdropperAttack(attack, groupBoxes: groupBoxes, epsilon: epsilon)
        guard (1...1000).contains(runs) else { throw CLIError.usage("--runs must be between 1 and 1000 (got \(runs)).") }
        guard epsilon.isFinite, (0...0.25).contains(epsilon) else {
            throw CLIError.usage("--epsilon must be between 0 and 0.25 (got \(epsilon)).")
        }
        guard rounds >= 1000 && rounds <= 2_000_000 else {
            throw CLIError.usage("--rounds must be between 1,000 and 2,000,000 (Eve's exact analysis is quadratic in the raw key).")
        }
        if let bits = hypotheticalKeyBits, !(1...rounds).contains(bits) {
            throw CLIError.usage("--hypothetical-key-bits must be between 1 and the raw key, at most --rounds = \(rounds) (got \(bits)).")
        }
        if attack != "collective" && groupBoxes != 2 {
            FileHandle.standardError.write(Data("diqkd: warning: --group-boxes has no effect without --attack collective.\n".utf8))
        }
        let configuration = ProtocolConfiguration(rounds: rounds, testFraction: testFraction, epsilonPE: epsilonPE,
                                                  epsilonPA: epsilonPA)
        do { try configuration.validate() } catch { throw CLIError.usage("\(error.description).") }
        let progress = ProgressReporter()
        let report: EavesdroppingRun.Report
        do {
            report = try EavesdroppingRun.run(attack: chosen, configuration: configuration, runs: runs, seed: seed,
                                              hypotheticalKeyBits: hypotheticalKeyBits) { done in
                progress.handler("attack runs", Double(done) / Double(runs))
            }
        } catch {
            progress.finish()
            throw CLIError.usage(error.description)
        }
        progress.finish()
        if let svg { try writeAtomically(Figures.collectiveAttacks(boxes: [2, 3, 4]), to: svg, flag: "--svg") }
        if json {
            try JSONOutput.print(report)
            return
        }
        let group = report.attack == "collective" ? " on groups of \(report.groupBoxes) boxes" : ""
        print("\(report.attack) attack\(group), eps = \(formatted(report.epsilon)), \(grouped(report.rounds)) rounds x \(report.runs) runs")
        print("runs with a key:                 \(report.runsWithKey) of \(report.runs)"
              + (report.runsWithKey < report.runs ? " (the others aborted: no key, nothing to learn)" : ""))
        print("key bits (all runs):             \(grouped(report.keyBits))")
        print("raw-key bits Eve knew directly:  \(formatted(report.knownRawFraction * 100, digits: 4))%")
        print("key bits Eve determines:         \(report.knownKeyBits)")
        print("key parities Eve determines:     \(report.knownKeyParities)")
        print("her guessing advantage per bit:  \(formatted(report.guessingAdvantage))")
        print("her distance from uniform:       mean \(formatted(report.measuredDistanceFromUniform)), worst \(formatted(report.worstDistanceFromUniform))")
        if let claimed = report.claimedEpsilonSecurity {
            print("claimed epsilonSecurity:         \(formatted(claimed))")
        }
        print("Eve's deductions match the key:  \(report.deductionsCorrect ? "yes" : "NO")")
        if let bits = report.hypotheticalKeyBits, let d = report.hypotheticalDistanceFromUniform {
            print("a \(grouped(bits))-bit key instead:     distance from uniform \(formatted(d)) (mean)")
        }
        print("verdict:                         \(report.verdict)")
        if let svg { print("wrote \(svg)") }
    }
}
