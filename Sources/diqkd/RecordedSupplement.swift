import CommandLineSupport
import Foundation
import Protocol
import Records
import SecurityBounds

/// What `postprocess` adds to the protocol's report for recorded data: how each file was read
/// (`import`), the field's CHSH statistics over every trial (`fieldStatistics`), and in
/// spot-check mode the key rounds whose inputs were not `(0, 0)`; with summary lines and
/// warnings for the report.
enum RecordedSupplement {
    /// Signalling p-values below this are reported as a warning: at 10^-3 an honest experiment
    /// sees it about once in a thousand runs per party.
    static let signallingWarningPValue = 1e-3

    static func make(_ run: RecordedRun, mode: ProtocolMode) -> (supplement: ReportSupplement, warnings: [String]) {
        var supplement = ReportSupplement()
        var warnings: [String] = []
        supplement.sections.append((key: "import", value: ImportSection(alice: run.imports[0], bob: run.imports[1])))
        let statistics = run.fieldStatistics
        supplement.sections.append((key: "fieldStatistics", value: statistics))
        supplement.summary += summary(statistics)
        for report in run.imports {
            var notes: [String] = []
            if !report.flags.isEmpty { notes.append("read as \(report.flags)") }
            if report.noClicks > 0 { notes.append("\(grouped(report.noClicks)) no-click rounds counted as output \(report.noClickOutput ?? 0)") }
            if report.roundedTimes > 0 { notes.append("\(grouped(report.roundedTimes)) times rounded to the nearest ns") }
            if !notes.isEmpty { supplement.summary.append("import \(report.file): " + notes.joined(separator: "; ")) }
        }
        for test in statistics.signalling {
            guard let p = test.pValue, p < signallingWarningPValue else { continue }
            let (own, other) = test.party == "alice" ? ("Alice", "Bob") : ("Bob", "Alice")
            warnings.append("\(own)'s outcomes depend on \(other)'s setting (signalling test p = \(formatted(p, digits: 3)), "
                            + "chi^2 = \(formatted(test.chiSquared ?? 0, digits: 4))): the data are inconsistent with the "
                            + "non-signalling premise; check the setting and timing records")
        }
        if mode == .spotCheck, let other = run.keyRoundsWithOtherInputs {
            supplement.sections.append((key: "keyRoundsWithOtherInputs", value: other))
            if other > 0 {
                let message = "\(grouped(other)) untested rounds have inputs other than (0,0): spot-check key rounds use the "
                    + "key setting (0,0), so these give no key"
                supplement.summary.append(message)
                warnings.append(message)
            }
        }
        return (supplement, warnings)
    }

    /// Lines for the summary: S from the correlators beside the trial-weighted value, each E_uv,
    /// and the signalling p-values.
    static func summary(_ s: CorrelationStatistics) -> [String] {
        var lines: [String] = []
        if let value = s.chshValue, let error = s.chshStandardError {
            let weighted = s.trialWeightedCHSH.map { "; trial-weighted 4 - 8 f/n = \(formatted($0, digits: 4))" } ?? ""
            lines.append("field statistics over all \(grouped(s.trials)) trials: S = E00 + E01 + E10 - E11 = "
                         + "\(formatted(value, digits: 4)) ± \(formatted(error, digits: 2))\(weighted)")
        } else {
            lines.append("field statistics over all \(grouped(s.trials)) trials: S not defined (a setting pair has no trial)")
        }
        lines.append("  " + s.pairs.map { pair in
            let e = pair.correlator.map { "\(formatted($0, digits: 4)) ± \(formatted(pair.standardError ?? 0, digits: 2))" } ?? "-"
            return "E\(pair.alice)\(pair.bob) = \(e) (n = \(grouped(pair.trials)))"
        }.joined(separator: ", "))
        let tests = s.signalling.map { test in
            let who = test.party == "alice" ? "Alice's outcomes vs Bob's setting" : "Bob's outcomes vs Alice's setting"
            return "\(who) p = " + (test.pValue.map { formatted($0, digits: 3) } ?? "-")
        }
        lines.append("  signalling check: " + tests.joined(separator: "; "))
        return lines
    }
}

/// The report's `import` section: how each lab's file was read.
struct ImportSection: Encodable, Sendable {
    let alice: ImportReport
    let bob: ImportReport
}

/// A command's JSON result with the `import` section beside its own keys.
struct WithImport<Result: Encodable>: Encodable {
    let result: Result
    let imports: ImportSection

    private enum Keys: String, CodingKey { case `import` }

    func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(imports, forKey: .import)
    }
}
