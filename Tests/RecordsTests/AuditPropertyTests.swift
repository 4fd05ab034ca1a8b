import Foundation
import Randomness
import Testing
@testable import Records

/// Every method against an O(n^2) reference on thousands of random small layouts, many of them
/// adversarial: duplicates, ties on the light cone, all-simultaneous, collinear, sequential,
/// extreme coordinates, times and uncertainties; trees down to one event per leaf.
@Suite("space-like audit: methods against the all-pairs reference")
struct AuditPropertyTests {
    /// `AUDIT_SEED` in the environment replays a failing run.
    static let seed = ProcessInfo.processInfo.environment["AUDIT_SEED"].flatMap { UInt64($0) } ?? 20_260_916
    static let layouts = 3000

    struct Layout {
        var events: [(e: AuditEvent, sigma: Double, bob: Bool)] = []
        let kind: String
    }

    /// What the reference finds: violating pairs by kind (alice-alice, alice-bob, bob-bob)
    /// and the smallest margin, from every pair.
    static func reference(_ layout: Layout) -> (counts: [Int], worst: Double) {
        var counts = [0, 0, 0], worst = Double.infinity
        let events = layout.events
        for i in events.indices {
            for j in (i + 1)..<events.count {
                let m = AuditMargin.margin(events[i].e, events[i].sigma, events[j].e, events[j].sigma)
                if m <= 0 { counts[(events[i].bob ? 1 : 0) + (events[j].bob ? 1 : 0)] += 1 }
                worst = min(worst, m)
            }
        }
        return (counts, worst)
    }

    static func audit(_ layout: Layout, method: SpaceLikeAudit.Method, leafCapacity: Int, budget: Int? = nil) throws -> AuditReport {
        var audit = SpaceLikeAudit()
        audit.method = method
        audit.leafCapacity = leafCapacity
        audit.budget = .init(pairs: budget)
        for (k, event) in layout.events.enumerated() {
            var batch = RecordBatch()
            batch.rounds = [Int64(k + 1)]; batch.inputs = [0]; batch.outputs = [0]
            batch.timesNs = [event.e.t]; batch.x = [event.e.x]; batch.y = [event.e.y]; batch.z = [event.e.z]
            batch.uncertaintiesNs = [event.sigma]
            try audit.add(batch, bob: event.bob)
        }
        return audit.run()
    }

    static func randomLayout(_ rng: inout Xoshiro256) -> Layout {
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        let n = 2 + below(below(4) == 0 ? 300 : 90)
        let kinds = ["uniform", "simultaneous", "collinear", "grid", "sequential", "extreme", "light-cone", "clusters", "duplicates"]
        var layout = Layout(kind: kinds[below(kinds.count)])
        let scale = [1.0, 30, 1000, 1e5][below(4)], span = [0.0, 10, 1000, 1e6][below(4)]
        let sigmaChoice = below(4)
        func sigma() -> Double {
            switch sigmaChoice {
            case 0: return 0
            case 1: return 2.5
            case 2: return uniform() * 100
            default: return [0, 0.5, 1, 1e-9][below(4)]
            }
        }
        let c = SpaceLikeAudit.speedOfLight
        for k in 0..<n {
            let bob = below(2) == 1
            var e = AuditEvent(x: 0, y: 0, z: 0, t: 0)
            var s = sigma()
            switch layout.kind {
            case "uniform":
                e = AuditEvent(x: uniform() * scale, y: uniform() * scale, z: uniform() * scale, t: Int64(uniform() * span))
            case "simultaneous":
                e = AuditEvent(x: uniform() * scale, y: uniform() * scale, z: 0, t: 7)
            case "collinear":
                e = AuditEvent(x: Double(below(40)) * 10, y: 0, z: 0, t: Int64(below(3)) * 20)
            case "grid":
                e = AuditEvent(x: Double(below(6)), y: Double(below(6)), z: Double(below(3)), t: Int64(below(8)))
            case "sequential":
                e = AuditEvent(x: bob ? 100 : 0, y: 0, z: 0, t: Int64(k / 2) * 1000)
            case "extreme":
                let coordinates = [0, 1e308, -1e308, 1e25, -1e25, 1.7976931348623157e308, 0x1p-1063, .leastNonzeroMagnitude, 1e154, 3]
                let times: [Int64] = [0, .min, .max, -5_000_000_000_000_000_000, 5_000_000_000_000_000_000, 1, -1]
                e = AuditEvent(x: coordinates[below(coordinates.count)], y: coordinates[below(coordinates.count)],
                               z: below(2) == 0 ? 0 : coordinates[below(coordinates.count)], t: times[below(times.count)])
                s = [0, 1, 1e300, 1.7e308, .leastNonzeroMagnitude][below(5)]
            case "light-cone":
                // On the light cone of the origin up to rounding: margins within a few units in
                // the last place of zero.
                let steps = Int64(below(50))
                e = AuditEvent(x: Double(steps) * c * [1, 2, 0.5][below(3)], y: 0, z: 0, t: below(2) == 0 ? steps : 0)
                s = below(3) == 0 ? 0.5 : 0
            case "clusters":
                let centre = Double(below(3)) * 500
                e = AuditEvent(x: centre + uniform(), y: uniform(), z: 0, t: Int64(below(3)) * 2000 + Int64(below(3)))
            default:
                let choices = [(0.0, 0.0, 0), (1.0, 0.0, 0), (1.0, 0.0, 3), (0.0, 0.0, 3)]
                let (x, y, t) = choices[below(choices.count)]
                e = AuditEvent(x: x, y: y, z: 0, t: Int64(t))
            }
            layout.events.append((e, s, bob))
        }
        return layout
    }

    @Test func everyMethodAgreesWithTheReference() throws {
        print("audit property test seed: \(Self.seed) (set AUDIT_SEED to replay)")
        var rng = Xoshiro256(seed: Self.seed)
        var compared = 0, failing = 0, kinds: [String: Int] = [:]
        for index in 0..<Self.layouts {
            let layout = Self.randomLayout(&rng)
            kinds[layout.kind, default: 0] += 1
            let expected = Self.reference(layout)
            let leaf = [1, 2, 3, 5, 8, 32][Int(rng.next() % 6)]
            for method in SpaceLikeAudit.Method.allCases {
                let report = try Self.audit(layout, method: method, leafCapacity: leaf)
                compared += 1
                let counts = [SpaceLikeAudit.Category.aliceAlice, .aliceBob, .bobBob].map { report.violationsByCategory?[$0] ?? -1 }
                let context = "seed \(Self.seed), layout \(index) (\(layout.kind), \(layout.events.count) events), \(method.rawValue), leaf \(leaf)"
                let agrees = counts == expected.counts && report.exact
                    && report.worstMarginNs == AuditMargin.reportable(expected.worst)
                    && report.verdict == (expected.worst <= 0 ? .fail : .pass)
                    && report.examples.allSatisfy { $0.marginNs <= 0 }
                    && report.examples.count == Set(report.examples.map(\.category)).count
                    && Set(report.examples.map(\.category)).count == expected.counts.filter { $0 > 0 }.count
                if !agrees {
                    failing += 1
                    if failing <= 5 {
                        let message = "\(context): counts \(counts) against \(expected.counts), worst \(report.worstMarginNs ?? .nan) "
                            + "against \(expected.worst), verdict \(report.verdict), examples \(report.examples.map { ($0.category, $0.marginNs) })"
                        Issue.record(Comment(rawValue: message))
                    }
                }
            }
        }
        print("audit property test: \(Self.layouts) layouts, \(compared) method runs compared, \(failing) disagreements; layouts by kind: \(kinds.sorted { $0.key < $1.key })")
        #expect(failing == 0)
    }

    /// A budget stops the count: the bounds hold the true count, the verdict and the worst
    /// margin stay exact, and no count is given.
    @Test func aBudgetGivesBoundsNeverACount() throws {
        var rng = Xoshiro256(seed: Self.seed ^ 0xB0D6E7)
        var stopped = 0
        for index in 0..<300 {
            let layout = Self.randomLayout(&rng)
            let expected = Self.reference(layout)
            for method in [SpaceLikeAudit.Method.timeSweep, .kdTree] {
                let budget = Int(rng.next() % 40)
                let report = try Self.audit(layout, method: method, leafCapacity: 2, budget: budget)
                let context = "seed \(Self.seed), budget layout \(index), \(method.rawValue), budget \(budget)"
                for (k, category) in [SpaceLikeAudit.Category.aliceAlice, .aliceBob, .bobBob].enumerated() {
                    let lower = report.violationsByCategoryLower[category] ?? -1, upper = report.violationsByCategoryUpper[category] ?? -1
                    #expect(lower <= expected.counts[k] && expected.counts[k] <= upper, "\(context)")
                }
                #expect(report.worstMarginNs == AuditMargin.reportable(expected.worst), "\(context)")
                #expect(report.verdict == (expected.worst <= 0 ? .fail : .pass), "\(context)")
                if !report.exact {
                    stopped += 1
                    #expect(report.violatingPairs == nil && report.violationsByCategory == nil, "\(context)")
                    #expect(report.violatingPairsLower <= report.violatingPairsUpper, "\(context)")
                }
            }
        }
        #expect(stopped > 50)
    }
}
