import CCarryless

/// Gaussian elimination over GF(2) with right-hand sides, rows kept in echelon form with each
/// row's pivot its lowest set column (so reductions touch only words from the pivot on; the
/// XOR loop is `diqkd_gf2_reduce` in C, vectorised).
struct GF2Elimination: Sendable {
    let columns: Int
    let words: Int
    private var rows: [UInt64] = []
    private var rhs: [UInt8] = []
    private var pivots: [Int64] = []

    init(columns: Int) {
        self.columns = columns
        words = max(1, (columns + 63) / 64)
    }

    var rank: Int { pivots.count }

    /// Reduces `row` by the basis rows `range` (in order) and returns the accumulated
    /// right-hand side.
    private func reduce(_ row: inout [UInt64], _ range: Range<Int>? = nil) -> Bool {
        let range = range ?? 0..<pivots.count
        guard !range.isEmpty else { return false }
        return row.withUnsafeMutableBufferPointer { target in
            rows.withUnsafeBufferPointer { basis in
                pivots.withUnsafeBufferPointer { p in
                    rhs.withUnsafeBufferPointer { r in
                        diqkd_gf2_reduce(target.baseAddress, basis.baseAddress! + range.lowerBound * words,
                                         p.baseAddress! + range.lowerBound, r.baseAddress! + range.lowerBound,
                                         range.count, words) != 0
                    }
                }
            }
        }
    }

    /// Adds a row if it is independent of the basis (the one-row form of ``insertBatch``, kept
    /// as the tests' reference).
    mutating func insert(_ row: [UInt64], rhs value: Bool) {
        precondition(row.count == words)
        var row = row
        let implied = reduce(&row)
        guard let w = row.firstIndex(where: { $0 != 0 }) else { return }
        pivots.append(Int64(w * 64 + row[w].trailingZeroBitCount))
        rows.append(contentsOf: row)
        rhs.append(value != implied ? 1 : 0)
    }

    /// Inserts rows in order, as repeated ``insert(_:rhs:)`` would, but reducing the whole batch
    /// against the existing basis in one sweep, so that each basis row is read from memory once
    /// per batch. With `rhs == nil` the rows' right-hand sides are unknown: a row the first
    /// `prefix` basis rows alone reduce to zero is then reported (and, being dependent, not
    /// inserted).
    /// - Returns: for each row, the value the first `prefix` basis rows imply when they alone
    ///   determine it (rows with unknown right-hand side only), else `nil`.
    mutating func insertBatch(_ batch: [[UInt64]], rhs values: [Bool]?, prefix: Int) -> [Bool?] {
        precondition(prefix <= rank)
        let count = batch.count
        var flat = batch.flatMap { $0 }
        var implied = [UInt8](repeating: 0, count: count)
        func sweep(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            flat.withUnsafeMutableBufferPointer { target in
                rows.withUnsafeBufferPointer { basis in
                    pivots.withUnsafeBufferPointer { p in
                        rhs.withUnsafeBufferPointer { r in
                            implied.withUnsafeMutableBufferPointer { out in
                                diqkd_gf2_reduce_batch(target.baseAddress, count, basis.baseAddress! + range.lowerBound * words,
                                                       p.baseAddress! + range.lowerBound, r.baseAddress! + range.lowerBound,
                                                       range.count, words, out.baseAddress)
                            }
                        }
                    }
                }
            }
        }
        sweep(0..<prefix)
        var determined = [Bool?](repeating: nil, count: count)
        for i in 0..<count where values == nil && flat[(i * words)..<((i + 1) * words)].allSatisfy({ $0 == 0 }) {
            determined[i] = implied[i] != 0
        }
        sweep(prefix..<rank)
        let start = rank
        for i in 0..<count where determined[i] == nil {
            var row = Array(flat[(i * words)..<((i + 1) * words)])
            // Reduce by the rows this batch has added so far.
            let more = reduce(&row, start..<rank)
            guard let w = row.firstIndex(where: { $0 != 0 }) else { continue }
            let value = ((values?[i] ?? false) != (implied[i] != 0)) != more
            pivots.append(Int64(w * 64 + row[w].trailingZeroBitCount))
            rows.append(contentsOf: row)
            rhs.append(value ? 1 : 0)
        }
        return determined
    }

    /// The value of the linear function `row` when it is determined by the rows inserted so
    /// far (it lies in their span), else `nil`.
    func solve(_ row: [UInt64]) -> Bool? {
        var row = row
        let value = reduce(&row)
        return row.allSatisfy { $0 == 0 } ? value : nil
    }
}
