import Foundation
import Testing
@testable import Records
#if canImport(Glibc)
import Glibc
#endif

/// The failing inputs of `shared/cases/records/` (non-audit ones), copied to
/// `Vectors/cases/`, each with the value it must give (see `Vectors/README.md`).
@Suite("record files: reported cases")
struct CaseFileTests {
    static func path(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Vectors/cases"))
        return url.path
    }

    private func read(_ path: String, chunk: Int = CSVRecordReader.defaultChunkBytes) throws(RecordError) -> (RecordBatch, ImportReport) {
        var reader = try openRecords(path)
        var all = RecordBatch()
        while let batch = try reader.next() {
            all.rounds += batch.rounds; all.inputs += batch.inputs; all.outputs += batch.outputs; all.timesNs += batch.timesNs
            all.x += batch.x; all.y += batch.y; all.z += batch.z; all.testMarks += batch.testMarks
        }
        return (all, reader.importReport)
    }

    /// Every position is the double `strtod` gives for its text, in CSV and after converting to
    /// the binary form and back.
    @Test func decimalRoundingGivesWhatStrtodGives() throws {
        let file = try Self.path("decimal-rounding.csv")
        let texts = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { String($0.split(separator: ",")[4]) }
        let expected = texts.map { strtod($0, nil) }
        #expect(expected == [9.306661224700429, 222.75051099467126, -0.24468930572511557, 0.0038324390713771364])
        let (batch, _) = try read(file)
        #expect(batch.x.map(\.bitPattern) == expected.map(\.bitPattern))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("diqkd-case-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let binary = folder.appendingPathComponent("a.bin").path, back = folder.appendingPathComponent("b.csv").path
        var reader = try openRecords(file)
        let writer = try BinaryRecordWriter(path: binary, columns: reader.columns)
        while let b = try reader.next() { try writer.write(b) }
        try writer.close()
        var binaryReader = try openRecords(binary)
        let csv = try CSVRecordWriter(path: back, columns: binaryReader.columns)
        while let b = try binaryReader.next() { try csv.write(b) }
        try csv.close()
        #expect(try read(binary).0.x.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(try read(back).0.x.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func zeroWithAHugeExponentIsZero() throws {
        let (batch, _) = try read(try Self.path("zero-huge-exponent.csv"))
        #expect(batch.x == [0] && batch.x[0].sign == .plus)
    }

    /// An overflowing number is quoted in the message, never the field after it.
    @Test(arguments: [("overflow-names-next-field.csv", 2, "'1e309'", "'7'"),
                      ("number-overflow-message_alice.csv", 300, "'1e400'", "'0'")])
    func anOverflowQuotesItsOwnField(name: String, line: Int, quoted: String, notQuoted: String) throws {
        let error = try #require(throws: RecordError.self) { _ = try read(try Self.path(name)) }
        #expect(error.line == line && !error.isRecord, "\(error)")
        #expect(error.message == "x_m must be a finite number, found \(quoted)", "\(error)")
        #expect(!error.message.contains(notQuoted))
    }

    /// A byte-order mark and a blank last line change nothing: the rounds are those of the
    /// plain file, and the report says what was skipped.
    @Test func aByteOrderMarkAndATrailingBlankLineAreAccepted() throws {
        let (plain, _) = try read(try Self.path("plain_alice.csv"))
        #expect(plain.count == 1000)
        let (bom, bomReport) = try read(try Self.path("utf8-bom_alice.csv"))
        #expect(bom == plain && bomReport.byteOrderMark)
        let (blank, blankReport) = try read(try Self.path("trailing-blank-line_alice.csv"))
        #expect(blank == plain && blankReport.trailingBlankLines == 1 && !blankReport.byteOrderMark)
    }

    /// The bit-flip files are of version 2, which has no checksums: a flipped bit in them cannot
    /// be detected, so every one of them is refused, naming the file (a flipped bit used to
    /// change an output or the rounds silently).
    @Test(arguments: ["sa.bin", "sb.bin", "rflip0.bin", "rflip10.bin"])
    func versionTwoFilesAreRefused(name: String) throws {
        let file = try Self.path("binary-bitflip/\(name)")
        let error = try #require(throws: RecordError.self) { _ = try read(file) }
        #expect(error.description.hasPrefix(file) && error.message.contains("version 2"), "\(error)")
    }

    /// The same rounds in version 3: every single-bit flip anywhere in the file (header, block
    /// headers, payloads, checksums, end block) is detected, and a flip inside a block names the
    /// block's first record.
    @Test func everySingleBitFlipOfAVersionThreeFileIsDetected() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("diqkd-flip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let good = folder.appendingPathComponent("sa3.bin").path, bad = folder.appendingPathComponent("flip.bin").path
        var reader = try openRecords(try Self.path("plain_alice.csv"))
        let writer = try BinaryRecordWriter(path: good, columns: reader.columns)
        while let batch = try reader.next() { try writer.write(batch) }
        try writer.close()
        let (plain, _) = try read(try Self.path("plain_alice.csv"))
        #expect(try read(good).0 == plain)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: good)))
        try Data(bytes).write(to: URL(fileURLWithPath: bad))
        let descriptor = open(bad, O_WRONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var undetected: [Int] = []
        var recordErrors = 0
        for bit in 0..<(8 * bytes.count) {
            // Flip one bit in place (and put it back after the read).
            var byte = bytes[bit / 8] ^ (1 << UInt8(bit % 8))
            try #require(pwrite(descriptor, &byte, 1, off_t(bit / 8)) == 1)
            defer { var original = bytes[bit / 8]; _ = pwrite(descriptor, &original, 1, off_t(bit / 8)) }
            do {
                var r = try BinaryRecordReader(path: bad, chunkBytes: 8192)
                while try r.next() != nil {}
                undetected.append(bit)
            } catch {
                if error.isRecord { recordErrors += 1 }
            }
        }
        #expect(undetected.isEmpty, "undetected flips at bits \(undetected.prefix(10))")
        #expect(recordErrors > 8 * (bytes.count - 32))
    }
}
