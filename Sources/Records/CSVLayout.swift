/// Where each field sits in a CSV file and how its values read: resolved once from the header
/// line (or `--columns`) and the ``RecordImport`` options, then used for every row.
struct CSVLayout {
    var delimiter: UInt8 = 44
    /// Columns every row must have.
    var fieldCount = 0
    /// The field of each column, `nil` for an ignored one.
    var roles: [RecordField?] = []
    /// Fields read from a column that already has a field in ``roles`` (`--column round=trial
    /// --column time=trial`): one column may serve several fields.
    var sharedColumns: [(column: Int, field: RecordField)] = []
    /// Whether the file has no time column (allowed when the audit is not run): rows get time 0.
    var noTime = false
    var columns = RecordColumns()
    /// Whether the file has a round column (otherwise rounds are numbered by row).
    var hasRound = true
    /// Position for every row when the file has no position columns.
    var fixedPosition: (Double, Double, Double)?
    /// Powers of ten from the time and uncertainty units to nanoseconds.
    var timeScale = 0
    var uncertaintyScale = 0
    var inputs: ([UInt8], [UInt8]) = ([48], [49])
    var outputs: ([UInt8], [UInt8]) = ([48], [49])
    var noClick: [UInt8]?
    var noClickOutput: UInt8 = 0
    /// Column header names, for messages (`column N` without a header).
    var names: [String] = []
    /// The plain format in its own order, comma-separated, with plain values: rows are first
    /// tried by the fast parser.
    var plain = false

    static let canonicalOrder: [RecordField] = [.round, .input, .output, .time, .x, .y, .z]

    /// Resolves the columns of a file.
    /// - Parameters:
    ///   - header: the header line's fields (unquoted, trimmed), or `nil` for a headerless file,
    ///     whose columns `options.headerlessColumns` gives.
    ///   - delimiter: the separator, given or detected.
    /// - Throws: a message for the header line: a field missing, found twice, or a mapping or
    ///   unit that does not fit the file.
    static func resolve(header: [String]?, delimiter: UInt8, options: RecordImport,
                        report: inout ImportReport) throws(LayoutProblem) -> CSVLayout {
        var layout = CSVLayout()
        layout.delimiter = delimiter
        if let header {
            layout.names = header
            (layout.roles, layout.sharedColumns) = try assign(header: header, options: options, report: &report)
        } else {
            let list = options.headerlessColumns ?? []
            var seen = Set<RecordField>()
            for name in list {
                if name == "_" { layout.roles.append(nil); continue }
                guard let field = RecordField(name: name) else {
                    throw LayoutProblem("--columns: '\(name)' is not a field (fields: \(RecordField.allCases.map(\.rawValue).joined(separator: ", ")), or _ to skip a column)")
                }
                guard seen.insert(field).inserted else { throw LayoutProblem("--columns names \(field.rawValue) twice") }
                layout.roles.append(field)
            }
            layout.names = list
            report.headerlessColumns = list
        }
        layout.fieldCount = layout.roles.count
        let shared = layout.sharedColumns
        func column(_ field: RecordField) -> Int? {
            layout.roles.firstIndex(of: field) ?? shared.first { $0.field == field }?.column
        }
        for (index, role) in layout.roles.enumerated() {
            if let role { report.columns[role.rawValue] = layout.names[index] }
        }
        for (index, field) in shared { report.columns[field.rawValue] = layout.names[index] }
        let source = header == nil ? "--columns" : "the header"
        let absent = ImportReport.absentColumn
        for field in [RecordField.input, .output, .time] where column(field) == nil {
            if field == .time && !options.requiresTimeAndPosition {
                layout.noTime = true
                report.columns[field.rawValue] = absent
                continue
            }
            throw LayoutProblem("no \(field.rawValue) column in \(source) (found: \(layout.names.joined(separator: ", "))); "
                                + "name it with --column \(field.rawValue)=NAME"
                                + (field == .time ? " (only the space-like audit needs times: without it, --assume-nonsignaling)" : ""))
        }
        let positions = [RecordField.x, .y, .z].map(column)
        if options.fixedPosition == nil && !options.requiresTimeAndPosition && positions.allSatisfy({ $0 == nil }) {
            layout.fixedPosition = (0, 0, 0)
            for field in [RecordField.x, .y, .z] { report.columns[field.rawValue] = absent }
        } else if let fixed = options.fixedPosition {
            guard fixed.count == 3, fixed.allSatisfy(\.isFinite) else {
                throw LayoutProblem("a fixed position needs three finite coordinates in metres (got \(fixed))")
            }
            guard positions.allSatisfy({ $0 == nil }) else {
                throw LayoutProblem("the file has position columns; a fixed position (--alice-position, --bob-position) is for files without them")
            }
            layout.fixedPosition = (fixed[0], fixed[1], fixed[2])
            report.fixedPosition = fixed
        } else if let missing = zip([RecordField.x, .y, .z], positions).first(where: { $0.1 == nil })?.0 {
            throw LayoutProblem("no \(missing.rawValue) column in \(source): name it with --column \(missing.rawValue)=NAME, or give "
                                + "the lab's fixed position with --alice-position / --bob-position X,Y,Z (metres)")
        }
        layout.hasRound = column(.round) != nil
        if !layout.hasRound { report.columns[RecordField.round.rawValue] = "row number" }
        layout.columns = RecordColumns(timeUncertainty: column(.timeUncertainty) != nil, testMarks: column(.test) != nil)

        // The time unit: the flag, else the unit the column's name states.
        let timeName = column(.time).map { layout.names[$0] } ?? "time_ns"
        let stated = RecordField.statedUnit(timeName)
        let unit: TimeUnit
        if layout.noTime {
            unit = .ns
            report.timeUnitSource = "absent"
        } else if let given = options.timeUnit {
            if let stated, stated != given {
                throw LayoutProblem("--time-unit \(given.rawValue) contradicts the time column '\(timeName)', which states \(stated.rawValue)")
            }
            unit = given
            report.timeUnitSource = "flag"
        } else if let stated {
            unit = stated
            report.timeUnitSource = stated == .ns && RecordField.normalised(timeName) == "time_ns" ? "default" : "header"
        } else {
            throw LayoutProblem("the time column '\(timeName)' does not state its unit: give --time-unit ps|ns|us|s")
        }
        if !layout.noTime { report.timeUnit = unit }
        layout.timeScale = unit.nanosecondExponent
        if let index = column(.timeUncertainty) {
            let stated = RecordField.statedUnit(layout.names[index])
            layout.uncertaintyScale = (stated ?? unit).nanosecondExponent
        }

        layout.inputs = options.inputs.bytes
        layout.outputs = options.outputs.bytes
        report.inputs = options.inputs
        report.outputs = options.outputs
        if let noClick = options.noClick {
            let bytes = Array(noClick.utf8)
            guard bytes != layout.outputs.0 && bytes != layout.outputs.1 else {
                throw LayoutProblem("--no-click '\(noClick)' is also an output value (--outputs \(options.outputs))")
            }
            layout.noClick = bytes
            layout.noClickOutput = options.noClickOutput
            report.noClick = noClick
            report.noClickOutput = Int(options.noClickOutput)
        }
        let order = layout.roles.compactMap { $0 }
        var expected = canonicalOrder
        if layout.columns.timeUncertainty { expected.append(.timeUncertainty) }
        if layout.columns.testMarks { expected.append(.test) }
        layout.plain = delimiter == 44 && order == expected && layout.roles.count == expected.count && options.isPlain
            && layout.timeScale == 0 && layout.uncertaintyScale == 0 && shared.isEmpty && !layout.noTime
        return layout
    }

    /// Assigns a field to each header column: explicit `--column` names first (a column named
    /// for several fields serves them all), then names and aliases.
    private static func assign(header: [String], options: RecordImport,
                               report: inout ImportReport) throws(LayoutProblem) -> ([RecordField?], [(column: Int, field: RecordField)]) {
        let keys = header.map(RecordField.normalised)
        var roles = [RecordField?](repeating: nil, count: header.count)
        var shared: [(column: Int, field: RecordField)] = []
        for field in RecordField.allCases {
            guard let name = options.columnNames[field] else { continue }
            let matches = keys.indices.filter { keys[$0] == RecordField.normalised(name) }
            guard let index = matches.first else {
                throw LayoutProblem("--column \(field.rawValue)=\(name): no column '\(name)' in the header (found: \(header.joined(separator: ", ")))")
            }
            guard matches.count == 1 else { throw LayoutProblem("--column \(field.rawValue)=\(name): the header has \(matches.count) columns '\(name)'") }
            if roles[index] != nil {
                shared.append((index, field))
            } else {
                roles[index] = field
            }
        }
        for (index, key) in keys.enumerated() where roles[index] == nil {
            guard let field = RecordField.allCases.first(where: { $0.aliases.contains(key) }),
                  options.columnNames[field] == nil else { continue }
            if let earlier = roles.firstIndex(of: field) {
                throw LayoutProblem("columns '\(header[earlier])' and '\(header[index])' both name the \(field.rawValue); "
                                    + "choose one with --column \(field.rawValue)=NAME")
            }
            roles[index] = field
        }
        report.ignoredColumns = header.indices.filter { roles[$0] == nil }.map { header[$0] }
        return (roles, shared)
    }

    /// Picks the separator of a header (or first) line: whichever of `,` `;` tab occurs most
    /// often outside double quotes, comma on a tie; comma when none occurs.
    static func detectDelimiter(_ line: some Collection<UInt8>) -> UInt8 {
        var counts = [44: 0, 59: 0, 9: 0] as [UInt8: Int]
        var quoted = false
        for byte in line {
            if byte == 34 { quoted.toggle() } else if !quoted, counts[byte] != nil { counts[byte]! += 1 }
        }
        return [44, 59, 9].max { counts[$0]! < counts[$1]! || (counts[$0]! == counts[$1]! && $0 == 44) } ?? 44
    }

    /// The fields of a header line: split at the separator outside double quotes, trimmed,
    /// unquoted (`""` inside quotes is one quote).
    static func headerFields(_ line: [UInt8], delimiter: UInt8) -> [String] {
        var fields: [String] = []
        var current: [UInt8] = []
        var quoted = false
        var index = 0
        while index < line.count {
            let byte = line[index]
            if quoted {
                if byte == 34 {
                    if index + 1 < line.count && line[index + 1] == 34 { current.append(34); index += 1 } else { quoted = false }
                } else {
                    current.append(byte)
                }
            } else if byte == 34 && String(decoding: current, as: UTF8.self).trimmingSpaces.isEmpty {
                current = []
                quoted = true
            } else if byte == delimiter {
                fields.append(String(decoding: current, as: UTF8.self).trimmingSpaces)
                current = []
            } else {
                current.append(byte)
            }
            index += 1
        }
        fields.append(String(decoding: current, as: UTF8.self).trimmingSpaces)
        return fields
    }
}

/// A header or options problem, before any row is read.
struct LayoutProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension UInt8 {
    /// The delimiter as the report and flags name it.
    var delimiterName: String { self == 9 ? "tab" : String(UnicodeScalar(self)) }
}
