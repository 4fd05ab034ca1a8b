extension SpaceLikeAudit {
    /// Runs the audit: chooses the method (unless ``method`` names one), counts the violating
    /// pairs by kind, finds the worst margin and gives the verdict.
    ///
    /// Reorders the events held (not their meaning): a second run gives the same report.
    /// - Returns: the report; `exact` is false only when ``budget`` stopped the count.
    public mutating func run() -> AuditReport {
        let n = events, bobs = bobCount, alices = n - bobs
        let totals: [Category: Int] = [.aliceAlice: alices * (alices - 1) / 2, .aliceBob: alices * bobs, .bobBob: bobs * (bobs - 1) / 2]
        guard n >= 2 else {
            let zero: [Category: Int] = [.aliceAlice: 0, .aliceBob: 0, .bobBob: 0]
            return AuditReport(events: n, verdict: .pass, violatingPairs: 0, violatingPairsLower: 0, violatingPairsUpper: 0,
                               violationsByCategory: zero, violationsByCategoryLower: zero, violationsByCategoryUpper: zero,
                               totalPairs: totals, worstMarginNs: nil, worstPair: nil, examples: [], method: "none",
                               examinedPairs: 0, exact: true)
        }
        let window = sweepWindow
        let chosen = method == .automatic ? (estimatedSweepPairs(window: window) <= 8 * Double(n) ? .timeSweep : .kdTree) : method
        let sigmas = self.sigmas
        let tree = AuditTree(events: &store, tags: &tags, sigmas: sigmas, bounds: bounds, split: chosen == .timeSweep ? .time : .widest,
                             leafCapacity: leafCapacity)
        treeBytes = tree.bytes
        return store.withUnsafeBufferPointer { events in
            tags.withUnsafeBufferPointer { tags in
                var scan = AuditScan(events: events, tags: tags, sigmas: sigmas, budget: budget, progress: progress)
                if chosen == .timeSweep {
                    scan.sweep(window: window, bobs: bobs)
                } else {
                    scan.descend(tree)
                }
                var worst = AuditWorstMargin(events: events, tags: tags, sigmas: sigmas, start: scan.smallestExamined, pair: scan.smallestPair)
                worst.search(tree, counted: chosen == .kdTree && !scan.stopped)
                return report(scan: scan, worst: worst, totals: totals, method: chosen)
            }
        }
    }

    /// The light crossing time of the whole layout in nanoseconds, rounded up: events at least
    /// this far apart in time violate the premise wherever they are.
    var sweepWindow: Double {
        AuditBox.span(bounds, bounds) / AuditMargin.speedOfLight * (1 + AuditMargin.relativeSlack) + AuditMargin.absoluteSlack
    }

    /// The sweep's cost model: the pairs closer in time than `window`, estimated from 2,048
    /// events drawn at random (with a fixed seed; all of them when there are fewer).
    func estimatedSweepPairs(window: Double) -> Double {
        let n = events, s = min(n, 2048)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let sample = (0..<s).map { k -> Int64 in
            guard s < n else { return store[k].t }
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return store[Int(state % UInt64(n))].t
        }.sorted()
        var close = 0, end = 0
        for i in 0..<s {
            end = max(end, i + 1)
            while end < s && AuditMargin.timeGap(sample[end], sample[i]) < window { end += 1 }
            close += end - i - 1
        }
        return Double(close) * (Double(n) * Double(n - 1)) / (Double(s) * Double(s - 1))
    }

    private func report(scan: AuditScan, worst: AuditWorstMargin, totals: [Category: Int], method: Method) -> AuditReport {
        let kinds: [Category] = [.aliceAlice, .aliceBob, .bobBob]
        let counted = [scan.violations.0, scan.violations.1, scan.violations.2]
        let settled = [scan.settled.0, scan.settled.1, scan.settled.2]
        var lower: [Category: Int] = [:], upper: [Category: Int] = [:]
        for (k, kind) in kinds.enumerated() {
            lower[kind] = counted[k]
            upper[kind] = counted[k] + (totals[kind]! - settled[k])
        }
        let exact = !scan.stopped
        let events = scan.events, tags = scan.tags
        func event(_ p: Int) -> AuditReport.Event {
            let e = events[p], tag = tags[p]
            return AuditReport.Event(party: tag >> 31 == 1 ? "bob" : "alice", round: round(ofArrival: Int(tag & 0x7FFF_FFFF)),
                                     timeNs: e.t, x: e.x, y: e.y, z: e.z)
        }
        func example(_ pair: (Int, Int)) -> AuditReport.Example {
            let (a, b) = pair
            let m = AuditMargin.margin(events[a], sigmas[tags[a]], events[b], sigmas[tags[b]])
            return AuditReport.Example(category: kinds[AuditScan.kind(tags[a], tags[b])], first: event(a), second: event(b),
                                       marginNs: AuditMargin.reportable(m))
        }
        let worstPair = worst.pair.map(example)
        var examples: [AuditReport.Example] = []
        if let worstPair, worstPair.marginNs <= 0 { examples.append(worstPair) }
        for (k, pair) in scan.examples.enumerated() where kinds[k] != examples.first?.category {
            if let pair { examples.append(example(pair)) }
        }
        let violating = counted.reduce(0, +)
        return AuditReport(events: self.events, verdict: worst.best <= 0 ? .fail : .pass,
                           violatingPairs: exact ? violating : nil, violatingPairsLower: violating,
                           violatingPairsUpper: upper.values.reduce(0, +),
                           violationsByCategory: exact ? lower : nil, violationsByCategoryLower: lower, violationsByCategoryUpper: upper,
                           totalPairs: totals, worstMarginNs: AuditMargin.reportable(worst.best), worstPair: worstPair,
                           examples: examples, method: method.rawValue, examinedPairs: scan.examined, exact: exact)
    }
}
