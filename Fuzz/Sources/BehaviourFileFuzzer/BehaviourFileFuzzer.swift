import Foundation
import FuzzSupport
import NonSignaling

/// Decodes the input as a behaviour file (`diqkd bound --behaviour FILE`) with
/// ``Behaviour/decodeFile(_:)``. What it accepts must be valid by the same tolerance.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBehaviourFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    do {
        let behaviour = try Behaviour.decodeFile(bytes)
        require(behaviour.probabilities.count == 1 << (4 * behaviour.boxes), "wrong table length")
        require(behaviour.isNonSignaling(), "an accepted behaviour fails validation")
    } catch {
        require(!error.description.isEmpty, "an error without a message")
    }
    return 0
}
