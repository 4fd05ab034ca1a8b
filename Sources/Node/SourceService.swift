import Foundation
import Hashing
import Protocol
import SourceLink
import Simulation
import Transport
import Wire

/// `diqkd source`: plays nature for the devices of two labs. It holds the joint behaviour
/// (an honest device model or an eavesdropper's box partition, as a ``BoxSource``); each lab's
/// device connects on its own, says which run it measures for (the label) and sends its inputs
/// in batches. The source answers each side from the joint behaviour given what the other side
/// has measured so far (``BoxSource`` samples the later side conditionally), so the outputs
/// carry exactly the correlations of the behaviour and no lab ever sees the other's data.
public final class SourceService: @unchecked Sendable {
    /// A fresh joint behaviour for the run with this label.
    public typealias MakeSource = @Sendable (_ label: [UInt8]) -> BoxSource

    /// The most runs served at once; opening one more forgets the oldest (a run whose second
    /// lab never came).
    public static let maximumRuns = 8
    /// The most device connections served at once, each on a thread of its own (two per run,
    /// and room for as many again waiting for their first frame); one more is refused with a
    /// reason and closed.
    public static let maximumConnections = 4 * maximumRuns

    private let listener: FrameListener
    private let makeSource: MakeSource
    private let timeout: Double
    private let lock = NSLock()
    private var runs: [(label: [UInt8], run: SourceRun)] = []
    private var connections = 0
    private let budget = LeadBudget()
    private let log: @Sendable (String) -> Void

    /// - Parameters:
    ///   - timeout: seconds a device may stay silent before its connection is dropped.
    ///   - log: one line per event (connections, runs), for the operator.
    public init(listener: FrameListener, timeout: Double, log: @escaping @Sendable (String) -> Void,
                makeSource: @escaping MakeSource) {
        self.listener = listener
        self.timeout = timeout
        self.makeSource = makeSource
        self.log = log
    }

    /// Serves devices until the process ends, one thread per connection, at most
    /// ``maximumConnections`` at once.
    public func serve() -> Never {
        while true {
            guard let connection = try? listener.accept(timeout: nil) else { continue }
            let admitted = lock.withLock {
                guard connections < Self.maximumConnections else { return false }
                connections += 1
                return true
            }
            guard admitted else {
                refuse(connection, "the source serves at most \(Self.maximumConnections) devices at once")
                connection.close()
                continue
            }
            // blocking-exception: each device connection is served, blocking, on a thread of its own.
            let thread = Thread { [self] in
                self.serve(connection)
                lock.withLock { connections -= 1 }
            }
            thread.start()
        }
    }

    private func serve(_ connection: FrameConnection) {
        defer { connection.close() }
        let role: Party, run: SourceRun
        do {
            guard case .open(let r, let label) = try SourceWire.decode(connection.receive(timeout: timeout)) else {
                return refuse(connection, "the first frame must open a run")
            }
            guard let joined = join(label: label, role: r) else {
                return refuse(connection, "\(r.rawValue)'s device is already connected for this run")
            }
            role = r
            run = joined
            log("\(role.rawValue)'s device connected from \(connection.peer) for run \(SessionID(bytes: label))")
        } catch {
            return log("connection from \(connection.peer) dropped: \(error)")
        }
        var rounds = 0
        while true {
            do {
                guard case .measure(let inputs) = try SourceWire.decode(connection.receive(timeout: timeout)) else {
                    return refuse(connection, "expected a batch of inputs")
                }
                let outputs: BitVector
                switch run.measure(inputs, side: role) {
                case .success(let measured): outputs = measured
                case .failure(let refusal):
                    leave(run, role: role)
                    return refuse(connection, refusal.reason)
                }
                try connection.send(SourceWire.encode(.outputs(outputs)))
                rounds += inputs.count
            } catch let error as TransportError where error.code == .closed {
                log("\(role.rawValue)'s device measured \(rounds) rounds and left")
                leave(run, role: role)
                return
            } catch {
                log("\(role.rawValue)'s device dropped after \(rounds) rounds: \(error)")
                leave(run, role: role)
                return
            }
        }
    }

    private func refuse(_ connection: FrameConnection, _ reason: String) {
        log("refused \(connection.peer): \(reason)")
        try? connection.send(SourceWire.encode(.error(reason)))
    }

    private func join(label: [UInt8], role: Party) -> SourceRun? {
        lock.lock()
        defer { lock.unlock() }
        if let index = runs.firstIndex(where: { $0.label == label }) {
            return runs[index].run.join(role) ? runs[index].run : nil
        }
        let run = SourceRun(source: makeSource(label), budget: budget)
        _ = run.join(role)
        if runs.count == Self.maximumRuns { runs.removeFirst().run.forget() }
        runs.append((label, run))
        return run
    }

    private func leave(_ run: SourceRun, role: Party) {
        lock.lock()
        defer { lock.unlock() }
        if run.leave(role) {
            runs.removeAll { $0.run === run }
            run.forget()
        }
    }

}

/// One run's joint behaviour, shared by its two devices' connections.
final class SourceRun: @unchecked Sendable {
    private let lock = NSLock()
    private let source: BoxSource
    private let devices: (alice: SimulatedDevice, bob: SimulatedDevice)
    private var present: Set<Party> = []
    private var left: Set<Party> = []

    private let budget: LeadBudget

    init(source: BoxSource, budget: LeadBudget) {
        self.source = source
        self.budget = budget
        devices = source.makeDevices()
    }

    /// Whether `role` may join (each side once).
    func join(_ role: Party) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return present.insert(role).inserted
    }

    /// Rounds one side may measure ahead of the other: the source keeps 4 bytes a round for
    /// the rounds only one side has measured, so this bounds a run's memory (1 GiB); all runs
    /// together are held to the same bound (``LeadBudget``).
    static let maximumLead = 1 << 28

    /// Why a batch was refused.
    struct Refusal: Error {
        let reason: String
    }

    private var measured: [Party: Int] = [.alice: 0, .bob: 0]

    /// Marks `role` gone; `true` when the run can be forgotten: both sides have gone, or the
    /// other never came (nothing would pair with what this side measured).
    func leave(_ role: Party) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        left.insert(role)
        return left.count == 2 || !present.contains(role == .alice ? .bob : .alice)
    }

    /// The outputs for `inputs`; a refusal when this side would get more than
    /// ``maximumLead`` rounds ahead of the other, or all runs together would hold more than
    /// the budget's rounds measured on one side only.
    func measure(_ inputs: BitVector, side: Party) -> Result<BitVector, Refusal> {
        lock.lock()
        defer { lock.unlock() }
        guard !forgotten else {
            return .failure(Refusal(reason: "the run was dropped: the source serves at most \(SourceService.maximumRuns) runs at once"))
        }
        let other: Party = side == .alice ? .bob : .alice
        let lead = abs(measured[side]! - measured[other]!)
        let newLead = abs(measured[side]! + inputs.count - measured[other]!)
        guard newLead <= Self.maximumLead else {
            return .failure(Refusal(reason: "\(side.rawValue)'s device is more than \(Self.maximumLead) rounds ahead of the other lab's"))
        }
        guard budget.change(by: newLead - lead) else {
            return .failure(Refusal(reason: "the source holds \(LeadBudget.maximumRounds) rounds (1 GiB) measured by one lab and not yet "
                                    + "by the other across its runs; no more until the other labs catch up"))
        }
        measured[side]! += inputs.count
        return .success((side == .alice ? devices.alice : devices.bob).measure(inputs))
    }

    /// Returns this run's share of the budget and refuses every later batch: the run is gone
    /// (its connections then end, releasing what it holds).
    func forget() {
        lock.lock()
        defer { lock.unlock() }
        guard !forgotten else { return }
        forgotten = true
        _ = budget.change(by: -abs(measured[.alice]! - measured[.bob]!))
    }

    private var forgotten = false
}

/// The rounds that all of a source's runs hold measured by one side only (4 bytes each),
/// bounded by ``maximumRounds`` (1 GiB) however many runs there are.
final class LeadBudget: @unchecked Sendable {
    static let maximumRounds = SourceRun.maximumLead
    private let lock = NSLock()
    private var held = 0

    /// Adds `rounds` (negative: releases); false, changing nothing, when that would pass the
    /// maximum.
    func change(by rounds: Int) -> Bool {
        lock.withLock {
            guard held + rounds <= Self.maximumRounds else { return false }
            held = max(0, held + rounds)
            return true
        }
    }
}
