/// Number syntax of record files, parsed from raw bytes without building strings on the hot
/// path. Every parser takes one field's bytes, already trimmed, and either returns the value or
/// `nil`; the caller quotes the field in its message, so that an error always names the field
/// that is wrong (never the next one).
enum NumberParsing {
    /// `[+-]digits` as an `Int64`, the whole range `-2^63 ... 2^63 - 1` included.
    @inline(__always)
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var i = start
        var negative = false
        if i < end && (bytes[i] == 45 || bytes[i] == 43) { negative = bytes[i] == 45; i += 1 }
        guard i < end else { return nil }
        // The magnitude in an unsigned word, so that 2^63 (the magnitude of Int64.min) fits.
        var magnitude: UInt64 = 0
        while i < end {
            let d = UInt64(bytes[i]) &- 48
            guard d <= 9 else { return nil }
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(d)
            guard !o1 && !o2 else { return nil }
            magnitude = sum
            i += 1
        }
        if negative {
            guard magnitude <= 1 << 63 else { return nil }
            return Int64(bitPattern: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// The shape of a decimal number `[+-]digits[.digits][(e|E)[+-]digits]` (at least one
    /// digit before or after the point), found in one pass.
    struct Decimal {
        var negative = false
        /// Byte range of the digits before the point and after it (the point excluded).
        var integerDigits = 0..<0
        var fractionDigits = 0..<0
        /// The written exponent, saturated at ±10^7 (far beyond any double or Int64 nanosecond).
        var exponent = 0
        /// Up to 19 leading significant digits as an integer, their decimal exponent, and whether
        /// they are all the digits there are (no nonzero digit dropped).
        var mantissa: UInt64 = 0
        var mantissaExponent = 0
        var exactMantissa = true

        init?(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
            var i = start
            if i < end && (bytes[i] == 45 || bytes[i] == 43) { negative = bytes[i] == 45; i += 1 }
            let integerStart = i
            while i < end, bytes[i] &- 48 <= 9 { accept(bytes[i], fraction: false); i += 1 }
            integerDigits = integerStart..<i
            if i < end && bytes[i] == 46 {
                i += 1
                let fractionStart = i
                while i < end, bytes[i] &- 48 <= 9 { accept(bytes[i], fraction: true); i += 1 }
                fractionDigits = fractionStart..<i
            }
            guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return nil }
            if i < end && (bytes[i] == 101 || bytes[i] == 69) {
                i += 1
                var negativeExponent = false
                if i < end && (bytes[i] == 45 || bytes[i] == 43) { negativeExponent = bytes[i] == 45; i += 1 }
                let exponentStart = i
                var e = 0
                while i < end, bytes[i] &- 48 <= 9 {
                    e = min(e * 10 + Int(bytes[i] - 48), 10_000_000)
                    i += 1
                }
                guard i > exponentStart else { return nil }
                exponent = negativeExponent ? -e : e
            }
            guard i == end else { return nil }
            mantissaExponent += exponent
        }

        @inline(__always)
        private mutating func accept(_ byte: UInt8, fraction: Bool) {
            if mantissa < 1_000_000_000_000_000_000 {
                mantissa = mantissa &* 10 &+ UInt64(byte &- 48)
                if fraction { mantissaExponent -= 1 }
            } else {
                if !fraction { mantissaExponent += 1 }
                if byte != 48 { exactMantissa = false }
            }
        }
    }

    /// A decimal number times `10^scale`, correctly rounded to the nearest double (ties to
    /// even), as `strtod` rounds; `nil` for bad syntax or a magnitude beyond the largest
    /// double. Zero with any exponent is zero (`0e500` is 0), and values below the smallest
    /// subnormal round to ±0.
    ///
    /// When the significant digits form an integer of at most 2^53 and the power of ten is at
    /// most 10^22, both are exact doubles and one IEEE multiplication or division rounds the
    /// result correctly (Clinger, "How to read floating point numbers accurately", PLDI 1990).
    /// Every other number goes to the standard library's conversion, which is correctly
    /// rounded for any number of digits (the property test in `DecimalPropertyTests` compares
    /// both against `strtod` on random decimals).
    static func double(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scale: Int = 0) -> Double? {
        guard let d = Decimal(bytes, start, end) else { return nil }
        if d.mantissa == 0 && d.exactMantissa { return d.negative ? -0.0 : 0 }
        let e = d.mantissaExponent + scale
        if d.exactMantissa && d.mantissa <= 1 << 53 && e >= -22 && e <= 22 {
            let value = e >= 0 ? Double(d.mantissa) * exactPowers[e] : Double(d.mantissa) / exactPowers[-e]
            return d.negative ? -value : value
        }
        // Every digit, and the exponent that places them, for the library's conversion.
        var text = d.negative ? "-" : ""
        text.unicodeScalars.reserveCapacity(d.integerDigits.count + d.fractionDigits.count + 12)
        for k in d.integerDigits { text.unicodeScalars.append(Unicode.Scalar(bytes[k])) }
        for k in d.fractionDigits { text.unicodeScalars.append(Unicode.Scalar(bytes[k])) }
        text += "e\(d.exponent - d.fractionDigits.count + scale)"
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// An integer time times `10^scale`, rounded to the nearest nanosecond (ties to even), or
    /// `nil` when the product leaves the `Int64` range: the common case of ``nanoseconds(_:_:_:scale:)``
    /// (integer picoseconds) without its digit-by-digit walk.
    @inline(__always)
    static func scaled(_ value: Int64, scale: Int) -> (value: Int64, rounded: Bool)? {
        if scale >= 0 {
            var result = value
            for _ in 0..<scale {
                let (product, overflow) = result.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                result = product
            }
            return (result, false)
        }
        guard scale >= -18 else { return nil }
        let divisor = Int64(exactPowers[-scale])
        let (q, r) = value.quotientAndRemainder(dividingBy: divisor)
        let twice = 2 * r.magnitude
        if twice > UInt64(divisor) || (twice == UInt64(divisor) && q & 1 != 0) { return (value < 0 ? q - 1 : q + 1, true) }
        return (q, r != 0)
    }

    /// The outcome of converting a time to whole nanoseconds.
    enum Nanoseconds {
        case value(Int64, rounded: Bool)
        case syntax
        case overflow
    }

    /// A decimal time times `10^scale` (the unit's power of ten relative to a nanosecond:
    /// -3 for ps, 3 for µs, 9 for s), rounded exactly to the nearest nanosecond, ties to even.
    /// Works on the decimal digits themselves, never through a double, so that a time of any
    /// precision that fits an `Int64` of nanoseconds converts exactly. `rounded` says whether a
    /// fraction of a nanosecond was dropped.
    static func nanoseconds(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scale: Int) -> Nanoseconds {
        guard let d = Decimal(bytes, start, end) else { return .syntax }
        // The digits as one logical sequence (integer part, then fraction), skipping the point.
        let integerCount = d.integerDigits.count
        let total = integerCount + d.fractionDigits.count
        @inline(__always) func digit(_ k: Int) -> UInt64 {
            UInt64(k < integerCount ? bytes[d.integerDigits.lowerBound + k] &- 48 : bytes[d.fractionDigits.lowerBound + k - integerCount] &- 48)
        }
        var first = 0
        while first < total && digit(first) == 0 { first += 1 }
        guard first < total else { return .value(0, rounded: false) }
        var last = total - 1
        while digit(last) == 0 { last -= 1 }
        // value = D * 10^power, D the digits first...last.
        let power = integerCount - 1 - last + d.exponent + scale
        let count = last - first + 1
        let limit: UInt64 = d.negative ? 1 << 63 : UInt64(Int64.max)
        var magnitude: UInt64 = 0
        var rounded = false
        @inline(__always) func push(_ digit: UInt64) -> Bool {
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(digit)
            guard !o1 && !o2 && sum <= limit else { return false }
            magnitude = sum
            return true
        }
        if power >= 0 {
            guard count + power <= 19 else { return .overflow }
            for k in first...last { guard push(digit(k)) else { return .overflow } }
            for _ in 0..<power { guard push(0) else { return .overflow } }
        } else {
            // Digits first..<keepEnd are whole nanoseconds, the rest a fraction of one.
            let keepEnd = last + 1 + power
            if keepEnd > first {
                guard keepEnd - first <= 19 else { return .overflow }
                for k in first..<keepEnd { guard push(digit(k)) else { return .overflow } }
            }
            rounded = true
            // Round half to even: the first dropped digit (an implied leading zero when the
            // number is below 0.1 ns) decides, the rest (nonzero, since trailing zeros were
            // stripped) break a tie.
            let firstDropped = keepEnd >= first ? digit(keepEnd) : 0
            let more = keepEnd < last
            if firstDropped > 5 || (firstDropped == 5 && (more || magnitude & 1 == 1)) {
                guard magnitude < limit else { return .overflow }
                magnitude += 1
            }
        }
        return .value(d.negative ? Int64(bitPattern: 0 &- magnitude) : Int64(magnitude), rounded: rounded)
    }
}

/// 10^0 ... 10^22, each exact in a double.
let exactPowers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { acc, _ in acc * 10 } }
