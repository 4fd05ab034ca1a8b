import EveLP
import CommandLineSupport
import Foundation
import Plotting
import SecurityBounds

/// The pictures the commands draw.
enum Figures {
    static let red = "#d62728", blue = "#1f77b4", green = "#2ca02c", grey = "#7f7f7f"

    /// Figure 4 of the paper, with a second panel zoomed onto the small region where quantum
    /// boxes give a key against a non-signalling adversary.
    static func region(_ report: RegionReport) -> String {
        let full = regionChart(report, title: "Figure 4: key agreement against non-signalling Eve",
                               delta: 0...0.5, epsilon: 0...0.5, annotate: false)
        let zoom = regionChart(report, title: "Zoom: quantum boxes that give a key",
                               delta: 0...0.08, epsilon: 0.12...0.27, annotate: true)
        return Figure(charts: [full, zoom], width: 760, panelHeight: 520).svg()
    }

    private static func regionChart(_ report: RegionReport, title: String, delta: ClosedRange<Double>,
                                    epsilon: ClosedRange<Double>, annotate: Bool) -> Chart {
        let key = report.keyAgreementBoundary.map { (x: $0.delta, y: $0.epsilon) }
        let quantum = report.quantumBoundary.map { (x: $0.delta, y: $0.epsilon) }
        // No behaviour at all has eps < delta / 4: delta is one of the four error terms.
        let floor = key.map { (x: $0.x, y: $0.x / 4) }
        let keyArea = key.filter { $0.y >= $0.x / 4 } + floor.filter { $0.y <= KeyRate.epsilonThreshold(delta: $0.x) }.reversed()
        let quantumArea = quantum + [(x: 0.5, y: 1.0), (x: 0.0, y: 1.0)]
        let dStar = report.largestQuantumKeyDelta
        let bothDeltas = (0...200).map { dStar * Double($0) / 200 }
        let bothArea = bothDeltas.map { (x: $0, y: KeyRate.epsilonThreshold(delta: $0)) }
            + bothDeltas.reversed().map { (x: $0, y: KeyRate.quantumMinimumEpsilon(delta: $0)) }
        let werner = stride(from: 0.0, through: 0.5, by: 0.005).map { (x: $0, y: 3.0 / 16 + 5 * $0 / 8) }
        var annotations: [Annotation] = []
        if annotate {
            annotations = [Annotation(x: 0, y: 0.1875, text: "singlet, V = 1"),
                           Annotation(x: 0.02, y: 0.2, text: "Theorem 3 corner")]
        }
        return Chart(
            title: title,
            x: Axis(label: "δ = P(x ≠ y | u = v = 0)", range: delta),
            y: Axis(label: "ε = CHSH error", range: epsilon),
            series: [
                Series(name: "no box: ε < δ/4", points: floor + [(x: 0.5, y: 0), (x: 0, y: 0)], style: .area(color: grey, opacity: 0.25)),
                Series(name: "key agreement possible (Corollary 2)", points: keyArea, style: .area(color: red, opacity: 0.45)),
                Series(name: "reachable by quantum mechanics", points: quantumArea, style: .area(color: blue, opacity: 0.35)),
                Series(name: "both", points: bothArea, style: .area(color: green, opacity: 0.85)),
                Series(name: nil, points: key, style: .line(color: red, width: 2)),
                Series(name: nil, points: quantum, style: .line(color: blue, width: 2)),
                Series(name: "Werner singlet, Figure 14 angles", points: werner, style: .line(color: "black", width: 1.5, dash: "6 4")),
                Series(name: nil, points: [(x: 0, y: 0.1875), (x: 0.02, y: 0.2)], style: .markers(color: "black", radius: 4)),
            ],
            annotations: annotations)
    }

    /// Key length and key per round against the number of rounds, on a log axis.
    static func plan(_ report: PlanReport) -> String {
        let rounds = report.points.map { Double($0.rounds) }
        let xRange = rounds.min()!...max(rounds.max()!, rounds.min()! * 10)
        let positive = report.points.filter { $0.keyBits > 0 }
        let maxKey = Double(positive.map(\.keyBits).max() ?? 10)
        let minKey = max(1, Double(positive.map(\.keyBits).min() ?? 1))
        let keyRange = pow(10, floor(log10(minKey)))...pow(10, max(ceil(log10(maxKey)), floor(log10(minKey)) + 1))
        var minimum: [Series] = []
        var minimumPerRound: [Series] = []
        let perRoundTop = max(report.asymptoticKeyPerRound, report.points.map(\.keyBitsPerRound).max() ?? 0) * 1.15 + 1e-6
        if let m = report.minimumRounds.map(Double.init), xRange.contains(m) {
            minimum = [Series(name: "minimum rounds \(grouped(report.minimumRounds!))",
                              points: [(x: m, y: keyRange.lowerBound), (x: m, y: keyRange.upperBound)],
                              style: .line(color: grey, width: 1.5, dash: "4 4"))]
            minimumPerRound = [Series(name: nil, points: [(x: m, y: 0), (x: m, y: perRoundTop)],
                                      style: .line(color: grey, width: 1.5, dash: "4 4"))]
        }
        let setting = "ε = \(formatted(report.epsilon, digits: 4)), δ = \(formatted(report.delta, digits: 4)), "
            + "\(report.mode.rawValue), ε_sec = \(formatted(report.epsilonSecurity, digits: 2))"
        let length = Chart(
            title: "Finite-size key length (\(setting))",
            x: Axis(label: "rounds N", range: xRange, scale: .log10),
            y: Axis(label: "key bits", range: keyRange, scale: .log10),
            series: [Series(name: "key bits (§4.6)", points: positive.map { (x: Double($0.rounds), y: Double($0.keyBits)) },
                            style: .line(color: blue, width: 2.5))] + minimum)
        let perRound = Chart(
            title: "Key per round",
            x: Axis(label: "rounds N", range: xRange, scale: .log10),
            y: Axis(label: "key bits per round", range: 0...perRoundTop),
            series: [
                Series(name: "asymptotic (Lemma 19 with f)", points: [(x: xRange.lowerBound, y: report.asymptoticKeyPerRound),
                                                                    (x: xRange.upperBound, y: report.asymptoticKeyPerRound)],
                       style: .line(color: red, width: 1.5, dash: "8 4")),
                Series(name: "finite size", points: report.points.map { (x: Double($0.rounds), y: $0.keyBitsPerRound) },
                       style: .line(color: blue, width: 2.5)),
            ] + minimumPerRound)
        return Figure(charts: [length, perRound], width: 760, panelHeight: 440).svg()
    }

    /// Appendix F: the probability that Eve knows at least one of `n` output bits with
    /// certainty, for the collective attack of Lemma 24 (computed from its partition) and for
    /// independent individual attacks, against the CHSH error; the collective curves end at
    /// Lemma 25's threshold, where Eve always knows a bit (marked). The y axis runs past 1 to
    /// leave the legend room.
    static func collectiveAttacks(boxes sizes: [Int]) -> String {
        let colours = [blue, red, green, "#9467bd", "#8c564b", "#e377c2", "#17becf"]
        var series: [Series] = []
        let top = 3.0 / Double(8 * (sizes.min() ?? 2) + 4)
        for (k, n) in sizes.enumerated() {
            let colour = colours[k % colours.count]
            let threshold = DistanceBound.collectiveAttackThreshold(boxes: n)
            let samples = 200
            let collective = (0...samples).compactMap { i -> (x: Double, y: Double)? in
                let eps = threshold * Double(i) / Double(samples)
                return ExplicitAttack.collective(boxes: n, epsilon: eps).map { (eps, ExplicitAttack.probabilityOfAKnownBit($0)) }
            }
            let individual = (0...samples).map { i -> (x: Double, y: Double) in
                let eps = top * Double(i) / Double(samples)
                return (eps, ExplicitAttack.individualProbabilityOfAKnownBit(boxes: n, epsilon: eps))
            }
            series.append(Series(name: "n = \(n), collective (Lemma 24), up to ε = 3/(8n+4) = \(formatted(threshold, digits: 3))",
                                 points: collective, style: .line(color: colour, width: 2.5)))
            series.append(Series(name: "n = \(n), individual", points: individual, style: .line(color: colour, width: 1.5, dash: "6 4")))
            series.append(Series(name: nil, points: [(x: threshold, y: 1)], style: .markers(color: colour)))
        }
        let chart = Chart(
            title: "Appendix F: probability that Eve knows at least one of n bits with certainty",
            x: Axis(label: "CHSH error ε of each box", range: 0...top),
            y: Axis(label: "probability", range: 0...1.8),
            series: series)
        return Figure(charts: [chart], width: 760, panelHeight: 480).svg()
    }
}
