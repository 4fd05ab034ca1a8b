import Foundation

/// Checks the physical premise of the security proof: every pair of measurement events —
/// Alice–Bob, and also within each lab — must be space-like separated (Section 1.5: "all 2n
/// measurement events are pairwise space-like separated").
///
/// Two events `i, j` at distance `d` are space-like with margin
/// `m = d / c - |t_i - t_j| - (sigma_i + sigma_j)`, counting each event's timing uncertainty
/// against the premise; `m <= 0` is a violation.
///
/// All pairs are accounted for without visiting all of them. Events are sorted by time, and
/// two methods are costed and the cheaper one run:
/// - *time window*: pairs further apart in time than `W = D/c + 2 sigma_max` (`D` the largest
///   distance between any two positions) are violations; only pairs inside the window are
///   examined, and their space-like ones subtracted from the total. Suits sequential runs.
/// - *spatial grid*: with `T` the whole time span, a violating pair lies within
///   `g = c (T + 2 sigma_max)`, so only events in neighbouring cells of size `g` are examined,
///   and their violations counted directly. Suits bursts of events spread out in space.
public struct SpaceLikeAudit: Sendable {
    /// The speed of light in metres per nanosecond.
    public static let speedOfLight = 0.299_792_458

    public enum Category: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
        case aliceBob = "alice-bob", aliceAlice = "alice-alice", bobBob = "bob-bob"
    }

    var times: [Int64] = []
    private var rounds: [Int64] = []
    private var positionIndex: [UInt32] = []
    private var uncertainty: [Float] = []
    private var isBob: [Bool] = []
    private var positions: [SIMD3<Double>] = []
    private var positionLookup: [SIMD3<Double>: UInt32] = [:]
    /// The most pair checks either method may do before it stops with a partial count.
    public var budget = 4_000_000_000

    public init() {}

    public var events: Int { times.count }

    /// Adds one party's rounds.
    public mutating func add(_ batch: RecordBatch, bob: Bool) {
        for i in 0..<batch.count {
            let p = SIMD3(batch.x[i], batch.y[i], batch.z[i])
            let index: UInt32
            if let known = positionLookup[p] {
                index = known
            } else {
                index = UInt32(positions.count)
                positions.append(p)
                positionLookup[p] = index
            }
            times.append(batch.timesNs[i])
            rounds.append(batch.rounds[i])
            positionIndex.append(index)
            uncertainty.append(batch.uncertaintiesNs.isEmpty ? 0 : Float(batch.uncertaintiesNs[i]))
            isBob.append(bob)
        }
    }

    /// Runs the audit.
    public func run() -> AuditReport {
        let n = events
        let nBob = isBob.reduce(0) { $0 + ($1 ? 1 : 0) }, nAlice = n - nBob
        let totals: [Category: Int] = [.aliceBob: nAlice * nBob, .aliceAlice: nAlice * (nAlice - 1) / 2, .bobBob: nBob * (nBob - 1) / 2]
        guard n >= 2 else {
            return AuditReport(events: n, verdict: .pass, violatingPairs: 0, violationsByCategory: [:], totalPairs: totals,
                               worstMarginNs: nil, examples: [], method: "none", exact: true)
        }
        let order = (0..<n).sorted { times[$0] < times[$1] }
        let sigmaMax = Double(uncertainty.max() ?? 0)
        let diameter = SpaceLikeAudit.diameter(positions)
        let window = diameter / SpaceLikeAudit.speedOfLight + 2 * sigmaMax
        let span = Double(times[order[n - 1]] - times[order[0]])

        // Cost of the time window: pairs closer in time than W.
        var windowCost = 0, j = 0
        for i in 0..<n {
            if j < i + 1 { j = i + 1 }
            while j < n && Double(times[order[j]] - times[order[i]]) < window { j += 1 }
            windowCost += j - i - 1
        }
        let cell = SpaceLikeAudit.speedOfLight * (span + 2 * sigmaMax)
        let grid = cell > 0 && cell < diameter ? SpaceLikeAudit.Grid(positions: positions, positionIndex: positionIndex, cell: cell) : nil
        let gridCost = grid?.pairCost() ?? Int.max
        var scan = Scan(audit: self, budget: budget)
        if windowCost <= gridCost {
            scan.timeWindow(order: order, window: window)
        } else {
            scan.spatialGrid(grid!)
        }
        // Violations: counted directly by the grid, or all pairs minus the space-like ones.
        var violations: [Category: Int] = [:]
        for category in Category.allCases {
            violations[category] = scan.countsViolations ? scan.violations[category, default: 0]
                                                         : totals[category]! - scan.spaceLike[category, default: 0]
        }
        var worst = scan.worstMargin
        var examples = scan.examples
        if scan.countsViolations && worst == nil, let probe = nearbyPairsGrid() {
            // No pair was close enough to examine: every margin is positive. Find the smallest
            // among nearby pairs, on a grid sized to the typical spacing of events.
            var nearby = Scan(audit: self, budget: budget)
            nearby.spatialGrid(probe)
            worst = nearby.worstMargin
        }
        if !scan.countsViolations {
            // The most negative margins come from the earliest and latest events.
            let extremes = SpaceLikeAudit.extremes(order: order, times: times, window: window, limit: 2000)
            for a in extremes.early {
                for b in extremes.late where a != b {
                    let m = margin(a, b)
                    if m < (worst ?? .infinity) { worst = m }
                }
            }
            // One example for each kind of pair that violates: the first two events of that kind
            // in time, or the earliest and latest events.
            for category in Category.allCases where violations[category, default: 0] > 0 && !examples.contains(where: { $0.category == category }) {
                let wanted: (Int) -> Bool = { category == .aliceBob ? true : (self.isBob[$0] == (category == .bobBob)) }
                let members = order.lazy.filter(wanted)
                var found: AuditReport.Example?
                var previous: Int?
                for event in members.prefix(10_000) {
                    if let p = previous, self.category(p, event) == category, margin(p, event) <= 0 {
                        found = example(p, event)
                        break
                    }
                    if category != .aliceBob || previous == nil || isBob[previous!] == isBob[event] { previous = event }
                }
                examples.append(found ?? example(order[0], order[n - 1]))
            }
        }
        let total = violations.values.reduce(0, +)
        return AuditReport(events: n, verdict: total == 0 && scan.complete ? .pass : .fail, violatingPairs: total,
                           violationsByCategory: violations, totalPairs: totals, worstMarginNs: worst,
                           examples: Array(examples.prefix(5)), method: scan.countsViolations ? "spatial-grid" : "time-window",
                           exact: scan.complete)
    }

    /// A grid whose cells hold a few events each on average, for finding the closest pairs.
    private func nearbyPairsGrid() -> Grid? {
        let diameter = SpaceLikeAudit.diameter(positions)
        guard diameter > 0 else { return nil }
        let spacing = diameter / Double(max(1, positions.count)).squareRoot()
        return Grid(positions: positions, positionIndex: positionIndex, cell: spacing)
    }

    func margin(_ a: Int, _ b: Int) -> Double {
        let d = positions[Int(positionIndex[a])] - positions[Int(positionIndex[b])]
        let distance = (d * d).sum().squareRoot()
        return distance / SpaceLikeAudit.speedOfLight - abs(Double(times[a] - times[b])) - Double(uncertainty[a]) - Double(uncertainty[b])
    }

    func category(_ a: Int, _ b: Int) -> Category {
        isBob[a] != isBob[b] ? .aliceBob : (isBob[a] ? .bobBob : .aliceAlice)
    }

    func example(_ a: Int, _ b: Int) -> AuditReport.Example {
        func event(_ i: Int) -> AuditReport.Event {
            let p = positions[Int(positionIndex[i])]
            return AuditReport.Event(party: isBob[i] ? "bob" : "alice", round: rounds[i], timeNs: times[i], x: p.x, y: p.y, z: p.z)
        }
        return AuditReport.Example(category: category(a, b), first: event(a), second: event(b), marginNs: margin(a, b))
    }

    static func diameter(_ positions: [SIMD3<Double>]) -> Double {
        guard positions.count > 1 else { return 0 }
        if positions.count <= 2000 {
            var best = 0.0
            for a in positions.indices { for b in (a + 1)..<positions.count {
                let d = positions[a] - positions[b]
                best = max(best, (d * d).sum())
            } }
            return best.squareRoot()
        }
        // Many positions: the bounding-box diagonal bounds the diameter from above, which only
        // widens the window (more pairs examined, same answer).
        var low = positions[0], high = positions[0]
        for p in positions {
            low = pointwiseMin(low, p)
            high = pointwiseMax(high, p)
        }
        let d = high - low
        return (d * d).sum().squareRoot()
    }

    static func extremes(order: [Int], times: [Int64], window: Double, limit: Int) -> (early: [Int], late: [Int]) {
        let first = times[order[0]], last = times[order[order.count - 1]]
        let early = order.prefix { Double(times[$0] - first) <= window }.prefix(limit)
        let late = order.reversed().prefix { Double(last - times[$0]) <= window }.prefix(limit)
        return (Array(early), Array(late))
    }
}
