import ArgumentParser
import CommandLineSupport
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

    @Option(help: "Bits per reconciliation frame, 4096 to 2^30 (shorter frames do not decode with the measured margins; frames of 2^20 bits or more use quasi-cyclic codes).")
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
        try deliver(output.result, simulation: true, to: folder, json: json)
    }
}
