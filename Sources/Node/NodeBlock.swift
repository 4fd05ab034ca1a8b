import Authentication
import Foundation
import Hashing
import KeyPool
import Protocol
import Randomness
import Transport
import Wire

/// Where a node's measurements come from.
public enum NodeMeasurements: Sendable {
    /// A simulated device played by a `diqkd source` service at this address.
    case source(Endpoint)
    /// This lab's recorded rounds (its own file only).
    case recorded(RecordedRounds)
}

extension NodeMeasurements {
    /// What the hello says of these measurements.
    public var kind: Hello.Measurements {
        if case .source = self { return .simulatedSource }
        return .recorded
    }

    /// Whether keys from these measurements are a simulation: a simulated source, or records a
    /// simulation wrote (``RecordedRounds/simulated``).
    public var isSimulated: Bool {
        switch self {
        case .source: return true
        case .recorded(let rounds): return rounds.simulated
        }
    }
}

/// Bob's key of an earlier run, held until a hello tells whether Alice committed it.
public struct HeldKey: Sendable {
    /// Its block number.
    public var number: UInt64
    /// The bytes its delivery would refill the pool with (from its report).
    public var refillBytes: Int
    /// Its run's session ID (hex, from its report), part of the pool's refill chain.
    public var session: String

    public init(number: UInt64, refillBytes: Int, session: String) {
        self.number = number
        self.refillBytes = refillBytes
        self.session = session
    }
}

/// The settings of a node that hold for every block it runs.
public struct NodeSettings: Sendable {
    public var role: Party
    public var configuration: ProtocolConfiguration
    /// Seconds to wait for a frame from the peer or an answer from the source.
    public var timeout: Double
    /// Bytes of every new key that go back into the pool before the rest is delivered.
    public var refillBytes: Int
    /// This build's version, exchanged in the hello.
    public var version: String

    public init(role: Party, configuration: ProtocolConfiguration, timeout: Double, refillBytes: Int, version: String) {
        self.role = role
        self.configuration = configuration
        self.timeout = timeout
        self.refillBytes = refillBytes
        self.version = version
    }
}

/// Where a node makes a key's fate durable, at the moments that keep the two sites' keys the
/// same whenever either node is killed (docs/key-delivery.md, "A node's crashes"). Each call
/// returns only once its effect is on the disk.
///
/// The commit point of a block is Alice's ``commit(_:key:report:)``, made before she
/// acknowledges the key: a block is delivered at both sites exactly when Alice committed it.
/// Bob holds his key (``hold(_:key:report:)``) before he confirms it, commits it on the
/// acknowledgement, and otherwise learns from the next run's hello whether Alice committed
/// it: her next block number is past it exactly then.
public protocol KeyJournal {
    /// Bob, before he confirms a key: holds it undecided.
    func hold(_ number: UInt64, key: SecretBits, report: NodeReport) throws
    /// Alice, before she acknowledges a key: commits it for delivery.
    func commit(_ number: UInt64, key: SecretBits, report: NodeReport) throws
    /// Bob: commits his held key for delivery (Alice acknowledged it, or a hello says she
    /// committed it).
    func commitHeld(_ number: UInt64) throws
    /// Bob: destroys his held key (a hello says Alice did not commit it).
    func discardHeld(_ number: UInt64) throws
}

/// One block: one run of the protocol between this node and its peer over one connection.
public enum NodeBlock {
    /// Pool bytes one run reserves for its authentication (a hash key and every pad).
    public static let poolBytesPerRun = AuthenticationKeys.byteCount
    /// Seconds a listening node waits for the hello of a new connection: an honest peer sends
    /// it at once, so a silent connection is dropped soon and does not hold the next one up.
    public static let helloTimeout = 10.0

    /// What became of Bob's held key of an earlier run once the peer's hello was read.
    public enum Settlement: Sendable {
        /// Alice committed it: committed here too.
        case committed(block: UInt64)
        /// Alice did not: destroyed.
        case discarded(block: UInt64)
    }

    /// What a block produced on this node.
    public struct Result: Sendable {
        /// The whole key (before the pool's refill), committed to the journal, or why there is
        /// none. Delivery — the refill, then the store or key file — is the caller's, from the
        /// journal (``deliver(_:key:report:pool:)``).
        public let outcome: PartyOutcome
        /// The report, with the refill the delivery will make.
        public let report: NodeReport
        /// Whether Bob holds this run's key undecided (Alice's acknowledgement did not arrive).
        public let held: Bool
        /// The fate of Bob's held key of an earlier run, decided by this run's hello.
        public let settlement: Settlement?
        /// Whether the peer's hello authenticated: a failure before that was an unauthenticated
        /// connection (garbage, a port scan, a forgery), which spent no key and is not a run.
        public let peerAuthenticated: Bool
        /// The security event that ended the run, if one did (``NodeFailure/securityEvent``).
        public let securityEvent: NodeFailure.SecurityEvent?
    }

    /// Runs one block over `connection`.
    ///
    /// After the protocol, the nodes confirm the key: Bob holds it and sends `keyConfirmed`;
    /// Alice commits it and sends `keyAcknowledged`; Bob commits it on the acknowledgement
    /// (``KeyJournal``). A fault on any frame therefore leaves neither node with a key —
    /// except on the acknowledgement, the last frame, where Alice has committed and Bob cannot
    /// know it: Bob's key then stays held (``Result/held``), and the next run's hello settles
    /// it (``Settlement``).
    /// - Parameters:
    ///   - initiator: whether this node opened the connection (it chooses the session ID and
    ///     its pool position opens the run).
    ///   - block: this node's next block number; the run uses the larger of both nodes'.
    ///   - held: Bob's held key of an earlier run, settled once the peer's hello is read.
    ///   - journal: where the key's fate is made durable.
    ///   - progress: stage and fraction, for progress output.
    /// - Returns: the outcome and report; never throws — every failure is an aborted outcome
    ///   whose reason names the check that failed.
    public static func run(connection: FrameConnection, initiator: Bool, pool: KeyPool, settings: NodeSettings, block: UInt64,
                           held: HeldKey? = nil, journal: any KeyJournal, measurements: NodeMeasurements,
                           progress: ProgressHandler?) -> Result {
        let clock = ContinuousClock()
        let started = clock.now
        var channel = AuthenticatedChannel(connection: connection, role: settings.role, timeout: settings.timeout)
        var machine: PartyMachine?
        var agreedBlock = block
        var stageSeconds: [String: Double] = [:]
        var outcome: PartyOutcome
        var device: SourceDevice?
        var settlement: Settlement?
        var heldNow = false
        var securityEvent: NodeFailure.SecurityEvent?
        defer { device?.close() }
        func protocolReport(_ outcome: PartyOutcome) -> ProtocolReport {
            var report = ProtocolReport(configuration: settings.configuration, ledger: machine?.ledger ?? Ledger(), outcome: outcome,
                                        seconds: ProtocolRun.seconds(clock.now - started), stageSeconds: stageSeconds,
                                        publicBits: channel.publicBits)
                .authenticated(authenticationBits: Int(channel.consumedBytes) * 8, epsilonAuthentication: channel.epsilonAuthentication)
            report.simulation = measurements.isSimulated
            return report
        }
        func report(_ protocolReport: ProtocolReport) -> NodeReport {
            // A key's report counts the refill its delivery makes, and the pool as it will be.
            let refill = protocolReport.aborted ? 0 : refillBytes(keyBits: protocolReport.keyBits, settings: settings)
            let node = NodeReport.Node(role: settings.role, peer: connection.peer, block: agreedBlock, session: channel.session.description,
                                       poolPositionBits: channel.position * 8, poolRemainingBits: (pool.remaining + UInt64(refill)) * 8,
                                       refillBits: refill * 8, wireBytes: channel.wireBytes)
            return NodeReport(protocolReport: protocolReport, node: node)
        }
        do {
            let own = hello(block: block, settings: settings, pool: pool, held: held, measurements: measurements)
            // Every check of the peer's hello, made by a listener before it spends any pool byte.
            let check = { (peer: Hello) -> NodeFailure? in
                guard peer.role != settings.role else {
                    return NodeFailure("both nodes play \(settings.role.rawValue); one must be alice and the other bob")
                }
                var comparable = peer
                comparable.block = own.block
                if let difference = own.mismatch(with: comparable) {
                    return NodeFailure("the nodes' configurations differ: \(difference)")
                }
                if let divergence = own.poolDivergence(with: peer) { return NodeFailure(divergence, securityEvent: .poolsDiverged) }
                return nil
            }
            let peer = initiator ? try channel.open(pool: pool, hello: own)
                                 : try channel.accept(pool: pool, hello: own, helloTimeout: min(settings.timeout, helloTimeout), check: check)
            // The listener made these checks before it reserved anything; the connector makes them now.
            if initiator, let refusal = check(peer) { throw refusal }
            if let held {
                settlement = try settle(held.number, peerNextBlock: peer.block, journal: journal)
            }
            agreedBlock = max(block, peer.block)
            channel.agree(on: settings.configuration)
            let source: MeasurementSource
            switch measurements {
            case .recorded(let rounds):
                source = .recorded(rounds)
            case .source(let endpoint):
                do {
                    device = try SourceDevice(source: endpoint, role: settings.role, label: channel.session.bytes,
                                              timeout: settings.timeout)
                } catch {
                    throw NodeFailure("the source: \(error.description)")
                }
                source = .device(device!, inputRandomness: PartyRandomness(seed: nil, stream: "\(settings.role.rawValue).inputs"))
            }
            machine = PartyMachine(role: settings.role, configuration: settings.configuration, measurements: source, progress: progress)
            outcome = try converse(&machine!, channel: &channel, device: device, stageSeconds: &stageSeconds, progress: progress)
            if case .key(let key) = outcome {
                let keyReport = report(protocolReport(outcome))
                if settings.role == .bob {
                    do { try journal.hold(agreedBlock, key: key, report: keyReport) } catch {
                        throw NodeFailure("the key could not be held (\(error)); not confirmed")
                    }
                    heldNow = true
                    try channel.send(.keyConfirmed)
                    let answer = try channel.receivePayload(expecting: "Alice's acknowledgement of the key")
                    if case .message(.abort(let reason)) = answer { throw NodeFailure(reason) }
                    guard case .keyAcknowledged = answer else {
                        throw NodeFailure("Alice sent \(answer.type) instead of acknowledging the key")
                    }
                    do { try journal.commitHeld(agreedBlock) } catch {
                        throw NodeFailure("the acknowledged key could not be committed (\(error))")
                    }
                    heldNow = false
                } else {
                    let answer = try channel.receivePayload(expecting: "Bob's key confirmation")
                    if case .message(.abort(let reason)) = answer { throw NodeFailure(reason) }
                    guard case .keyConfirmed = answer else {
                        throw NodeFailure("Bob sent \(answer.type) instead of confirming the key")
                    }
                    do { try journal.commit(agreedBlock, key: key, report: keyReport) } catch {
                        throw NodeFailure("the key could not be committed (\(error)); not acknowledged")
                    }
                    // Committed: delivered even if this last frame is lost (Bob then holds the
                    // key, and the next hello settles it).
                    try? channel.send(.keyAcknowledged)
                }
            }
        } catch {
            securityEvent = (error as? NodeFailure)?.securityEvent
            channel.abort("\(error)")
            outcome = machine?.outcome.flatMap { if case .aborted = $0, !heldNow { return $0 } else { return nil } }
                ?? .aborted(reason: "\(error)")
        }
        channel.close()
        func result(_ outcome: PartyOutcome, _ report: NodeReport) -> Result {
            Result(outcome: outcome, report: report, held: heldNow, settlement: settlement, peerAuthenticated: channel.peerAuthenticated,
                   securityEvent: securityEvent)
        }
        if heldNow, case .aborted(let reason) = outcome {
            let held = "\(reason); the key is held pending as block \(agreedBlock) until the next run tells whether Alice delivered it"
            return result(.aborted(reason: held), report(protocolReport(outcome).refusingKey(reason: held)))
        }
        return result(outcome, report(protocolReport(outcome)))
    }

    /// This node's hello: its configuration, refill, measurements and pool state (with the
    /// state its held key's delivery would make).
    static func hello(block: UInt64, settings: NodeSettings, pool: KeyPool, held: HeldKey?, measurements: NodeMeasurements) -> Hello {
        let state = pool.state
        var withHeld = state
        if let held, held.number > state.lastRefillBlock {
            withHeld = state.refilled(block: held.number, session: Array(held.session.utf8), bytes: UInt64(held.refillBytes))
        }
        return Hello(role: settings.role, block: block, version: settings.version, configuration: settings.configuration,
                     refillBits: UInt64(settings.refillBytes * 8), measurements: measurements.kind, pool: state, poolWithHeld: withHeld)
    }

    /// Decides Bob's held key by Alice's next block number: past it exactly when she
    /// committed it. The decision is on the disk before the run goes on: a held key left
    /// undecided by a crash here would be read against a later hello, whose block number has
    /// moved past it whether or not Alice committed it.
    private static func settle(_ held: UInt64, peerNextBlock: UInt64, journal: any KeyJournal) throws(NodeFailure) -> Settlement {
        do {
            guard peerNextBlock > held else {
                try journal.discardHeld(held)
                return .discarded(block: held)
            }
            try journal.commitHeld(held)
            return .committed(block: held)
        } catch {
            throw NodeFailure("the held key of block \(held) could not be settled (\(error))")
        }
    }

    /// The bytes of a key of `keyBits` bits that refill the pool: `settings.refillBytes`,
    /// at most the key's whole bytes, rounded down to the pool's granule.
    public static func refillBytes(keyBits: Int, settings: NodeSettings) -> Int {
        let granule = Int(KeyPool.granule)
        return min(settings.refillBytes, keyBits / 8) / granule * granule
    }

    /// Delivers a committed key's first step: moves its first `refillBytes` bytes into the
    /// pool, once (both nodes hold the same key, so their pools grow alike; a repeat after a
    /// crash is a no-op, ``KeyPool/refill(_:block:)``), and returns the rest for the store or
    /// key file.
    /// - Parameters:
    ///   - refillBytes: from the committed report (`refillBits / 8`), so a restart with other
    ///     flags refills what the peer did.
    ///   - session: the run's session ID (hex, from the report), for the pool's refill chain.
    /// - Returns: the key to deliver, and whether this call refilled the pool (false when
    ///   there was nothing to refill, or the pool holds a refill from this block or a later one
    ///   already: the refill bits are then not delivered either, on both sites alike). A block
    ///   with nothing to refill is still recorded in the pool's refill chain.
    /// - Throws: the pool's error; the key stays committed.
    public static func deliver(_ number: UInt64, key: SecretBits, refillBytes: Int, session: String,
                               pool: KeyPool) throws(KeyPoolError) -> (key: SecretBits, refilled: Bool) {
        guard refillBytes > 0 else {
            try pool.refill([], block: number, session: Array(session.utf8))
            return (key, false)
        }
        let (head, rest) = key.withBits { bits in
            (bits.slice(0..<(8 * refillBytes)).bytesMSBFirst(), SecretBits(bits.slice((8 * refillBytes)..<bits.count)))
        }
        var material = head
        defer { for i in material.indices { material[i] = 0 } }
        let refilled = try pool.refill(material, block: number, session: Array(session.utf8))
        return (rest, refilled)
    }

    /// Feeds the party's state machine with authenticated messages until it has finished.
    private static func converse(_ machine: inout PartyMachine, channel: inout AuthenticatedChannel, device: SourceDevice?,
                                 stageSeconds: inout [String: Double], progress: ProgressHandler?) throws(NodeFailure) -> PartyOutcome {
        var timer = StageTimer(progress: progress)
        defer {
            timer.finish()
            stageSeconds = timer.seconds
        }
        var outgoing = timer.time("measurement") { machine.start() }
        while true {
            if let failure = device?.failure {
                throw NodeFailure("\(machine.role.rawValue)'s device failed: \(failure)")
            }
            for message in outgoing { try channel.send(.message(message)) }
            if let outcome = machine.outcome { return outcome }
            let message = try channel.receive(expecting: "\(machine.role == .alice ? "Bob" : "Alice")'s next message")
            outgoing = timer.time(ProtocolRun.stage(receiving: message, by: machine.role)) { machine.receive(message) }
        }
    }
}

/// Alice or Bob, behind one interface for the node loop.
enum PartyMachine {
    case alice(Alice)
    case bob(Bob)

    init(role: Party, configuration: ProtocolConfiguration, measurements: MeasurementSource, progress: ProgressHandler?) {
        switch role {
        case .alice:
            self = .alice(Alice(configuration: configuration, measurements: measurements,
                                randomness: PartyRandomness(seed: nil, stream: "alice"), progress: progress))
        case .bob:
            self = .bob(Bob(configuration: configuration, measurements: measurements, progress: progress))
        }
    }

    var role: Party { if case .alice = self { return .alice } else { return .bob } }

    var outcome: PartyOutcome? {
        switch self {
        case .alice(let a): return a.outcome
        case .bob(let b): return b.outcome
        }
    }

    var ledger: Ledger {
        switch self {
        case .alice(let a): return a.ledger
        case .bob(let b): return b.ledger
        }
    }

    /// Alice measures and opens the conversation; Bob waits for her.
    mutating func start() -> [Message] {
        guard case .alice(var a) = self else { return [] }
        let messages = a.start()
        self = .alice(a)
        return messages
    }

    mutating func receive(_ message: Message) -> [Message] {
        switch self {
        case .alice(var a):
            let replies = a.receive(message)
            self = .alice(a)
            return replies
        case .bob(var b):
            let replies = b.receive(message)
            self = .bob(b)
            return replies
        }
    }
}
