/// One party's rounds, a batch at a time, as parallel arrays (struct of arrays keeps parsing
/// and auditing fast and memory small).
public struct RecordBatch: Sendable, Equatable {
    public var rounds: [Int64] = []
    public var inputs: [UInt8] = []
    public var outputs: [UInt8] = []
    public var timesNs: [Int64] = []
    public var x: [Double] = []
    public var y: [Double] = []
    public var z: [Double] = []
    /// Empty when the file has no `time_uncertainty_ns` column.
    public var uncertaintiesNs: [Double] = []
    /// Empty when the file has no `test` column (spot-check marks, Alice's file).
    public var testMarks: [UInt8] = []
    /// The line (CSV) or record number (binary) of the first entry, for error messages.
    public var firstLine = 0
    /// CSV: for each comment or blank line between this batch's rows, the index of the row it
    /// precedes (so that ``line(of:)`` stays exact).
    public var skippedBefore: [Int] = []
    /// Entries are numbered by record (binary form), not by line.
    public var numberedByRecord = false

    public init() {}

    public var count: Int { rounds.count }

    /// The line (or record) number of entry `k`.
    public func line(of k: Int) -> Int {
        firstLine + k + skippedBefore.reduce(0) { $0 + ($1 <= k ? 1 : 0) }
    }

    /// `line N` or `record N` for entry `k`, for messages.
    public func location(of k: Int) -> String {
        "\(numberedByRecord ? "record" : "line") \(line(of: k))"
    }

    mutating func reserve(_ n: Int) {
        rounds.reserveCapacity(n); inputs.reserveCapacity(n); outputs.reserveCapacity(n); timesNs.reserveCapacity(n)
        x.reserveCapacity(n); y.reserveCapacity(n); z.reserveCapacity(n)
    }
}

/// Which optional columns a file carries.
public struct RecordColumns: Sendable, Hashable {
    public var timeUncertainty: Bool
    public var testMarks: Bool
    /// The file was written by a simulation (`simulate --record`, or `convert` of such a file):
    /// a CSV file says so in its first line (``simulatedMarker``), a binary one in its flags
    /// (bit 2). Keys from such records are never secret.
    public var simulated: Bool

    public init(timeUncertainty: Bool = false, testMarks: Bool = false, simulated: Bool = false) {
        self.timeUncertainty = timeUncertainty
        self.testMarks = testMarks
        self.simulated = simulated
    }

    /// The comment line a CSV record file written by a simulation starts with.
    public static let simulatedMarker = "# diqkd simulate: SIMULATED measurements; keys from these records are not secret"

    public static let required = ["round", "input", "output", "time_ns", "x_m", "y_m", "z_m"]

    /// The CSV header line for these columns.
    public var header: String {
        (RecordColumns.required + (timeUncertainty ? ["time_uncertainty_ns"] : []) + (testMarks ? ["test"] : []))
            .joined(separator: ",")
    }
}

/// A malformed or unreadable record file: which file, which line (CSV) or record (binary
/// form), what is wrong.
public struct RecordError: Error, Sendable, CustomStringConvertible {
    public let file: String
    /// The line, or the record when ``isRecord``.
    public let line: Int?
    public let isRecord: Bool
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
        isRecord = false
    }

    public init(file: String, record: Int, message: String) {
        self.file = file
        line = record
        self.message = message
        isRecord = true
    }

    /// An error at entry `index` of `batch`, by line or record as the batch is numbered.
    public init(file: String, batch: RecordBatch, index: Int, message: String) {
        self.file = file
        line = batch.line(of: index)
        isRecord = batch.numberedByRecord
        self.message = message
    }

    public var description: String {
        if let line { return "\(file), \(isRecord ? "record" : "line") \(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Reads a record file batch by batch.
public protocol RecordReader {
    var path: String { get }
    var columns: RecordColumns { get }
    /// The next batch, or `nil` at the end of the file.
    mutating func next() throws(RecordError) -> RecordBatch?
    /// The fraction of the file consumed so far (for progress).
    var fractionRead: Double { get }
    /// How the file is read; counts are final at the end of the file.
    var importReport: ImportReport { get }
}

/// Opens a record file, recognising the binary form by its magic bytes (any version of it:
/// a binary file is never parsed as CSV).
/// - Parameters:
///   - options: how to read a CSV export; the binary form has nothing to choose, so options
///     other than the default are an error for it.
/// - Throws: ``RecordError`` when the file cannot be opened or its header not resolved.
public func openRecords(_ path: String, options: RecordImport = RecordImport()) throws(RecordError) -> any RecordReader {
    if try BinaryRecordReader.isBinary(path) {
        guard options.isPlain && options.delimiter == nil else {
            throw RecordError(file: path, line: nil, message: "a binary record file has no columns or conventions to choose; "
                              + "import options apply to CSV files")
        }
        return try BinaryRecordReader(path: path)
    }
    if path.lowercased().hasSuffix(".bin") {
        throw RecordError(file: path, line: nil, message: "named .bin but not a diqkd binary record file (no DIQKDRC header)")
    }
    return try CSVRecordReader(path: path, options: options)
}
