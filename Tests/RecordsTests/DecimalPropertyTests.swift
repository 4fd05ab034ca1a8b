import Foundation
import Testing
@testable import Records
#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): a small seeded generator, so that a failing
/// case can be replayed from the printed seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of the random tests: `DIQKD_TEST_SEED` when set, else a fixed one; printed.
func testSeed(_ name: String) -> UInt64 {
    let seed = ProcessInfo.processInfo.environment["DIQKD_TEST_SEED"].flatMap { UInt64($0) } ?? 20_261_130
    print("\(name): seed \(seed) (replay with DIQKD_TEST_SEED=\(seed))")
    return seed
}

@Suite("decimal numbers against strtod")
struct DecimalPropertyTests {
    /// A random decimal in the shapes of real files and beyond: 1 to 40 digits, a point anywhere
    /// (or none), an exponent from -360 to 330 or none, either sign.
    static func randomDecimal(_ rng: inout SplitMix64) -> String {
        let digitCount = Int.random(in: 1...(Bool.random(using: &rng) ? 17 : 40), using: &rng)
        var digits = (0..<digitCount).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }
        if Int.random(in: 0..<4, using: &rng) > 0 {
            digits.insert(".", at: Int.random(in: 0...digits.count, using: &rng))
        }
        var text = (Bool.random(using: &rng) ? "-" : "") + String(digits)
        if Bool.random(using: &rng) {
            text += (Bool.random(using: &rng) ? "e" : "E") + String(Int.random(in: -360...330, using: &rng))
        }
        return text
    }

    /// 20,000 random decimals parse to exactly the double `strtod` gives (bit for bit), or are
    /// refused exactly when `strtod` overflows to infinity; and the same numbers read through a
    /// CSV file as positions give the same doubles.
    @Test func twentyThousandRandomDecimalsMatchStrtod() throws {
        let seed = testSeed("twentyThousandRandomDecimalsMatchStrtod")
        var rng = SplitMix64(seed: seed)
        var rows = "round,input,output,time_ns,x_m,y_m,z_m\n"
        var expected: [Double] = []
        var mismatches: [String] = []
        var checked = 0
        for _ in 0..<20_000 {
            let text = Self.randomDecimal(&rng)
            let reference = strtod(text, nil)
            let parsed = Array(text.utf8).withUnsafeBufferPointer { NumberParsing.double($0, 0, $0.count) }
            checked += 1
            if reference.isInfinite {
                if parsed != nil { mismatches.append("\(text): \(parsed!) where strtod overflows") }
                continue
            }
            if parsed?.bitPattern != reference.bitPattern { mismatches.append("\(text): \(String(describing: parsed)) != \(reference)") }
            rows += "\(expected.count + 1),0,0,0,\(text),0,0\n"
            expected.append(reference)
        }
        #expect(checked == 20_000)
        print("twentyThousandRandomDecimalsMatchStrtod: \(checked) decimals, \(expected.count) finite, "
              + "\(checked - expected.count) beyond the largest double, \(mismatches.count) mismatches")
        #expect(mismatches.isEmpty, "seed \(seed): \(mismatches.count) mismatches, e.g. \(mismatches.prefix(5))")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("diqkd-decimals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("decimals.csv").path
        try rows.write(toFile: file, atomically: true, encoding: .utf8)
        var reader = try openRecords(file)
        var read: [Double] = []
        while let batch = try reader.next() { read += batch.x }
        #expect(read.map(\.bitPattern) == expected.map(\.bitPattern), "seed \(seed)")
    }

    /// Times in any unit, converted exactly to whole nanoseconds (ties to even), against the same
    /// conversion done with integers on the printed digits.
    @Test func randomTimesConvertExactlyToNanoseconds() {
        let seed = testSeed("randomTimesConvertExactlyToNanoseconds")
        var rng = SplitMix64(seed: seed)
        for _ in 0..<20_000 {
            // A whole number of picoseconds below 2^62 ps, written in a random unit.
            let ps = Int64.random(in: -(1 << 50)...(1 << 50), using: &rng)
            let unit = TimeUnit.allCases.randomElement(using: &rng)!
            let shift = 3 + unit.nanosecondExponent  // decimal places of ps in this unit
            let magnitude = String(ps.magnitude)
            let padded = String(repeating: "0", count: max(0, shift + 1 - magnitude.count)) + magnitude
            let split = padded.index(padded.endIndex, offsetBy: -shift)
            let text = (ps < 0 ? "-" : "") + padded[..<split] + (shift > 0 ? "." + padded[split...] : "")
            // ps / 1000 rounded half to even, in integers.
            let (q, r) = ps.quotientAndRemainder(dividingBy: 1000)
            var expected = q
            if abs(r) > 500 || (abs(r) == 500 && q & 1 != 0) { expected += ps < 0 ? -1 : 1 }
            let result = Array(text.utf8).withUnsafeBufferPointer { NumberParsing.nanoseconds($0, 0, $0.count, scale: unit.nanosecondExponent) }
            guard case .value(let ns, let rounded) = result else {
                Issue.record("seed \(seed): \(text) \(unit) did not convert")
                return
            }
            #expect(ns == expected && rounded == (r != 0), "seed \(seed): \(text) \(unit.rawValue) → \(ns), expected \(expected)")
            // The integer fast path of the import agrees.
            let fast = NumberParsing.scaled(ps, scale: -3)
            #expect(fast?.value == expected && fast?.rounded == (r != 0), "seed \(seed): \(ps) ps")
        }
    }

    @Test(arguments: [
        ("-9223372036854775808", TimeUnit.ns, Int64.min), ("9223372036854775807", .ns, .max), ("1.5", .ns, 2), ("2.5", .ns, 2),
        ("-2.5", .ns, -2), ("2.5000001", .ns, 3), ("0.0004", .ns, 0), ("1e3", .ps, 1), ("1500", .ps, 2), ("2500", .ps, 2),
        ("3.0000000005", .s, 3_000_000_000), ("3.0000000015", .s, 3_000_000_002), ("9.223372036854775807e9", .s, .max),
        ("0e99999999", .s, 0), ("-9223372036854775.808", .us, .min), ("12.345e-1", .us, 1234), ("12.3451e-1", .us, 1235),
    ])
    func timesConvertAtTheEdges(text: String, unit: TimeUnit, ns: Int64) {
        let result = Array(text.utf8).withUnsafeBufferPointer { NumberParsing.nanoseconds($0, 0, $0.count, scale: unit.nanosecondExponent) }
        guard case .value(let value, _) = result else { Issue.record("\(text) did not convert"); return }
        #expect(value == ns)
    }

    @Test(arguments: [("9223372036854775808", TimeUnit.ns), ("9.3e9", .s), ("-9223372036854775.809", .us), ("1e19", .ns)])
    func timesBeyondTheRangeAreRefused(text: String, unit: TimeUnit) {
        let result = Array(text.utf8).withUnsafeBufferPointer { NumberParsing.nanoseconds($0, 0, $0.count, scale: unit.nanosecondExponent) }
        guard case .overflow = result else { Issue.record("\(text) \(unit): \(result)"); return }
    }
}
