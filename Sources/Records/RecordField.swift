/// What a column of a record file holds. A CSV column is found by its header name, matched
/// case-insensitively after trimming, with spaces and hyphens read as underscores, against the
/// field's name and aliases (``aliases``), or named with `--column FIELD=NAME`.
public enum RecordField: String, Sendable, Hashable, Codable, CaseIterable {
    case round, input, output
    case time = "time_ns"
    case x = "x_m", y = "y_m", z = "z_m"
    case timeUncertainty = "time_uncertainty_ns"
    case test

    /// Header names recognised without a mapping, the canonical one first. Time columns may
    /// carry their unit (`time_ps`, `time_us`, `time_s`), which then sets the time unit.
    public var aliases: [String] {
        switch self {
        case .round: ["round", "trial", "trial_index", "trial_number", "event", "event_number", "index"]
        case .input: ["input", "setting", "basis", "choice", "measurement_setting"]
        case .output: ["output", "outcome", "result"]
        case .time: ["time_ns", "time_ps", "time_us", "time_s", "time", "timestamp", "t"]
        case .x: ["x_m", "x_metres", "x_meters", "position_x"]
        case .y: ["y_m", "y_metres", "y_meters", "position_y"]
        case .z: ["z_m", "z_metres", "z_meters", "position_z"]
        case .timeUncertainty: ["time_uncertainty_ns", "time_uncertainty_ps", "time_uncertainty_us", "time_uncertainty_s",
                                "time_uncertainty", "timing_uncertainty"]
        case .test: ["test", "test_round", "is_test", "spot_check"]
        }
    }

    /// The field a name denotes (canonical name, alias, or `time` / `time_uncertainty` for the
    /// two time fields), for `--column` and `--columns`.
    public init?(name: String) {
        let key = RecordField.normalised(name)
        if key == "time" { self = .time; return }
        if key == "time_uncertainty" { self = .timeUncertainty; return }
        guard let field = RecordField.allCases.first(where: { $0.aliases.contains(key) }) else { return nil }
        self = field
    }

    /// A header name as compared: trimmed, lower case, spaces and hyphens as underscores.
    public static func normalised(_ name: String) -> String {
        String(name.trimmingSpaces.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }

    /// The unit a time column's name states (`time_ps` → ps), if any.
    static func statedUnit(_ name: String) -> TimeUnit? {
        let key = normalised(name)
        guard let underscore = key.lastIndex(of: "_") else { return nil }
        let suffix = key[key.index(after: underscore)...]
        guard key.hasPrefix("time") else { return nil }
        return TimeUnit(rawValue: String(suffix))
    }
}

/// The unit of a time column; times are converted to whole nanoseconds.
public enum TimeUnit: String, Sendable, Hashable, Codable, CaseIterable {
    case ps, ns, us, s

    /// The power of ten from this unit to nanoseconds.
    public var nanosecondExponent: Int {
        switch self {
        case .ps: -3
        case .ns: 0
        case .us: 3
        case .s: 9
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = Array(unicodeScalars)
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars[first...last])
        return result
    }
}
