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

    /// The longest version string, in UTF-8 bytes.
    public static let maximumVersionBytes = 64

    public init(role: Party, block: UInt64, version: String, configuration: ProtocolConfiguration) {
        self.role = role
        self.block = block
        self.version = version
        self.configuration = configuration
    }

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
        return differ("block") { $0.block }
            ?? differ("version") { $0.version }
            ?? differ("mode") { $0.configuration.mode.rawValue }
            ?? differ("rounds") { $0.configuration.rounds }
            ?? differBits("test fraction") { $0.configuration.testFraction }
            ?? differBits("epsilon PE") { $0.configuration.epsilonPE }
            ?? differBits("epsilon PA") { $0.configuration.epsilonPA }
            ?? differ("verification bits") { $0.configuration.verificationBits }
            ?? differBits("reconciliation efficiency") { $0.configuration.finiteSize.reconciliationEfficiency }
            ?? differ("frame bits") { $0.configuration.frameBits }
    }

    private static func name(_ party: Party) -> String { party == .alice ? "Alice" : "Bob" }
}

extension Hello {
    /// Payload layout (docs/wire.md, "hello"): role u8, block u64, version (u8 byte count +
    /// UTF-8), mode u8, rounds u64, test fraction f64, epsilon PE f64, epsilon PA f64,
    /// verification bits u32, reconciliation efficiency f64, frame bits u64.
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
        return Hello(role: roleByte == 0 ? .alice : .bob, block: block, version: version, configuration: configuration)
    }
}
