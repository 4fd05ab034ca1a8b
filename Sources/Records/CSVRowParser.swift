/// One row's values, before the round order is checked.
struct ParsedRow {
    var round: Int64 = 0
    var input: UInt8 = 0
    var output: UInt8 = 0
    var time: Int64 = 0
    var x = 0.0, y = 0.0, z = 0.0
    var uncertainty = 0.0
    var mark: UInt8 = 0
    /// The output was the no-click value; the time had a fraction of a nanosecond.
    var noClick = false
    var roundedTime = false
}

/// What a line turned out to be.
enum LineKind {
    case row
    case comment
    case blank
    case failure(String)
}

/// Reads rows of the plain format as fast as possible: fields at fixed positions, bits and
/// integers and short decimals parsed in place. Any row it cannot read (spaces, quotes, a bad
/// field) is handed to ``GeneralRowParser``, which reads it or says exactly what is wrong.
struct PlainRowParser {
    let columns: RecordColumns

    @inline(__always)
    func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into row: inout ParsedRow) -> Bool {
        var i = start
        @inline(__always) func field() -> Int {
            let s = i
            while i < end && bytes[i] != 44 { i += 1 }
            let e = i
            i += 1
            return e &- s == 0 ? -1 : e
        }
        @inline(__always) func bit() -> UInt8? {
            guard i + 1 <= end, bytes[i] &- 48 <= 1, i + 1 == end || bytes[i + 1] == 44 else { return nil }
            defer { i += 2 }
            return bytes[i] - 48
        }
        var s = i, e = field()
        guard e >= 0, let round = NumberParsing.integer(bytes, s, e) else { return false }
        guard let input = bit(), let output = bit() else { return false }
        s = i; e = field()
        guard e >= 0, let time = NumberParsing.integer(bytes, s, e) else { return false }
        s = i; e = field()
        guard e >= 0, let x = NumberParsing.double(bytes, s, e) else { return false }
        s = i; e = field()
        guard e >= 0, let y = NumberParsing.double(bytes, s, e) else { return false }
        s = i; e = field()
        guard e >= 0, let z = NumberParsing.double(bytes, s, e) else { return false }
        if columns.timeUncertainty {
            s = i; e = field()
            guard e >= 0, let u = NumberParsing.double(bytes, s, e), u >= 0 else { return false }
            row.uncertainty = u
        }
        if columns.testMarks {
            guard let mark = bit() else { return false }
            row.mark = mark
        }
        guard i > end else { return false }
        row.round = round; row.input = input; row.output = output; row.time = time
        row.x = x; row.y = y; row.z = z
        return true
    }
}

/// Reads any row of a resolved ``CSVLayout``: fields split at the separator outside double
/// quotes, spaces around fields ignored, each column read by its field and the import's
/// conventions. A failure names the field, its column and the text found.
struct GeneralRowParser {
    let layout: CSVLayout
    private var starts: [Int] = []
    private var ends: [Int] = []
    /// Fields read from inside quotes so far.
    private(set) var quotedFields = 0

    init(layout: CSVLayout) {
        self.layout = layout
        starts.reserveCapacity(layout.fieldCount + 1)
        ends.reserveCapacity(layout.fieldCount + 1)
    }

    /// Reads one line (without its newline or CR).
    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into row: inout ParsedRow) -> LineKind {
        let delimiter = layout.delimiter
        @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 32 || (b == 9 && delimiter != 9) }
        var first = start
        while first < end && (isSpace(bytes[first]) || bytes[first] == 9) { first += 1 }
        if first == end { return .blank }
        if bytes[first] == 35 { return .comment }
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        var i = start
        var quoted = 0
        while true {
            var s = i
            while s < end && isSpace(bytes[s]) { s += 1 }
            var e: Int
            var next: Int
            if s < end && bytes[s] == 34 {
                // A quoted field: up to the closing quote; `""` is a quote inside it.
                var q = s + 1
                while true {
                    guard q < end else { return .failure("a quoted field does not end on its line (column \(starts.count + 1))") }
                    if bytes[q] == 34 {
                        if q + 1 < end && bytes[q + 1] == 34 { q += 2; continue }
                        break
                    }
                    q += 1
                }
                next = q + 1
                while next < end && isSpace(bytes[next]) { next += 1 }
                guard next == end || bytes[next] == delimiter else {
                    return .failure("text after the closing quote of column \(starts.count + 1)")
                }
                s += 1
                e = q
                quoted += 1
            } else {
                next = s
                while next < end && bytes[next] != delimiter { next += 1 }
                e = next
                while e > s && isSpace(bytes[e - 1]) { e -= 1 }
            }
            starts.append(s)
            ends.append(e)
            if next >= end { break }
            i = next + 1
        }
        guard starts.count == layout.fieldCount else {
            return .failure("expected \(layout.fieldCount) columns, found \(starts.count)")
        }
        quotedFields += quoted
        for column in 0..<layout.fieldCount {
            guard let field = layout.roles[column] else { continue }
            if let problem = read(field, bytes, starts[column], ends[column], into: &row) {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[starts[column]..<ends[column]]), as: UTF8.self)
                let name = layout.names[column]
                let label = RecordField.normalised(name) == field.rawValue ? field.rawValue : "\(field.rawValue) (column '\(name)')"
                return .failure("\(label) \(problem), found '\(text)'")
            }
        }
        for (column, field) in layout.sharedColumns {
            if let problem = read(field, bytes, starts[column], ends[column], into: &row) {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[starts[column]..<ends[column]]), as: UTF8.self)
                return .failure("\(field.rawValue) (column '\(layout.names[column])') \(problem), found '\(text)'")
            }
        }
        if layout.noTime { row.time = 0 }
        if let fixed = layout.fixedPosition { (row.x, row.y, row.z) = fixed }
        return .row
    }

    /// Reads one field into `row`, or says what it must be.
    private func read(_ field: RecordField, _ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into row: inout ParsedRow) -> String? {
        switch field {
        case .round:
            guard let value = NumberParsing.integer(bytes, s, e) else { return "must be an integer from -2^63 to 2^63-1" }
            row.round = value
        case .input:
            guard let bit = match(bytes, s, e, layout.inputs) else { return "must be \(describe(layout.inputs))" }
            row.input = bit
        case .output:
            if let bit = match(bytes, s, e, layout.outputs) {
                row.output = bit
                row.noClick = false
            } else if let noClick = layout.noClick, equal(bytes, s, e, noClick) {
                row.output = layout.noClickOutput
                row.noClick = true
            } else if s == e {
                return "is empty (a round without a detection? count it as an output with --no-click '' --no-click-output 0|1; "
                    + "dropping it would open the detection loophole)"
            } else {
                return "must be \(describe(layout.outputs))" + (layout.noClick.map { " or the no-click value '\(String(decoding: $0, as: UTF8.self))'" } ?? "")
            }
        case .time:
            if let integer = NumberParsing.integer(bytes, s, e), let (value, rounded) = NumberParsing.scaled(integer, scale: layout.timeScale) {
                row.time = value
                row.roundedTime = rounded
                return nil
            }
            switch NumberParsing.nanoseconds(bytes, s, e, scale: layout.timeScale) {
            case .value(let value, let rounded):
                row.time = value
                row.roundedTime = rounded
            case .syntax: return "must be a number"
            case .overflow: return "is beyond the range of 64-bit nanoseconds (about ±292 years)"
            }
        case .x, .y, .z:
            guard let value = NumberParsing.double(bytes, s, e) else { return "must be a finite number" }
            switch field {
            case .x: row.x = value
            case .y: row.y = value
            default: row.z = value
            }
        case .timeUncertainty:
            guard let value = NumberParsing.double(bytes, s, e, scale: layout.uncertaintyScale), value >= 0 else {
                return "must be a non-negative finite number"
            }
            row.uncertainty = value
        case .test:
            guard let bit = match(bytes, s, e, ([48], [49])) else { return "must be 0 or 1" }
            row.mark = bit
        }
        return nil
    }

    /// The bit a field's text means: equal to one of the two values, or, when both are
    /// integers, equal to one as an integer (`+1` is `1`).
    @inline(__always)
    private func match(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ values: ([UInt8], [UInt8])) -> UInt8? {
        if equal(bytes, s, e, values.0) { return 0 }
        if equal(bytes, s, e, values.1) { return 1 }
        guard let number = NumberParsing.integer(bytes, s, e) else { return nil }
        let zero = values.0.withUnsafeBufferPointer { NumberParsing.integer($0, 0, $0.count) }
        let one = values.1.withUnsafeBufferPointer { NumberParsing.integer($0, 0, $0.count) }
        guard let zero, let one, zero != one else { return nil }
        return number == zero ? 0 : number == one ? 1 : nil
    }

    @inline(__always)
    private func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ value: [UInt8]) -> Bool {
        guard e - s == value.count else { return false }
        for k in 0..<value.count where bytes[s + k] != value[k] { return false }
        return true
    }

    private func describe(_ values: ([UInt8], [UInt8])) -> String {
        "'\(String(decoding: values.0, as: UTF8.self))' or '\(String(decoding: values.1, as: UTF8.self))'"
    }
}
