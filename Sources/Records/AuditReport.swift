/// The audit's findings.
///
/// The verdict and the worst margin are always exact. The counts are exact when `exact` is
/// true; when a budget stopped the count early, `violatingPairs` and `violationsByCategory`
/// are absent and only the labelled bounds (`…Lower`, `…Upper`) are given.
public struct AuditReport: Sendable, Codable {
    public enum Verdict: String, Sendable, Codable { case pass, fail }

    public struct Event: Sendable, Codable {
        public let party: String
        public let round: Int64
        public let timeNs: Int64
        public let x: Double, y: Double, z: Double
    }

    /// One pair of events and its margin in nanoseconds.
    public struct Example: Sendable, Codable {
        public let category: SpaceLikeAudit.Category
        public let first: Event
        public let second: Event
        public let marginNs: Double
    }

    public let events: Int
    /// `fail` exactly when some pair has a margin `<= 0` (the worst margin is `<= 0`).
    public let verdict: Verdict
    /// The number of violating pairs; absent unless `exact`.
    public let violatingPairs: Int?
    /// The violating pairs are at least this many (equal to `violatingPairs` when exact).
    public let violatingPairsLower: Int
    /// The violating pairs are at most this many (equal to `violatingPairs` when exact).
    public let violatingPairsUpper: Int
    /// Violating pairs by kind; absent unless `exact`.
    public let violationsByCategory: [SpaceLikeAudit.Category: Int]?
    public let violationsByCategoryLower: [SpaceLikeAudit.Category: Int]
    public let violationsByCategoryUpper: [SpaceLikeAudit.Category: Int]
    public let totalPairs: [SpaceLikeAudit.Category: Int]
    /// The smallest margin over all pairs in nanoseconds, exact (beyond the double range it is
    /// given as the largest double of its sign); absent with fewer than two events.
    public let worstMarginNs: Double?
    /// The pair with the worst margin.
    public let worstPair: Example?
    /// Violating pairs: the worst pair, then one of each other kind that violates.
    public let examples: [Example]
    /// How the pairs were counted: `"time-sweep"` (events in time order; pairs further apart
    /// in time than the light crossing of the layout violate, the others are examined) or
    /// `"kd-tree"` (a tree of boxes in space and time descended on both sides of each pair);
    /// `"none"` with fewer than two events. See ``SpaceLikeAudit/Method``.
    public let method: String
    /// Pairs examined one by one (the rest were settled in blocks).
    public let examinedPairs: Int
    /// False when a budget stopped the count: the counts are then only bounds.
    public let exact: Bool
}
