extension SpaceLikeAudit {
    /// Events bucketed by position cells of a fixed size: events sorted by cell, and a table
    /// from each occupied cell to its run of events (no per-cell allocations).
    struct Grid {
        struct Key: Hashable { let x: Int, y: Int, z: Int }
        let cell: Double
        /// Event indices grouped by cell.
        let members: [Int32]
        let runs: [Key: Range<Int>]

        init(positions: [SIMD3<Double>], positionIndex: [UInt32], cell: Double) {
            self.cell = cell
            let keys = positions.map { Grid.key($0, cell) }
            // Number the distinct cells of the positions, then count-sort events by cell.
            var cellOf = [Int](repeating: 0, count: positions.count)
            var cellKeys: [Key] = []
            var numbering: [Key: Int] = [:]
            for (p, key) in keys.enumerated() {
                if let known = numbering[key] {
                    cellOf[p] = known
                } else {
                    cellOf[p] = cellKeys.count
                    numbering[key] = cellKeys.count
                    cellKeys.append(key)
                }
            }
            var counts = [Int](repeating: 0, count: cellKeys.count + 1)
            for p in positionIndex { counts[cellOf[Int(p)] + 1] += 1 }
            for c in 0..<cellKeys.count { counts[c + 1] += counts[c] }
            var fill = counts
            var members = [Int32](repeating: 0, count: positionIndex.count)
            for (event, p) in positionIndex.enumerated() {
                let c = cellOf[Int(p)]
                members[fill[c]] = Int32(event)
                fill[c] += 1
            }
            var runs: [Key: Range<Int>] = [:]
            runs.reserveCapacity(cellKeys.count)
            for (c, key) in cellKeys.enumerated() { runs[key] = counts[c]..<counts[c + 1] }
            self.members = members
            self.runs = runs
        }

        static func key(_ p: SIMD3<Double>, _ cell: Double) -> Key {
            Key(x: Int((p.x / cell).rounded(.down)), y: Int((p.y / cell).rounded(.down)), z: Int((p.z / cell).rounded(.down)))
        }

        /// Each cell's events against its own and the 13 "forward" neighbours' events.
        static let forward: [(Int, Int, Int)] = [(0, 0, 0)] + (-1...1).flatMap { dx in (-1...1).flatMap { dy in (-1...1).map { dz in (dx, dy, dz) } } }
            .filter { ($0.0, $0.1, $0.2) > (0, 0, 0) }

        func pairCost() -> Int {
            var cost = 0
            for (key, run) in runs {
                for (dx, dy, dz) in Grid.forward {
                    guard let other = runs[Key(x: key.x + dx, y: key.y + dy, z: key.z + dz)] else { continue }
                    let (product, overflow) = run.count.multipliedReportingOverflow(by: other.count)
                    cost = overflow ? Int.max : min(Int.max - product, cost) + product
                }
            }
            return cost
        }
    }

    /// The pair examination shared by both methods.
    struct Scan {
        let audit: SpaceLikeAudit
        var budget: Int
        var spaceLike: [Category: Int] = [:]
        var violations: [Category: Int] = [:]
        var worstMargin: Double?
        var examples: [AuditReport.Example] = []
        var countsViolations = false
        var complete = true

        init(audit: SpaceLikeAudit, budget: Int) {
            self.audit = audit
            self.budget = budget
        }

        private mutating func examine(_ a: Int, _ b: Int) {
            let m = audit.margin(a, b)
            if m < (worstMargin ?? .infinity) { worstMargin = m }
            let category = audit.category(a, b)
            if m > 0 {
                spaceLike[category, default: 0] += 1
            } else {
                violations[category, default: 0] += 1
                if examples.count < 5 { examples.append(audit.example(a, b)) }
            }
        }

        mutating func timeWindow(order: [Int], window: Double) {
            let times = audit.times
            for i in 0..<order.count {
                var j = i + 1
                while j < order.count && Double(times[order[j]] - times[order[i]]) < window {
                    examine(order[i], order[j])
                    j += 1
                    budget -= 1
                    if budget <= 0 {
                        complete = false
                        return
                    }
                }
            }
        }

        mutating func spatialGrid(_ grid: Grid) {
            countsViolations = true
            for (key, run) in grid.runs {
                for (dx, dy, dz) in Grid.forward {
                    guard let other = grid.runs[Grid.Key(x: key.x + dx, y: key.y + dy, z: key.z + dz)] else { continue }
                    let same = (dx, dy, dz) == (0, 0, 0)
                    for ia in run {
                        for ib in (same ? (ia + 1)..<run.upperBound : other) {
                            examine(Int(grid.members[ia]), Int(grid.members[ib]))
                            budget -= 1
                            if budget <= 0 {
                                complete = false
                                return
                            }
                        }
                    }
                }
            }
        }
    }

}

/// The audit's findings.
public struct AuditReport: Sendable, Codable {
    public enum Verdict: String, Sendable, Codable { case pass, fail }

    public struct Event: Sendable, Codable {
        public let party: String
        public let round: Int64
        public let timeNs: Int64
        public let x: Double, y: Double, z: Double
    }

    public struct Example: Sendable, Codable {
        public let category: SpaceLikeAudit.Category
        public let first: Event
        public let second: Event
        public let marginNs: Double
    }

    public let events: Int
    public let verdict: Verdict
    public let violatingPairs: Int
    public let violationsByCategory: [SpaceLikeAudit.Category: Int]
    public let totalPairs: [SpaceLikeAudit.Category: Int]
    /// The smallest margin found: exact when negative, over all pairs examined and the pairs of
    /// earliest and latest events otherwise.
    public let worstMarginNs: Double?
    public let examples: [Example]
    /// `"time-window"` or `"spatial-grid"`.
    public let method: String
    /// False when the work budget ran out: counts are then lower bounds and the verdict fails.
    public let exact: Bool
}
