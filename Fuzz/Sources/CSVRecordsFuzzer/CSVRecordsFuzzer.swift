import FuzzSupport
import RecordChecks
import Records

/// Reads the input as a CSV record file with ``CSVRecordReader`` to its end, in small chunks
/// and in one, which must agree. A file that reads must survive `diqkd convert` both ways:
/// written in the binary form, and as CSV again, each must read back as the same rounds exactly
/// (the CSV writer prints each double so that it reads back unchanged).
///
/// An input whose first byte is a control byte below 0x09 (never the start of a text file)
/// is read with import options chosen by that byte's bits, and the file is the bytes after it:
/// bit 0 `--inputs 1,2`; bit 1 `--outputs 1,-1 --no-click '' --no-click-output 0`; bit 2
/// `--time-unit ps` with the time column named `t` (`--column time=t`); bit 3 `--delimiter ';'`
/// (`--columns round,input,output,time_ns,x_m,y_m,z_m` for no header instead, when bit 2 is clear
/// and the byte is 8).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVRecords(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var options = RecordImport()
    var path: String
    var fileSize = size
    if let data, size > 0, data[0] < 9 {
        let selector = data[0]
        if selector & 1 != 0 { options.inputs = ValueConvention(zero: "1", one: "2") }
        if selector & 2 != 0 {
            options.outputs = ValueConvention(zero: "1", one: "-1")
            options.noClick = ""
        }
        if selector & 4 != 0 {
            options.timeUnit = .ps
            options.columnNames[.time] = "t"
        }
        if selector == 8 {
            options.headerlessColumns = ["round", "input", "output", "time_ns", "x_m", "y_m", "z_m"]
        } else if selector & 8 != 0 {
            options.delimiter = 59
        }
        path = FuzzInput.file(data + 1, size - 1)
        fileSize = size - 1
    } else {
        path = FuzzInput.file(data, size)
    }
    let chosen = options
    guard let table = RecordChecks.readInChunks(path, size: fileSize, { path, chunk throws(RecordError) in
        try CSVRecordReader(path: path, options: chosen, chunkBytes: chunk)
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
