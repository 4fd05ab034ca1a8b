import Foundation
import Testing
@testable import Records

/// Reading a lab's own export: columns by name, conventions, units and the text's shape.
@Suite("record import")
struct ImportTests {
    private func read(_ contents: String, _ options: RecordImport = RecordImport(), chunk: Int = CSVRecordReader.defaultChunkBytes)
        throws -> (RecordBatch, ImportReport) {
        let path = try temporaryFile("lab.csv", contents)
        var reader = try CSVRecordReader(path: path, options: options, chunkBytes: chunk)
        var all = RecordBatch()
        while let batch = try reader.next() {
            all.rounds += batch.rounds; all.inputs += batch.inputs; all.outputs += batch.outputs; all.timesNs += batch.timesNs
            all.x += batch.x; all.y += batch.y; all.z += batch.z; all.uncertaintiesNs += batch.uncertaintiesNs
            all.testMarks += batch.testMarks
        }
        return (all, reader.importReport)
    }

    private func failure(_ contents: String, _ options: RecordImport = RecordImport()) throws -> RecordError {
        try #require(throws: RecordError.self) { _ = try read(contents, options) }
    }

    @Test func columnsAreFoundByNameInAnyOrderAndUnknownOnesIgnored() throws {
        let (batch, report) = try read("""
            Z_M, Outcome ,herald,Setting,Trial,time_ns,x_m,y_m
            0,1,1,0,7,100,1.5,2
            0,0,1,1,8,200,1.5,2
            """)
        #expect(batch.rounds == [7, 8] && batch.inputs == [0, 1] && batch.outputs == [1, 0] && batch.timesNs == [100, 200])
        #expect(batch.x == [1.5, 1.5] && batch.y == [2, 2] && batch.z == [0, 0])
        #expect(report.ignoredColumns == ["herald"])
        #expect(report.columns["output"] == "Outcome" && report.columns["input"] == "Setting" && report.columns["round"] == "Trial")
        #expect(report.flags == "")
    }

    @Test func aColumnCanBeNamedExplicitly() throws {
        var options = RecordImport()
        options.columnNames = [.input: "setting_a", .output: "click_a", .time: "t_ps"]
        options.timeUnit = .ps
        let (batch, report) = try read("setting_a,click_a,t_ps,outcome,x_m,y_m,z_m\n1,0,1500,1,0,0,0\n", options)
        // 'outcome' would be the output by its alias, but the output was named: it is ignored.
        #expect(batch.inputs == [1] && batch.outputs == [0] && batch.timesNs == [2] && batch.rounds == [1])
        #expect(report.ignoredColumns == ["outcome"] && report.columns["round"] == "row number")
        #expect(report.flags == "--column input=setting_a --column output=click_a --column time_ns=t_ps --time-unit ps")
    }

    @Test func aHeaderlessFileNeedsItsColumns() throws {
        var options = RecordImport()
        options.headerlessColumns = ["round", "_", "input", "output", "time_us", "x_m", "y_m", "z_m"]
        let (batch, report) = try read("# no header\n5,junk,0,1,1.0005,0,0,0\n6,junk,1,1,2,0,0,0\n", options)
        #expect(batch.rounds == [5, 6] && batch.timesNs == [1000, 2000] && report.header == false)
        #expect(report.timeUnitSource == "header" && report.roundedTimes == 1 && report.commentLines == 1)
        #expect(report.flags.contains("--columns round,_,input,output,time_us,x_m,y_m,z_m"))
    }

    @Test func valueConventionsMapSettingsAndOutcomes() throws {
        var options = RecordImport()
        options.inputs = ValueConvention(zero: "1", one: "2")
        options.outputs = ValueConvention(zero: "+1", one: "-1")
        let (batch, _) = try read("setting,outcome,time_ns,x_m,y_m,z_m\n1,+1,1,0,0,0\n2,-1,2,0,0,0\n2,+1,3,0,0,0\n", options)
        #expect(batch.inputs == [0, 1, 1] && batch.outputs == [0, 1, 0])
        let error = try failure("setting,outcome,time_ns,x_m,y_m,z_m\n1,+1,1,0,0,0\n0,1,2,0,0,0\n", options)
        #expect(error.line == 3 && error.message == "input (column 'setting') must be '1' or '2', found '0'", "\(error)")
    }

    /// A no-click round is kept with the chosen output and counted; without the option an empty
    /// output is an error that says why it is not dropped.
    @Test func noClicksAreCountedNeverDropped() throws {
        var options = RecordImport()
        options.outputs = ValueConvention(zero: "1", one: "-1")
        options.noClick = ""
        options.noClickOutput = 1
        let rows = "round,input,output,time_ns,x_m,y_m,z_m\n1,0,1,1,0,0,0\n2,0,,2,0,0,0\n3,1,\"\",3,0,0,0\n4,1,-1,4,0,0,0\n"
        let (batch, report) = try read(rows, options)
        #expect(batch.rounds == [1, 2, 3, 4] && batch.outputs == [0, 1, 1, 1] && report.noClicks == 2 && report.quotedFields == 1)
        options.noClick = "nc"
        options.noClickOutput = 0
        let (named, namedReport) = try read("round,input,output,time_ns,x_m,y_m,z_m\n1,0,nc,1,0,0,0\n2,0,-1,2,0,0,0\n", options)
        #expect(named.outputs == [0, 1] && namedReport.noClicks == 1)
        let error = try failure("round,input,output,time_ns,x_m,y_m,z_m\n1,0,,1,0,0,0\n")
        #expect(error.line == 2 && error.message.contains("output is empty") && error.message.contains("detection loophole"))
    }

    @Test func timeUnitsComeFromTheFlagOrTheHeader() throws {
        let (ps, psReport) = try read("round,input,output,time_ps,x_m,y_m,z_m\n1,0,0,1234567,0,0,0\n2,0,0,-9223372036854775808000,0,0,0\n")
        #expect(ps.timesNs == [1235, .min] && psReport.timeUnit == .ps && psReport.timeUnitSource == "header" && psReport.roundedTimes == 1)
        var seconds = RecordImport()
        seconds.timeUnit = .s
        let (s, _) = try read("round,input,output,timestamp,x_m,y_m,z_m\n1,0,0,1.000000001,0,0,0\n2,0,0,2.5e-9,0,0,0\n", seconds)
        #expect(s.timesNs == [1_000_000_001, 2])
        let missing = try failure("round,input,output,timestamp,x_m,y_m,z_m\n1,0,0,1,0,0,0\n")
        #expect(missing.line == 1 && missing.message.contains("--time-unit"))
        var contradiction = RecordImport()
        contradiction.timeUnit = .us
        #expect(try failure("round,input,output,time_ps,x_m,y_m,z_m\n1,0,0,1,0,0,0\n", contradiction).message.contains("contradicts"))
        let uncertainty = try read("round,input,output,time_ps,x_m,y_m,z_m,time_uncertainty\n1,0,0,1,0,0,0,250\n").0
        #expect(uncertainty.uncertaintiesNs == [0.25])
    }

    /// Comments, a byte-order mark, CR LF, spaces, quotes, semicolons and tabs, blank lines at the end.
    @Test(arguments: [
        "\u{FEFF}# exported 2026-11-30\n# columns: see manual\nround;input;output;time_ns;x_m;y_m;z_m\r\n1; 0 ;1;10;0,5;0;0\r\n# pause\r\n2;\"1\";0;20;0;0;0\r\n\r\n\n",
        "round\tinput\toutput\ttime_ns\tx_m\ty_m\tz_m\n1\t0\t1\t10\t0\t0\t0\n2\t1\t0\t20\t0\t0\t0\n",
        " round , input , output , time_ns , x_m , y_m , z_m \n 1 , 0 , 1 , 10 , 0 , 0 , 0 \n\"2\",\"1\",\"0\",\"20\",\"0\",\"0\",\"0\"\n\n",
    ])
    func theTextsShapeDoesNotMatter(contents: String) throws {
        // The semicolon case has a decimal comma in x_m, which is not a number: it is refused.
        if contents.contains("0,5") {
            let error = try failure(contents)
            #expect(error.line == 4 && error.message == "x_m must be a finite number, found '0,5'", "\(error)")
            let fixed = contents.replacingOccurrences(of: "0,5", with: "0")
            for chunk in [1, 5, 4096] {
                let (batch, report) = try read(fixed, chunk: chunk)
                #expect(batch.rounds == [1, 2] && batch.inputs == [0, 1] && batch.outputs == [1, 0] && batch.timesNs == [10, 20])
                #expect(report.delimiter == ";" && report.byteOrderMark && report.commentLines == 3 && report.crlfLines == 4)
                #expect(report.trailingBlankLines == 2 && report.quotedFields == 1)
            }
            return
        }
        let (batch, report) = try read(contents)
        #expect(batch.rounds == [1, 2] && batch.inputs == [0, 1] && batch.outputs == [1, 0] && batch.timesNs == [10, 20], "\(report)")
        #expect(report.delimiterDetected == true)
    }

    @Test func aGivenDelimiterOverridesDetection() throws {
        var options = RecordImport()
        options.delimiter = 59
        let (batch, report) = try read("round;input;output;time_ns;x_m;y_m;z_m;note\n1;0;1;10;0;0;0;a,b,c,d,e,f,g,h\n", options)
        #expect(batch.rounds == [1] && report.delimiter == ";" && report.delimiterDetected == false && report.flags == "--delimiter ';'")
    }

    @Test(arguments: [
        ("round,setting,input,output,time_ns,x_m,y_m,z_m\n", "columns 'setting' and 'input' both name the input"),
        ("round,output,time_ns,x_m,y_m,z_m\n", "no input column"),
        ("round,input,output,time_ns,y_m,z_m\n", "no x_m column"),
        ("round;input;output;time_ns x_m y_m z_m\n", "no time_ns column"),
        ("round input output\n", "say which with --delimiter"),
        ("1,0,1,10,0,0,0\n", "a file without a header needs --columns"),
    ])
    func headerProblemsNameTheHeaderLine(header: String, message: String) throws {
        let error = try failure("# comment first\n" + header + "1,0,0,0,0,0,0,0\n")
        #expect(error.line == 2 && error.message.contains(message), "\(error)")
    }

    /// A blank line between rows is an error at that line; at the end it is skipped. Line
    /// numbers count comments and blank lines.
    @Test func blankLinesAndCommentsKeepLineNumbersExact() throws {
        let error = try failure("\(header)\n1,0,0,1,0,0,0\n\n# note\n2,0,0,2,0,0,0\n")
        #expect(error.line == 3 && error.message.contains("empty line"), "\(error)")
        let a = try temporaryFile("alice.csv", "\(header)\n# a\n1,0,0,1,0,0,0\n# b\n# c\n2,0,0,2,0,0,0\n3,0,0,3,0,0,0\n")
        let b = try temporaryFile("bob.csv", "\(header)\n1,0,0,1,5,0,0\n2,0,0,2,5,0,0\n4,0,0,3,5,0,0\n")
        let mismatch = try #require(throws: RecordError.self) {
            _ = try RecordedRun.load(alice: a, bob: b, needsTestMarks: false, collectAudit: false)
        }
        #expect(mismatch.description.contains("bob.csv, line 4: round 3 of \(a) (line 7) is missing here"), "\(mismatch)")
    }

    /// Both labs' `test` columns, when both have one, must mark the same rounds.
    @Test func bobsTestColumnMustAgreeWithAlices() throws {
        let a = try temporaryFile("alice.csv", "\(header),test\n1,0,0,1,0,0,0,1\n2,0,0,2,0,0,0,0\n")
        let agree = try temporaryFile("bob.csv", "\(header),test\n1,0,0,1,5,0,0,1\n2,0,0,2,5,0,0,0\n")
        #expect(try RecordedRun.load(alice: a, bob: agree, needsTestMarks: true, collectAudit: false).rounds == 2)
        let differ = try temporaryFile("bob.csv", "\(header),test\n1,0,0,1,5,0,0,1\n2,0,0,2,5,0,0,1\n")
        let error = try #require(throws: RecordError.self) {
            _ = try RecordedRun.load(alice: a, bob: differ, needsTestMarks: true, collectAudit: false)
        }
        #expect(error.file == differ && error.line == 3 && error.message.contains("both labs must mark the same test rounds"), "\(error)")
    }

    /// Spot-check key rounds with inputs other than (0,0) are counted; the joint counts add up.
    @Test func spotCheckKeyRoundsWithOtherInputsAreCounted() throws {
        let a = try temporaryFile("alice.csv", "\(header),test\n1,0,0,1,0,0,0,0\n2,1,0,2,0,0,0,0\n3,1,1,3,0,0,0,1\n4,0,1,4,0,0,0,0\n")
        let b = try temporaryFile("bob.csv", "\(header)\n1,0,0,1,5,0,0\n2,0,1,2,5,0,0\n3,1,1,3,5,0,0\n4,1,0,4,5,0,0\n")
        let run = try RecordedRun.load(alice: a, bob: b, needsTestMarks: true, collectAudit: false)
        #expect(run.keyRoundsWithOtherInputs == 2)
        var expected = [Int](repeating: 0, count: 16)
        for (u, v, x, y) in [(0, 0, 0, 0), (1, 0, 0, 1), (1, 1, 1, 1), (0, 1, 1, 0)] { expected[8 * u + 4 * v + 2 * x + y] += 1 }
        #expect(run.jointCounts == expected)
    }

    @Test func theBinaryFormRefusesImportOptionsAndUnknownVersions() throws {
        let csv = try temporaryFile("a.csv", "\(header)\n1,0,0,1,0,0,0\n")
        let bin = csv + ".bin"
        var reader = try openRecords(csv)
        let writer = try BinaryRecordWriter(path: bin, columns: reader.columns)
        while let batch = try reader.next() { try writer.write(batch) }
        try writer.close()
        var options = RecordImport()
        options.timeUnit = .ps
        #expect(throws: RecordError.self) { _ = try openRecords(bin, options: options) }
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: bin)))
        bytes[7] = UInt8(ascii: "9")
        try Data(bytes).write(to: URL(fileURLWithPath: bin))
        let error = try #require(throws: RecordError.self) { _ = try readAll(bin) }
        #expect(error.message.contains("version '9'"), "\(error)")
        let fake = try temporaryFile("fake.bin", "\(header)\n1,0,0,1,0,0,0\n")
        #expect(try #require(throws: RecordError.self) { _ = try readAll(fake) }.message.contains("not a diqkd binary record file"))
    }
}
