/// An integer with commas between groups of three digits (`1,234,567`), as reports and
/// messages print counts.
public func groupedDigits(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(c)
    }
    return value < 0 ? "-" + out : out
}
