import Foundation
import Testing
@testable import Records

/// Regression tests for what `scripts/fuzz` found (Fuzz/Sources/CSVRecordsFuzzer and
/// BinaryRecordsFuzzer): files that read must convert to the other format and back unchanged,
/// and must read the same whatever the chunk size.
@Suite("record files: fuzzing findings")
struct FuzzFindingTests {
    /// Converts `csv` to the binary form and that back to CSV, as `diqkd convert` does.
    private func convertBothWays(_ csv: String) throws -> (binary: [RecordBatch], csv: [RecordBatch]) {
        let binary = csv + ".bin", back = csv + ".back.csv"
        var reader = try openRecords(csv)
        let writer = try BinaryRecordWriter(path: binary, columns: reader.columns)
        while let batch = try reader.next() { try writer.write(batch) }
        try writer.close()
        var binaryReader = try openRecords(binary)
        let csvWriter = try CSVRecordWriter(path: back, columns: binaryReader.columns)
        while let batch = try binaryReader.next() { try csvWriter.write(batch) }
        try csvWriter.close()
        return (try readAll(binary), try readAll(back))
    }

    /// The binary writer stores the first round as its difference from 0; the reader refused a
    /// difference of 0, so a CSV file starting at round 0 converted to an unreadable file.
    @Test func aFileStartingAtRoundZeroConvertsToBinaryAndBack() throws {
        let csv = try temporaryFile("a.csv", "\(header)\n0,0,0,10,0,0,0\n2,1,1,20,0,0,0\n")
        let (binary, back) = try convertBothWays(csv)
        #expect(binary.flatMap(\.rounds) == [0, 2])
        #expect(back.flatMap(\.rounds) == [0, 2])
    }

    /// The one-pass decimal parser multiplied by powers of ten beyond 10^22 computed by repeated
    /// squaring: values below about 1e-293 read as 0, others were off by a few units in the last
    /// place, 0e400 was NaN, and the largest doubles overflowed; so positions the CSV writer
    /// printed did not read back as the same doubles.
    @Test(arguments: [
        4.778309726736701e-299, 8.230659483685227e-304, Double(bitPattern: 0x8000_0000), .leastNonzeroMagnitude,
        1.6106834951558558e-232, 1.7976931348623157e308, 123.45678901234567, 0.1, 2.5e-7, 9007199254740992, .greatestFiniteMagnitude,
    ])
    func decimalsThatTheWriterPrintsReadBackExactly(value: Double) throws {
        let csv = try temporaryFile("a.csv", "\(header)\n1,0,0,10,\(value),-\(value),0\n")
        let batch = try #require(try readAll(csv).first)
        #expect(batch.x == [value] && batch.y == [-value])
        let (binary, back) = try convertBothWays(csv)
        #expect(binary.first?.x == [value] && back.first?.x == [value] && back.first?.y == [-value])
    }

    @Test(arguments: [("0e400", 0.0), ("1.000000000000000000000001", 1.0), ("-0", -0.0), (".5", 0.5), ("7.", 7)])
    func unusualDecimalsAreCorrectlyRounded(text: String, value: Double) throws {
        let csv = try temporaryFile("a.csv", "\(header)\n1,0,0,10,\(text),0,0\n")
        #expect(try readAll(csv).first?.x == [value])
    }

    /// A failure found after the field's end was read used to quote the next field.
    @Test func anOverflowingDecimalQuotesItsOwnField() throws {
        let csv = try temporaryFile("a.csv", "\(header)\n1,0,0,10,1e400,7,0\n")
        let error = try #require(throws: RecordError.self) { _ = try readAll(csv) }
        #expect(error.message == "x_m must be a finite number, found '1e400'", "\(error)")
    }

    /// Records and errors do not depend on how many bytes are read at a time.
    @Test(arguments: [1, 2, 7, 64])
    func smallChunksReadTheSame(chunkBytes: Int) throws {
        let good = try temporaryFile("a.csv", "\(header),test\r\n1,0,1,10,0.5,0,0,1\r\n3,1,1,20,2.5e-3,0,0,0")
        func read(_ path: String, _ chunk: Int) throws(RecordError) -> [RecordBatch] {
            var reader = try CSVRecordReader(path: path, chunkBytes: chunk)
            var batches: [RecordBatch] = []
            while let batch = try reader.next() { batches.append(batch) }
            return batches
        }
        let small = try read(good, chunkBytes), whole = try read(good, CSVRecordReader.defaultChunkBytes)
        #expect(small.flatMap(\.rounds) == whole.flatMap(\.rounds) && small.flatMap(\.x) == whole.flatMap(\.x))
        let bad = try temporaryFile("b.csv", "\(header)\n1,0,1,10,0,0,0\n2,0,1,10,0,0\n")
        let smallError = try #require(throws: RecordError.self) { _ = try read(bad, chunkBytes) }
        let wholeError = try #require(throws: RecordError.self) { _ = try read(bad, CSVRecordReader.defaultChunkBytes) }
        #expect(smallError.description == wholeError.description)
    }
}

/// A line longer than ``CSVRecordReader/maximumLineBytes`` is an error naming the file and the
/// line, whether it ends in the first chunk read or runs on without a newline; the reader never
/// holds more than the cap and one chunk.
@Suite("record files: long lines")
struct LongLineTests {
    @Test(arguments: [("with a newline", true), ("without one", false)], [1 << 16, CSVRecordReader.defaultChunkBytes])
    func aLineOverTheCapIsRefused(_ ending: (String, Bool), chunk: Int) throws {
        let long = String(repeating: "7", count: CSVRecordReader.maximumLineBytes + 10)
        let path = try temporaryFile("long.csv", "\(header)\n1,0,0,10,0,0,0\n\(long)" + (ending.1 ? "\n2,0,0,20,0,0,0\n" : ""))
        let error = try #require(throws: RecordError.self) {
            var reader = try CSVRecordReader(path: path, chunkBytes: chunk)
            while try reader.next() != nil {}
        }
        #expect(error.line == 3 && error.file == path, "\(error)")
        #expect(error.description.contains("longer than 1048576 bytes"), "\(error)")
    }

    @Test func aLongHeaderIsRefused() throws {
        let path = try temporaryFile("long-header.csv", String(repeating: "x", count: CSVRecordReader.maximumLineBytes + 1))
        let error = try #require(throws: RecordError.self) { _ = try CSVRecordReader(path: path, chunkBytes: 1 << 16) }
        #expect(error.line == 1, "\(error)")
    }
}
