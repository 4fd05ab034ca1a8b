import ArgumentParser
import EveLP
import CommandLineSupport
import Foundation
import NonSignaling

struct Bound: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Eve's optimal non-signalling attack on the parity of n boxes (the LP of Lemma 10).",
        discussion: """
            Solves the LP (up to 4 boxes), checks its dual certificate independently of the solver, \
            builds Lemma 10's optimal partition element, and compares with the closed forms (Lemma 6 \
            for independent boxes, Lemma 14 for any behaviour) and Lemma 12's tensor certificate \
            (up to 8 boxes). Distances are Definition 6's distance from uniform d.

            Examples:
              diqkd bound --boxes 2 --epsilon 0.1
              diqkd bound --epsilon 0.1,0.05,0.2 --parity 5 --inputs 1,0 --json
              diqkd bound --behaviour correlated.json --solver interior-point
              diqkd bound --boxes 2 --epsilon 0.1 --element eve.json   (then: bound --behaviour eve.json)
            Behaviour files: {"boxes": n, "probabilities": [16^n numbers]} in the flat layout \
            index = ((x*2^n + y)*2^n + u)*2^n + v.
            """
    )

    @Option(help: "Number of boxes (with --epsilon; a single eps is then repeated).")
    var boxes: Int?

    @Option(help: "CHSH errors of independent unbiased boxes, comma-separated (one per box, or one for all).")
    var epsilon: String?

    @Option(help: "A behaviour file (JSON) instead of --epsilon.")
    var behaviour: String?

    @Option(help: "Parity mask c as an n-bit integer, bit i = box i (default: all boxes).")
    var parity: Int?

    @Option(help: "Public inputs u*,v* as n-bit integers.")
    var inputs: String = "0,0"

    @Option(help: "LP solver: auto (Clp up to 3 boxes, interior point beyond), clp, interior-point.")
    var solver: String = "auto"

    @Option(help: "Write Eve's optimal partition element P^{Z=0} as a behaviour file (with its weight p).")
    var element: String?

    @Flag(help: "Print a JSON object instead of text.")
    var json = false

    func run() throws {
        let source = try resolveSource()
        let (u, v) = try parseInputs()
        let backend: EveLinearProgram.Backend?
        switch solver {
        case "auto": backend = nil
        default:
            guard let chosen = EveLinearProgram.Backend(rawValue: solver) else {
                throw CLIError.usage("--solver \(solver): expected auto, clp or interior-point.")
            }
            backend = chosen
        }
        let progress = ProgressReporter()
        let report: BoundReport
        let optimum: EveOptimum?
        do {
            (report, optimum) = try EveBound.analyseWithOptimum(
                source, parity: parity, aliceInputs: u, bobInputs: v, backend: backend,
                clock: { Date().timeIntervalSince1970 },
                progress: { iteration, gap in
                    // Interior-point iterations: the gap falls from ~1 to 1e-10 (10 decades).
                    let fraction = min(1, max(0, -log10(max(gap, 1e-10)) / 10))
                    progress.handler("interior point", fraction)
                    _ = iteration
                })
        } catch {
            progress.finish()
            switch error {
            case .problem, .tooManyBoxes: throw CLIError.usage(error.description)
            case .lp: throw CLIError.failure(error.description)
            }
        }
        progress.finish()
        if let element {
            guard let optimum else {
                throw CLIError.usage("--element needs the LP, which is solved for at most \(EveLinearProgram.maximumBoxes) boxes.")
            }
            let contents: [String: Any] = ["boxes": optimum.elementBox.boxes, "weight": optimum.elementWeight,
                                           "probabilities": optimum.elementBox.probabilities]
            let data = try JSONSerialization.data(withJSONObject: contents, options: [.sortedKeys])
            try writeAtomically(String(decoding: data, as: UTF8.self) + "\n", to: element, flag: "--element")
        }
        if json {
            try JSONOutput.print(report)
            return
        }
        func line(_ label: String, _ value: String) { print(label.padding(toLength: 32, withPad: " ", startingAt: 0) + value) }
        print("boxes \(report.boxes), parity mask \(report.parity), public inputs u* = \(u), v* = \(v)")
        if let d = report.distanceFromUniform {
            line("LP optimum (Lemma 10):", "d = \(formatted(d, digits: 10))   [\(report.solver ?? ""), \(report.iterations ?? 0) "
                 + "iterations, \(grouped(report.reducedVariables)) reduced variables for \(grouped(report.variables))]")
            if let upper = report.certifiedUpperBound { line("dual certificate proves:", "d <= \(formatted(upper, digits: 10))") }
            if let weight = report.elementWeight {
                line("optimal partition element:", "p = \(formatted(weight, digits: 8)), "
                     + ((report.elementValid ?? false) ? "valid by Lemma 9" : "NOT valid by Lemma 9"))
            }
        } else {
            line("LP optimum (Lemma 10):", "not solved (more than \(EveLinearProgram.maximumBoxes) boxes)")
        }
        line("analytic bound (\(behaviour == nil ? "Lemma 6" : "Lemma 14")):", "d <= \(formatted(report.analyticBound, digits: 10))")
        if let lemma14 = report.lemma14Bound, behaviour == nil {
            line("Lemma 14 bound:", "d <= \(formatted(lemma14, digits: 10))")
        }
        line("tensor certificate (Lemma 12):", "d <= \(formatted(report.tensorCertificateBound, digits: 10)), "
             + (report.tensorCertificateVerified ? "verified" : "FAILED"))
        line("certificate verified:", report.certificateVerified ? "yes" : "NO")
        line("seconds:", formatted(report.seconds, digits: 4))
        if let element { print("wrote Eve's optimal partition element to \(element)") }
    }

    private func resolveSource() throws -> EveBound.Source {
        switch (epsilon, behaviour) {
        case (nil, nil): throw CLIError.usage("give --epsilon LIST (independent boxes) or --behaviour FILE.")
        case (.some, .some): throw CLIError.usage("give either --epsilon or --behaviour, not both.")
        case (let list?, nil):
            var values: [Double] = []
            for item in list.split(separator: ",", omittingEmptySubsequences: false) {
                guard let value = Double(item.trimmingCharacters(in: .whitespaces)), value.isFinite,
                      (0...0.5).contains(value) else {
                    throw CLIError.usage("--epsilon: '\(item)' is not an error rate between 0 and 0.5.")
                }
                values.append(value)
            }
            if let boxes {
                guard (1...8).contains(boxes) else { throw CLIError.usage("--boxes \(boxes): expected 1 to 8.") }
                if values.count == 1 { values = Array(repeating: values[0], count: boxes) }
                guard values.count == boxes else {
                    throw CLIError.usage("--epsilon has \(values.count) values for --boxes \(boxes).")
                }
            }
            guard (1...8).contains(values.count) else {
                throw CLIError.usage("--epsilon: \(values.count) boxes; expected 1 to 8.")
            }
            return .independent(epsilons: values)
        case (nil, let path?):
            if boxes != nil { throw CLIError.usage("--boxes goes with --epsilon; a behaviour file states its own.") }
            return .behaviour(try BehaviourFile.load(path))
        }
    }

    private func parseInputs() throws -> (Int, Int) {
        let parts = inputs.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let u = parts[0], let v = parts[1] else {
            throw CLIError.usage("--inputs \(inputs): expected two integers U,V.")
        }
        return (u, v)
    }
}

/// Behaviour files of SPEC.md, read from disk; ``Behaviour/decodeFile(_:)`` decodes and
/// validates them.
enum BehaviourFile {
    static func load(_ path: String) throws -> Behaviour {
        let data = try BoundedFile.read(path, maximumBytes: BoundedFile.behaviourBytes, what: "behaviour file \(path)")
        do {
            return try Behaviour.decodeFile(data)
        } catch {
            throw CLIError.usage("\(path): \(error.description)")
        }
    }
}
