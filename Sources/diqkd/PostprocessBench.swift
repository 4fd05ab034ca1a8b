import ArgumentParser
import CommandLineSupport
import Foundation
import Protocol
import Records
import Simulation

struct PostprocessBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postprocess",
        abstract: "Reads and validates recorded rounds (plain CSV, a lab-style CSV read through the import options, binary), then runs the protocol on them.",
        discussion: "Example:\n  diqkd bench postprocess --rounds 10000000 --json")

    @Option(help: "Number of rounds to simulate and record, 1,000 to 100,000,000.")
    var rounds: Int = 10_000_000

    @Flag(help: "JSON lines.")
    var json = false

    func run() throws {
        guard (1000...100_000_000).contains(rounds) else {
            throw CLIError.usage("--rounds must be between 1,000 and 100,000,000 (got \(rounds)).")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("diqkd-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let configuration = ProtocolConfiguration(rounds: rounds)
        let output = SimulatedRun.run(model: QuantumDeviceModel(visibility: 0.99), configuration: configuration, seed: 5,
                                      recording: true)
        let recorded = output.recorded!
        try SimulatedLayout.write(recorded.alice, path: "\(folder)/alice.csv", bob: false)
        try SimulatedLayout.write(recorded.bob, path: "\(folder)/bob.csv", bob: true)
        try LabExport.write(from: "\(folder)/alice.csv", to: "\(folder)/alice-lab.csv")
        try LabExport.write(from: "\(folder)/bob.csv", to: "\(folder)/bob-lab.csv")
        for format in ["csv", "csv-mapped", "binary"] {
            if format == "binary" {
                for party in ["alice", "bob"] {
                    var reader = try openRecords("\(folder)/\(party).csv")
                    let writer = try BinaryRecordWriter(path: "\(folder)/\(party).bin", columns: reader.columns)
                    while let batch = try reader.next() { try writer.write(batch) }
                    try writer.close()
                }
            }
            let (alicePath, bobPath) = switch format {
            case "csv": ("\(folder)/alice.csv", "\(folder)/bob.csv")
            case "csv-mapped": ("\(folder)/alice-lab.csv", "\(folder)/bob-lab.csv")
            default: ("\(folder)/alice.bin", "\(folder)/bob.bin")
            }
            let options = format == "csv-mapped" ? LabExport.options : RecordImport()
            PeakMemory.reset()
            var loaded: RecordedRun?
            let readSeconds = try measureSeconds {
                loaded = try RecordedRun.load(alice: alicePath, bob: bobPath, aliceImport: options, bobImport: options,
                                              needsTestMarks: true, collectAudit: false)
            }
            let readPeak = PeakMemory.bytes() ?? -1
            let result = loaded!.process(configuration: configuration, seed: 5)
            try emit(["benchmark": "postprocess", "format": format, "rounds": rounds, "readSeconds": readSeconds,
                      "roundsPerSecond": Double(rounds) / readSeconds, "readPeakMemoryBytes": readPeak,
                      "protocolSeconds": result.report.seconds, "keyBits": result.report.keyBits,
                      "sameKeyAsSimulation": result.report.keyBits == output.result.report.keyBits], json: json)
        }
    }
}

/// The bench's lab-style export: the same rounds with the conventions of a real lab's file
/// (settings 1/2, outcomes +1/-1, picosecond times, semicolons, columns in another order, an
/// extra herald column, a comment header), read back through ``options``.
enum LabExport {
    static var options: RecordImport {
        var options = RecordImport()
        options.inputs = ValueConvention(zero: "1", one: "2")
        options.outputs = ValueConvention(zero: "+1", one: "-1")
        options.columnNames[.output] = "click"
        return options
    }

    /// Rewrites a plain record file in that shape.
    static func write(from plain: String, to path: String) throws {
        var reader = try openRecords(plain)
        let output = try BufferedFileOutput(path: path)
        output.buffer += Array("# lab export (bench)\n# columns: trial, setting, click, herald, time in ps, position\n".utf8)
        output.buffer += Array(("trial;time_ps;setting;click;herald;x_m;y_m;z_m" + (reader.columns.testMarks ? ";test" : "") + "\n").utf8)
        while let batch = try reader.next() {
            for i in 0..<batch.count {
                output.buffer += Array(("\(batch.rounds[i]);\(batch.timesNs[i])000;\(batch.inputs[i] + 1);\(batch.outputs[i] == 0 ? "+1" : "-1");1;"
                                        + "\(batch.x[i]);\(batch.y[i]);\(batch.z[i])" + (reader.columns.testMarks ? ";\(batch.testMarks[i])" : "") + "\n").utf8)
                try output.flushIfFull()
            }
        }
        try output.close()
    }
}
