import Testing
@testable import Records

/// A batch of events at the given times and positions.
func events(rounds: [Int64], times: [Int64], positions: [(Double, Double, Double)]) -> RecordBatch {
    var batch = RecordBatch()
    for i in rounds.indices {
        batch.rounds.append(rounds[i]); batch.inputs.append(0); batch.outputs.append(0)
        batch.timesNs.append(times[i]); batch.x.append(positions[i].0); batch.y.append(positions[i].1); batch.z.append(positions[i].2)
    }
    return batch
}

@Suite("space-like separation audit")
struct AuditTests {
    /// 10^6 events in a burst 1 ns long, on a grid 10 m apart: every pair is space-like.
    func cleanBurst(count: Int) -> (alice: RecordBatch, bob: RecordBatch) {
        let half = count / 2
        func layout(offset: Int) -> RecordBatch {
            let indices = (0..<half).map { $0 + offset }
            return events(rounds: (0..<half).map { Int64($0 + 1) }, times: indices.map { Int64($0 % 2) },
                          positions: indices.map { (Double($0 % 1000) * 10, Double($0 / 1000) * 10, 0) })
        }
        return (layout(offset: 0), layout(offset: half))
    }

    @Test func aCleanBurstPasses() throws {
        let (alice, bob) = cleanBurst(count: 1_000_000)
        var audit = SpaceLikeAudit()
        try audit.add(alice, bob: false)
        try audit.add(bob, bob: true)
        let report = audit.run()
        #expect(report.events == 1_000_000)
        #expect(report.verdict == .pass)
        #expect(report.violatingPairs == 0)
        #expect(report.exact)
        #expect((report.worstMarginNs ?? -1) > 0)
        #expect(report.method == "kd-tree")
    }

    @Test func aPlantedViolationAmongAMillionEventsIsFound() throws {
        var (alice, bob) = cleanBurst(count: 1_000_000)
        // Bob's event 123456 sits where Alice's event 4321 is, one nanosecond later: time-like.
        bob.x[123_456] = alice.x[4321]; bob.y[123_456] = alice.y[4321]
        var audit = SpaceLikeAudit()
        try audit.add(alice, bob: false)
        try audit.add(bob, bob: true)
        let report = audit.run()
        #expect(report.verdict == .fail)
        #expect(report.violatingPairs == 1)
        #expect(report.violationsByCategory?[.aliceBob] == 1)
        let example = try #require(report.examples.first)
        #expect(Set([example.first.round, example.second.round]) == Set([4322, 123_457]))
        #expect(example.marginNs <= 0)
    }

    @Test func aSequentialSingleDeviceLayoutViolatesTheIntraLabPremise() throws {
        // One detector per lab, labs 100 m apart, a round every microsecond.
        let n = 2000
        let rounds = (1...n).map(Int64.init), times = rounds.map { $0 * 1000 }
        var audit = SpaceLikeAudit()
        try audit.add(events(rounds: rounds, times: times, positions: Array(repeating: (0, 0, 0), count: n)), bob: false)
        try audit.add(events(rounds: rounds, times: times, positions: Array(repeating: (100, 0, 0), count: n)), bob: true)
        let report = audit.run()
        #expect(report.verdict == .fail)
        #expect(report.method == "time-sweep")
        // Every pair inside a lab is time-like; across the labs only same-round pairs are space-like.
        #expect(report.violationsByCategory?[.aliceAlice] == n * (n - 1) / 2)
        #expect(report.violationsByCategory?[.bobBob] == n * (n - 1) / 2)
        #expect(report.violationsByCategory?[.aliceBob] == n * n - n)
        #expect(report.examples.contains { $0.category == .aliceAlice })
        #expect((report.worstMarginNs ?? 0) < -1_000_000)
    }

    @Test func timingUncertaintyCountsAgainstThePremise() throws {
        // Two events 30 m apart (100 ns of light travel), 60 ns apart in time: space-like by
        // 40 ns, unless each has 25 ns of timing uncertainty.
        func audit(uncertainty: Double) throws -> AuditReport {
            var a = events(rounds: [1], times: [0], positions: [(0, 0, 0)])
            var b = events(rounds: [1], times: [60], positions: [(SpaceLikeAudit.speedOfLight * 100, 0, 0)])
            a.uncertaintiesNs = [uncertainty]; b.uncertaintiesNs = [uncertainty]
            var audit = SpaceLikeAudit()
            try audit.add(a, bob: false)
            try audit.add(b, bob: true)
            return audit.run()
        }
        #expect(try audit(uncertainty: 0).verdict == .pass)
        #expect(abs((try audit(uncertainty: 0).worstMarginNs ?? 0) - 40) < 1e-6)
        #expect(try audit(uncertainty: 25).verdict == .fail)
    }

    /// Values the audit cannot use are refused with the file and line, never trapped on.
    @Test(arguments: [(Double.nan, 0.0, "position"), (Double.infinity, 0.0, "position"), (0.0, -1.0, "time_uncertainty_ns"),
                      (0.0, Double.nan, "time_uncertainty_ns")])
    func unusableValuesNameTheLine(x: Double, uncertainty: Double, message: String) throws {
        var batch = events(rounds: [1, 2], times: [0, 5], positions: [(0, 0, 0), (x, 0, 0)])
        batch.uncertaintiesNs = [0, uncertainty]
        batch.firstLine = 7
        var audit = SpaceLikeAudit()
        let error = try #require(throws: RecordError.self) { try audit.add(batch, bob: true, file: "b.csv") }
        #expect(error.file == "b.csv" && error.line == 8 && error.message.contains(message), "\(error)")
    }

    /// Times at both ends of the Int64 range: the gap (2^64 - 1 ns) is exact before rounding.
    @Test func theWholeTimeRangeIsAudited() throws {
        var audit = SpaceLikeAudit()
        try audit.add(events(rounds: [1, 2], times: [.min, .max], positions: [(0, 0, 0), (1, 0, 0)]), bob: false)
        let report = audit.run()
        #expect(report.violatingPairs == 1)
        #expect(report.worstMarginNs == 1 / SpaceLikeAudit.speedOfLight - 18_446_744_073_709_551_615.0)
    }
}
