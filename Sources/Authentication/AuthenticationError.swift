/// Why a Wegman–Carter key set could not be built or used.
public enum AuthenticationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The reservation does not have `AuthenticationKeys.byteCount` bytes.
    case reservationSize(expected: Int, actual: Int)
    /// The direction is neither 0 (Alice to Bob) nor 1 (Bob to Alice).
    case direction(UInt8)
    /// The sequence number is not below `AuthenticationKeys.tagsPerDirection`: the
    /// reservation holds no pad for it.
    case sequence(UInt32)

    public var description: String {
        switch self {
        case .reservationSize(let expected, let actual):
            return "an authentication reservation has \(expected) bytes (got \(actual))"
        case .direction(let d):
            return "direction must be 0 (Alice to Bob) or 1 (Bob to Alice) (got \(d))"
        case .sequence(let s):
            return "sequence \(s) is beyond the \(AuthenticationKeys.tagsPerDirection) tags a reservation holds per direction"
        }
    }
}
