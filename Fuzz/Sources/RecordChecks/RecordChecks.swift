import FuzzSupport
import Records

/// A whole record file as one batch, so that files read in different batch sizes or formats
/// can be compared.
public struct RecordTable: Equatable {
    public var columns: RecordColumns
    /// Every row, in order (`firstLine` stays 0).
    public var batch = RecordBatch()

    init(columns: RecordColumns) { self.columns = columns }

    public var rounds: [Int64] { batch.rounds }

    mutating func append(_ more: RecordBatch) {
        batch.rounds += more.rounds; batch.inputs += more.inputs; batch.outputs += more.outputs
        batch.timesNs += more.timesNs; batch.x += more.x; batch.y += more.y; batch.z += more.z
        batch.uncertaintiesNs += more.uncertaintiesNs; batch.testMarks += more.testMarks
    }
}

/// What every record reader must guarantee of what it returns, checked with ``require(_:_:file:line:)``
/// so that libFuzzer reports a violation as a crash.
public enum RecordChecks {
    /// Reads `reader` to its end, checking each batch; `nil` when it throws (a malformed file).
    public static func readAll(_ reader: inout some RecordReader) -> RecordTable? {
        if case .records(let table) = outcome(&reader) { return table }
        return nil
    }

    /// The records of a file, or the message of the error that stopped reading it.
    public enum Outcome: Equatable {
        case records(RecordTable)
        case failure(String)
    }

    /// Reads `reader` to its end, checking each batch.
    public static func outcome(_ reader: inout some RecordReader) -> Outcome {
        var table = RecordTable(columns: reader.columns)
        do {
            while let batch = try reader.next() {
                check(batch, columns: reader.columns, after: table.rounds.last)
                table.append(batch)
                require((0...1).contains(reader.fractionRead), "fraction read \(reader.fractionRead)")
            }
        } catch {
            require(!error.description.isEmpty, "an error without a message")
            return .failure(error.description)
        }
        require(reader.importReport.rounds == table.rounds.count,
                "the import report counts \(reader.importReport.rounds) rounds, \(table.rounds.count) were read")
        return .records(table)
    }

    /// Reads a file twice, once a few bytes at a time (chunks of 1 to 13 bytes, chosen by the
    /// file's size) and once in one chunk, and requires the same records or the same error.
    /// - Returns: the records, or `nil` for a malformed file.
    public static func readInChunks(_ path: String, size: Int,
                                    _ open: (String, Int) throws(RecordError) -> any RecordReader) -> RecordTable? {
        func read(chunkBytes: Int) -> Outcome {
            let opened: any RecordReader
            do { opened = try open(path, chunkBytes) } catch { return .failure(error.description) }
            var reader = opened
            return outcome(&reader)
        }
        let small = read(chunkBytes: 1 + size % 13)
        let whole = read(chunkBytes: max(size, 1))
        require(small == whole, "reading in small chunks gives \(small), in one chunk \(whole)")
        if case .records(let table) = whole { return table }
        return nil
    }

    /// Reads a file written by a harness to its end, 64 bytes at a time.
    static func readAll(path: String, _ open: (String, Int) throws(RecordError) -> any RecordReader) -> RecordTable? {
        let opened: any RecordReader
        do { opened = try open(path, 64) } catch { return nil }
        var reader = opened
        return readAll(&reader)
    }

    static func check(_ batch: RecordBatch, columns: RecordColumns, after previous: Int64?) {
        let n = batch.count
        require(n > 0, "an empty batch instead of nil")
        require(batch.firstLine >= 1, "batch starts at line \(batch.firstLine)")
        require([batch.inputs.count, batch.outputs.count, batch.timesNs.count, batch.x.count, batch.y.count, batch.z.count]
            .allSatisfy { $0 == n }, "columns of unequal length")
        require(batch.uncertaintiesNs.count == (columns.timeUncertainty ? n : 0), "uncertainty column length")
        require(batch.testMarks.count == (columns.testMarks ? n : 0), "test column length")
        require((batch.inputs + batch.outputs + batch.testMarks).allSatisfy { $0 <= 1 }, "a bit column holds more than a bit")
        require((batch.x + batch.y + batch.z).allSatisfy(\.isFinite), "a non-finite position")
        require(batch.uncertaintiesNs.allSatisfy { $0.isFinite && $0 >= 0 }, "a negative or non-finite uncertainty")
        var last = previous
        for round in batch.rounds {
            if let last { require(round > last, "round \(round) after \(last)") }
            last = round
        }
    }

    /// Writes `table` in the binary form (as `diqkd convert` does) and reads it back.
    public static func throughBinary(_ table: RecordTable) -> RecordTable? {
        let path = FuzzInput.siblingPath("bin")
        do {
            let writer = try BinaryRecordWriter(path: path, columns: table.columns)
            try writer.write(table.batch)
            try writer.close()
        } catch {
            fatalError("cannot write \(path): \(error)")
        }
        return readAll(path: path) { path, chunk throws(RecordError) in try BinaryRecordReader(path: path, chunkBytes: chunk) }
    }

    /// Writes `table` as CSV (as `diqkd convert --to csv` does) and reads it back.
    public static func throughCSV(_ table: RecordTable) -> RecordTable? {
        let path = FuzzInput.siblingPath("csv")
        do {
            let writer = try CSVRecordWriter(path: path, columns: table.columns)
            try writer.write(table.batch)
            try writer.close()
        } catch {
            fatalError("cannot write \(path): \(error)")
        }
        return readAll(path: path) { path, chunk throws(RecordError) in try CSVRecordReader(path: path, chunkBytes: chunk) }
    }
}
