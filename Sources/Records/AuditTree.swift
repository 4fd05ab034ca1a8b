/// A balanced binary tree of boxes over the audit's events, built by reordering them in
/// place: node `k` holds a contiguous range of the events, its children `2k + 1` and `2k + 2`
/// the lower and upper halves of that range split at the median of one coordinate, and a
/// leaf at most `leafCapacity` events (32 by default: small enough that a pair of leaves the
/// bounds cannot settle costs about a thousand margins, large enough that the nodes take
/// about 6 bytes per event). Each node keeps the box of its events (``AuditBox``).
///
/// Two ways of choosing the coordinate: always time (then, once each leaf is sorted too, the
/// events are in time order, which the sweep needs), or the widest of x, y, z and `c t` in
/// metres (a k-d tree in space-time, which adapts to any layout).
struct AuditTree {
    static let defaultLeafCapacity = 32

    enum Split { case time, widest }

    let count: Int
    let leafCapacity: Int
    /// Indexed by node; nodes that do not exist (below a leaf) are left empty.
    private(set) var boxes: [AuditBox]

    /// Builds the tree, reordering `events` and `tags` together.
    /// - Parameters:
    ///   - bounds: the box of all the events.
    /// - Complexity: `O(n log n)` expected (a median selection per level).
    ///   - leafCapacity: the most events in a leaf, at least 1.
    init(events: inout [AuditEvent], tags: inout [UInt32], sigmas: AuditSigmas, bounds: AuditBox, split: Split,
         leafCapacity: Int = defaultLeafCapacity) {
        count = events.count
        self.leafCapacity = max(1, leafCapacity)
        var depth = 0, size = count
        while size > self.leafCapacity {
            size = (size + 1) / 2
            depth += 1
        }
        boxes = [AuditBox](repeating: AuditBox(), count: count == 0 ? 0 : (1 << (depth + 1)) - 1)
        guard count > 0 else { return }
        var builder = Builder(split: split, sigmas: sigmas, leafCapacity: self.leafCapacity)
        events.withUnsafeMutableBufferPointer { e in
            tags.withUnsafeMutableBufferPointer { g in
                boxes.withUnsafeMutableBufferPointer { b in
                    builder.events = e
                    builder.tags = g
                    builder.boxes = b
                    builder.build(node: 0, low: 0, high: count, guide: bounds)
                }
            }
        }
    }

    @inline(__always)
    func isLeaf(_ range: Range<Int>) -> Bool { range.count <= leafCapacity }

    @inline(__always)
    static func middle(_ low: Int, _ high: Int) -> Int { (low + high) / 2 }

    private struct Builder {
        let split: Split
        let sigmas: AuditSigmas
        let leafCapacity: Int
        var events = UnsafeMutableBufferPointer<AuditEvent>(start: nil, count: 0)
        var tags = UnsafeMutableBufferPointer<UInt32>(start: nil, count: 0)
        var boxes = UnsafeMutableBufferPointer<AuditBox>(start: nil, count: 0)
        /// xorshift state for pivot positions (deterministic; defeats inputs built against
        /// a fixed pivot rule).
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15

        /// Builds node `node` over `low..<high`; `guide` approximates its box (the parent's
        /// box cut at the split), enough to choose the coordinate to split.
        mutating func build(node: Int, low: Int, high: Int, guide: AuditBox) {
            if high - low <= leafCapacity {
                if split == .time { sortByTime(low, high) }
                var box = AuditBox()
                for i in low..<high { box.include(events[i], sigma: sigmas[tags[i]], bob: tags[i] >> 31 == 1) }
                boxes[node] = box
                return
            }
            let mid = AuditTree.middle(low, high)
            var lower = guide, upper = guide
            let axis = split == .time ? 3 : Self.widestAxis(guide)
            switch axis {
            case 0:
                select(low, high, mid) { $0.x }
                lower.highX = events[mid].x; upper.lowX = events[mid].x
            case 1:
                select(low, high, mid) { $0.y }
                lower.highY = events[mid].y; upper.lowY = events[mid].y
            case 2:
                select(low, high, mid) { $0.z }
                lower.highZ = events[mid].z; upper.lowZ = events[mid].z
            default:
                select(low, high, mid) { $0.t }
                lower.latest = events[mid].t; upper.earliest = events[mid].t
            }
            build(node: 2 * node + 1, low: low, high: mid, guide: lower)
            build(node: 2 * node + 2, low: mid, high: high, guide: upper)
            boxes[node] = AuditBox.union(boxes[2 * node + 1], boxes[2 * node + 2])
        }

        /// 0, 1, 2 for x, y, z, 3 for time: the longest side in metres (time as `c t`).
        static func widestAxis(_ box: AuditBox) -> Int {
            let sides = [box.highX - box.lowX, box.highY - box.lowY, box.highZ - box.lowZ,
                         AuditMargin.timeGap(box.latest, box.earliest) * AuditMargin.speedOfLight]
            var best = 0
            for k in 1..<4 where sides[k] > sides[best] { best = k }
            return best
        }

        mutating func swapAt(_ i: Int, _ j: Int) {
            events.swapAt(i, j)
            tags.swapAt(i, j)
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
