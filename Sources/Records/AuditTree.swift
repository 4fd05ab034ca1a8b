/// A binary tree of boxes over the audit's events, built by reordering them in place: each
/// node holds a contiguous range of the events and the box around them (``AuditBox``); an
/// inner node splits its range at the median of one coordinate into two children, and a leaf
/// holds at most `leafCapacity` events (96 by default, so leaves hold 48 to 96: the nodes then
/// take about 2.5 bytes per event, and a pair of leaves the bounds cannot settle costs a few
/// thousand margins, which `diqkd bench audit` shows to be the better side of the trade).
///
/// Events whose coordinate equals the median all go to one side when that keeps each side at
/// least a quarter of the range: on a grid, or wherever many events share a plane, the two
/// halves' boxes are then apart, and their pairs can be settled together.
///
/// Two ways of choosing the coordinate: always time (then, once each leaf is sorted too, the
/// events are in time order, which the sweep needs), or the widest of x, y, z and `c t` in
/// metres (a k-d tree in space-time, which adapts to any layout).
struct AuditTree {
    static let defaultLeafCapacity = 96

    enum Split { case time, widest }

    /// A node in depth-first order: the box of its events (without their uncertainties, kept
    /// apart unless all are equal), its first child following it, `second` the other child's
    /// index (or -1 for a leaf), and the second child's events starting at `middle`. 80 bytes.
    struct Node {
        var lowX, lowY, lowZ, highX, highY, highZ: Double
        var earliest, latest: Int64
        var bobs: Int32
        var middle: Int32
        var second: Int32

        init(_ box: AuditBox, middle: Int32, second: Int32) {
            lowX = box.lowX; lowY = box.lowY; lowZ = box.lowZ
            highX = box.highX; highY = box.highY; highZ = box.highZ
            earliest = box.earliest; latest = box.latest
            bobs = box.bobs
            self.middle = middle
            self.second = second
        }
    }

    let count: Int
    let leafCapacity: Int
    private(set) var nodes: [Node] = []
    /// Each node's lowest and highest uncertainty, empty when all events have `uniformSigma`.
    private(set) var sigmaRanges: [(Double, Double)] = []
    let uniformSigma: Double

    /// Builds the tree, reordering `events` and `tags` together.
    /// - Parameters:
    ///   - bounds: the box of all the events.
    ///   - leafCapacity: the most events in a leaf, at least 1.
    /// - Complexity: `O(n log n)` expected (a median selection per level; the depth is at most
    ///   `log_{4/3}(n / leafCapacity)`).
    init(events: inout [AuditEvent], tags: inout [UInt32], sigmas: AuditSigmas, bounds: AuditBox, split: Split,
         leafCapacity: Int = defaultLeafCapacity) {
        count = events.count
        self.leafCapacity = max(1, leafCapacity)
        uniformSigma = sigmas.uniform
        guard count > 0 else { return }
        var builder = Builder(split: split, sigmas: sigmas, leafCapacity: self.leafCapacity)
        // Every leaf holds more than a quarter of the capacity: room for all the nodes there can
        // be (pages never written stay unused).
        let most = 8 * count / self.leafCapacity + 1
        builder.nodes.reserveCapacity(most)
        if !sigmas.byArrival.isEmpty { builder.sigmaRanges.reserveCapacity(most) }
        events.withUnsafeMutableBufferPointer { e in
            tags.withUnsafeMutableBufferPointer { g in
                builder.events = e
                builder.tags = g
                builder.build(low: 0, high: count, guide: bounds)
            }
        }
        nodes = builder.nodes
        sigmaRanges = builder.sigmaRanges
    }

    /// The bytes the nodes take (those written; the rest of the reserved room is never touched).
    var bytes: Int { nodes.count * MemoryLayout<Node>.stride + sigmaRanges.count * 16 }

    /// The box of node `node`.
    @inline(__always)
    func box(_ node: Int) -> AuditBox {
        let n = nodes[node]
        let (low, high) = sigmaRanges.isEmpty ? (uniformSigma, uniformSigma) : sigmaRanges[node]
        return AuditBox(lowX: n.lowX, lowY: n.lowY, lowZ: n.lowZ, highX: n.highX, highY: n.highY, highZ: n.highZ,
                        earliest: n.earliest, latest: n.latest, sigmaLow: low, sigmaHigh: high, bobs: n.bobs)
    }

    /// The two children of inner node `node` over `range`: their indices and ranges.
    @inline(__always)
    func children(_ node: Int, _ range: Range<Int>) -> ((Int, Range<Int>), (Int, Range<Int>)) {
        let n = nodes[node], middle = Int(n.middle)
        return ((node + 1, range.lowerBound..<middle), (Int(n.second), middle..<range.upperBound))
    }

    @inline(__always)
    func isLeaf(_ node: Int) -> Bool { nodes[node].second < 0 }

    private struct Builder {
        let split: Split
        let sigmas: AuditSigmas
        let leafCapacity: Int
        var events = UnsafeMutableBufferPointer<AuditEvent>(start: nil, count: 0)
        var tags = UnsafeMutableBufferPointer<UInt32>(start: nil, count: 0)
        var nodes: [Node] = []
        var sigmaRanges: [(Double, Double)] = []
        /// xorshift state for pivot positions (deterministic; defeats inputs built against
        /// a fixed pivot rule).
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15

        /// Builds the subtree over `low..<high` and returns its box; `guide` approximates that
        /// box (the parent's box cut at the split), enough to choose the coordinate to split.
        @discardableResult
        mutating func build(low: Int, high: Int, guide: AuditBox) -> AuditBox {
            let node = nodes.count
            nodes.append(Node(AuditBox(), middle: Int32(high), second: -1))
            if !sigmas.byArrival.isEmpty { sigmaRanges.append((0, 0)) }
            if high - low <= leafCapacity {
                if split == .time { sortByTime(low, high) }
                var box = AuditBox()
                for i in low..<high { box.include(events[i], sigma: sigmas[tags[i]], bob: tags[i] >> 31 == 1) }
                store(box, at: node)
                return box
            }
            var lower = guide, upper = guide
            let middle: Int
            switch split == .time ? 3 : Self.widestAxis(guide) {
            case 0:
                middle = divide(low, high) { $0.x }
                lower.highX = events[middle].x; upper.lowX = events[middle].x
            case 1:
                middle = divide(low, high) { $0.y }
                lower.highY = events[middle].y; upper.lowY = events[middle].y
            case 2:
                middle = divide(low, high) { $0.z }
                lower.highZ = events[middle].z; upper.lowZ = events[middle].z
            default:
                middle = divide(low, high) { $0.t }
                lower.latest = events[middle].t; upper.earliest = events[middle].t
            }
            let first = build(low: low, high: middle, guide: lower)
            nodes[node].second = Int32(nodes.count)
            nodes[node].middle = Int32(middle)
            let second = build(low: middle, high: high, guide: upper)
            let box = AuditBox.union(first, second)
            store(box, at: node)
            return box
        }

        mutating func store(_ box: AuditBox, at node: Int) {
            nodes[node] = Node(box, middle: nodes[node].middle, second: nodes[node].second)
            if !sigmaRanges.isEmpty { sigmaRanges[node] = (box.sigmaLow, box.sigmaHigh) }
        }

        /// 0, 1, 2 for x, y, z, 3 for time: the longest side in metres (time as `c t`).
        static func widestAxis(_ box: AuditBox) -> Int {
            let sides = (box.highX - box.lowX, box.highY - box.lowY, box.highZ - box.lowZ,
                         AuditMargin.timeGap(box.latest, box.earliest) * AuditMargin.speedOfLight)
            var best = 0, longest = sides.0
            if sides.1 > longest { best = 1; longest = sides.1 }
            if sides.2 > longest { best = 2; longest = sides.2 }
            if sides.3 > longest { best = 3 }
            return best
        }

        mutating func swapAt(_ i: Int, _ j: Int) {
            events.swapAt(i, j)
            tags.swapAt(i, j)
        }

        /// Reorders `low..<high` into a lower and an upper part by `key` and returns where the
        /// upper part starts: near the median, and between two different keys when that keeps
        /// each part at least a quarter of the range. (The guides' cut at the upper part's first
        /// key is approximate: it only steers the choice of coordinates.)
        mutating func divide<K: Comparable>(_ low: Int, _ high: Int, key: (AuditEvent) -> K) -> Int {
            let mid = (low + high) / 2
            select(low, high, mid, key: key)
            // Gather the keys equal to the median around it: [start, end).
            let pivot = key(events[mid])
            var start = mid
            for i in stride(from: mid - 1, through: low, by: -1) where key(events[i]) == pivot {
                start -= 1
                swapAt(i, start)
            }
            var end = mid + 1
            for i in (mid + 1)..<high where key(events[i]) == pivot {
                swapAt(i, end)
                end += 1
            }
            let quarter = (high - low) / 4
            let candidates = [start, end].filter { $0 - low >= quarter && high - $0 >= quarter && $0 > low && $0 < high }
            return candidates.min { abs($0 - mid) < abs($1 - mid) } ?? mid
        }

        /// Reorders `low..<high` so that position `k` holds the element of rank `k - low` by
        /// `key`, with no larger key before it and no smaller after (Hoare's selection).
        mutating func select<K: Comparable>(_ low: Int, _ high: Int, _ k: Int, key: (AuditEvent) -> K) {
            var sorted = true
            for i in (low + 1)..<high where key(events[i]) < key(events[i - 1]) {
                sorted = false
                break
            }
            if sorted { return }
            var lo = low, hi = high - 1
            while hi > lo {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                let r = lo + Int(state % UInt64(hi - lo + 1))
                let a = key(events[lo]), b = key(events[r]), c = key(events[hi])
                let pivot = max(min(a, b), min(max(a, b), c))
                var i = lo, j = hi
                while i <= j {
                    while key(events[i]) < pivot { i += 1 }
                    while key(events[j]) > pivot { j -= 1 }
                    if i <= j {
                        swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if k <= j {
                    hi = j
                } else if k >= i {
                    lo = i
                } else {
                    return
                }
            }
        }

        /// Insertion sort by time of one leaf.
        mutating func sortByTime(_ low: Int, _ high: Int) {
            guard high - low > 1 else { return }
            for i in (low + 1)..<high {
                var j = i
                while j > low && events[j].t < events[j - 1].t {
                    swapAt(j, j - 1)
                    j -= 1
                }
            }
        }
    }
}
