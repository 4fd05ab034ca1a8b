import Foundation
import Hashing
import SecurityBounds

/// Drives Alice and Bob over a public channel until both have finished, timing each stage.
///
/// The driver only moves messages; it never looks inside the parties. The in-memory channel
/// makes the run deterministic; across hosts each node runs one party (the `Node` module).
public struct ProtocolRun {
    /// What a run produced.
    public struct Result {
        public let alice: PartyOutcome
        public let bob: PartyOutcome
        public let report: ProtocolReport
    }

    /// Runs the protocol to the end.
    /// - Parameters:
    ///   - progress: called with the stage and fraction done, for progress output.
    public static func run(alice: inout Alice, bob: inout Bob, channel: any PublicChannel,
                           progress: ProgressHandler? = nil) -> Result {
        let clock = ContinuousClock()
        let started = clock.now
        var timer = StageTimer(progress: progress)
        for message in timer.time("measurement", { alice.start() }) { channel.send(message, from: .alice) }
        var moved = true
        while moved && (alice.outcome == nil || bob.outcome == nil) {
            moved = false
            while let message = channel.receive(for: .bob) {
                moved = true
                let replies = timer.time(Self.stage(receiving: message, by: .bob)) { bob.receive(message) }
                for reply in replies { channel.send(reply, from: .bob) }
            }
            while let message = channel.receive(for: .alice) {
                moved = true
                let replies = timer.time(Self.stage(receiving: message, by: .alice)) { alice.receive(message) }
                for reply in replies { channel.send(reply, from: .alice) }
            }
        }
        timer.finish()
        let aliceOutcome = alice.outcome ?? .aborted(reason: "Alice stopped without finishing")
        let bobOutcome = bob.outcome ?? .aborted(reason: "Bob stopped without finishing")
        let report = ProtocolReport(configuration: alice.configuration, ledger: alice.ledger, alice: aliceOutcome,
                                    bob: bobOutcome, seconds: Self.seconds(clock.now - started), stageSeconds: timer.seconds,
                                    publicBits: channel.transcript.reduce(0) { $0 + $1.message.payloadBits })
        return Result(alice: aliceOutcome, bob: bobOutcome, report: report)
    }

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// The stage whose work handling `message` is: used for the per-stage times.
    public static func stage(receiving message: Message, by party: Party) -> String {
        switch message {
        case .testMarks, .begin: return "measurement"
        case .inputs, .testSelection, .testOutputs: return "estimation"
        case .syndromes, .reconciliationStatus, .extraSyndromes: return "reconciliation"
        case .verification, .verified: return party == .alice ? "amplification" : "verification"
        case .verificationFailed, .frameHashes: return "verification"
        case .frameMismatch: return "reconciliation"
        case .privacyAmplification: return "amplification"
        case .abort: return "estimation"
        }
    }
}
