#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Streams the per-party CSV format of SPEC.md:
/// `round,input,output,time_ns,x_m,y_m,z_m[,time_uncertainty_ns][,test]`, one row per round,
/// rounds strictly increasing. Reads 4 MiB at a time and parses bytes directly, so memory
/// does not grow with the file.
public struct CSVRecordReader: RecordReader {
    public let path: String
    public private(set) var columns = RecordColumns()
    private let input: FileInput
    private var buffer: [UInt8] = []
    private var position = 0
    private var line = 0
    private var previousRound: Int64?
    private var fieldCount = 7
    private let chunkBytes: Int
    public static let batchSize = 1 << 16
    /// Bytes read from the file at a time, unless a reader is given its own.
    public static let defaultChunkBytes = 4 << 20

    /// Opens a file and reads its header.
    /// - Parameters:
    ///   - path: the CSV file.
    ///   - chunkBytes: bytes read at a time (at least 1). Records and errors do not depend on
    ///     it; small chunks let tests and fuzzing cross chunk boundaries in small files.
    public init(path: String, chunkBytes: Int = CSVRecordReader.defaultChunkBytes) throws(RecordError) {
        precondition(chunkBytes >= 1, "chunkBytes must be at least 1")
        self.path = path
        self.chunkBytes = chunkBytes
        input = try FileInput(path: path)
        guard let header = try nextLine() else { throw RecordError(file: path, line: 1, message: "the file is empty; expected a header line") }
        let names = String(decoding: buffer[header], as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0.filter { $0 != " " && $0 != "\r" }) }
        guard names.count >= 7, Array(names.prefix(7)) == RecordColumns.required else {
            throw RecordError(file: path, line: 1, message: "the header must begin with '\(RecordColumns.required.joined(separator: ","))' "
                              + "(found '\(names.joined(separator: ","))')")
        }
        for name in names.dropFirst(7) {
            switch name {
            case "time_uncertainty_ns" where !columns.timeUncertainty && !columns.testMarks: columns.timeUncertainty = true
            case "test" where !columns.testMarks: columns.testMarks = true
            default:
                throw RecordError(file: path, line: 1, message: "unexpected column '\(name)' (optional columns: time_uncertainty_ns, then test)")
            }
        }
        fieldCount = names.count
    }

    /// The byte range of the next line (without its newline), or `nil` at the end.
    private mutating func nextLine() throws(RecordError) -> Range<Int>? {
        while true {
            if let newline = buffer[position...].firstIndex(of: 10) {
                defer { position = newline + 1 }
                line += 1
                return position..<newline
            }
            if input.atEnd {
                guard position < buffer.count else { return nil }
                defer { position = buffer.count }
                line += 1
                return position..<buffer.count
            }
            if position > 0 {
                buffer.removeFirst(position)
                position = 0
            }
            _ = try input.read(into: &buffer, count: chunkBytes)
        }
    }

    public var fractionRead: Double {
        input.size > 0 ? Double(input.bytesRead - (buffer.count - position)) / Double(input.size) : 0
    }

    public mutating func next() throws(RecordError) -> RecordBatch? {
        var batch = RecordBatch()
        batch.reserve(CSVRecordReader.batchSize)
        while batch.count < CSVRecordReader.batchSize {
            // Parse every complete line already in the buffer in one pass over raw bytes.
            let before = batch.count
            let (consumed, lines, failure) = parseBuffered(into: &batch)
            position += consumed
            if let failure { throw RecordError(file: path, line: line + lines + 1, message: failure) }
            if before == 0 && lines > 0 { batch.firstLine = line + 1 }
            line += lines
            if batch.count >= CSVRecordReader.batchSize { break }
            // Need more bytes: keep the partial last line and read another chunk.
            if input.atEnd {
                guard position < buffer.count else { break }
                buffer.append(10)  // the last line had no newline
                continue
            }
            buffer.removeFirst(position)
            position = 0
            _ = try input.read(into: &buffer, count: chunkBytes)
        }
        return batch.count == 0 ? nil : batch
    }

    /// Parses complete lines from `position` until the batch is full or the buffer holds no
    /// complete line. Returns the bytes consumed, the lines parsed and the first failure.
    private mutating func parseBuffered(into batch: inout RecordBatch) -> (Int, Int, String?) {
        let wanted = CSVRecordReader.batchSize - batch.count
        let fieldCount = self.fieldCount, columns = self.columns
        var previous = previousRound
        let result: (Int, Int, String?) = buffer.withUnsafeBufferPointer { bytes in
            var cursorStart = position
            var lines = 0
            while lines < wanted {
                guard let newline = memchrIndex(bytes, from: cursorStart) else { break }
                var cursor = FieldCursor(bytes: bytes, start: cursorStart, end: newline)
                if cursor.isEmptyLine { return (cursorStart - position, lines, "empty line") }
                if let failure = cursor.parseRow(fieldCount: fieldCount, columns: columns, previous: &previous, into: &batch) {
                    return (cursorStart - position, lines, failure)
                }
                lines += 1
                cursorStart = newline + 1
            }
            return (cursorStart - position, lines, nil)
        }
        previousRound = previous
        return result
    }
}

/// The index of the next newline at or after `from`, if any.
@inline(__always)
private func memchrIndex(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
    guard from < bytes.count, let base = bytes.baseAddress,
          let found = memchr(base + from, 10, bytes.count - from) else { return nil }
    return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
}

/// Walks the comma-separated fields of one line.
struct FieldCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var start: Int
    let end: Int
    private(set) var fieldStart = 0
    private(set) var fieldEnd = 0

    var isEmptyLine: Bool { start >= end }

    /// Parses one data row into `batch`, or says what is wrong with it.
    mutating func parseRow(fieldCount: Int, columns: RecordColumns, previous: inout Int64?, into batch: inout RecordBatch) -> String? {
        guard let round = integer() else { return fieldProblem("round must be an integer", fieldCount) }
        guard let input = bit() else { return fieldProblem("input must be 0 or 1", fieldCount) }
        guard let output = bit() else { return fieldProblem("output must be 0 or 1", fieldCount) }
        guard let time = integer() else { return fieldProblem("time_ns must be an integer", fieldCount) }
        guard let x = decimal() else { return fieldProblem("x_m must be a finite number", fieldCount) }
        guard let y = decimal() else { return fieldProblem("y_m must be a finite number", fieldCount) }
        guard let z = decimal() else { return fieldProblem("z_m must be a finite number", fieldCount) }
        var uncertainty = 0.0
        if columns.timeUncertainty {
            guard let u = decimal(), u >= 0 else { return fieldProblem("time_uncertainty_ns must be a non-negative number", fieldCount) }
            uncertainty = u
        }
        var mark: UInt8 = 0
        if columns.testMarks {
            guard let t = bit() else { return fieldProblem("test must be 0 or 1", fieldCount) }
            mark = t
        }
        guard start > end else { return "expected \(fieldCount) columns, found \(countFields(from: lineStart))" }
        if let previous, round <= previous {
            return round == previous ? "duplicate round \(round)" : "round \(round) comes after round \(previous); rounds must increase"
        }
        previous = round
        batch.rounds.append(round); batch.inputs.append(input); batch.outputs.append(output)
        batch.timesNs.append(time); batch.x.append(x); batch.y.append(y); batch.z.append(z)
        if columns.timeUncertainty { batch.uncertaintiesNs.append(uncertainty) }
        if columns.testMarks { batch.testMarks.append(mark) }
        return nil
    }

    /// A wrong column count explains a bad field better than the field itself.
    private func fieldProblem(_ message: String, _ fieldCount: Int) -> String {
        let count = countFields(from: lineStart)
        if count != fieldCount { return "expected \(fieldCount) columns, found \(count)" }
        return "\(message), found '\(lastField)'"
    }

    init(bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) {
        lineStart = start
        self.bytes = bytes
        self.start = start
        // A Windows line ending is not part of the last field.
        self.end = end > start && bytes[end - 1] == 13 ? end - 1 : end
    }

    let lineStart: Int

    func countFields(from lineStart: Int) -> Int {
        var count = 1
        for i in lineStart..<end where bytes[i] == 44 { count += 1 }
        return count
    }

    var lastField: String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[fieldStart..<fieldEnd]), as: UTF8.self)
    }

    /// Marks the current field (up to the next comma) as the one that failed, for the message.
    private mutating func failField() {
        fieldStart = min(start, end)
        var i = fieldStart
        while i < end && bytes[i] != 44 { i += 1 }
        fieldEnd = i
        start = i + 1
    }

    /// Ends a field that was parsed up to `i`: it must stop at a comma or at the end of the line.
    @inline(__always)
    private mutating func finish(at i: Int) -> Bool {
        guard i == end || bytes[i] == 44 else { return false }
        fieldStart = start
        fieldEnd = i
        start = i + 1
        return true
    }

    mutating func bit() -> UInt8? {
        let i = start
        if i < end, bytes[i] == 48 || bytes[i] == 49, finish(at: i + 1) { return bytes[i] - 48 }
        failField()
        return nil
    }

    mutating func integer() -> Int64? {
        var i = start
        var negative = false
        if i < end && (bytes[i] == 45 || bytes[i] == 43) { negative = bytes[i] == 45; i += 1 }
        let digitsStart = i
        var value: Int64 = 0
        while i < end {
            let d = Int64(bytes[i]) &- 48
            guard d >= 0 && d <= 9 else { break }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(d)
            guard !o1 && !o2 else { failField(); return nil }
            value = sum
            i += 1
        }
        guard i > digitsStart, finish(at: i) else { failField(); return nil }
        return negative ? -value : value
    }

    /// A decimal number `[+-]digits[.digits][(e|E)[+-]digits]`, correctly rounded.
    ///
    /// One pass over the bytes collects up to 19 significant digits and the decimal exponent.
    /// When every digit fits a 53-bit mantissa and the exponent is within ±22, one
    /// multiplication or division by an exact power of ten rounds correctly (Clinger's fast
    /// path; the CSV writer's integers and short decimals all take it). Other numbers (17-digit
    /// mantissas, subnormals, exponents near the limits) are handed to the standard library's
    /// correctly rounded conversion, so that every double the writer prints reads back unchanged.
    mutating func decimal() -> Double? {
        var i = start
        var negative = false
        if i < end && (bytes[i] == 45 || bytes[i] == 43) { negative = bytes[i] == 45; i += 1 }
        var mantissa: UInt64 = 0
        var exponent = 0
        var digits = 0
        var allDigitsKept = true
        while i < end, bytes[i] >= 48, bytes[i] <= 57 {
            if mantissa < 1_000_000_000_000_000_000 {
                mantissa = mantissa * 10 + UInt64(bytes[i] - 48)
            } else {
                exponent += 1
                allDigitsKept = false
            }
            digits += 1
            i += 1
        }
        if i < end && bytes[i] == 46 {
            i += 1
            while i < end, bytes[i] >= 48, bytes[i] <= 57 {
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa * 10 + UInt64(bytes[i] - 48)
                    exponent -= 1
                } else {
                    allDigitsKept = false
                }
                digits += 1
                i += 1
            }
        }
        guard digits > 0 else { failField(); return nil }
        if i < end && (bytes[i] == 101 || bytes[i] == 69) {
            i += 1
            var negativeExponent = false
            if i < end && (bytes[i] == 45 || bytes[i] == 43) { negativeExponent = bytes[i] == 45; i += 1 }
            var e = 0
            var expDigits = 0
            while i < end, bytes[i] >= 48, bytes[i] <= 57, e < 10_000 {
                e = e * 10 + Int(bytes[i] - 48)
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { failField(); return nil }
            exponent += negativeExponent ? -e : e
        }
        guard finish(at: i) else { failField(); return nil }
        // `finish` has marked this field as the last one, which a failure message quotes.
        if allDigitsKept && mantissa <= 1 << 53 && abs(exponent) <= 22 {
            let value = exponent >= 0 ? Double(mantissa) * exactPowers[exponent] : Double(mantissa) / exactPowers[-exponent]
            return negative ? -value : value
        }
        guard let value = Double(lastField), value.isFinite else { return nil }
        return value
    }
}

private let exactPowers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { acc, _ in acc * 10 } }
