/// The smallest margin over all pairs of events, exactly (the smallest of the margins each
/// pair would give alone), by branch and bound on the tree: a pair of nodes is skipped when
/// the lower bound of its margins (``AuditBox/marginLowerBound(_:_:)``) is no smaller than
/// the best found so far, and the more promising halves are tried first.
struct AuditWorstMargin {
    let events: UnsafeBufferPointer<AuditEvent>
    let tags: UnsafeBufferPointer<UInt32>
    let sigmas: AuditSigmas
    private(set) var best: Double
    private(set) var pair: (Int, Int)?

    /// - Parameters:
    ///   - start: a margin known to occur, with its pair (from the count), or `+infinity`.
    init(events: UnsafeBufferPointer<AuditEvent>, tags: UnsafeBufferPointer<UInt32>, sigmas: AuditSigmas,
         start: Double, pair: (Int, Int)?) {
        self.events = events
        self.tags = tags
        self.sigmas = sigmas
        best = start
        self.pair = pair
    }

    /// Searches the whole tree.
    mutating func search(_ tree: AuditTree) {
        guard tree.count > 1 else { return }
        tree.boxes.withUnsafeBufferPointer { boxes in
            visit(tree, boxes, 0, 0..<tree.count, 0, 0..<tree.count)
        }
    }

    @inline(__always)
    private mutating func consider(_ i: Int, _ j: Int) {
        let m = AuditMargin.margin(events[i], sigmas[tags[i]], events[j], sigmas[tags[j]])
        if m < best || pair == nil {
            best = m
            pair = (i, j)
        }
    }

    private mutating func visit(_ tree: AuditTree, _ boxes: UnsafeBufferPointer<AuditBox>, _ a: Int, _ ra: Range<Int>, _ b: Int, _ rb: Range<Int>) {
        let boxA = boxes[a], boxB = boxes[b], same = a == b
        if pair != nil && AuditBox.marginLowerBound(boxA, boxB) >= best { return }
        // All events of each side alike: every pair has the same margin, so one will do.
        if boxA.isPoint && boxB.isPoint {
            if same { if ra.count > 1 { consider(ra.lowerBound, ra.lowerBound + 1) } } else { consider(ra.lowerBound, rb.lowerBound) }
            return
        }
        let leafA = tree.isLeaf(ra), leafB = tree.isLeaf(rb)
        if leafA && leafB {
            for i in ra {
                for j in (same ? (i + 1)..<ra.upperBound : rb) { consider(i, j) }
            }
            return
        }
        var parts: [(Int, Range<Int>, Int, Range<Int>)]
        if same {
            let mid = AuditTree.middle(ra.lowerBound, ra.upperBound)
            let low = ra.lowerBound..<mid, high = mid..<ra.upperBound
            parts = [(2 * a + 1, low, 2 * a + 1, low), (2 * a + 1, low, 2 * a + 2, high), (2 * a + 2, high, 2 * a + 2, high)]
        } else if leafB || (!leafA && boxA.extentNs >= boxB.extentNs) {
            let mid = AuditTree.middle(ra.lowerBound, ra.upperBound)
            parts = [(2 * a + 1, ra.lowerBound..<mid, b, rb), (2 * a + 2, mid..<ra.upperBound, b, rb)]
        } else {
            let mid = AuditTree.middle(rb.lowerBound, rb.upperBound)
            parts = [(a, ra, 2 * b + 1, rb.lowerBound..<mid), (a, ra, 2 * b + 2, mid..<rb.upperBound)]
        }
        // NaN bounds (overflow) sort last: they are searched, never skipped.
        let bounds = parts.map { part -> Double in
            let bound = AuditBox.marginLowerBound(boxes[part.0], boxes[part.2])
            return bound.isNaN ? .infinity : bound
        }
        for k in bounds.indices.sorted(by: { bounds[$0] < bounds[$1] }) {
            visit(tree, boxes, parts[k].0, parts[k].1, parts[k].2, parts[k].3)
        }
    }
}
