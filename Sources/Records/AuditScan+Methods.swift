/// The two ways of counting (``SpaceLikeAudit/Method``).
extension AuditScan {
    /// Counts along the time order: for each event, the later events closer in time than
    /// `window` are examined and all the others violate.
    /// - Parameters:
    ///   - window: nanoseconds; at least the light crossing time of the whole layout (rounded
    ///     up), so that every pair at least that far apart in time violates whatever the
    ///     positions and uncertainties.
    /// - Precondition: `events` sorted by time.
    /// - Complexity: `O(n)` plus the pairs within the window.
    mutating func sweep(window: Double, bobs totalBobs: Int) {
        let n = events.count
        var end = 0, bobsBeforeEnd = 0, bobsThrough = 0
        for i in 0..<n {
            let bob = tags[i] >> 31 == 1
            if bob { bobsThrough += 1 }
            if end <= i {
                if end < n, tags[end] >> 31 == 1 { bobsBeforeEnd += 1 }
                end = i + 1
            }
            let t = events[i].t
            while end < n && AuditMargin.timeGap(events[end].t, t) < window {
                if tags[end] >> 31 == 1 { bobsBeforeEnd += 1 }
                end += 1
            }
            examine(i, against: (i + 1)..<end)
            let windowBobs = bobsBeforeEnd - bobsThrough, windowAlices = end - i - 1 - windowBobs
            settle(bob ? (0, windowAlices, windowBobs) : (windowAlices, windowBobs, 0))
            let bobsBeyond = totalBobs - bobsBeforeEnd, alicesBeyond = n - end - bobsBeyond
            let beyond: Tally = bob ? (0, alicesBeyond, bobsBeyond) : (alicesBeyond, bobsBeyond, 0)
            settleViolating(beyond)
            for kind in wantingExamples(beyond) {
                let wanted = kind == 2 || (kind == 1 && !bob)
                examples[kind] = first(bob: wanted, in: end..<n).map { (i, $0) }
            }
            checkpoint()
            if stopped { return }
        }
    }

    /// Counts by descending the tree on both sides of each pair at once, from the root paired
    /// with itself: a pair of nodes whose boxes settle all its pairs is counted whole, a pair
    /// of leaves is examined pair by pair, and otherwise the larger node is split.
    mutating func descend(_ tree: AuditTree) {
        guard tree.count > 1 else { return }
        visit(tree, 0, 0..<tree.count, 0, 0..<tree.count)
    }

    private mutating func visit(_ tree: AuditTree, _ a: Int, _ ra: Range<Int>, _ b: Int, _ rb: Range<Int>) {
        if stopped { return }
        let boxA = tree.box(a), boxB = tree.box(b), same = a == b
        if AuditBox.allSpaceLike(boxA, boxB) {
            settle(Self.pairs(count: ra.count, bobs: Int(boxA.bobs), count: rb.count, bobs: Int(boxB.bobs), same: same))
            return
        }
        if AuditBox.allViolating(boxA, boxB) {
            let block = Self.pairs(count: ra.count, bobs: Int(boxA.bobs), count: rb.count, bobs: Int(boxB.bobs), same: same)
            settleViolating(block)
            for kind in wantingExamples(block) { examples[kind] = pair(kind: kind, ra, rb) }
            return
        }
        let leafA = tree.isLeaf(a), leafB = tree.isLeaf(b)
        if leafA && leafB {
            for i in ra {
                if same {
                    examine(i, against: (i + 1)..<ra.upperBound)
                    continue
                }
                // One event against the other leaf's box settles its row at once, often.
                let point = AuditBox(event: events[i], sigma: sigmas[tags[i]], bob: tags[i] >> 31 == 1)
                if AuditBox.allSpaceLike(point, boxB) { continue }
                if AuditBox.allViolating(point, boxB) {
                    let row = Self.pairs(count: 1, bobs: Int(point.bobs), count: rb.count, bobs: Int(boxB.bobs), same: false)
                    violations.0 += row.0; violations.1 += row.1; violations.2 += row.2
                    for kind in wantingExamples(row) { examples[kind] = pair(kind: kind, i..<(i + 1), rb) }
                    continue
                }
                examine(i, against: rb)
            }
            settle(Self.pairs(count: ra.count, bobs: Int(boxA.bobs), count: rb.count, bobs: Int(boxB.bobs), same: same))
            checkpoint()
            return
        }
        if same {
            let ((l, low), (h, high)) = tree.children(a, ra)
            visit(tree, l, low, l, low)
            visit(tree, l, low, h, high)
            visit(tree, h, high, h, high)
        } else if leafB || (!leafA && boxA.extentNs >= boxB.extentNs) {
            let ((l, low), (h, high)) = tree.children(a, ra)
            visit(tree, l, low, b, rb)
            visit(tree, h, high, b, rb)
        } else {
            let ((l, low), (h, high)) = tree.children(b, rb)
            visit(tree, a, ra, l, low)
            visit(tree, a, ra, h, high)
        }
    }
}
