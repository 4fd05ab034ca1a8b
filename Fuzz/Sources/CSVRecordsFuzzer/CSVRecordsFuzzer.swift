import FuzzSupport
import RecordChecks
import Records

/// Reads the input as a CSV record file with ``CSVRecordReader`` to its end, in small chunks
/// and in one, which must agree. A file that reads must survive `diqkd convert` both ways:
/// written in the binary form, and as CSV again, each must read back as the same rounds exactly
/// (the CSV writer prints each double so that it reads back unchanged).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVRecords(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size)
    guard let table = RecordChecks.readInChunks(path, size: size, { path, chunk throws(RecordError) in
        try CSVRecordReader(path: path, chunkBytes: chunk)
    }) else { return 0 }
    guard !table.rounds.isEmpty else { return 0 }
    let binary = RecordChecks.throughBinary(table)
    require(binary != nil, "a CSV file that reads converts to an unreadable binary file")
    require(binary! == table, "the binary form changes the records")
    let text = RecordChecks.throughCSV(table)
    require(text != nil, "a CSV file that reads is written back as an unreadable CSV file")
    require(text! == table, "CSV written and read back changes the records")
    return 0
}
