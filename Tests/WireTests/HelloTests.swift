import KeyPool
import Protocol
import SecurityBounds
import Testing
@testable import Wire

@Suite("Hello")
struct HelloTests {
    static let alice = Hello(role: .alice, block: 7, version: "0.9.0",
                             configuration: ProtocolConfiguration(rounds: 10_000_000, mode: .spotCheck, testFraction: 0.05),
                             refillBits: 16_640, pool: PoolState(capacity: 1 << 20))

    static func bob(_ change: (inout Hello) -> Void = { _ in }) -> Hello {
        var hello = alice
        hello.role = .bob
        change(&hello)
        return hello
    }

    @Test func agreeingHellos() {
        #expect(Self.alice.mismatch(with: Self.bob()) == nil)
        #expect(Self.bob().mismatch(with: Self.alice) == nil)
    }

    @Test(arguments: [
        ("rounds: Alice 10000000, Bob 1000000", bob { $0.configuration.rounds = 1_000_000 }),
        ("block: Alice 7, Bob 8", bob { $0.block = 8 }),
        ("version: Alice 0.9.0, Bob 0.9.1", bob { $0.version = "0.9.1" }),
        ("mode: Alice spot-check, Bob paper", bob { $0.configuration.finiteSize.mode = .paper }),
        ("test fraction: Alice 0.05, Bob 0.05000000000000001", bob { $0.configuration.finiteSize.testFraction = 0.05.nextUp }),
        ("epsilon PE: Alice 5e-10, Bob 1e-09", bob { $0.configuration.finiteSize.epsilonPE = 1e-9 }),
        ("epsilon PA: Alice 5e-10, Bob 1e-10", bob { $0.configuration.finiteSize.epsilonPA = 1e-10 }),
        ("verification bits: Alice 64, Bob 128", bob { $0.configuration.finiteSize.verificationBits = 128 }),
        ("reconciliation efficiency: Alice 1.2, Bob 1.1", bob { $0.configuration.finiteSize.reconciliationEfficiency = 1.1 }),
        ("frame bits: Alice 2097152, Bob 1048576", bob { $0.configuration.frameBits = 1 << 20 }),
        ("--refill-bits: Alice 16640, Bob 0", bob { $0.refillBits = 0 }),
        ("measurements: Alice --source (simulated), Bob --records", bob { $0.measurements = .recorded }),
        ("role: both are Alice", alice),
    ])
    func mismatchNamesTheField(expected: String, bob: Hello) {
        #expect(Self.alice.mismatch(with: bob) == expected)
        if bob.role == .bob { #expect(bob.mismatch(with: Self.alice) == expected) }
    }

    /// Pools in step: equal states, or Alice's equal to Bob's once his held key is committed.
    /// Anything else is a divergence, whichever node judges.
    @Test func poolDivergence() {
        let start = PoolState(capacity: 1 << 20)
        let refilled = start.refilled(block: 6, session: Array("s6".utf8), bytes: 2080)
        #expect(Self.alice.poolDivergence(with: Self.bob()) == nil)
        var alice = Self.alice
        alice.pool = refilled
        let holding = Self.bob { $0.pool = start; $0.poolWithHeld = refilled }
        #expect(alice.poolDivergence(with: holding) == nil && holding.poolDivergence(with: alice) == nil)
        #expect(Self.alice.poolDivergence(with: holding) == nil)
        let copied = Self.bob { $0.pool = start.refilled(block: 6, session: Array("mallory".utf8), bytes: 2080) }
        let message = alice.poolDivergence(with: copied)
        #expect(message?.hasPrefix("the key pools have diverged: Alice's pool has capacity") == true)
        #expect(copied.poolDivergence(with: alice) == message)
        #expect(alice.poolDivergence(with: Self.bob()) != nil)
    }

    /// The first differing field is named, in the order of the payload.
    @Test func firstDifferenceWins() {
        let bob = Self.bob { $0.configuration.frameBits = 4096; $0.configuration.rounds = 5 }
        #expect(Self.alice.mismatch(with: bob) == "rounds: Alice 10000000, Bob 5")
    }

    /// Layout of docs/wire.md for one hello.
    @Test func layout() {
        let bytes = WireCodec.encode(.hello(Self.alice))
        #expect(bytes.count == 1 + 8 + 1 + 5 + 1 + 8 + 8 + 8 + 8 + 4 + 8 + 8 + 8 + 1 + 24 + 24)
        #expect(bytes[0] == 0 && bytes[1] == 7 && bytes[9] == 5 && Array(bytes[10..<15]) == Array("0.9.0".utf8) && bytes[15] == 1)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let change: @Sendable (inout [UInt8]) -> Void
        var testDescription: String { name }
    }

    // Offsets in the encoding of `alice` (version of 5 bytes): role 0, block 1, version count 9,
    // version 10, mode 15, rounds 16, test fraction 24, epsilon PE 32, epsilon PA 40,
    // verification bits 48, efficiency 52, frame bits 60, refill bits 68, measurements 76,
    // pool state 77, pool state with the held key 101.
    static func set(_ offset: Int, _ value: UInt64, bytes count: Int = 8) -> @Sendable (inout [UInt8]) -> Void {
        { bytes in for i in 0..<count { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) } }
    }

    static let cases: [Case] = [
        Case(name: "role 2", change: set(0, 2, bytes: 1)),
        Case(name: "empty version", change: { $0[9] = 0 }),
        Case(name: "version of 65 bytes", change: { $0[9] = 65 }),
        Case(name: "version not UTF-8", change: { $0[10] = 0xFF }),
        Case(name: "mode 2", change: set(15, 2, bytes: 1)),
        Case(name: "rounds 0", change: set(16, 0)),
        Case(name: "rounds 2^34 + 1", change: set(16, (1 << 34) + 1)),
        Case(name: "rounds 2^63", change: set(16, 1 << 63)),
        Case(name: "test fraction 1", change: set(24, (1.0).bitPattern)),
        Case(name: "test fraction NaN", change: set(24, Double.nan.bitPattern)),
        Case(name: "test fraction -0.0", change: set(24, (-0.0).bitPattern)),
        Case(name: "epsilon PE 0", change: set(32, 0)),
        Case(name: "epsilon PA infinite", change: set(40, Double.infinity.bitPattern)),
        Case(name: "verification bits 0", change: set(48, 0, bytes: 4)),
        Case(name: "verification bits 1025", change: set(48, 1025, bytes: 4)),
        Case(name: "efficiency 0.9", change: set(52, (0.9).bitPattern)),
        Case(name: "efficiency NaN", change: set(52, Double.nan.bitPattern)),
        Case(name: "frame bits 1023", change: set(60, 1023)),
        Case(name: "frame bits 2^30 + 1", change: set(60, (1 << 30) + 1)),
        Case(name: "refill bits 100", change: set(68, 100)),
        Case(name: "refill bits 2^30 + 128", change: set(68, (1 << 30) + 128)),
        Case(name: "measurements 2", change: set(76, 2, bytes: 1)),
        Case(name: "pool capacity 17", change: set(77, 17)),
        Case(name: "held pool capacity 2^38", change: set(101, 1 << 38)),
        Case(name: "cut before the held pool state", change: { $0.removeLast(24) }),
    ]

    @Test(arguments: cases)
    func outOfRangeHellosAreRejected(_ example: Case) {
        var bytes = WireCodec.encode(.hello(Self.alice))
        #expect((try? decodePayload(.hello, bytes, limits: .hello)) == .hello(Self.alice))
        example.change(&bytes)
        let error = wireError { () throws(WireError) in _ = try decodePayload(.hello, bytes, limits: .hello) }
        #expect(error.map { [.invalidValue, .invalidText, .tooLong, .truncated].contains($0.code) } == true,
                "\(error.map(\.description) ?? "accepted")")
    }

    @Test func configurationErrorsUseTheFlagNames() {
        var bytes = WireCodec.encode(.hello(Self.alice))
        Self.set(16, 0)(&bytes)
        let error = wireError { () throws(WireError) in _ = try decodePayload(.hello, bytes, limits: .hello) }
        #expect(error?.description == "hello frame: configuration: --rounds must be between 1 and 2^34 = 17,179,869,184 (got 0)")
    }
}
