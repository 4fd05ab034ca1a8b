import KeyPool
import Protocol
import SecurityBounds

/// The first frame each node sends: who it is, which block it is about to run, which build it
/// runs, and the whole configuration, so the two nodes can refuse to start when they disagree.
///
/// Doubles are compared by bit pattern on the wire, so `mismatch(with:)` finds any difference
/// a decimal rendering would hide.
public struct Hello: Sendable, Hashable {
    /// The sender's role.
    public var role: Party
    /// The number of the block (run) the sender is about to start, from 0.
    public var block: UInt64
    /// The sender's diqkd version, 1 to ``maximumVersionBytes`` bytes of UTF-8.
    public var version: String
    /// The configuration the sender will run; must pass `ProtocolConfiguration.validate()`.
    public var configuration: ProtocolConfiguration
    /// Bits of each key that refill the pool (`--refill-bits`, a multiple of 128 up to 2^30):
    /// both pools must grow alike.
    public var refillBits: UInt64
    /// Where the sender's measurements come from: both must be simulated or both real.
    public var measurements: Measurements
    /// The sender's pool as it is now (``PoolState``).
    public var pool: PoolState
    /// Bob's pool as it will be if the key he holds from an earlier run is committed (his
    /// hello is sent before Alice's tells him); equal to ``pool`` when nothing is held.
    public var poolWithHeld: PoolState

    /// Where a node's measurements come from (`--source` or `--records`). A run between a
    /// simulated and a real device cannot give a key, and a key must not be marked simulated at
    /// one site only.
    public enum Measurements: UInt8, Sendable, Hashable, CustomStringConvertible {
        /// A simulated device played by `diqkd source` (never secret).
        case simulatedSource = 0
        /// The lab's own recorded rounds.
        case recorded = 1

        public var description: String { self == .simulatedSource ? "--source (simulated)" : "--records" }
    }

    /// The longest version string, in UTF-8 bytes.
    public static let maximumVersionBytes = 64
    /// The largest refill, in bits (as `--refill-bits` allows).
    public static let maximumRefillBits: UInt64 = 1 << 30

    public init(role: Party, block: UInt64, version: String, configuration: ProtocolConfiguration, refillBits: UInt64 = 0,
                measurements: Measurements = .simulatedSource, pool: PoolState = PoolState(), poolWithHeld: PoolState? = nil) {
        self.role = role
        self.block = block
        self.version = version
        self.configuration = configuration
        self.refillBits = refillBits
        self.measurements = measurements
        self.pool = pool
        self.poolWithHeld = poolWithHeld ?? pool
    }

    /// The node flags that shape either site's keys or pool and so must be equal at both
    /// sites, in the order ``mismatch(with:)`` compares them (the rest of the configuration
    /// comes first). A test checks that every flag of `diqkd node` is here or in
    /// ``localNodeFlags``.
    public static let agreedNodeFlags = ["--rounds", "--mode", "--test-fraction", "--epsilon-pe", "--epsilon-pa",
                                         "--verification-bits", "--reconciliation-efficiency", "--frame-bits",
                                         "--refill-bits", "--source", "--records", "--assume-nonsignaling"]
    /// The node flags that are each site's own business: where it listens or connects, its
    /// files, how long it waits, what it prints, how many blocks it runs, and its store policy.
    public static let localNodeFlags = ["--listen", "--connect", "--pool", "--out", "--store", "--blocks", "--timeout",
                                        "--connect-timeout", "--json", "--allow-simulated-keys", "--max-failures", "--help", "--version"]

    /// The first field in which this hello and `other` (the peer's) differ, in words, with
    /// each party's value ("rounds: Alice 10000000, Bob 1000000"); `nil` when the two describe
    /// the same run. Roles are expected to differ and are only reported when equal ("role:
    /// both are Alice").
    public func mismatch(with other: Hello) -> String? {
        guard role != other.role else { return "role: both are \(Self.name(role))" }
        let (alice, bob) = role == .alice ? (self, other) : (other, self)
        func differ<T: Equatable>(_ field: String, _ value: (Hello) -> T) -> String? {
            value(alice) == value(bob) ? nil : "\(field): Alice \(value(alice)), Bob \(value(bob))"
        }
        // Doubles by bit pattern: 0.1 and 0.1000000000000001 print alike with few digits.
        func differBits(_ field: String, _ value: (Hello) -> Double) -> String? {
            value(alice).bitPattern == value(bob).bitPattern ? nil : "\(field): Alice \(value(alice)), Bob \(value(bob))"
        }
        let checks: [() -> String?] = [
            { differ("block") { $0.block } },
            { differ("version") { $0.version } },
            { differ("mode") { $0.configuration.mode.rawValue } },
            { differ("rounds") { $0.configuration.rounds } },
            { differBits("test fraction") { $0.configuration.testFraction } },
            { differBits("epsilon PE") { $0.configuration.epsilonPE } },
            { differBits("epsilon PA") { $0.configuration.epsilonPA } },
            { differ("verification bits") { $0.configuration.verificationBits } },
            { differBits("reconciliation efficiency") { $0.configuration.finiteSize.reconciliationEfficiency } },
            { differ("frame bits") { $0.configuration.frameBits } },
            { differ("--refill-bits") { $0.refillBits } },
            { differ("measurements") { $0.measurements } },
        ]
        for check in checks { if let difference = check() { return difference } }
        return nil
    }

    /// Why the two pools cannot be a pair in step, or `nil`: Alice's pool state must equal
    /// Bob's, either as it is or as it will be once the key Bob holds is committed (Alice has
    /// delivered that block when her next block is past it). A difference means the pools took
    /// different refills: a copy of one file used by a third node, a lost or extra block, or a
    /// file restored from a backup — a security event, not a routine failure.
    public func poolDivergence(with other: Hello) -> String? {
        let (alice, bob) = role == .alice ? (self, other) : (other, self)
        guard alice.pool != bob.pool && alice.pool != bob.poolWithHeld else { return nil }
        let held: String = bob.poolWithHeld != bob.pool ? " (\(bob.poolWithHeld) with his held key)" : ""
        let advice = ". The two files no longer took the same refills: a copy of one may have been used by a third node, "
            + "or a block was lost; stop both nodes, find out which, and make a new pair with `diqkd pool init`"
        return "the key pools have diverged: Alice's pool has \(alice.pool), Bob's has \(bob.pool)" + held + advice
    }

    private static func name(_ party: Party) -> String { party == .alice ? "Alice" : "Bob" }
}

extension Hello {
    /// Payload layout (docs/wire.md, "hello"): role u8, block u64, version (u8 byte count +
    /// UTF-8), mode u8, rounds u64, test fraction f64, epsilon PE f64, epsilon PA f64,
    /// verification bits u32, reconciliation efficiency f64, frame bits u64, refill bits u64,
    /// measurements u8, pool state (capacity, last refill block, refill chain: u64 each), pool
    /// state with Bob's held key (the same three).
    func encode(into writer: inout ByteWriter) {
        let versionBytes = Array(version.utf8)
        precondition((1...Self.maximumVersionBytes).contains(versionBytes.count), "version string of \(versionBytes.count) bytes")
        writer.u8(role == .alice ? 0 : 1)
        writer.u64(block)
        writer.u8(UInt8(versionBytes.count))
        writer.append(versionBytes)
        let c = configuration
        writer.u8(c.mode == .paper ? 0 : 1)
        writer.u64(c.rounds)
        writer.f64(c.testFraction)
        writer.f64(c.epsilonPE)
        writer.f64(c.epsilonPA)
        writer.u32(c.verificationBits)
        writer.f64(c.finiteSize.reconciliationEfficiency)
        writer.u64(c.frameBits)
        writer.u64(refillBits)
        writer.u8(measurements.rawValue)
        for state in [pool, poolWithHeld] {
            writer.u64(state.capacity)
            writer.u64(state.lastRefillBlock)
            writer.u64(state.refillChain)
        }
    }

    static func decode(from reader: inout ByteReader) throws(WireError) -> Hello {
        let roleByte = try reader.u8("role")
        guard roleByte <= 1 else { throw reader.error(.invalidValue, "role \(roleByte) is neither 0 (Alice) nor 1 (Bob)") }
        let block = try reader.u64("block")
        let versionCount = Int(try reader.u8("version byte count"))
        guard versionCount >= 1 else { throw reader.error(.invalidValue, "the version string is empty") }
        let version = try reader.utf8(versionCount, "version", maximumBytes: maximumVersionBytes)
        let modeByte = try reader.u8("mode")
        guard modeByte <= 1 else { throw reader.error(.invalidValue, "mode \(modeByte) is neither 0 (paper) nor 1 (spot-check)") }
        // Read as u64 and range-checked by validate() below, after the conversion to Int is safe.
        let rounds = try reader.int("rounds", in: 0...Int.max)
        let testFraction = try reader.f64("test fraction")
        let epsilonPE = try reader.f64("epsilon PE")
        let epsilonPA = try reader.f64("epsilon PA")
        let verificationBits = Int(try reader.u32("verification bits"))
        let efficiency = try reader.f64("reconciliation efficiency")
        let frameBits = try reader.int("frame bits", in: 0...Int.max)
        let finiteSize = FiniteSizeParameters(mode: modeByte == 0 ? .paper : .spotCheck, testFraction: testFraction,
                                              epsilonPE: epsilonPE, epsilonPA: epsilonPA,
                                              verificationBits: verificationBits, reconciliationEfficiency: efficiency)
        let configuration = ProtocolConfiguration(rounds: rounds, finiteSize: finiteSize, frameBits: frameBits)
        do {
            try configuration.validate()
        } catch {
            throw reader.error(.invalidValue, "configuration: \(error.description)")
        }
        let refillBits = try reader.u64("refill bits")
        guard refillBits <= maximumRefillBits, refillBits % 128 == 0 else {
            throw reader.error(.invalidValue, "--refill-bits must be a multiple of 128 up to 2^30 (got \(refillBits))")
        }
        let measurementsByte = try reader.u8("measurements")
        guard let measurements = Measurements(rawValue: measurementsByte) else {
            throw reader.error(.invalidValue, "measurements \(measurementsByte) is neither 0 (simulated source) nor 1 (records)")
        }
        var states: [PoolState] = []
        for name in ["pool", "pool with held key"] {
            let capacity = try reader.u64("\(name) capacity")
            guard capacity <= KeyPool.maximumByteCount, capacity % KeyPool.granule == 0 else {
                throw reader.error(.invalidValue, "\(name) capacity \(capacity) bytes is not a multiple of 16 up to 2^37")
            }
            states.append(PoolState(capacity: capacity, lastRefillBlock: try reader.u64("\(name) last refill block"),
                                    refillChain: try reader.u64("\(name) refill chain")))
        }
        return Hello(role: roleByte == 0 ? .alice : .bob, block: block, version: version, configuration: configuration,
                     refillBits: refillBits, measurements: measurements, pool: states[0], poolWithHeld: states[1])
    }
}
