import Foundation
import Hashing
import SecurityBounds

/// Drives Alice and Bob over a public channel until both have finished, timing each stage.
///
/// The driver only moves messages; it never looks inside the parties. The in-memory channel
/// makes the run deterministic; a network transport would run each party in its own process.
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
        var stageSeconds: [String: Double] = [:]
        var currentStage = ""
        func timed<T>(_ stage: String, _ body: () -> T) -> T {
            if stage != currentStage {
                // A stage ends where the next begins: report it complete, so progress lines end
                // at 100%.
                if !currentStage.isEmpty { progress?(currentStage, 1) }
                currentStage = stage
                progress?(stage, 0)
            }
            let begin = clock.now
            let value = body()
            stageSeconds[stage, default: 0] += Self.seconds(clock.now - begin)
            return value
        }

        for message in timed("measurement", { alice.start() }) { channel.send(message, from: .alice) }
        var moved = true
        while moved && (alice.outcome == nil || bob.outcome == nil) {
            moved = false
            while let message = channel.receive(for: .bob) {
                moved = true
                let replies = timed(Self.stage(receiving: message, by: .bob)) { bob.receive(message) }
                for reply in replies { channel.send(reply, from: .bob) }
            }
            while let message = channel.receive(for: .alice) {
                moved = true
                let replies = timed(Self.stage(receiving: message, by: .alice)) { alice.receive(message) }
                for reply in replies { channel.send(reply, from: .alice) }
            }
        }
        if !currentStage.isEmpty { progress?(currentStage, 1) }
        let aliceOutcome = alice.outcome ?? .aborted(reason: "Alice stopped without finishing")
        let bobOutcome = bob.outcome ?? .aborted(reason: "Bob stopped without finishing")
        let report = ProtocolReport(configuration: alice.configuration, ledger: alice.ledger, alice: aliceOutcome,
                                    bob: bobOutcome, seconds: Self.seconds(clock.now - started), stageSeconds: stageSeconds,
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
