import Foundation
import Testing
@testable import Records

func temporaryFile(_ name: String, _ contents: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("diqkd-records-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent(name).path
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func readAll(_ path: String) throws(RecordError) -> [RecordBatch] {
    var reader = try openRecords(path)
    var batches: [RecordBatch] = []
    while let batch = try reader.next() { batches.append(batch) }
    return batches
}

let header = "round,input,output,time_ns,x_m,y_m,z_m"

@Suite("record files")
struct RecordFileTests {
    @Test func wellFormedCSVIsRead() throws {
        let path = try temporaryFile("a.csv", "\(header),time_uncertainty_ns,test\n1,0,1,1000,0.5,-2,1e3,0.25,1\n2,1,0,2000,0,0,0,0,0\r\n3,1,1,3000,1.5e-3,2,3,1,0")
        let batches = try readAll(path)
        #expect(batches.count == 1)
        let batch = batches[0]
        #expect(batch.rounds == [1, 2, 3])
        #expect(batch.inputs == [0, 1, 1] && batch.outputs == [1, 0, 1])
        #expect(batch.timesNs == [1000, 2000, 3000])
        #expect(batch.x == [0.5, 0, 0.0015] && batch.y == [-2, 0, 2] && batch.z == [1000, 0, 3])
        #expect(batch.uncertaintiesNs == [0.25, 0, 1])
        #expect(batch.testMarks == [1, 0, 0])
        #expect(batch.firstLine == 2)
    }

    @Test(arguments: [
        ("round,input,output,time,x_m,y_m,z_m\n1,0,0,1,0,0,0\n", 1, "does not state its unit"),
        ("round,input,time_ns,x_m,y_m,z_m\n1,0,1,0,0,0\n", 1, "no output column"),
        ("\(header)\n1,0,0,1,0,0,0\n2,2,0,2,0,0,0\n", 3, "input must be '0' or '1', found '2'"),
        ("\(header)\n1,0,0,1,0,0,0\n2,0,x,2,0,0,0\n", 3, "output must be '0' or '1', found 'x'"),
        ("\(header)\n1,0,0,1,0,0,0\n1,0,0,2,0,0,0\n", 3, "duplicate round 1"),
        ("\(header)\n5,0,0,1,0,0,0\n4,0,0,2,0,0,0\n", 3, "rounds must increase"),
        ("\(header)\n1,0,0,1,0,0\n", 2, "expected 7 columns, found 6"),
        ("\(header)\n1,0,0,1,0,0,0,9\n", 2, "expected 7 columns, found 8"),
        ("\(header)\n1,0,0,1.5e,0,0,0\n", 2, "time_ns must be a number, found '1.5e'"),
        ("\(header)\n1,0,0,9223372036854775808,0,0,0\n", 2, "time_ns is beyond the range of 64-bit nanoseconds"),
        ("\(header)\n1,0,0,1,0,nan,0\n", 2, "y_m must be a finite number"),
        ("\(header)\n1,0,0,1,0,0,0\n\n2,0,0,1,0,0,0\n", 3, "empty line"),
        ("", 1, "empty"),
    ])
    func malformedFilesNameTheLine(contents: String, line: Int, message: String) throws {
        let path = try temporaryFile("bad.csv", contents)
        let error = try #require(throws: RecordError.self) { _ = try readAll(path) }
        #expect(error.line == line, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.contains(path))
    }

    @Test func binaryRoundTripKeepsEveryField() throws {
        var rows = "\(header),time_uncertainty_ns,test\n"
        for i in 1...200_000 {
            let x = i / 1000 % 2 == 0 ? "1.25" : "0"
            rows += "\(i * 3),\(i % 2),\(i / 3 % 2),\(i * 1000 - (i % 7) * 13),\(x),0,\(i / 50_000),0.5,\(i % 3 == 0 ? 1 : 0)\n"
        }
        let csv = try temporaryFile("a.csv", rows)
        let binary = csv + ".bin", back = csv + ".back.csv"
        var reader = try openRecords(csv)
        let writer = try BinaryRecordWriter(path: binary, columns: reader.columns)
        while let batch = try reader.next() { try writer.write(batch) }
        try writer.close()
        var binaryReader = try openRecords(binary)
        #expect(binaryReader is BinaryRecordReader)
        let csvWriter = try CSVRecordWriter(path: back, columns: binaryReader.columns)
        while let batch = try binaryReader.next() { try csvWriter.write(batch) }
        try csvWriter.close()
        #expect(try String(contentsOfFile: back, encoding: .utf8) == rows)
        let size = try FileManager.default.attributesOfItem(atPath: binary)[.size] as? Int ?? 0
        #expect(size * 4 < rows.utf8.count)
    }

    @Test func truncatedBinaryIsAnError() throws {
        let csv = try temporaryFile("a.csv", "\(header)\n1,0,0,1,3.5,0,0\n2,1,1,2,0,0,0\n")
        let binary = csv + ".bin"
        var reader = try openRecords(csv)
        let writer = try BinaryRecordWriter(path: binary, columns: reader.columns)
        while let batch = try reader.next() { try writer.write(batch) }
        try writer.close()
        var data = try Data(contentsOf: URL(fileURLWithPath: binary))
        data.removeLast(3)
        try data.write(to: URL(fileURLWithPath: binary))
        #expect(throws: RecordError.self) { _ = try readAll(binary) }
    }

    @Test(arguments: [
        ("1,0,0,1,0,0,0\n2,0,0,2,0,0,0\n", "1,0,0,1,0,0,0\n3,0,0,2,0,0,0\n", "round 2"),
        ("1,0,0,1,0,0,0\n2,0,0,2,0,0,0\n", "1,0,0,1,0,0,0\n", "ends before round 2"),
        ("1,0,0,1,0,0,0\n", "1,0,0,1,0,0,0\n2,0,0,2,0,0,0\n", "ends before round 2"),
    ])
    func unequalRoundSetsAreRejected(alice: String, bob: String, message: String) throws {
        let a = try temporaryFile("alice.csv", "\(header)\n\(alice)"), b = try temporaryFile("bob.csv", "\(header)\n\(bob)")
        let error = try #require(throws: RecordError.self) {
            _ = try RecordedRun.load(alice: a, bob: b, needsTestMarks: false, collectAudit: false)
        }
        #expect(error.description.contains(message), "\(error)")
    }

    @Test func loadingPacksEachPartysBits() throws {
        let a = try temporaryFile("alice.csv", "\(header),test\n1,1,0,1,0,0,0,1\n2,0,1,2,0,0,0,0\n")
        let b = try temporaryFile("bob.csv", "\(header)\n1,0,1,1,9,0,0\n2,1,1,2,9,0,0\n")
        let run = try RecordedRun.load(alice: a, bob: b, needsTestMarks: true, collectAudit: true)
        #expect(run.rounds == 2)
        #expect(run.alice.inputs[0] && !run.alice.inputs[1] && !run.alice.outputs[0] && run.alice.outputs[1])
        #expect(run.alice.testMarks?[0] == true && run.bob.testMarks == nil)
        #expect(run.bob.outputs.popCount == 2)
        #expect(run.audit?.events == 4)
    }
}
