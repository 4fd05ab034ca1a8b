import Hashing

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

/// Which side of the protocol.
public enum Party: String, Sendable, Hashable, Codable {
    case alice, bob
}
