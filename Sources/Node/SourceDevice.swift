import Hashing
import Protocol
import SourceLink
import Transport

/// A lab's measurement device whose physics is played by a `diqkd source` service: each batch
/// of inputs goes to the source over this lab's own connection and the outputs come back.
///
/// ``Device/measure(_:)`` cannot throw, so a failure of the link (the source gone, a malformed
/// or short answer, a timeout) is kept in ``failure`` and the remaining rounds read as 0; the
/// node checks ``failure`` right after measuring and ends the run with that reason before any
/// output is used.
public final class SourceDevice: Device {
    private let connection: FrameConnection
    private let timeout: Double
    /// Why the device stopped measuring, if it did.
    public private(set) var failure: String?

    /// Connects to the source and opens this lab's side of the run `label`.
    /// - Parameters:
    ///   - label: the run's 16-byte session ID, which pairs Alice's and Bob's devices at the source.
    ///   - timeout: seconds to wait for the connection and for each batch's outputs.
    public init(source: Endpoint, role: Party, label: [UInt8], timeout: Double) throws(TransportError) {
        connection = try FrameConnection.connect(to: source, format: SourceWire.Format(), maximumFrameBytes: SourceWire.maximumFrameBytes,
                                                 timeout: timeout)
        self.timeout = timeout
        try connection.send(SourceWire.encode(.open(role: role, label: label)))
    }

    public func measure(_ inputs: BitVector) -> BitVector {
        var outputs = BitVector(count: 0)
        var start = 0
        while start < inputs.count {
            let end = min(inputs.count, start + SourceWire.maximumBatch)
            outputs.append(contentsOf: failure == nil ? batch(inputs.slice(start..<end)) : BitVector(count: end - start))
            start = end
        }
        return outputs
    }

    private func batch(_ inputs: BitVector) -> BitVector {
        do {
            try connection.send(SourceWire.encode(.measure(inputs)))
            switch try SourceWire.decode(connection.receive(timeout: timeout)) {
            case .outputs(let outputs) where outputs.count == inputs.count:
                return outputs
            case .outputs(let outputs):
                failure = "the source answered \(outputs.count) outputs for \(inputs.count) inputs"
            case .error(let reason):
                failure = "the source refused: \(reason)"
            default:
                failure = "the source sent an unexpected frame"
            }
        } catch {
            // The source may have refused and closed: its reason, if it sent one, says more.
            if case .error(let reason)? = try? SourceWire.decode(connection.receive(timeout: 0.5)) {
                failure = "the source refused: \(reason)"
            } else {
                failure = "source \(connection.peer): \(error)"
            }
        }
        return BitVector(count: inputs.count)
    }

    /// Ends this lab's connection to the source.
    public func close() {
        connection.close()
    }
}
