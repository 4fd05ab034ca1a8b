import Foundation

/// The count of violating pairs shared by both methods: pairs are settled in blocks (a pair
/// of tree nodes, or one event against the rest) either all at once, when bounds decide the
/// whole block, or one pair at a time. Keeps the counts by kind of pair, the pairs settled (for
/// progress and for the bounds when a budget stops it early) and one example per kind.
struct AuditScan {
    /// Kinds of pair by how many of the two events are Bob's: alice-alice, alice-bob, bob-bob.
    typealias Tally = (Int, Int, Int)

    let events: UnsafeBufferPointer<AuditEvent>
    let tags: UnsafeBufferPointer<UInt32>
    let sigmas: AuditSigmas
    let budget: SpaceLikeAudit.Budget
    let progress: (@Sendable (SpaceLikeAudit.Progress) -> Void)?
    let totalPairs: Int

    var violations: Tally = (0, 0, 0)
    var settled: Tally = (0, 0, 0)
    var examined = 0
    /// The smallest margin among the pairs examined one by one (a start for the worst margin).
    var smallestExamined = Double.infinity
    var smallestPair: (Int, Int)?
    /// One violating pair of each kind, as positions in `events`.
    var examples: [(Int, Int)?] = [nil, nil, nil]
    var stopped = false

    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var nextCheck = 1 << 16
    private var lastReport: ContinuousClock.Instant?

    init(events: UnsafeBufferPointer<AuditEvent>, tags: UnsafeBufferPointer<UInt32>, sigmas: AuditSigmas,
         budget: SpaceLikeAudit.Budget, progress: (@Sendable (SpaceLikeAudit.Progress) -> Void)?) {
        self.events = events
        self.tags = tags
        self.sigmas = sigmas
        self.budget = budget
        self.progress = progress
        totalPairs = events.count * (events.count - 1) / 2
        started = clock.now
        nextCheck = min(nextCheck, budget.pairs ?? .max)
    }

    @inline(__always)
    static func kind(_ a: UInt32, _ b: UInt32) -> Int { Int(a >> 31) + Int(b >> 31) }

    @inline(__always)
    static func add(_ tally: inout Tally, _ kind: Int, _ amount: Int) {
        switch kind {
        case 0: tally.0 += amount
        case 1: tally.1 += amount
        default: tally.2 += amount
        }
    }

    /// The pairs between two sets by kind, given how many of each set are Bob's; `same` when
    /// both are one set (its pairs of two distinct events).
    static func pairs(count a: Int, bobs ba: Int, count b: Int, bobs bb: Int, same: Bool) -> Tally {
        let aa = a - ba, ab = b - bb
        if same { return (aa * (aa - 1) / 2, aa * ba, ba * (ba - 1) / 2) }
        return (aa * ab, aa * bb + ba * ab, ba * bb)
    }

    /// Records a block of pairs settled (as space-like, or examined one by one).
    mutating func settle(_ pairs: Tally) {
        settled.0 += pairs.0; settled.1 += pairs.1; settled.2 += pairs.2
    }

    /// Records a block of pairs settled as violating.
    mutating func settleViolating(_ pairs: Tally) {
        settled.0 += pairs.0; settled.1 += pairs.1; settled.2 += pairs.2
        violations.0 += pairs.0; violations.1 += pairs.1; violations.2 += pairs.2
    }

    /// The kinds of pair in a block that have no example yet.
    func wantingExamples(_ pairs: Tally) -> [Int] {
        [pairs.0, pairs.1, pairs.2].indices.filter { [pairs.0, pairs.1, pairs.2][$0] > 0 && examples[$0] == nil }
    }

    /// Examines event `i` against each event of `others` (positions in `events`), counting
    /// the violations; the caller settles the block (``settle(_:)``).
    @inline(__always)
    mutating func examine(_ i: Int, against others: Range<Int>) {
        let a = events[i], tagA = tags[i], sa = sigmas[tagA]
        var violating = 0, violatingBobs = 0
        var smallest = smallestExamined, smallestAt = -1
        let uniform = sigmas.byArrival.isEmpty
        for j in others {
            let tagB = tags[j]
            let m = AuditMargin.margin(a, sa, events[j], uniform ? sigmas.uniform : sigmas[tagB])
            let v = m <= 0 ? 1 : 0
            violating += v
            violatingBobs += v & Int(tagB >> 31)
            if m < smallest {
                smallest = m
                smallestAt = j
            }
        }
        if smallestAt >= 0 {
            smallestExamined = smallest
            smallestPair = (i, smallestAt)
        }
        if violating > 0 {
            let counts: Tally = tagA >> 31 == 1 ? (0, violating - violatingBobs, violatingBobs) : (violating - violatingBobs, violatingBobs, 0)
            violations.0 += counts.0; violations.1 += counts.1; violations.2 += counts.2
            if examples[0] == nil || examples[1] == nil || examples[2] == nil {
                for j in others where AuditMargin.margin(a, sa, events[j], sigmas[tags[j]]) <= 0 {
                    let kind = Self.kind(tagA, tags[j])
                    if examples[kind] == nil { examples[kind] = (i, j) }
                }
            }
        }
        examined += others.count
    }

    /// Checks the budget and reports progress, every 65,536 pairs examined (and when the pair
    /// budget is reached); sets `stopped` when the budget is spent.
    @inline(__always)
    mutating func checkpoint() {
        guard examined >= nextCheck else { return }
        nextCheck = examined + (1 << 16)
        if let limit = budget.pairs {
            if examined >= limit { stopped = true }
            nextCheck = min(nextCheck, limit)
        }
        let now = clock.now
        let elapsed = Self.seconds(now - started)
        if let limit = budget.seconds, elapsed >= limit { stopped = true }
        guard let progress, elapsed > 2, lastReport.map({ Self.seconds(now - $0) >= 0.5 }) ?? true else { return }
        lastReport = now
        let done = Double(settled.0 + settled.1 + settled.2)
        let fraction = totalPairs > 0 ? done / Double(totalPairs) : 1
        progress(SpaceLikeAudit.Progress(fraction: fraction, elapsedSeconds: elapsed,
                                         remainingSeconds: fraction > 0 ? elapsed * (1 - fraction) / fraction : .infinity))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// The first position in `range` of an event of the given party.
    func first(bob: Bool, in range: Range<Int>) -> Int? {
        range.first { (tags[$0] >> 31 == 1) == bob }
    }

    /// A pair of the given kind with one event in `a` and the other in `b` (two distinct
    /// events of `a` when `b == a`).
    func pair(kind: Int, _ a: Range<Int>, _ b: Range<Int>) -> (Int, Int)? {
        let parties: [(Bool, Bool)] = kind == 0 ? [(false, false)] : kind == 2 ? [(true, true)] : [(false, true), (true, false)]
        for (first, second) in parties {
            guard let i = self.first(bob: first, in: a) else { continue }
            let rest = a == b && first == second ? (i + 1)..<b.upperBound : b
            if let j = self.first(bob: second, in: rest) { return (i, j) }
        }
        return nil
    }
}
