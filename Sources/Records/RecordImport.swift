/// How to read a lab's own CSV export: which column holds what, which values mean which bit,
/// the time unit, the separator. The default reads the plain format of SPEC.md unchanged.
/// Every choice, given or detected, is recorded in the file's ``ImportReport``.
public struct RecordImport: Sendable, Hashable {
    /// `--column FIELD=NAME`: the header name of a field's column, where its own name or
    /// aliases do not find it (or find the wrong one).
    public var columnNames: [RecordField: String] = [:]
    /// `--columns LIST`: the file has no header line, and these are its columns in order (a
    /// field name or alias each, such as `time_ps`, or `_` for a column to ignore).
    public var headerlessColumns: [String]?
    /// `--inputs A,B`: the text of the input values meaning bit 0 and bit 1.
    public var inputs = ValueConvention.bits
    /// `--outputs A,B`: the text of the output values meaning bit 0 and bit 1.
    public var outputs = ValueConvention.bits
    /// `--no-click TEXT`: the output text of a round without a detection (`""` for an empty
    /// field). Such a round is kept and given ``noClickOutput``; dropping it would reopen the
    /// detection loophole.
    public var noClick: String?
    /// `--no-click-output BIT`: the output bit a no-click round counts as.
    public var noClickOutput: UInt8 = 0
    /// `--time-unit`: the unit of the time column; `nil` takes it from the column's name
    /// (`time_ps`) or, for a name without a unit, requires the flag (except `time_ns`).
    public var timeUnit: TimeUnit?
    /// `--delimiter`: `,`, `;` or tab; `nil` detects it from the header (or first) line.
    public var delimiter: UInt8?
    /// Position in metres for a file without position columns (`--alice-position`,
    /// `--bob-position`): one device at a fixed place.
    public var fixedPosition: [Double]?
    /// Whether the file must give each round's time and position (the space-like audit needs
    /// them). False when the audit is not run (`--assume-nonsignaling`): then a file without a
    /// time column, or without all three position columns, is read with those fields absent
    /// (0 in the batches, "absent" in the ``ImportReport``), since nothing uses them.
    public var requiresTimeAndPosition = true

    public init() {}

    /// Whether these options read only the plain format (then the fast path applies to every
    /// row that is plain).
    var isPlain: Bool {
        columnNames.isEmpty && headerlessColumns == nil && inputs == .bits && outputs == .bits && noClick == nil
            && (timeUnit == nil || timeUnit == .ns) && fixedPosition == nil
    }
}

/// Two texts: the value meaning bit 0 and the one meaning bit 1 (`--inputs 1,2`,
/// `--outputs 1,-1`). A field matches a value when its text (trimmed, unquoted) is the same,
/// or when both are integers of the same value (`+1` and `01` match `1`).
public struct ValueConvention: Sendable, Hashable, Codable, CustomStringConvertible {
    public let zero: String
    public let one: String

    public static let bits = ValueConvention(zero: "0", one: "1")

    public init(zero: String, one: String) {
        self.zero = zero
        self.one = one
    }

    /// Parses `A,B` (two distinct, non-empty values).
    public init?(parsing text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(\.trimmingSpaces)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] != parts[1] else { return nil }
        self.init(zero: parts[0], one: parts[1])
    }

    public var description: String { "\(zero),\(one)" }

    /// The values' UTF-8 bytes, for comparing fields without making strings.
    var bytes: ([UInt8], [UInt8]) { (Array(zero.utf8), Array(one.utf8)) }
}
