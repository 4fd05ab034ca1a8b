import Protocol
import Randomness

extension RecordedRun {
    /// Runs the classical protocol over the recorded rounds: Alice gets only her rounds, Bob
    /// only his, and they talk over an in-memory public channel.
    /// - Parameter seed: reproduces the test selection and hash seeds of a simulated run with
    ///   the same seed; `nil` draws them from the system's cryptographic generator.
    public func process(configuration: ProtocolConfiguration, seed: UInt64?,
                        progress: ProgressHandler? = nil) -> ProtocolRun.Result {
        var configuration = configuration
        configuration.rounds = rounds
        var aliceParty = Alice(configuration: configuration, measurements: .recorded(alice),
                               randomness: PartyRandomness(seed: seed, stream: "alice"), progress: progress)
        var bobParty = Bob(configuration: configuration, measurements: .recorded(bob), progress: progress)
        return ProtocolRun.run(alice: &aliceParty, bob: &bobParty, channel: InMemoryChannel(), progress: progress)
    }
}
