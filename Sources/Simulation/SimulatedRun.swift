import Hashing
import NonSignaling
import Protocol
import Randomness

/// The whole protocol between a simulated Alice and Bob: the library entry point of
/// `diqkd simulate`.
public enum SimulatedRun {
    /// Simulates honest devices described by `model` and runs the protocol over an in-memory
    /// public channel.
    /// - Parameters:
    ///   - seed: makes the run reproducible (nature and both parties); `nil` draws everything
    ///     from the system's cryptographic generator, as a real run must.
    public static func run(model: QuantumDeviceModel, configuration: ProtocolConfiguration, seed: UInt64?,
                           progress: ProgressHandler? = nil) -> ProtocolRun.Result {
        var natureSeed = PartyRandomness(seed: seed, stream: "nature")
        let source = BoxSource(box: model.behaviour, seed: natureSeed.next())
        return run(source: source, configuration: configuration, seed: seed, progress: progress)
    }

    /// Runs the protocol on the devices of `source` (honest or prepared by Eve).
    public static func run(source: BoxSource, configuration: ProtocolConfiguration, seed: UInt64?,
                           progress: ProgressHandler? = nil) -> ProtocolRun.Result {
        let devices = source.makeDevices()
        var alice = Alice(configuration: configuration, device: devices.alice,
                          randomness: PartyRandomness(seed: seed, stream: "alice"), progress: progress)
        var bob = Bob(configuration: configuration, device: devices.bob,
                      randomness: PartyRandomness(seed: seed, stream: "bob"), progress: progress)
        return ProtocolRun.run(alice: &alice, bob: &bob, channel: InMemoryChannel(), progress: progress)
    }
}
