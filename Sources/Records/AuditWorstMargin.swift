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
    /// - Parameters:
    ///   - counted: the tree's count ran to the end, and `start` is the smallest margin of the
    ///     pairs it examined one by one: the pairs of leaves it examined are then skipped.
    mutating func search(_ tree: AuditTree, counted: Bool) {
        guard tree.count > 1 else { return }
        visit(tree, 0, 0..<tree.count, 0, 0..<tree.count, examined: counted)
    }

    @inline(__always)
    private mutating func consider(_ i: Int, _ j: Int) {
        let m = AuditMargin.margin(events[i], sigmas[tags[i]], events[j], sigmas[tags[j]])
        if m < best || pair == nil {
            best = m
            pair = (i, j)
        }
    }

    private mutating func visit(_ tree: AuditTree, _ a: Int, _ ra: Range<Int>, _ b: Int, _ rb: Range<Int>, examined: Bool) {
        let boxA = tree.box(a), boxB = tree.box(b), same = a == b
        if pair != nil && AuditBox.marginLowerBound(boxA, boxB) >= best { return }
        // Following the count's descent: below a pair of nodes it settled whole, no pair was
        // examined; a pair of leaves it did not settle was examined, all of it.
        let examined = examined && !AuditBox.allSpaceLike(boxA, boxB) && !AuditBox.allViolating(boxA, boxB)
        // All events of each side alike: every pair has the same margin, so one will do.
        if boxA.isPoint && boxB.isPoint {
            if same { if ra.count > 1 { consider(ra.lowerBound, ra.lowerBound + 1) } } else { consider(ra.lowerBound, rb.lowerBound) }
            return
        }
        let leafA = tree.isLeaf(a), leafB = tree.isLeaf(b)
        if leafA && leafB {
            for i in ra {
                if examined {
                    // The count examined this row unless the event against the other box
                    // settled it (see ``AuditScan/descend(_:)``).
                    if same { continue }
                    let point = AuditBox(event: events[i], sigma: sigmas[tags[i]], bob: tags[i] >> 31 == 1)
                    guard AuditBox.allSpaceLike(point, boxB) || AuditBox.allViolating(point, boxB) else { continue }
                    if AuditBox.marginLowerBound(point, boxB) >= best { continue }
                }
                for j in (same ? (i + 1)..<ra.upperBound : rb) { consider(i, j) }
            }
            return
        }
        var parts: [(Int, Range<Int>, Int, Range<Int>)]
        if same {
            let ((l, low), (h, high)) = tree.children(a, ra)
            parts = [(l, low, l, low), (l, low, h, high), (h, high, h, high)]
        } else if leafB || (!leafA && boxA.extentNs >= boxB.extentNs) {
            let ((l, low), (h, high)) = tree.children(a, ra)
            parts = [(l, low, b, rb), (h, high, b, rb)]
        } else {
            let ((l, low), (h, high)) = tree.children(b, rb)
            parts = [(a, ra, l, low), (a, ra, h, high)]
        }
        // NaN bounds (overflow) sort last: they are searched, never skipped.
        let bounds = parts.map { part -> Double in
            let bound = AuditBox.marginLowerBound(tree.box(part.0), tree.box(part.2))
            return bound.isNaN ? .infinity : bound
        }
        for k in bounds.indices.sorted(by: { bounds[$0] < bounds[$1] }) {
            visit(tree, parts[k].0, parts[k].1, parts[k].2, parts[k].3, examined: examined)
        }
    }
}
