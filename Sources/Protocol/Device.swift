import Hashing
import Randomness

/// A measurement device as the protocol sees it: a black box that takes one input bit per
/// round and returns one output bit. The protocol never sees a device's state or noise model.
///
/// Honest simulated devices and devices prepared by an eavesdropper implement this same
/// protocol, so the parties cannot tell them apart except through the statistics of their
/// outputs — which is the point of device independence.
public protocol Device: AnyObject {
    /// Measures the next `inputs.count` rounds, in order, and returns their outputs.
    func measure(_ inputs: BitVector) -> BitVector
}

/// Where a party's measurement data come from.
public enum MeasurementSource {
    /// A live device; the party chooses its inputs with `inputRandomness`.
    case device(any Device, inputRandomness: PartyRandomness)
    /// Rounds measured earlier (recorded data): the party's own inputs and outputs, and, for
    /// Alice in spot-check mode, the test marks that chose the inputs.
    case recorded(RecordedRounds)
}

/// One party's recorded rounds, bit-packed (a few bits per round, not the parsed rows).
public struct RecordedRounds: Sendable {
    public let inputs: BitVector
    public let outputs: BitVector
    /// Spot-check mode: the rounds marked as tests before the measurements.
    public let testMarks: BitVector?
    /// The rounds came from a simulation (records marked by `simulate --record`): keys from them
    /// are never secret.
    public var simulated = false

    public init(inputs: BitVector, outputs: BitVector, testMarks: BitVector? = nil, simulated: Bool = false) {
        precondition(inputs.count == outputs.count && (testMarks?.count ?? inputs.count) == inputs.count)
        self.inputs = inputs
        self.outputs = outputs
        self.testMarks = testMarks
        self.simulated = simulated
    }
}

/// Which side of the protocol.
public enum Party: String, Sendable, Hashable, Codable {
    case alice, bob
}
