import Foundation

/// Checks the physical premise of the security proof: every pair of measurement events —
/// Alice–Bob, and also within each lab — must be space-like separated (Section 1.5: "all 2n
/// measurement events are pairwise space-like separated").
///
/// Two events `a, b` at distance `d` have the margin `m = d / c - (|t_a - t_b| + sigma_a +
/// sigma_b)` in nanoseconds, counting each event's timing uncertainty against the premise;
/// `m <= 0` is a violation, so a pair exactly on the light cone fails (see ``AuditMargin`` for
/// the arithmetic: double precision, one formula for every method, any finite coordinates and
/// any `Int64` times).
///
/// The verdict, the worst margin and (unless a budget stops the count) the number of violating
/// pairs of each kind are exact, found without visiting every pair. The events are organised in
/// a tree of boxes in space and time (``AuditTree``); whole blocks of pairs whose boxes prove
/// them all space-like or all violating are settled at once, and only pairs near the light cone
/// are examined one by one. Two ways of counting, chosen by a cost model (``Method``):
/// - *time sweep*: the events in time order; pairs further apart in time than the light
///   crossing of the whole layout violate, the others are examined. Suits sequential runs.
/// - *k-d tree*: both sides of each pair descend the tree together until their boxes settle
///   them or they are single leaves. Suits simultaneous events spread in space and mixtures.
///
/// The worst margin is found by branch and bound on the same tree. Memory (``memoryBytes``): 36
/// bytes per event (32 for position and time, 4 for party and index), 8 more when the
/// uncertainties are not all equal, about 2.5 for the tree, and the round numbers (nothing while
/// they count up by one).
///
/// - Complexity: `O(n log n)` to build the tree, plus the pairs examined one by one: for the
///   sweep, those closer in time than the light crossing of the layout; for the tree, the rows
///   (one event against a leaf) whose bounds straddle the light cone. Sequential, simultaneous
///   and burst layouts examine a few dozen pairs per event; events spread evenly through a
///   volume over about its light crossing time, where a large share of all pairs lie near the
///   light cone, about twice their violating pairs (`diqkd bench audit`).
public struct SpaceLikeAudit: Sendable {
    /// The speed of light in metres per nanosecond.
    public static let speedOfLight = AuditMargin.speedOfLight
    /// The most events an audit holds (party and index share 32 bits).
    public static let maximumEvents = Int(Int32.max)

    public enum Category: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
        case aliceBob = "alice-bob", aliceAlice = "alice-alice", bobBob = "bob-bob"
    }

    /// How pairs are counted; the verdict and the counts do not depend on it.
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// The cost model's choice: the sweep when a sample of the events predicts at most 8
        /// examined pairs per event, the tree otherwise.
        case automatic = "auto"
        case timeSweep = "time-sweep"
        case kdTree = "kd-tree"
    }

    /// When to stop counting early: the counts are then bounds (``AuditReport/exact`` false).
    /// The verdict and the worst margin are always found in full.
    public struct Budget: Sendable {
        /// The most pairs examined one by one, or `nil` for no limit.
        public var pairs: Int?
        /// The most seconds spent counting, or `nil` for no limit.
        public var seconds: Double?

        public init(pairs: Int? = nil, seconds: Double? = nil) {
            self.pairs = pairs
            self.seconds = seconds
        }
    }

    /// Where a long count stands, for a progress line.
    public struct Progress: Sendable {
        /// The fraction of all pairs settled so far, 0 to 1.
        public let fraction: Double
        public let elapsedSeconds: Double
        /// A rough estimate from the rate so far (settled pairs per second).
        public let remainingSeconds: Double
    }

    /// One round number per run of events whose rounds count up by one.
    struct RoundRun: Sendable {
        let firstEvent: Int
        let firstRound: Int64
    }

    var store: [AuditEvent] = []
    /// Bit 31: the event is Bob's. Bits 0–30: the event's index in order of arrival.
    var tags: [UInt32] = []
    /// The timing uncertainties by order of arrival, empty while they are all `uniformSigma`.
    var sigmaByArrival: [Double] = []
    var uniformSigma = 0.0
    var roundRuns: [RoundRun] = []
    var lastRound: Int64?
    var bobCount = 0
    var bounds = AuditBox()
    var treeBytes = 0

    public var budget = Budget()
    public var method = Method.automatic
    /// Called about twice a second while counting takes longer than two seconds.
    public var progress: (@Sendable (Progress) -> Void)?
    /// The most events in a leaf of the tree (tests make it small to exercise deep trees).
    var leafCapacity = AuditTree.defaultLeafCapacity

    public init() {}

    public var events: Int { store.count }

    /// The bytes the audit's arrays take: the events, their tags, uncertainties and round
    /// numbers, and the tree of the last run.
    public var memoryBytes: Int {
        store.capacity * MemoryLayout<AuditEvent>.stride + tags.capacity * 4 + sigmaByArrival.capacity * 8
            + roundRuns.capacity * MemoryLayout<RoundRun>.stride + treeBytes
    }

    /// Room for `count` events in all, so that the arrays do not grow by copying.
    public mutating func reserveCapacity(_ count: Int) {
        store.reserveCapacity(count)
        tags.reserveCapacity(count)
    }

    /// Adds one party's rounds.
    /// - Parameters:
    ///   - file: the file the batch came from, for errors.
    /// - Throws: ``RecordError`` naming the line of a non-finite coordinate, a negative or
    ///   non-finite uncertainty, or the event beyond ``maximumEvents``.
    public mutating func add(_ batch: RecordBatch, bob: Bool, file: String = "records") throws(RecordError) {
        for i in 0..<batch.count {
            let line = batch.firstLine + i
            guard store.count < Self.maximumEvents else {
                throw RecordError(file: file, line: line, message: "the audit holds at most \(Self.maximumEvents) events")
            }
            let e = AuditEvent(x: batch.x[i], y: batch.y[i], z: batch.z[i], t: batch.timesNs[i])
            guard e.x.isFinite, e.y.isFinite, e.z.isFinite else {
                throw RecordError(file: file, line: line, message: "a position must be finite")
            }
            let sigma = batch.uncertaintiesNs.isEmpty ? 0 : batch.uncertaintiesNs[i]
            guard sigma.isFinite, sigma >= 0 else {
                throw RecordError(file: file, line: line, message: "time_uncertainty_ns must be a finite non-negative number")
            }
            let index = store.count
            if store.isEmpty {
                uniformSigma = sigma
            } else if sigmaByArrival.isEmpty && sigma != uniformSigma {
                sigmaByArrival = [Double](repeating: uniformSigma, count: index)
            }
            if !sigmaByArrival.isEmpty { sigmaByArrival.append(sigma) }
            let round = batch.rounds[i]
            if lastRound.map({ $0 == Int64.max || round != $0 + 1 }) ?? true {
                roundRuns.append(RoundRun(firstEvent: index, firstRound: round))
            }
            lastRound = round
            store.append(e)
            tags.append(UInt32(index) | (bob ? 1 << 31 : 0))
            if bob { bobCount += 1 }
            bounds.include(e, sigma: sigma, bob: bob)
        }
    }

    /// The uncertainties, looked up by tag.
    var sigmas: AuditSigmas { AuditSigmas(uniform: uniformSigma, byArrival: sigmaByArrival) }

    /// The round of the event that arrived `index`-th.
    func round(ofArrival index: Int) -> Int64 {
        var low = 0, high = roundRuns.count
        while high - low > 1 {
            let mid = (low + high) / 2
            if roundRuns[mid].firstEvent <= index { low = mid } else { high = mid }
        }
        let run = roundRuns[low]
        return run.firstRound &+ Int64(index - run.firstEvent)
    }
}

/// The events' timing uncertainties: one value for all, or one per event by arrival.
struct AuditSigmas: Sendable {
    let uniform: Double
    let byArrival: [Double]

    @inline(__always)
    subscript(tag: UInt32) -> Double {
        byArrival.isEmpty ? uniform : byArrival[Int(tag & 0x7FFF_FFFF)]
    }
}
