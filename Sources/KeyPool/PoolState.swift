/// What a pool has taken in since it was made, as a node's hello states it: its capacity,
/// its last refill's block and a chain over every refill's block, session and size — every
/// delivered block counts as a refill, of no bytes when none flow back into the pool.
///
/// Two files of a pair start equal and take the same refills in the same order, so their
/// states are equal whenever both nodes have delivered the same blocks. A pool that another
/// node used (a copy), or that missed or gained a block, has another state from then on; the
/// hello makes that an alarm on the first frame instead of a link that fails later.
///
/// The chain is computed from public data only — block numbers, session IDs (sent in every
/// frame) and sizes — never from key bytes: the hello is public, and any function of the pool's
/// bytes sent in it would tell an eavesdropper something about future pads. It is not a MAC
/// (FNV-1a, 64 bits); the hello's tag authenticates it, and it only needs to tell apart the
/// histories two honest files can have.
public struct PoolState: Sendable, Hashable, CustomStringConvertible {
    /// Bytes of key in the file (grows with each refill).
    public var capacity: UInt64
    /// The block of the last refill, 0 for none.
    public var lastRefillBlock: UInt64
    /// The refill chain, 0 for none.
    public var refillChain: UInt64

    public init(capacity: UInt64 = 0, lastRefillBlock: UInt64 = 0, refillChain: UInt64 = 0) {
        self.capacity = capacity
        self.lastRefillBlock = lastRefillBlock
        self.refillChain = refillChain
    }

    /// The state after a refill of `bytes` bytes from `block`, made by the run `session`.
    public func refilled(block: UInt64, session: [UInt8], bytes: UInt64) -> PoolState {
        var hash: UInt64 = refillChain == 0 ? 0xcbf2_9ce4_8422_2325 : refillChain
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for value in [block, bytes, UInt64(session.count)] {
            for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        for byte in session { mix(byte) }
        return PoolState(capacity: capacity + bytes, lastRefillBlock: block, refillChain: hash == 0 ? 1 : hash)
    }

    /// "capacity 1,052,672 bits, last refill block 4, chain 3f2a…": for alarms.
    public var description: String {
        let chain = String(refillChain, radix: 16)
        return "capacity \(capacity * 8) bits, last refill from block \(lastRefillBlock), refill chain "
            + String(repeating: "0", count: 16 - chain.count) + chain
    }
}
