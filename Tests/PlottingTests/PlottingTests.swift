import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Plotting

@Suite("SVG charts")
struct PlottingTests {
    @Test func linearTicksAreRoundNumbersInsideTheRange() {
        let ticks = Axis(label: "x", range: 0...0.5).ticks()
        #expect(ticks.map(\.label) == ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5"])
        let odd = Axis(label: "x", range: 0.12...0.27).ticks()
        #expect(odd.allSatisfy { (0.12...0.27).contains($0.value) })
        #expect(odd.count >= 3)
    }

    @Test func logTicksArePowersOfTen() {
        let ticks = Axis(label: "n", range: 1e3...1e8, scale: .log10).ticks()
        #expect(ticks.map(\.value) == [1e3, 1e4, 1e5, 1e6, 1e7, 1e8])
        #expect(ticks.first?.label == "10³")
        #expect(abs(Axis(label: "n", range: 1e3...1e8, scale: .log10).fraction(1e4) - 0.2) < 1e-12)
    }

    @Test func figureIsWellFormedXMLWithEveryLegendEntry() throws {
        let chart = Chart(title: "A & B", x: Axis(label: "x < 1", range: 0...1), y: Axis(label: "y", range: 0...1),
                          series: [Series(name: "line", points: [(0, 0), (1, 1)], style: .line(color: "red")),
                                   Series(name: "area", points: [(0, 0), (1, 0), (1, 1)], style: .area(color: "blue", opacity: 0.5)),
                                   Series(name: nil, points: [(0.5, 0.5)], style: .markers(color: "black"))])
        let svg = Figure(charts: [chart, chart]).svg()
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(svg.contains("A &amp; B") && svg.contains("x &lt; 1"))
        #expect(svg.components(separatedBy: ">line</text>").count == 3)
    }
}
