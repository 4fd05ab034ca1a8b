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
        tree.boxes.withUnsafeBufferPointer { boxes in
            visit(tree, boxes, 0, 0..<tree.count, 0, 0..<tree.count)
        }
    }

    private mutating func visit(_ tree: AuditTree, _ boxes: UnsafeBufferPointer<AuditBox>, _ a: Int, _ ra: Range<Int>, _ b: Int, _ rb: Range<Int>) {
        if stopped { return }
        let boxA = boxes[a], boxB = boxes[b], same = a == b
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
        let leafA = tree.isLeaf(ra), leafB = tree.isLeaf(rb)
        if leafA && leafB {
            for i in ra {
                examine(i, against: same ? (i + 1)..<ra.upperBound : rb)
            }
            settle(Self.pairs(count: ra.count, bobs: Int(boxA.bobs), count: rb.count, bobs: Int(boxB.bobs), same: same))
            checkpoint()
            return
        }
        if same {
            let mid = AuditTree.middle(ra.lowerBound, ra.upperBound)
            let low = ra.lowerBound..<mid, high = mid..<ra.upperBound
            visit(tree, boxes, 2 * a + 1, low, 2 * a + 1, low)
            visit(tree, boxes, 2 * a + 1, low, 2 * a + 2, high)
            visit(tree, boxes, 2 * a + 2, high, 2 * a + 2, high)
        } else if leafB || (!leafA && boxA.extentNs >= boxB.extentNs) {
            let mid = AuditTree.middle(ra.lowerBound, ra.upperBound)
            visit(tree, boxes, 2 * a + 1, ra.lowerBound..<mid, b, rb)
            visit(tree, boxes, 2 * a + 2, mid..<ra.upperBound, b, rb)
        } else {
            let mid = AuditTree.middle(rb.lowerBound, rb.upperBound)
            visit(tree, boxes, a, ra, 2 * b + 1, rb.lowerBound..<mid)
            visit(tree, boxes, a, ra, 2 * b + 2, mid..<rb.upperBound)
        }
    }
}
