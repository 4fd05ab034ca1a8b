import Foundation

/// A data series drawn on a chart.
public struct Series: Sendable {
    public enum Style: Sendable {
        /// A polyline; `dash` is an SVG dash pattern such as `"6 4"`.
        case line(color: String, width: Double = 2, dash: String? = nil)
        /// A closed polygon filled with `color` at `opacity`.
        case area(color: String, opacity: Double)
        /// Markers at each point.
        case markers(color: String, radius: Double = 4)
    }

    public var name: String?
    public var points: [(x: Double, y: Double)]
    public var style: Style

    /// - Parameter name: shown in the legend; `nil` keeps the series out of it.
    public init(name: String?, points: [(x: Double, y: Double)], style: Style) {
        self.name = name
        self.points = points
        self.style = style
    }
}

/// A text placed at data coordinates.
public struct Annotation: Sendable {
    public var x: Double
    public var y: Double
    public var text: String
    public init(x: Double, y: Double, text: String) {
        self.x = x
        self.y = y
        self.text = text
    }
}

/// One panel: two axes, series in drawing order, annotations and a legend.
public struct Chart: Sendable {
    public var title: String
    public var x: Axis
    public var y: Axis
    public var series: [Series]
    public var annotations: [Annotation]

    public init(title: String, x: Axis, y: Axis, series: [Series], annotations: [Annotation] = []) {
        self.title = title
        self.x = x
        self.y = y
        self.series = series
        self.annotations = annotations
    }
}

/// A picture of one or more charts stacked vertically, rendered as a standalone SVG file.
public struct Figure: Sendable {
    public var charts: [Chart]
    public var width: Double
    public var panelHeight: Double

    public init(charts: [Chart], width: Double = 760, panelHeight: Double = 460) {
        self.charts = charts
        self.width = width
        self.panelHeight = panelHeight
    }

    /// The SVG document text.
    public func svg() -> String {
        let height = panelHeight * Double(charts.count)
        var out = SVGWriter()
        out.line(#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(f(width))" height="\#(f(height))" "#
            + #"viewBox="0 0 \#(f(width)) \#(f(height))" font-family="Helvetica, Arial, sans-serif">"#)
        out.line(#"<rect width="100%" height="100%" fill="white"/>"#)
        for (k, chart) in charts.enumerated() {
            draw(chart, top: panelHeight * Double(k), into: &out)
        }
        out.line("</svg>")
        return out.text
    }

    private struct Frame {
        let left: Double, top: Double, width: Double, height: Double
    }

    private func draw(_ chart: Chart, top: Double, into out: inout SVGWriter) {
        let frame = Frame(left: 90, top: top + 50, width: width - 120, height: panelHeight - 120)
        func px(_ x: Double) -> Double { frame.left + chart.x.fraction(x) * frame.width }
        func py(_ y: Double) -> Double { frame.top + (1 - chart.y.fraction(y)) * frame.height }
        let clip = "clip\(Int(top))"

        out.line(#"<text x="\#(f(width / 2))" y="\#(f(top + 30))" text-anchor="middle" font-size="18">\#(escape(chart.title))</text>"#)
        out.line(#"<clipPath id="\#(clip)"><rect x="\#(f(frame.left))" y="\#(f(frame.top))" width="\#(f(frame.width))" height="\#(f(frame.height))"/></clipPath>"#)
        for tick in chart.x.ticks() {
            let x = px(tick.value)
            out.line(#"<line x1="\#(f(x))" y1="\#(f(frame.top))" x2="\#(f(x))" y2="\#(f(frame.top + frame.height))" stroke="rgb(228,228,228)"/>"#)
            out.line(#"<text x="\#(f(x))" y="\#(f(frame.top + frame.height + 20))" text-anchor="middle" font-size="13">\#(tick.label)</text>"#)
        }
        for tick in chart.y.ticks() {
            let y = py(tick.value)
            out.line(#"<line x1="\#(f(frame.left))" y1="\#(f(y))" x2="\#(f(frame.left + frame.width))" y2="\#(f(y))" stroke="rgb(228,228,228)"/>"#)
            out.line(#"<text x="\#(f(frame.left - 8))" y="\#(f(y + 4))" text-anchor="end" font-size="13">\#(tick.label)</text>"#)
        }
        out.line(#"<g clip-path="url(#\#(clip))">"#)
        for series in chart.series where !series.points.isEmpty {
            let coordinates = series.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            switch series.style {
            case .line(let color, let width, let dash):
                let dashing = dash.map { #" stroke-dasharray="\#($0)""# } ?? ""
                out.line(#"<polyline points="\#(coordinates)" fill="none" stroke="\#(color)" stroke-width="\#(f(width))"\#(dashing)/>"#)
            case .area(let color, let opacity):
                out.line(#"<polygon points="\#(coordinates)" fill="\#(color)" fill-opacity="\#(f(opacity))" stroke="none"/>"#)
            case .markers(let color, let radius):
                for p in series.points {
                    out.line(#"<circle cx="\#(f(px(p.x)))" cy="\#(f(py(p.y)))" r="\#(f(radius))" fill="\#(color)"/>"#)
                }
            }
        }
        for note in chart.annotations {
            out.line(#"<text x="\#(f(px(note.x) + 6))" y="\#(f(py(note.y) - 6))" font-size="13">\#(escape(note.text))</text>"#)
        }
        out.line("</g>")
        out.line(#"<rect x="\#(f(frame.left))" y="\#(f(frame.top))" width="\#(f(frame.width))" height="\#(f(frame.height))" fill="none" stroke="black"/>"#)
        out.line(#"<text x="\#(f(frame.left + frame.width / 2))" y="\#(f(frame.top + frame.height + 45))" text-anchor="middle" font-size="15">\#(escape(chart.x.label))</text>"#)
        let yMid = frame.top + frame.height / 2
        out.line(#"<text x="\#(f(frame.left - 62))" y="\#(f(yMid))" text-anchor="middle" font-size="15" transform="rotate(-90 \#(f(frame.left - 62)) \#(f(yMid)))">\#(escape(chart.y.label))</text>"#)
        drawLegend(chart.series.filter { $0.name != nil }, at: (frame.left + frame.width - 12, frame.top + 12), into: &out)
    }

    private func drawLegend(_ entries: [Series], at corner: (Double, Double), into out: inout SVGWriter) {
        guard !entries.isEmpty else { return }
        let rowHeight = 22.0
        let boxWidth = 24 + 8 * Double(entries.map { $0.name!.count }.max()!) + 36
        let left = corner.0 - boxWidth
        out.line(#"<rect x="\#(f(left))" y="\#(f(corner.1))" width="\#(f(boxWidth))" height="\#(f(rowHeight * Double(entries.count) + 10))" fill="white" fill-opacity="0.9" stroke="rgb(153,153,153)"/>"#)
        for (row, entry) in entries.enumerated() {
            let y = corner.1 + 5 + rowHeight * (Double(row) + 0.5)
            switch entry.style {
            case .line(let color, let width, let dash):
                let dashing = dash.map { #" stroke-dasharray="\#($0)""# } ?? ""
                out.line(#"<line x1="\#(f(left + 8))" y1="\#(f(y))" x2="\#(f(left + 36))" y2="\#(f(y))" stroke="\#(color)" stroke-width="\#(f(width))"\#(dashing)/>"#)
            case .area(let color, let opacity):
                out.line(#"<rect x="\#(f(left + 8))" y="\#(f(y - 7))" width="28" height="14" fill="\#(color)" fill-opacity="\#(f(opacity))"/>"#)
            case .markers(let color, let radius):
                out.line(#"<circle cx="\#(f(left + 22))" cy="\#(f(y))" r="\#(f(radius))" fill="\#(color)"/>"#)
            }
            out.line(#"<text x="\#(f(left + 44))" y="\#(f(y + 5))" font-size="13">\#(escape(entry.name!))</text>"#)
        }
    }
}

/// Accumulates SVG lines.
struct SVGWriter {
    var text = ""
    mutating func line(_ s: String) {
        text += s
        text += "\n"
    }
}

/// A compact fixed-point rendering for coordinates.
func f(_ value: Double) -> String {
    String(format: "%.2f", value)
}

/// Escapes text for SVG content.
func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;")
}
