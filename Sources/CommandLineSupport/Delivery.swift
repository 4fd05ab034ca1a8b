import Foundation
import Hashing
import Protocol
import SecurityBounds

/// Writes a run's keys and report and chooses the exit: shared by every command that runs the
/// protocol.
/// - Parameter simulation: whether the measurements were simulated (``ProtocolReport/simulation``).
package func deliver(_ result: ProtocolRun.Result, simulation: Bool, to folder: OutputFolder, json: Bool) throws {
    try deliver(alice: result.alice, bob: result.bob, report: result.report, simulation: simulation, to: folder, json: json)
}

/// The console line that marks a key from simulated measurements.
package let simulatedKeyWarning = "SIMULATED measurements: this key is for testing only and is NOT secret (the simulator saw and "
    + "could have set every output); stores refuse it unless --allow-simulated-keys is given"

/// - Parameter supplement: sections a command adds to the report (recorded data's `import` and
///   field statistics), and lines for its summary.
package func deliver(alice: PartyOutcome, bob: PartyOutcome, report: ProtocolReport, supplement: ReportSupplement? = nil,
                     simulation: Bool, to folder: OutputFolder, json: Bool) throws {
    var report = report
    report.simulation = simulation
    var keys: (SecretBits, SecretBits)?
    if case .key(let aliceKey) = alice, case .key(let bobKey) = bob, !report.aborted {
        if aliceKey == bobKey {
            keys = (aliceKey, bobKey)
        } else {
            report = report.refusingKey(reason: "verification passed but the keys differ; no key was written (please report this)")
        }
    }
    let earlier = try folder.publish(report: report, supplement: supplement, aliceKey: keys?.0, bobKey: keys?.1)
    if let earlier {
        FileHandle.standardError.write(Data("diqkd: the earlier run's files in \(folder.path) were moved to \(earlier)/.\n".utf8))
    }
    if json {
        try JSONOutput.print(SupplementedReport(report: report, supplement: supplement))
    } else {
        printSummary(report, folder: folder, extra: supplement?.summary ?? [])
    }
    if report.aborted {
        throw CLIError.aborted("protocol aborted: \(report.abortReason ?? "unknown reason"); no key written.")
    }
}

private func printSummary(_ report: ProtocolReport, folder: OutputFolder, extra: [String]) {
    print("mode \(report.mode.rawValue), \(grouped(report.rounds)) rounds: \(grouped(report.testRounds)) tested, "
          + "\(grouped(report.rawKeyBits)) raw key bits")
    if let epsilon = report.epsilonEstimate, let s = report.chshValue {
        let upper = report.epsilonUpper.map { ", certified eps_up \(probabilityBoundText($0, digits: 5))" } ?? ""
        let delta = report.deltaEstimate.map { "; key-basis error delta \(formatted($0, digits: 4))" } ?? ""
        print("CHSH error eps \(formatted(epsilon, digits: 5)) (S = \(formatted(s, digits: 5)))\(upper)\(delta)")
    } else {
        print("CHSH error and key-basis error: not estimated (\(report.estimateUnavailableReason ?? "no test data"))")
    }
    for line in extra { print(line) }
    for warning in report.warnings {
        FileHandle.standardError.write(Data("WARNING: \(warning)\n".utf8))
    }
    if report.simulation == true && !report.aborted { print(simulatedKeyWarning) }
    if report.syndromeBits > 0 {
        let efficiency = report.achievedEfficiency.map { ", f = \(formatted($0, digits: 3))" } ?? ""
        print("reconciliation: \(grouped(report.syndromeBits)) syndrome bits\(efficiency); verification: \(report.verificationBits) bits")
    }
    if report.aborted {
        print("ABORTED: \(report.abortReason ?? "")")
    } else {
        print("key: \(grouped(report.keyBits)) bits, identical for Alice and Bob, in \(folder.path)/alice.key and bob.key")
        print("eps_sec = eps_PE + eps_PA = \(formatted(report.epsilonSecurity, digits: 3)), eps_cor = 2^-\(formatted(-log2(report.epsilonCorrectness), digits: 4)); "
              + (report.asymptoticRate.map { "asymptotic rate at these errors \(formatted($0, digits: 4))" } ?? ""))
    }
    let stages = ["measurement", "estimation", "reconciliation", "verification", "amplification"]
        .compactMap { stage in report.stageSeconds[stage].map { "\(stage) \(String(format: "%.2f", $0)) s" } }
    print("time: \(String(format: "%.2f", report.seconds)) s (\(stages.joined(separator: ", ")))")
    print("report: \(folder.path)/report.json")
}

/// Sections a command adds to its report beside the protocol's fields, and the lines that
/// summarise them.
package struct ReportSupplement: Sendable {
    /// Top-level report keys and their values.
    package var sections: [(key: String, value: any Encodable & Sendable)] = []
    package var summary: [String] = []

    package init() {}
}

/// A report with its supplement's sections as further top-level keys.
package struct SupplementedReport: Encodable {
    let report: ProtocolReport
    let supplement: ReportSupplement?

    package init(report: ProtocolReport, supplement: ReportSupplement?) {
        self.report = report
        self.supplement = supplement
    }

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    package func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        guard let supplement else { return }
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in supplement.sections { try container.encode(value, forKey: Key(stringValue: key)) }
    }
}
