/// How one record file was read: every choice given or detected, and what the reading met
/// (the report's `import` section). `flags` repeats the choices as command-line flags, so the
/// same reading can be asked for again explicitly.
public struct ImportReport: Sendable, Hashable, Codable {
    public var file: String
    /// `"csv"` or `"binary"`.
    public var format: String
    /// The binary form's version; `nil` for CSV.
    public var binaryVersion: Int?
    /// CSV: the separator (`","`, `";"` or `"tab"`) and whether it was detected rather than given.
    public var delimiter: String?
    public var delimiterDetected: Bool?
    /// CSV: whether the file has a header line (a headerless file needs `--columns`).
    public var header: Bool?
    /// A UTF-8 byte-order mark at the start, skipped.
    public var byteOrderMark = false
    /// Field name → the column it was read from (its header name, or `column N` without a
    /// header). A round column that is missing reads `row number` (rounds are numbered 1, 2, …).
    public var columns: [String: String] = [:]
    /// Header names no field uses, ignored (listed once on stderr too).
    public var ignoredColumns: [String] = []
    /// Without a header: the columns as `--columns` gave them (`_` for one ignored).
    public var headerlessColumns: [String]?
    /// The values meaning bits 0 and 1.
    public var inputs = ValueConvention.bits
    public var outputs = ValueConvention.bits
    /// The no-click text and the output bit it counts as, and how many rounds had it.
    public var noClick: String?
    public var noClickOutput: Int?
    public var noClicks = 0
    /// The time unit and where it came from: `"flag"`, `"header"`, `"default"` (`time_ns`) or
    /// `"absent"` (no time column, allowed without the audit).
    public var timeUnit = TimeUnit.ns
    public var timeUnitSource = "default"
    /// Times with a fraction of a nanosecond, rounded to the nearest one (ties to even).
    public var roundedTimes = 0
    /// Position in metres given for a file without position columns.
    public var fixedPosition: [Double]?
    /// Lines skipped: comments (starting with `#`) and blank lines at the end of the file.
    public var commentLines = 0
    public var trailingBlankLines = 0
    /// Lines ending in CR LF, and fields read from inside double quotes.
    public var crlfLines = 0
    public var quotedFields = 0
    /// Rounds read.
    public var rounds = 0
    /// The file says it was written by a simulation (``RecordColumns/simulated``).
    public var simulated = false

    /// What ``columns`` names for a time or position field the file lacks when the audit is
    /// not run (``RecordImport/requiresTimeAndPosition`` false).
    public static let absentColumn = "absent (not audited)"

    public init(file: String, format: String) {
        self.file = file
        self.format = format
    }

    /// The choices as the flags that ask for them (empty for the plain format read as such).
    public var flags = ""

    /// ``flags`` from the choices, once they are all made.
    mutating func recordFlags() { flags = derivedFlags }

    private var derivedFlags: String {
        guard format == "csv" else { return "" }
        var parts: [String] = []
        if let delimiter, delimiterDetected != true { parts.append("--delimiter \(delimiter == "tab" ? "tab" : "'\(delimiter)'")") }
        if let headerlessColumns {
            parts.append("--columns " + headerlessColumns.joined(separator: ","))
        } else {
            for field in RecordField.allCases {
                if let name = columns[field.rawValue], name != "row number", name != Self.absentColumn,
                   !field.aliases.contains(RecordField.normalised(name)) {
                    parts.append("--column \(field.rawValue)=\(shellQuoted(name))")
                }
            }
        }
        if inputs != .bits { parts.append("--inputs \(shellQuoted(inputs.description))") }
        if outputs != .bits { parts.append("--outputs \(shellQuoted(outputs.description))") }
        if let noClick { parts.append("--no-click \(shellQuoted(noClick)) --no-click-output \(noClickOutput ?? 0)") }
        if timeUnitSource == "flag" { parts.append("--time-unit \(timeUnit.rawValue)") }
        return parts.joined(separator: " ")
    }

    private func shellQuoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "_.,-+".contains($0) } && !text.isEmpty ? text : "'\(text)'"
    }
}
