import Hashing
import NonSignaling
import Protocol
import Randomness

/// The whole protocol between a simulated Alice and Bob: the library entry point of
/// `diqkd simulate`.
public enum SimulatedRun {
    /// The peak memory of a run of `rounds` rounds, in bytes: a fixed 300 MB (codes, decoder
    /// state, the runtime) plus 6 bytes a round (every party's bit vectors, the per-setting masks
    /// of parameter estimation and the raw key's frames). Measured as the maximum resident size
    /// (`/usr/bin/time -f %M diqkd simulate --rounds R`): 321 MB at 10^7 rounds, 478 MB at
    /// 4 x 10^7, i.e. 5.2 bytes a round above 270 MB; rounded up. With `--record`, the
    /// recording's batches add a few MB.
    public static func estimatedPeakBytes(rounds: Int) -> Double {
        300e6 + 6 * Double(rounds)
    }

    /// Simulates honest devices described by `model` and runs the protocol over an in-memory
    /// public channel.
    /// - Parameters:
    ///   - seed: makes the run reproducible (nature and both parties); `nil` draws everything
    ///     from the system's cryptographic generator, as a real run must.
    public static func run(model: QuantumDeviceModel, configuration: ProtocolConfiguration, seed: UInt64?,
                           progress: ProgressHandler? = nil) -> ProtocolRun.Result {
        run(model: model, configuration: configuration, seed: seed, recording: false, progress: progress).result
    }

    /// A run and, when asked, every round each device saw (what a lab would record).
    public struct Output {
        public let result: ProtocolRun.Result
        public let recorded: (alice: RecordedRounds, bob: RecordedRounds)?
    }

    /// Like ``run(model:configuration:seed:progress:)``, optionally recording each device's
    /// inputs and outputs, with Alice's test marks taken from the public transcript.
    public static func run(model: QuantumDeviceModel, configuration: ProtocolConfiguration, seed: UInt64?,
                           recording: Bool, progress: ProgressHandler? = nil) -> Output {
        var natureSeed = PartyRandomness(seed: seed, stream: "nature")
        let source = BoxSource(box: model.behaviour, seed: natureSeed.next())
        let devices = source.makeDevices()
        let aliceDevice = RecordingDevice(devices.alice, recording: recording)
        let bobDevice = RecordingDevice(devices.bob, recording: recording)
        let channel = InMemoryChannel()
        let result = run(devices: (aliceDevice, bobDevice), configuration: configuration, seed: seed, channel: channel,
                         progress: progress)
        guard recording else { return Output(result: result, recorded: nil) }
        let marks = channel.transcript.lazy.compactMap { entry -> BitVector? in
            if case .testMarks(let m) = entry.message { return m } else { return nil }
        }.first
        return Output(result: result, recorded: (RecordedRounds(inputs: aliceDevice.inputs, outputs: aliceDevice.outputs, testMarks: marks),
                                                 RecordedRounds(inputs: bobDevice.inputs, outputs: bobDevice.outputs)))
    }

    /// Runs the protocol on the devices of `source` (honest or prepared by Eve).
    public static func run(source: BoxSource, configuration: ProtocolConfiguration, seed: UInt64?,
                           progress: ProgressHandler? = nil) -> ProtocolRun.Result {
        let devices = source.makeDevices()
        return run(devices: (devices.alice, devices.bob), configuration: configuration, seed: seed, channel: InMemoryChannel(),
                   progress: progress)
    }

    static func run(devices: (alice: any Device, bob: any Device), configuration: ProtocolConfiguration, seed: UInt64?,
                    channel: any PublicChannel, progress: ProgressHandler?) -> ProtocolRun.Result {
        var alice = Alice(configuration: configuration,
                          measurements: .device(devices.alice, inputRandomness: PartyRandomness(seed: seed, stream: "alice.inputs")),
                          randomness: PartyRandomness(seed: seed, stream: "alice"), progress: progress)
        var bob = Bob(configuration: configuration,
                      measurements: .device(devices.bob, inputRandomness: PartyRandomness(seed: seed, stream: "bob.inputs")),
                      progress: progress)
        return ProtocolRun.run(alice: &alice, bob: &bob, channel: channel, progress: progress)
    }
}

/// Passes rounds through to a device and keeps a copy of what went in and came out, as a
/// lab's data acquisition would.
final class RecordingDevice: Device {
    private let device: any Device
    private let recording: Bool
    private(set) var inputs = BitVector(count: 0)
    private(set) var outputs = BitVector(count: 0)

    init(_ device: any Device, recording: Bool) {
        self.device = device
        self.recording = recording
    }

    func measure(_ inputs: BitVector) -> BitVector {
        let outputs = device.measure(inputs)
        if recording {
            self.inputs.append(contentsOf: inputs)
            self.outputs.append(contentsOf: outputs)
        }
        return outputs
    }
}
