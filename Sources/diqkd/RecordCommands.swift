import ArgumentParser
import CommandLineSupport
import Foundation
import Hashing
import Protocol
import Records

/// How simulated records place the events: one detector per lab, 100 m apart, a round every
/// microsecond (the usual sequential layout of a real experiment).
enum SimulatedLayout {
    static let bobX = 100.0
    static let roundIntervalNs: Int64 = 1000

    static func write(_ rounds: RecordedRounds, path: String, bob: Bool) throws {
        let columns = RecordColumns(timeUncertainty: false, testMarks: rounds.testMarks != nil, simulated: true)
        do {
            let writer = try CSVRecordWriter(path: path, columns: columns)
            var start = 0
            while start < rounds.inputs.count {
                let end = min(rounds.inputs.count, start + CSVRecordReader.batchSize)
                var batch = RecordBatch()
                for i in start..<end {
                    batch.rounds.append(Int64(i + 1))
                    batch.inputs.append(rounds.inputs[i] ? 1 : 0)
                    batch.outputs.append(rounds.outputs[i] ? 1 : 0)
                    batch.timesNs.append(Int64(i + 1) * roundIntervalNs)
                    batch.x.append(bob ? bobX : 0); batch.y.append(0); batch.z.append(0)
                    if let marks = rounds.testMarks { batch.testMarks.append(marks[i] ? 1 : 0) }
                }
                try writer.write(batch)
                start = end
            }
            try writer.close()
        } catch {
            throw CLIError.failure("cannot write records: \(error.description)")
        }
    }
}

struct Postprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the classical protocol on recorded data: Alice's and Bob's record files.",
        discussion: """
            Each file is one party's rounds (CSV: round,input,output,time_ns,x_m,y_m,z_m \
            [,time_uncertainty_ns][,test], or the binary form made by `diqkd convert`). A lab's own \
            export is read by header names and the import flags (--column, --inputs, --outputs, \
            --no-click, --time-unit, ...), recorded in the report's `import` section. The files \
            are checked line by line, the space-like separation of all events is audited, and only \
            if the premise holds is a key certified — or if you pass --assume-nonsignaling (for \
            example when the boxes are shielded instead), which the report records. The report \
            also gives the field's CHSH statistics over every trial (`fieldStatistics`).

            Examples:
              diqkd postprocess --alice alice.csv --bob bob.csv --mode paper --out keys
              diqkd postprocess --alice a.csv --bob b.csv --mode paper --inputs 1,2 --outputs 1,-1 \
                --no-click '' --no-click-output 0 --time-unit ps --alice-position 0,0,0 --bob-position 1300,0,0
              diqkd simulate --rounds 3000000 --seed 7 --record rec && \\
                diqkd postprocess --alice rec/alice.csv --bob rec/bob.csv --seed 7 --assume-nonsignaling
            """
    )

    @Option(help: "Alice's record file.")
    var alice: String

    @Option(help: "Bob's record file.")
    var bob: String

    @OptionGroup var classical: FiniteSizeOptions

    @Option(help: "Bits per reconciliation frame, 4096 to 2^30 (shorter frames do not decode with the measured margins; frames of 2^20 bits or more use quasi-cyclic codes).")
    var frameBits: Int = ReconciliationMargin.defaultFrameBits

    @OptionGroup(title: "Reading a lab's export") var importing: RecordImportOptions

    @OptionGroup var positions: LabPositionOptions

    @Flag(help: "Certify a key even if the space-like audit fails (the premise is then assumed, not shown).")
    var assumeNonsignaling = false

    @Option(help: "Reproduce the test selection and hash seeds of `simulate --seed`. Such keys are NOT secret.")
    var seed: UInt64?

    @Option(help: "Folder for alice.key, bob.key and report.json.")
    var out: String = "diqkd-output"

    @Flag(help: "Print the report as JSON instead of a summary.")
    var json = false

    func run() throws {
        warnIfSameFile(alice: alice, bob: bob)
        var configuration = try classical.configuration(rounds: 1, frameBits: frameBits)
        let parameters = configuration.finiteSize
        let progress = ProgressReporter()
        var imports = try positions.imports(importing)
        // Without the audit, times and positions are not used: files may lack them.
        imports.alice.requiresTimeAndPosition = !assumeNonsignaling
        imports.bob.requiresTimeAndPosition = !assumeNonsignaling
        var loaded: RecordedRun
        do {
            loaded = try RecordedRun.load(alice: alice, bob: bob, aliceImport: imports.alice, bobImport: imports.bob,
                                          needsTestMarks: parameters.mode == .spotCheck,
                                          rejectsTestMarks: parameters.mode == .paper,
                                          collectAudit: !assumeNonsignaling, opened: noteIgnoredColumns) { progress.handler("reading", $0) }
        } catch {
            throw CLIError.usage("\(error.description).")
        }
        let (supplement, dataWarnings) = RecordedSupplement.make(loaded, mode: parameters.mode)
        configuration.rounds = loaded.rounds
        let folder = try OutputFolder(path: out)
        if seed != nil {
            FileHandle.standardError.write(Data("WARNING: --seed makes the hash seeds reproducible; such keys are NOT secret.\n".utf8))
        }
        var auditVerdict: String?
        if var audit = loaded.audit.take() {
            progress.handler("audit", 0)
            let printer = AuditProgressPrinter()
            audit.progress = printer.handler
            let report = audit.run()
            printer.finish()
            auditVerdict = report.verdict.rawValue
            if report.verdict == .fail {
                progress.finish()
                var refused = loaded.process(configuration: configuration, seed: seed, progress: nil).report
                refused = refused.refusingKey(reason: "the non-signalling premise fails: \(report.violatingPairs ?? report.violatingPairsLower) pairs of "
                                              + "measurement events are not space-like separated (see `diqkd audit`); "
                                              + "pass --assume-nonsignaling to certify the key under that assumption instead")
                refused.premise = "audited"
                refused.auditVerdict = "fail"
                refused.warnings += dataWarnings
                try deliver(alice: .aborted(reason: refused.abortReason!), bob: .aborted(reason: refused.abortReason!),
                            report: refused, supplement: supplement, simulation: loaded.imports.contains(where: \.simulated), to: folder, json: json)
                return
            }
        }
        let result = loaded.process(configuration: configuration, seed: seed, progress: progress.handler)
        progress.finish()
        var report = result.report
        report.premise = assumeNonsignaling ? "assumed" : "audited"
        report.auditVerdict = auditVerdict
        report.warnings += dataWarnings
        // Records written by `simulate --record` (or converted from them) say so.
        try deliver(alice: result.alice, bob: result.bob, report: report, supplement: supplement,
                    simulation: loaded.imports.contains(where: \.simulated), to: folder, json: json)
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that every pair of measurement events is space-like separated.",
        discussion: """
            The security premise needs no signal between any two measurement events: between the \
            labs and between the boxes inside each lab. A pair at distance d is space-like when \
            d / c > |t1 - t2| + u1 + u2 (u: timing uncertainties); a pair exactly on the light \
            cone fails. Counts the violating pairs of each kind exactly, without visiting every \
            pair (a time sweep or a k-d tree in space and time, chosen by a cost model), and \
            gives the worst margin (exact), examples and a verdict. A long count shows progress \
            and an estimate of the time left on stderr; --budget stops it early, and then only \
            bounds on the counts are given (labelled lower/upper), never a count.

            Exit status: 0 pass, 3 fail (some pair is not space-like), 2 bad input (the message \
            names the file and line).

            Examples:
              diqkd audit --alice alice.csv --bob bob.csv --json
              diqkd audit --alice alice.csv --bob bob.csv --budget 60 && diqkd postprocess ...
            """
    )

    @Option(help: "Alice's record file.")
    var alice: String

    @Option(help: "Bob's record file.")
    var bob: String

    @Option(help: "Stop counting after about this many seconds and give bounds on the counts (the verdict and worst margin stay exact).")
    var budget: Double?

    @Option(help: "Stop counting after examining this many pairs one by one, as --budget does.")
    var budgetPairs: Int?

    @Option(help: "How to count: auto (the cost model's choice), time-sweep or kd-tree. The results do not depend on it.")
    var method: String = SpaceLikeAudit.Method.automatic.rawValue

    @Flag(help: "Print a JSON object instead of text.")
    var json = false

    @OptionGroup(title: "Reading a lab's export") var importing: RecordImportOptions

    @OptionGroup var positions: LabPositionOptions

    func run() throws {
        guard let chosen = SpaceLikeAudit.Method(rawValue: method) else {
            throw CLIError.usage("--method must be auto, time-sweep or kd-tree (got '\(method)').")
        }
        if let budget, !(budget.isFinite && budget > 0) { throw CLIError.usage("--budget must be a positive number of seconds (got \(budget)).") }
        if let budgetPairs, budgetPairs <= 0 { throw CLIError.usage("--budget-pairs must be positive (got \(budgetPairs)).") }
        warnIfSameFile(alice: alice, bob: bob)
        let imports = try positions.imports(importing)
        var loaded: RecordedRun
        do {
            loaded = try RecordedRun.load(alice: alice, bob: bob, aliceImport: imports.alice, bobImport: imports.bob,
                                          needsTestMarks: false, collectAudit: true, opened: noteIgnoredColumns)
        } catch {
            throw CLIError.usage("\(error.description).")
        }
        var audit = loaded.audit.take()!
        audit.method = chosen
        audit.budget = SpaceLikeAudit.Budget(pairs: budgetPairs, seconds: budget)
        let printer = AuditProgressPrinter()
        audit.progress = printer.handler
        let report = audit.run()
        printer.finish()
        if json {
            try JSONOutput.print(WithImport(result: report, imports: ImportSection(alice: loaded.imports[0], bob: loaded.imports[1])))
        } else {
            printAudit(report)
        }
        if report.verdict == .fail {
            let count = report.violatingPairs.map { grouped($0) } ?? "at least \(grouped(report.violatingPairsLower))"
            throw CLIError.aborted("the premise fails: \(count) pairs of measurement events are not space-like separated "
                                   + "(worst margin \(formatted(report.worstMarginNs ?? 0)) ns).")
        }
    }

    private func printAudit(_ report: AuditReport) {
        print("events: \(grouped(report.events)); verdict: \(report.verdict.rawValue.uppercased())"
              + (report.exact ? "" : " (budget spent: the counts below are bounds, not counts)"))
        for category in SpaceLikeAudit.Category.allCases {
            let total = grouped(report.totalPairs[category] ?? 0)
            if let count = report.violationsByCategory?[category] {
                print("  \(category.rawValue) pairs: \(grouped(count)) of \(total) not space-like")
            } else {
                print("  \(category.rawValue) pairs: between \(grouped(report.violationsByCategoryLower[category] ?? 0)) (lower bound) and "
                      + "\(grouped(report.violationsByCategoryUpper[category] ?? 0)) (upper bound) of \(total) not space-like")
            }
        }
        if let worst = report.worstMarginNs { print("worst margin: \(formatted(worst)) ns") }
        for example in report.examples {
            print("  e.g. \(example.first.party) round \(example.first.round) at \(example.first.timeNs) ns and "
                  + "\(example.second.party) round \(example.second.round) at \(example.second.timeNs) ns: margin \(formatted(example.marginNs)) ns")
        }
        print("method: \(report.method) (\(grouped(report.examinedPairs)) pairs examined one by one)")
    }
}

/// Progress lines for a long audit on stderr: the share of pairs settled and a rough estimate
/// of the time left, redrawn twice a second on a terminal, a line every 5 s otherwise.
final class AuditProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive = isatty(STDERR_FILENO) != 0
    private var lastPrinted = -Double.infinity
    private var drawn = false

    var handler: @Sendable (SpaceLikeAudit.Progress) -> Void {
        { [self] progress in self.show(progress) }
    }

    private func show(_ progress: SpaceLikeAudit.Progress) {
        lock.lock()
        defer { lock.unlock() }
        guard interactive || progress.elapsedSeconds - lastPrinted >= 5 else { return }
        lastPrinted = progress.elapsedSeconds
        let left = progress.remainingSeconds.isFinite ? "about \(Int(progress.remainingSeconds.rounded())) s left" : "time left unknown"
        let line = "audit: \(String(format: "%.1f", progress.fraction * 100))% of pairs settled after "
            + "\(Int(progress.elapsedSeconds.rounded())) s, \(left)"
        FileHandle.standardError.write(Data((interactive ? "\r\(line)\u{1B}[K" : "\(line)\n").utf8))
        drawn = true
    }

    /// Clears a progress line left on a terminal.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if interactive && drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a record file between CSV and the compact binary form.",
        discussion: """
            The formats follow the file names: .csv is CSV, .bin the binary form (version 3, a \
            checksum per block); the input's format is recognised by its content. A lab's CSV \
            export is read with the import flags and written in the plain format.

            Examples:
              diqkd convert --input alice.csv --output alice.bin
              diqkd convert --input alice.bin --output alice.csv
              diqkd convert --input lab.csv --output alice.csv --inputs 1,2 --outputs 1,-1 --time-unit ps --position 0,0,0
            """
    )

    @Option(help: "The record file to read (CSV or binary, recognised by its content).")
    var input: String

    @Option(help: "The file to write: .csv or .bin.")
    var output: String

    @Option(help: "Target format, binary or csv, for an output name without .csv or .bin.")
    var to: String?

    @OptionGroup(title: "Reading a lab's export") var importing: RecordImportOptions

    @Option(help: ArgumentHelp("The device position in metres when the file has no x_m,y_m,z_m columns.", valueName: "x,y,z"))
    var position: String?

    /// The output format: the output's extension, or `--to` for other names; never binary into `.csv`.
    func targetFormat() throws -> String {
        let name = output.lowercased()
        let byName: String? = name.hasSuffix(".csv") ? "csv" : name.hasSuffix(".bin") ? "binary" : nil
        if let to {
            guard to == "binary" || to == "csv" else { throw CLIError.usage("--to must be 'binary' or 'csv' (got '\(to)').") }
            if let byName, byName != to {
                throw CLIError.usage("--to \(to) contradicts the output name \(output) (a .\(byName == "csv" ? "csv" : "bin") file); "
                                     + "name the output .\(to == "csv" ? "csv" : "bin")")
            }
            return to
        }
        guard let byName else {
            throw CLIError.usage("cannot tell the output format from '\(output)': name it .csv or .bin, or pass --to csv|binary.")
        }
        return byName
    }

    func run() throws {
        let format = try targetFormat()
        let options = try importing.recordImport(position: RecordImportOptions.position(position, flag: "--position"))
        do {
            var reader = try openRecords(input, options: options)
            noteIgnoredColumns(reader.importReport)
            if format == "binary" {
                let writer = try BinaryRecordWriter(path: output, columns: reader.columns)
                do { while let batch = try reader.next() { try writer.write(batch) } } catch { writer.discard(); throw error }
                try writer.close()
            } else {
                let writer = try CSVRecordWriter(path: output, columns: reader.columns)
                do { while let batch = try reader.next() { try writer.write(batch) } } catch { writer.discard(); throw error }
                try writer.close()
            }
            let report = reader.importReport
            var notes: [String] = []
            if report.noClicks > 0 { notes.append("\(grouped(report.noClicks)) no-click rounds counted as output \(report.noClickOutput ?? 0)") }
            if report.roundedTimes > 0 { notes.append("\(grouped(report.roundedTimes)) times rounded to the nearest ns") }
            if !notes.isEmpty { FileHandle.standardError.write(Data("diqkd: \(input): \(notes.joined(separator: "; "))\n".utf8)) }
        } catch let error as RecordError {
            throw CLIError.usage("\(error.description).")
        }
    }
}

/// The same file given for both labs is almost always a mistake: each lab records its own
/// measurements. Not an error, since the data then still read consistently.
func warnIfSameFile(alice: String, bob: String) {
    if SecretFiles.sameFile(alice, bob) {
        FileHandle.standardError.write(Data("diqkd: warning: --alice and --bob name the same file (\(alice)); each lab's own records are expected.\n".utf8))
    }
}
