import ArgumentParser
import CommandLineSupport
import Foundation
import Randomness
import Records

struct AuditBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The space-like audit on generated layouts: seconds, method chosen, bytes per event.",
        discussion: """
            Layouts (half the events in each lab, labs 1 km apart):
              sequential  one detector per lab, a round every microsecond (fails: consecutive rounds)
              line        every event at t = 0, devices 10 m apart on a line (passes)
              grid        every event at t = 0, devices 1 m apart on a dense cubic grid (passes)
              mixed       bursts: 64 detectors per lab 10 m apart fire within 5 ns, a burst every
                          10 microseconds (fails between bursts, passes within)
              cube        events uniform in a 1 km cube and a 2 microsecond window (fails; many
                          pairs near the light cone: slow beyond about 10^6 events)
            Each measurement runs in a process of its own. bytesPerEvent is its peak resident size
            while adding the events and auditing them, less the size before, per event;
            accountedBytesPerEvent counts the audit's own arrays.

            Examples:
              diqkd bench audit --json
              diqkd bench audit --sizes 100000 --layouts line,cube
            """)

    @Option(help: "Event counts (both labs together), comma-separated, 2 to 100,000,000.")
    var sizes: String = "100000,1000000,10000000"

    @Option(help: "Layouts, comma-separated: sequential, line, grid, mixed, cube.")
    var layouts: String = "sequential,line,grid,mixed"

    @Option(help: "How to count: auto, time-sweep or kd-tree.")
    var method: String = SpaceLikeAudit.Method.automatic.rawValue

    @Flag(help: "JSON lines.")
    var json = false

    @Option(help: .hidden)
    var single: String?

    static let layoutNames = ["sequential", "line", "grid", "mixed", "cube"]

    func run() throws {
        var counts: [Int] = []
        for item in sizes.split(separator: ",") {
            guard let n = Int(item.trimmingCharacters(in: .whitespaces)), (2...100_000_000).contains(n) else {
                throw CLIError.usage("--sizes: '\(item)' is not an event count from 2 to 100,000,000.")
            }
            counts.append(n)
        }
        let names = layouts.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for name in names where !Self.layoutNames.contains(name) {
            throw CLIError.usage("--layouts: unknown layout '\(name)' (\(Self.layoutNames.joined(separator: ", "))).")
        }
        guard let chosen = SpaceLikeAudit.Method(rawValue: method) else {
            throw CLIError.usage("--method must be auto, time-sweep or kd-tree (got '\(method)').")
        }
        if let single {
            let parts = single.split(separator: ":")
            guard parts.count == 2, Self.layoutNames.contains(String(parts[0])), let n = Int(parts[1]), n >= 2 else {
                throw CLIError.usage("--single must be layout:events (got '\(single)').")
            }
            try measure(layout: String(parts[0]), events: n, method: chosen)
            return
        }
        for name in names {
            for n in counts {
                try measureAlone(layout: name, events: n)
            }
        }
    }

    /// Runs one measurement in a process of its own, so that its peak memory is its own.
    private func measureAlone(layout: String, events n: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["bench", "audit", "--single", "\(layout):\(n)", "--method", method] + (json ? ["--json"] : [])
        do {
            try process.run()
        } catch {
            try measure(layout: layout, events: n, method: SpaceLikeAudit.Method(rawValue: method) ?? .automatic)
            return
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError.failure("the \(layout) layout with \(n) events failed (status \(process.terminationStatus)).")
        }
    }

    private func measure(layout: String, events n: Int, method: SpaceLikeAudit.Method) throws {
        PeakMemory.reset()
        let before = PeakMemory.bytes() ?? 0
        var audit = SpaceLikeAudit()
        audit.method = method
        audit.reserveCapacity(n)
        let addSeconds = try measureSeconds {
            try AuditLayouts.add(layout, events: n, to: &audit)
        }
        var report: AuditReport?
        let seconds = measureSeconds { report = audit.run() }
        let peak = PeakMemory.bytes()
        let result = report!
        try emit(["benchmark": "audit", "layout": layout, "events": n, "seconds": seconds, "addSeconds": addSeconds,
                  "method": result.method, "verdict": result.verdict.rawValue, "violatingPairs": result.violatingPairs ?? -1,
                  "examinedPairs": result.examinedPairs, "worstMarginNs": result.worstMarginNs ?? 0,
                  "bytesPerEvent": peak.map { Double($0 - before) / Double(n) } ?? -1,
                  "accountedBytesPerEvent": Double(audit.memoryBytes) / Double(n)], json: json)
    }
}

/// The generated layouts of `bench audit`: Alice's events first, then Bob's, each lab's half
/// added in batches as a record file would give them.
enum AuditLayouts {
    static let labDistance = 1000.0

    static func add(_ layout: String, events n: Int, to audit: inout SpaceLikeAudit) throws {
        let half = n / 2
        for (party, count) in [(0, n - half), (1, half)] {
            var rng = Xoshiro256(seed: 17, stream: "\(layout)-\(party)")
            var start = 0
            while start < count {
                let end = min(count, start + 65_536)
                var batch = RecordBatch()
                for k in start..<end {
                    let (t, x, y, z) = event(layout, k, count: count, party: party, rng: &rng)
                    batch.rounds.append(Int64(k + 1)); batch.inputs.append(0); batch.outputs.append(0)
                    batch.timesNs.append(t); batch.x.append(x); batch.y.append(y); batch.z.append(z)
                }
                batch.firstLine = start + 2
                try audit.add(batch, bob: party == 1, file: "\(layout)-\(party)")
                start = end
            }
        }
    }

    /// Event `k` of a lab's `count`: time in ns and position in metres.
    static func event(_ layout: String, _ k: Int, count: Int, party: Int, rng: inout Xoshiro256) -> (Int64, Double, Double, Double) {
        let offset = Double(party) * labDistance
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        switch layout {
        case "sequential":
            return (Int64(k + 1) * 1000, offset, 0, 0)
        case "line":
            return (0, Double(k) * 10, offset, 0)
        case "grid":
            let side = max(1, Int(cbrt(Double(count)).rounded(.up)))
            return (0, Double(k % side) + offset, Double((k / side) % side), Double(k / (side * side)))
        case "mixed":
            let burst = k / 64, detector = k % 64
            return (Int64(burst) * 10_000 + Int64(rng.next() % 5), offset + Double(detector % 8) * 10, Double(detector / 8) * 10, 0)
        default:
            return (Int64(uniform() * 2000), uniform() * 1000, uniform() * 1000, uniform() * 1000)
        }
    }
}
