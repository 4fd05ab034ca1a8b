#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Streams a CSV record file: the plain format of SPEC.md
/// (`round,input,output,time_ns,x_m,y_m,z_m[,time_uncertainty_ns][,test]`) or a lab's own
/// export read through a ``RecordImport`` (columns by name in any order, value conventions,
/// time units, `;` or tab separators, quotes, spaces, comments, a byte-order mark, CR LF,
/// blank lines at the end). Reads 4 MiB at a time and parses bytes in place, so memory does
/// not grow with the file; rows of the plain format take a fast path.
public struct CSVRecordReader: RecordReader {
    public let path: String
    public var columns: RecordColumns { layout.columns }
    /// How the file is being read; its counts are final once ``next()`` has returned `nil`.
    public private(set) var importReport: ImportReport
    private let input: FileInput
    private var buffer: [UInt8] = []
    private var position = 0
    /// Lines consumed so far (header and skipped lines included).
    private var line = 0
    private var previousRound: Int64?
    private var layout: CSVLayout
    private var general: GeneralRowParser
    private let plain: PlainRowParser
    /// The first of the blank lines since the last row: an error if another row follows.
    private var pendingBlank: Int?
    private var blankRun = 0
    private var rows: Int64 = 0
    private let chunkBytes: Int
    public static let batchSize = 1 << 16
    /// Bytes read from the file at a time, unless a reader is given its own.
    public static let defaultChunkBytes = 4 << 20

    /// Opens a file and reads its header.
    /// - Parameters:
    ///   - path: the CSV file.
    ///   - options: how to read a lab's own export; the default reads the plain format.
    ///   - chunkBytes: bytes read at a time (at least 1). Records and errors do not depend on
    ///     it; small chunks let tests and fuzzing cross chunk boundaries in small files.
    /// - Throws: ``RecordError`` at the header line (or line 1) when the columns cannot be
    ///   resolved: a required field missing or found twice, a mapping or unit that does not fit.
    public init(path: String, options: RecordImport = RecordImport(),
                chunkBytes: Int = CSVRecordReader.defaultChunkBytes) throws(RecordError) {
        precondition(chunkBytes >= 1, "chunkBytes must be at least 1")
        self.path = path
        self.chunkBytes = chunkBytes
        input = try FileInput(path: path)
        var report = ImportReport(file: path, format: "csv")
        // A byte-order mark is invisible in an editor: skip it rather than misread the header.
        while buffer.count < 3, try input.read(into: &buffer, count: 3 - buffer.count) > 0 {}
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) {
            position = 3
            report.byteOrderMark = true
        }
        // The header (or, without one, the first row) is the first line that is neither blank
        // nor a comment.
        var first: Range<Int>?
        var comments = 0
        var simulated = false
        let marker = Array(RecordColumns.simulatedMarker.utf8)
        while let range = try CSVRecordReader.nextLine(&buffer, &position, input, chunkBytes, path: path, line: line) {
            line += 1
            let text = buffer[range].drop { $0 == 32 || $0 == 9 }
            if text.first == 35 {
                if text.starts(with: marker) { simulated = true }
                comments += 1
                continue
            }
            if text.allSatisfy({ $0 == 13 || $0 == 32 || $0 == 9 }) { continue }
            first = range
            break
        }
        report.commentLines = comments
        guard let first else {
            throw RecordError(file: path, line: max(line, 1), message: "the file is empty; expected a "
                              + (options.headerlessColumns == nil ? "header line" : "row"))
        }
        var bytes = Array(buffer[first])
        if bytes.last == 13 { bytes.removeLast() }
        let delimiter = options.delimiter ?? CSVLayout.detectDelimiter(bytes)
        report.delimiter = delimiter.delimiterName
        report.delimiterDetected = options.delimiter == nil
        report.header = options.headerlessColumns == nil
        do {
            layout = try CSVLayout.resolve(header: options.headerlessColumns == nil ? CSVLayout.headerFields(bytes, delimiter: delimiter) : nil,
                                           delimiter: delimiter, options: options, report: &report)
        } catch {
            var message = error.message
            let header = CSVLayout.headerFields(bytes, delimiter: delimiter)
            if options.headerlessColumns == nil,
               header.allSatisfy({ name in Array(name.utf8).withUnsafeBufferPointer { NumberParsing.Decimal($0, 0, $0.count) != nil } }) {
                message += "; the first line looks like data: a file without a header needs --columns (its columns in order)"
            } else if options.headerlessColumns == nil && options.delimiter == nil && !bytes.contains(44) && !bytes.contains(59) && !bytes.contains(9) {
                message += "; no ',', ';' or tab separates the header's names (say which with --delimiter)"
            }
            throw RecordError(file: path, line: line, message: message)
        }
        if options.headerlessColumns != nil {
            // The first line is a row: read it again with the others.
            position = first.lowerBound
            line -= 1
        }
        layout.columns.simulated = simulated
        report.simulated = simulated
        report.recordFlags()
        importReport = report
        general = GeneralRowParser(layout: layout)
        plain = PlainRowParser(columns: layout.columns)
    }

    /// The longest line a record file may have, in bytes (1 MiB): a row is a few dozen bytes
    /// and a header a few hundred, so a longer line is a damaged or hostile file, and refusing it
    /// keeps the reader's memory bounded (a line is held whole until it ends).
    public static let maximumLineBytes = 1 << 20

    private static func tooLong(_ path: String, line: Int) -> RecordError {
        RecordError(file: path, line: line, message: "the line is longer than \(maximumLineBytes) bytes (1 MiB), the most a record "
                    + "file's line may have; is this a record file?")
    }

    /// The byte range of the next line (without its newline), or `nil` at the end.
    private static func nextLine(_ buffer: inout [UInt8], _ position: inout Int, _ input: FileInput,
                                 _ chunkBytes: Int, path: String, line: Int) throws(RecordError) -> Range<Int>? {
        while true {
            if let newline = buffer[position...].firstIndex(of: 10) {
                defer { position = newline + 1 }
                return position..<newline
            }
            if input.atEnd {
                guard position < buffer.count else { return nil }
                defer { position = buffer.count }
                return position..<buffer.count
            }
            if position > 0 {
                buffer.removeFirst(position)
                position = 0
            }
            guard buffer.count <= maximumLineBytes else { throw tooLong(path, line: line + 1) }
            _ = try input.read(into: &buffer, count: chunkBytes)
        }
    }

    public var fractionRead: Double {
        input.size > 0 ? Double(input.bytesRead - (buffer.count - position)) / Double(input.size) : 0
    }

    public mutating func next() throws(RecordError) -> RecordBatch? {
        var batch = RecordBatch()
        // A row takes at least 14 bytes: small files get small batches.
        batch.reserve(min(CSVRecordReader.batchSize, max(0, input.size - input.bytesRead + buffer.count - position) / 14 + 1))
        while batch.count < CSVRecordReader.batchSize {
            // Parse every complete line already in the buffer in one pass over raw bytes.
            if let failure = parseBuffered(into: &batch) { throw RecordError(file: path, line: failure.line, message: failure.message) }
            if batch.count >= CSVRecordReader.batchSize { break }
            // Need more bytes: keep the partial last line and read another chunk.
            if input.atEnd {
                guard position < buffer.count else { break }
                buffer.append(10)  // the last line had no newline
                continue
            }
            buffer.removeFirst(position)
            position = 0
            guard buffer.count <= Self.maximumLineBytes else { throw Self.tooLong(path, line: line + 1) }
            _ = try input.read(into: &buffer, count: chunkBytes)
        }
        importReport.quotedFields = general.quotedFields
        importReport.rounds = Int(rows)
        importReport.trailingBlankLines = blankRun
        return batch.count == 0 ? nil : batch
    }

    /// Parses complete lines from `position` until the batch is full or the buffer holds no
    /// complete line; returns the first failure with its line.
    private mutating func parseBuffered(into batch: inout RecordBatch) -> (line: Int, message: String)? {
        let wanted = CSVRecordReader.batchSize
        var previous = previousRound
        var row = ParsedRow()
        var consumed = position
        var lineNumber = line
        var failure: (line: Int, message: String)?
        let plainLayout = layout.plain, hasRound = layout.hasRound, fixed = layout.fixedPosition
        let uncertainties = layout.columns.timeUncertainty, marks = layout.columns.testMarks
        let plain = self.plain
        var general = self.general, report = importReport
        var pendingBlank = self.pendingBlank, blankRun = self.blankRun, rows = self.rows
        defer {
            self.general = general
            importReport = report
            self.pendingBlank = pendingBlank
            self.blankRun = blankRun
            self.rows = rows
        }
        buffer.withUnsafeBufferPointer { bytes in
            while batch.count < wanted {
                guard let newline = memchrIndex(bytes, from: consumed) else { break }
                let lineStart = consumed
                consumed = newline + 1
                lineNumber += 1
                var end = newline
                if end - lineStart > CSVRecordReader.maximumLineBytes {
                    failure = (lineNumber, CSVRecordReader.tooLong("", line: lineNumber).message)
                    return
                }
                if end > lineStart && bytes[end - 1] == 13 {
                    end -= 1
                    report.crlfLines += 1
                }
                if !(plainLayout && plain.parse(bytes, lineStart, end, into: &row)) {
                    switch general.parse(bytes, lineStart, end, into: &row) {
                    case .row: break
                    case .comment:
                        report.commentLines += 1
                        if batch.count > 0 { batch.skippedBefore.append(batch.count) }
                        continue
                    case .blank:
                        if pendingBlank == nil { pendingBlank = lineNumber }
                        blankRun += 1
                        if batch.count > 0 { batch.skippedBefore.append(batch.count) }
                        continue
                    case .failure(let message):
                        failure = (lineNumber, message)
                        return
                    }
                    if row.noClick { report.noClicks += 1 }
                    if row.roundedTime { report.roundedTimes += 1 }
                }
                if let blank = pendingBlank {
                    failure = (blank, "empty line (blank lines are allowed only at the end of the file)")
                    return
                }
                blankRun = 0
                rows += 1
                if !hasRound { row.round = rows }
                if let fixed { (row.x, row.y, row.z) = fixed }
                if let previous, row.round <= previous {
                    failure = (lineNumber, row.round == previous ? "duplicate round \(row.round)"
                               : "round \(row.round) comes after round \(previous); rounds must increase")
                    return
                }
                previous = row.round
                if batch.count == 0 { batch.firstLine = lineNumber }
                batch.rounds.append(row.round); batch.inputs.append(row.input); batch.outputs.append(row.output)
                batch.timesNs.append(row.time); batch.x.append(row.x); batch.y.append(row.y); batch.z.append(row.z)
                if uncertainties { batch.uncertaintiesNs.append(row.uncertainty) }
                if marks { batch.testMarks.append(row.mark) }
            }
        }
        if failure == nil {
            position = consumed
            line = lineNumber
            previousRound = previous
        }
        return failure
    }
}

/// The index of the next newline at or after `from`, if any.
@inline(__always)
private func memchrIndex(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
    guard from < bytes.count, let base = bytes.baseAddress,
          let found = memchr(base + from, 10, bytes.count - from) else { return nil }
    return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
}
