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

    public init() {}

    public var count: Int { rounds.count }

    mutating func reserve(_ n: Int) {
        rounds.reserveCapacity(n); inputs.reserveCapacity(n); outputs.reserveCapacity(n); timesNs.reserveCapacity(n)
        x.reserveCapacity(n); y.reserveCapacity(n); z.reserveCapacity(n)
    }
}

/// Which optional columns a file carries.
public struct RecordColumns: Sendable, Hashable {
    public var timeUncertainty: Bool
    public var testMarks: Bool

    public init(timeUncertainty: Bool = false, testMarks: Bool = false) {
        self.timeUncertainty = timeUncertainty
        self.testMarks = testMarks
    }

    public static let required = ["round", "input", "output", "time_ns", "x_m", "y_m", "z_m"]

    /// The CSV header line for these columns.
    public var header: String {
        (RecordColumns.required + (timeUncertainty ? ["time_uncertainty_ns"] : []) + (testMarks ? ["test"] : []))
            .joined(separator: ",")
    }
}

/// A malformed or unreadable record file: which file, which line, what is wrong.
public struct RecordError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file), line \(line): \(message)" }
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
}

/// Opens a record file, recognising the binary format by its magic bytes.
public func openRecords(_ path: String) throws(RecordError) -> any RecordReader {
    if try BinaryRecordReader.isBinary(path) { return try BinaryRecordReader(path: path) }
    return try CSVRecordReader(path: path)
}
