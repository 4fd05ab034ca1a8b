import Foundation

/// One axis of a chart: its label, range and scale, and where its ticks go.
public struct Axis: Sendable {
    public enum Scale: Sendable { case linear, log10 }

    public var label: String
    public var range: ClosedRange<Double>
    public var scale: Scale

    public init(label: String, range: ClosedRange<Double>, scale: Scale = .linear) {
        precondition(range.upperBound > range.lowerBound, "an axis needs a non-empty range")
        precondition(scale == .linear || range.lowerBound > 0, "a log axis needs a positive range")
        self.label = label
        self.range = range
        self.scale = scale
    }

    /// The position of `value` along the axis, 0 at the lower end and 1 at the upper.
    public func fraction(_ value: Double) -> Double {
        switch scale {
        case .linear:
            return (value - range.lowerBound) / (range.upperBound - range.lowerBound)
        case .log10:
            return (Foundation.log10(value) - Foundation.log10(range.lowerBound))
                / (Foundation.log10(range.upperBound) - Foundation.log10(range.lowerBound))
        }
    }

    /// Tick positions and their labels: steps of 1, 2 or 5 times a power of ten on a linear
    /// axis, powers of ten on a log axis.
    public func ticks() -> [(value: Double, label: String)] {
        switch scale {
        case .linear:
            let span = range.upperBound - range.lowerBound
            let raw = span / 6
            let magnitude = pow(10, floor(Foundation.log10(raw)))
            let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
            let first = (range.lowerBound / step).rounded(.up)
            let last = (range.upperBound / step + 1e-9).rounded(.down)
            guard first <= last else { return [] }
            let decimals = max(0, -Int(floor(Foundation.log10(step) + 1e-9)))
            return stride(from: first, through: last, by: 1).map { k in
                let value = k * step
                return (value, String(format: "%.\(decimals)f", value))
            }
        case .log10:
            let low = Int(ceil(Foundation.log10(range.lowerBound) - 1e-9))
            let high = Int(floor(Foundation.log10(range.upperBound) + 1e-9))
            guard low <= high else { return [] }
            let every = max(1, (high - low + 1) / 8)
            return stride(from: low, through: high, by: every).map { (pow(10, Double($0)), "10" + superscript($0)) }
        }
    }

    private func superscript(_ exponent: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let body = String(String(abs(exponent)).map { digits[Int(String($0))!] })
        return exponent < 0 ? "⁻" + body : body
    }
}
