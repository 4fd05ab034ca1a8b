import FuzzSupport
import RecordChecks
import Records

/// Reads the input as a binary record file with ``BinaryRecordReader`` to its end, in small
/// chunks and in one, which must agree. A file that reads must survive `diqkd convert`: written
/// again in the binary form, and as CSV, each must read back as the same rounds exactly (the
/// CSV writer prints each double so that it reads back unchanged).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBinaryRecords(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size)
    guard let table = RecordChecks.readInChunks(path, size: size, { path, chunk throws(RecordError) in
        try BinaryRecordReader(path: path, chunkBytes: chunk)
    }) else { return 0 }
    guard !table.rounds.isEmpty else { return 0 }
    let binary = RecordChecks.throughBinary(table)
    require(binary != nil, "a binary file that reads is written back as an unreadable binary file")
    require(binary! == table, "writing the binary form again changes the records")
    let text = RecordChecks.throughCSV(table)
    require(text != nil, "a binary file that reads converts to an unreadable CSV file")
    require(text! == table, "the CSV form changes the records")
    return 0
}
