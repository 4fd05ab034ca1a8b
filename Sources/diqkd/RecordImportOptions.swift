import ArgumentParser
import CommandLineSupport
import Foundation
import Records

/// The flags that read a lab's own CSV export (`postprocess`, `audit`, `convert`): columns,
/// value conventions, time unit, separator. They apply to both labs' files; each choice is
/// recorded in the report's `import` section.
struct RecordImportOptions: ParsableArguments {
    @Option(name: .customLong("column"), parsing: .singleValue,
            help: ArgumentHelp("A field's column by its header name, e.g. input=setting_a (repeatable).", valueName: "field=name"))
    var columnMappings: [String] = []

    @Option(help: ArgumentHelp("The file has no header line; its columns in order, e.g. round,input,output,time_ps,_ (_ skips one).",
                               valueName: "list"))
    var columns: String?

    @Option(help: ArgumentHelp("The input values meaning bit 0 and bit 1, e.g. 1,2 (default 0,1).", valueName: "a,b"))
    var inputs: String?

    @Option(help: ArgumentHelp("The output values meaning bit 0 and bit 1, e.g. 1,-1 (default 0,1).", valueName: "a,b"))
    var outputs: String?

    @Option(help: ArgumentHelp("The output text of a round without a detection ('' for an empty field); such rounds are kept, "
                               + "counted, and given --no-click-output.", valueName: "text"))
    var noClick: String?

    @Option(help: ArgumentHelp("The output bit a no-click round counts as (0 or 1).", valueName: "bit"))
    var noClickOutput: Int?

    @Option(help: ArgumentHelp("Unit of the time column: ps, ns, us or s (decimals allowed; rounded to the nearest ns, ties to even). "
                               + "Default: the unit in the column's name (time_ps), else required.", valueName: "unit"))
    var timeUnit: String?

    @Option(help: ArgumentHelp("The separator: ',', ';' or tab (default: detected from the header line).", valueName: "char"))
    var delimiter: String?

    /// The import options, with a fixed position for files without position columns.
    /// - Throws: a usage error naming the flag that is malformed.
    func recordImport(position: [Double]? = nil) throws -> RecordImport {
        var options = RecordImport()
        for mapping in columnMappings {
            let parts = mapping.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CLIError.usage("--column needs FIELD=NAME, like input=setting_a (got '\(mapping)').")
            }
            guard let field = RecordField(name: parts[0]) else {
                throw CLIError.usage("--column \(mapping): '\(parts[0])' is not a field (fields: "
                                     + RecordField.allCases.map(\.rawValue).joined(separator: ", ") + ").")
            }
            options.columnNames[field] = parts[1]
        }
        if let columns {
            let list = columns.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !list.contains("") else { throw CLIError.usage("--columns: an empty name in '\(columns)' (use _ to skip a column).") }
            guard columnMappings.isEmpty else { throw CLIError.usage("--column maps header names; a file read with --columns has none.") }
            options.headerlessColumns = list
        }
        if let inputs {
            guard let convention = ValueConvention(parsing: inputs) else {
                throw CLIError.usage("--inputs needs two different values for bits 0 and 1, like 1,2 (got '\(inputs)').")
            }
            options.inputs = convention
        }
        if let outputs {
            guard let convention = ValueConvention(parsing: outputs) else {
                throw CLIError.usage("--outputs needs two different values for bits 0 and 1, like 1,-1 (got '\(outputs)').")
            }
            options.outputs = convention
        }
        switch (noClick, noClickOutput) {
        case (nil, nil): break
        case (let text?, let bit?):
            guard bit == 0 || bit == 1 else { throw CLIError.usage("--no-click-output must be 0 or 1 (got \(bit)).") }
            options.noClick = text.trimmingCharacters(in: .whitespaces)
            options.noClickOutput = UInt8(bit)
        case (_?, nil):
            throw CLIError.usage("--no-click needs --no-click-output 0|1: which output a round without a detection counts as.")
        case (nil, _?):
            throw CLIError.usage("--no-click-output needs --no-click TEXT (the output text of a round without a detection).")
        }
        if let timeUnit {
            guard let unit = TimeUnit(rawValue: timeUnit.lowercased()) else {
                throw CLIError.usage("--time-unit must be ps, ns, us or s (got '\(timeUnit)').")
            }
            options.timeUnit = unit
        }
        if let delimiter {
            switch delimiter {
            case ",": options.delimiter = 44
            case ";": options.delimiter = 59
            case "tab", "\t", "\\t": options.delimiter = 9
            default: throw CLIError.usage("--delimiter must be ',', ';' or tab (got '\(delimiter)').")
            }
        }
        options.fixedPosition = position
        return options
    }

    /// Parses `X,Y,Z` in metres for `flag`.
    static func position(_ text: String?, flag: String) throws -> [Double]? {
        guard let text else { return nil }
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 3, values.allSatisfy({ $0?.isFinite == true }) else {
            throw CLIError.usage("\(flag) needs three finite coordinates in metres, like 0,0,0 (got '\(text)').")
        }
        return values.map { $0! }
    }
}

/// Each lab's fixed position, for exports without position columns (`postprocess`, `audit`).
struct LabPositionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Alice's device position in metres when her file has no x_m,y_m,z_m columns.", valueName: "x,y,z"))
    var alicePosition: String?

    @Option(help: ArgumentHelp("Bob's device position in metres when his file has no x_m,y_m,z_m columns.", valueName: "x,y,z"))
    var bobPosition: String?

    /// Alice's and Bob's import options.
    func imports(_ options: RecordImportOptions) throws -> (alice: RecordImport, bob: RecordImport) {
        (try options.recordImport(position: RecordImportOptions.position(alicePosition, flag: "--alice-position")),
         try options.recordImport(position: RecordImportOptions.position(bobPosition, flag: "--bob-position")))
    }
}

/// Lists once on stderr the columns of a file that no field uses.
func noteIgnoredColumns(_ report: ImportReport) {
    guard !report.ignoredColumns.isEmpty else { return }
    let names = report.ignoredColumns.map { "'\($0)'" }.joined(separator: ", ")
    let note = "diqkd: \(report.file): ignoring column\(report.ignoredColumns.count > 1 ? "s" : "") \(names) "
        + "(no field; map one with --column FIELD=NAME)\n"
    FileHandle.standardError.write(Data(note.utf8))
}
