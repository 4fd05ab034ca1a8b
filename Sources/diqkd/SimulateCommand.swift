import ArgumentParser
import Foundation
import Hashing
import Protocol
import SecurityBounds
import Simulation

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole protocol between a simulated Alice and Bob and write both keys and a report.",
        discussion: """
            Alice and Bob are separate state machines that talk only over a public channel; each \
            measures its own simulated device (a singlet at the angles of Figure 14 with Werner \
            noise and lossy detectors). Writes alice.key, bob.key (raw bytes, most significant bit \
            first) and report.json into --out; on an abort (exit 3) no key is written.

            Examples:
              diqkd simulate
              diqkd simulate --rounds 20000000 --visibility 0.98 --out run1 --json
              diqkd simulate --mode paper --rounds 40000000 --test-fraction 0.05
            """
    )

    @Option(help: "Number of rounds (boxes measured).")
    var rounds: Int = 10_000_000

    @OptionGroup var classical: FiniteSizeOptions

    @OptionGroup(title: "Device model")
    var device: DeviceModelOptions

    @Option(help: "Bits per reconciliation frame (frames of 2^20 bits or more use quasi-cyclic codes).")
    var frameBits: Int = ReconciliationMargin.defaultFrameBits

    @Option(help: "Make the run reproducible. Such keys are NOT secret.")
    var seed: UInt64?

    @Option(help: "Folder for alice.key, bob.key and report.json.")
    var out: String = "diqkd-output"

    @Option(help: "Also write each lab's rounds as alice.csv and bob.csv in this folder (for `postprocess`).")
    var record: String?

    @Flag(help: "Print the report as JSON instead of a summary.")
    var json = false

    func run() throws {
        let configuration = try classical.configuration(rounds: rounds, frameBits: frameBits)
        let needed = SimulatedRun.estimatedPeakBytes(rounds: rounds)
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard needed <= 0.9 * available else {
            throw CLIError.usage("--rounds \(grouped(rounds)) needs about \(formatted(needed / 1e9, digits: 3)) GB of memory "
                                 + "(6 bytes a round), more than this machine's \(formatted(available / 1e9, digits: 3)) GB; use fewer rounds.")
        }
        let model = try device.model(defaultVisibility: 0.99)
        // Checked before --out is created, so that a bad --record creates nothing.
        if let record, isFolder(record) == false { throw CLIError.usage("--record \(record) exists and is not a folder.") }
        let folder = try OutputFolder(path: out)
        if seed != nil {
            FileHandle.standardError.write(Data("WARNING: --seed makes this run reproducible; its keys are NOT secret.\n".utf8))
        }
        let recordFolder = try record.map { try OutputFolder(path: $0, flag: "--record") }
        let progress = ProgressReporter()
        let output = SimulatedRun.run(model: model, configuration: configuration, seed: seed, recording: recordFolder != nil,
                                      progress: progress.handler)
        if let recordFolder, let rounds = output.recorded {
            progress.handler("recording", 0)
            try SimulatedLayout.write(rounds.alice, path: "\(recordFolder.path)/alice.csv", bob: false)
            try SimulatedLayout.write(rounds.bob, path: "\(recordFolder.path)/bob.csv", bob: true)
        }
        progress.finish()
        try deliver(output.result, to: folder, json: json)
    }
}

/// Writes a run's keys and report and chooses the exit: shared by every command that runs the
/// protocol.
func deliver(_ result: ProtocolRun.Result, to folder: OutputFolder, json: Bool) throws {
    try deliver(alice: result.alice, bob: result.bob, report: result.report, to: folder, json: json)
}

func deliver(alice: PartyOutcome, bob: PartyOutcome, report: ProtocolReport, to folder: OutputFolder, json: Bool) throws {
    var report = report
    var keys: (SecretBits, SecretBits)?
    if case .key(let aliceKey) = alice, case .key(let bobKey) = bob, !report.aborted {
        if aliceKey == bobKey {
            keys = (aliceKey, bobKey)
        } else {
            report = report.refusingKey(reason: "verification passed but the keys differ; no key was written (please report this)")
        }
    }
    let earlier = try folder.publish(report: report, aliceKey: keys?.0, bobKey: keys?.1)
    if let earlier {
        FileHandle.standardError.write(Data("diqkd: the earlier run's files in \(folder.path) were moved to \(earlier)/.\n".utf8))
    }
    if json {
        try JSONOutput.print(report)
    } else {
        printSummary(report, folder: folder)
    }
    if report.aborted {
        throw CLIError.aborted("protocol aborted: \(report.abortReason ?? "unknown reason"); no key written.")
    }
}

private func printSummary(_ report: ProtocolReport, folder: OutputFolder) {
    print("mode \(report.mode.rawValue), \(grouped(report.rounds)) rounds: \(grouped(report.testRounds)) tested, "
          + "\(grouped(report.rawKeyBits)) raw key bits")
    if let epsilon = report.epsilonEstimate, let s = report.chshValue {
        let upper = report.epsilonUpper.map { ", certified eps_up \(formatted($0, digits: 5))" } ?? ""
        let delta = report.deltaEstimate.map { "; key-basis error delta \(formatted($0, digits: 4))" } ?? ""
        print("CHSH error eps \(formatted(epsilon, digits: 5)) (S = \(formatted(s, digits: 5)))\(upper)\(delta)")
    } else {
        print("CHSH error and key-basis error: not estimated (\(report.estimateUnavailableReason ?? "no test data"))")
    }
    for warning in report.warnings {
        FileHandle.standardError.write(Data("WARNING: \(warning)\n".utf8))
    }
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
