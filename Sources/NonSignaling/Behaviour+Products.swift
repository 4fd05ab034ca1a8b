/// Tensor products and marginals of multi-box behaviours.
extension Behaviour {
    /// The behaviour of `self` and `other` used side by side: `self`'s boxes keep their
    /// numbers `0..<n`, `other`'s become `n..<n+m`.
    ///
    /// Products of non-signalling behaviours are non-signalling.
    /// - Complexity: O(16^(n+m)).
    public func tensor(_ other: Behaviour) -> Behaviour {
        let n = boxes, m = other.boxes
        precondition(n + m <= Behaviour.maximumBoxes, "product would have \(n + m) boxes")
        let left = layout, right = other.layout
        let lowMask = (1 << n) - 1
        return Behaviour(boxes: n + m) { x, y, u, v in
            let a = probabilities[left.index(x: x & lowMask, y: y & lowMask, u: u & lowMask, v: v & lowMask)]
            if a == 0 { return 0 }
            return a * other.probabilities[right.index(x: x >> n, y: y >> n, u: u >> n, v: v >> n)]
        }
    }

    /// The behaviour of the boxes listed in `kept` (renumbered `0..<kept.count` in the order
    /// given), with every other box's outputs summed out.
    ///
    /// The discarded boxes' inputs are set to 0; for a non-signalling behaviour the result does
    /// not depend on that choice (Lemma 26).
    public func marginal(keeping kept: [Int]) -> Behaviour {
        precondition(!kept.isEmpty && Set(kept).count == kept.count && kept.allSatisfy { (0..<boxes).contains($0) })
        let target = Layout(boxes: kept.count)
        var result = [Double](repeating: 0, count: target.count)
        let source = layout
        let keptMask = kept.reduce(0) { $0 | (1 << $1) }
        func gather(_ bits: Int) -> Int {
            kept.enumerated().reduce(0) { $0 | (((bits >> $1.element) & 1) << $1.offset) }
        }
        for (index, p) in probabilities.enumerated() where p != 0 {
            let (x, y, u, v) = source.coordinates(of: index)
            guard u & ~keptMask == 0, v & ~keptMask == 0 else { continue }
            result[target.index(x: gather(x), y: gather(y), u: gather(u), v: gather(v))] += p
        }
        return try! Behaviour(boxes: kept.count, probabilities: result)
    }
}
