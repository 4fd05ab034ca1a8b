import CommandLineSupport
import ArgumentParser
import SecurityBounds

struct Rate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Asymptotic key rate against non-signalling (and, for comparison, quantum) adversaries.",
        discussion: """
            Examples:
              diqkd rate --epsilon 0.2 --delta 0.02
              diqkd rate --visibility 0.99 --json
              diqkd rate --visibility 0.995 --detection-efficiency 0.99 --alice-angles 0,-30 --bob-angles 0,30
            """
    )

    @OptionGroup var errors: ErrorRateOptions

    @Flag(help: "Print a JSON object instead of text.")
    var json = false

    func run() throws {
        let (epsilon, delta, model) = try errors.resolve()
        let report = RateReport(epsilon: epsilon, delta: delta)
        if json {
            try JSONOutput.print(report)
            return
        }
        if let model {
            print("device model: visibility \(model.visibility), detection efficiency \(model.detectionEfficiency), "
                  + "angles Alice \(model.aliceAngles) Bob \(model.bobAngles)")
        }
        print("CHSH error eps:                 \(formatted(report.epsilon))")
        print("key-basis error delta:          \(formatted(report.delta))")
        print("CHSH value S:                   \(formatted(report.chshValue))")
        print("non-signalling rate (Lemma 19): \(formatted(report.rate)) bits per raw-key round")
        print("Corollary 2 threshold:          eps < \(formatted(report.epsilonThreshold)) at this delta: "
              + (report.keyAgreementPossible ? "key agreement possible" : "no key"))
        print("smallest quantum eps here:      \(formatted(report.quantumMinimumEpsilon))")
        if let quantum = report.quantumAdversaryRate {
            print("quantum-adversary rate:         \(formatted(quantum)) (Pironio et al. 2009; comparison only, not our claim)")
        } else {
            print("quantum-adversary rate:         not defined (needs 2 < S <= 2 sqrt 2)")
        }
    }
}
