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

/// One block: one run of the protocol between this node and its peer over one connection.
public enum NodeBlock {
    /// Pool bytes one run reserves for its authentication (a hash key and every pad).
    public static let poolBytesPerRun = AuthenticationKeys.byteCount
    /// Seconds a listening node waits for the hello of a new connection: an honest peer sends
    /// it at once, so a silent connection is dropped soon and does not hold the next one up.
    public static let helloTimeout = 10.0

    /// A key Bob computed whose delivery Alice did not acknowledge: she may or may not have
    /// delivered it (the acknowledgement is the run's last frame). Held privately until the
    /// next run's hello, whose block number says whether Alice delivered it.
    public struct PendingKey: Sendable {
        public let block: UInt64
        /// The whole key, before the pool's refill.
        public let key: SecretBits
        public let report: NodeReport

        public init(block: UInt64, key: SecretBits, report: NodeReport) {
            self.block = block
            self.key = key
            self.report = report
        }
    }

    /// What became of a pending key once the peer's hello was read.
    public enum Settlement: Sendable {
        /// Alice delivered it: deliver it too (the pool has been refilled from it).
        case delivered(block: UInt64, key: SecretBits, report: NodeReport)
        /// Alice did not: destroy it.
        case discarded(block: UInt64)
    }

    /// What a block produced on this node.
    public struct Result: Sendable {
        /// The key delivered to applications (after the pool's refill), or why there is none.
        public let outcome: PartyOutcome
        public let report: NodeReport
        /// Bob's key when Alice's acknowledgement did not arrive (the outcome is then aborted).
        public let pending: PendingKey?
        /// The fate of the pending key of an earlier run, decided by this run's hello.
        public let settlement: Settlement?
        /// Whether the peer's hello authenticated: a failure before that was an unauthenticated
        /// connection (garbage, a port scan, a forgery), which spent no key and is not a run.
        public let peerAuthenticated: Bool
    }

    /// Runs one block over `connection`.
    ///
    /// After the protocol, the nodes confirm the key (Bob: `keyConfirmed`; Alice, who then
    /// delivers: `keyAcknowledged`; Bob delivers on the acknowledgement). A fault on any frame
    /// therefore leaves neither node with a key — except on the acknowledgement, the last
    /// frame, where Alice has delivered and Bob cannot know it: Bob then holds the key
    /// pending (``Result/pending``), and the next run's hello settles it (``Settlement``).
    /// - Parameters:
    ///   - initiator: whether this node opened the connection (it chooses the session ID and
    ///     its pool position opens the run).
    ///   - block: this node's next block number; the run uses the larger of both nodes'.
    ///   - pending: a key held from an earlier run, settled once the peer's hello is read.
    ///   - progress: stage and fraction, for progress output.
    /// - Returns: the outcome and report; never throws — every failure is an aborted outcome
    ///   whose reason names the check that failed.
    public static func run(connection: FrameConnection, initiator: Bool, pool: KeyPool, settings: NodeSettings, block: UInt64,
                           pending: PendingKey? = nil, measurements: NodeMeasurements, progress: ProgressHandler?) -> Result {
        let clock = ContinuousClock()
        let started = clock.now
        var channel = AuthenticatedChannel(connection: connection, role: settings.role, timeout: settings.timeout)
        var machine: PartyMachine?
        var agreedBlock = block
        var stageSeconds: [String: Double] = [:]
        var outcome: PartyOutcome
        var device: SourceDevice?
        var settlement: Settlement?
        var unacknowledged: SecretBits?
        defer { device?.close() }
        do {
            let own = Hello(role: settings.role, block: block, version: settings.version, configuration: settings.configuration)
            let peer = initiator ? try channel.open(pool: pool, hello: own)
                                 : try channel.accept(pool: pool, hello: own, helloTimeout: min(settings.timeout, helloTimeout))
            guard peer.role != settings.role else {
                throw NodeFailure("both nodes play \(settings.role.rawValue); one must be alice and the other bob")
            }
            if let pending {
                settlement = try settle(pending, peerNextBlock: peer.block, pool: pool, settings: settings)
            }
            var comparable = peer
            comparable.block = own.block
            if let difference = own.mismatch(with: comparable) {
                throw NodeFailure("the nodes' configurations differ: \(difference)")
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
                unacknowledged = key
                try confirm(role: settings.role, channel: &channel)
                unacknowledged = nil
            }
        } catch {
            channel.abort("\(error)")
            outcome = machine?.outcome.flatMap { if case .aborted = $0, unacknowledged == nil { return $0 } else { return nil } }
                ?? .aborted(reason: "\(error)")
        }
        channel.close()
        let seconds = ProtocolRun.seconds(clock.now - started)
        func protocolReport(_ outcome: PartyOutcome) -> ProtocolReport {
            ProtocolReport(configuration: settings.configuration, ledger: machine?.ledger ?? Ledger(), outcome: outcome, seconds: seconds,
                           stageSeconds: stageSeconds, publicBits: channel.publicBits)
                .authenticated(authenticationBits: Int(channel.consumedBytes) * 8, epsilonAuthentication: channel.epsilonAuthentication)
        }
        func report(_ protocolReport: ProtocolReport, refilled: Int = 0) -> NodeReport {
            let node = NodeReport.Node(role: settings.role, peer: connection.peer, block: agreedBlock, session: channel.session.description,
                                       poolPositionBits: channel.position * 8, poolRemainingBits: pool.remaining * 8,
                                       refillBits: refilled * 8, wireBytes: channel.wireBytes)
            return NodeReport(protocolReport: protocolReport, node: node)
        }
        func result(_ outcome: PartyOutcome, _ report: NodeReport, pending: PendingKey? = nil) -> Result {
            Result(outcome: outcome, report: report, pending: pending, settlement: settlement, peerAuthenticated: channel.peerAuthenticated)
        }
        if settings.role == .bob, let key = unacknowledged, case .aborted(let reason) = outcome {
            // Alice may have delivered this key: hold it, and let the next hello tell.
            let held = "\(reason); the key is held pending as block \(agreedBlock) until the next run tells whether Alice delivered it"
            return result(.aborted(reason: held), report(protocolReport(outcome).refusingKey(reason: held)),
                          pending: PendingKey(block: agreedBlock, key: key, report: report(protocolReport(.key(key)))))
        }
        guard case .key(let key) = outcome else { return result(outcome, report(protocolReport(outcome))) }
        do {
            let (refill, delivered) = try Self.refill(pool: pool, from: key, bytes: settings.refillBytes)
            return result(.key(delivered), report(protocolReport(outcome), refilled: refill))
        } catch {
            let reason = "the key pool could not be refilled (\(error.description)); the key was withheld"
            return result(.aborted(reason: reason), report(protocolReport(outcome).refusingKey(reason: reason)))
        }
    }

    /// Key confirmation after the protocol: Bob says he holds the key, Alice acknowledges.
    private static func confirm(role: Party, channel: inout AuthenticatedChannel) throws(NodeFailure) {
        if role == .bob {
            try channel.send(.keyConfirmed)
            let answer = try channel.receivePayload(expecting: "Alice's acknowledgement of the key")
            if case .message(.abort(let reason)) = answer { throw NodeFailure(reason) }
            guard case .keyAcknowledged = answer else {
                throw NodeFailure("Alice sent \(answer.type) instead of acknowledging the key")
            }
        } else {
            let answer = try channel.receivePayload(expecting: "Bob's key confirmation")
            if case .message(.abort(let reason)) = answer { throw NodeFailure(reason) }
            guard case .keyConfirmed = answer else {
                throw NodeFailure("Bob sent \(answer.type) instead of confirming the key")
            }
            // Bob holds the key: deliver it even if this last frame is lost (Bob then holds it
            // pending, and the next hello settles it).
            try? channel.send(.keyAcknowledged)
        }
    }

    /// Decides a pending key by the peer's next block number: one past the pending block means
    /// Alice delivered it. Delivery refills the pool from it first, as it would have then.
    private static func settle(_ pending: PendingKey, peerNextBlock: UInt64, pool: KeyPool,
                               settings: NodeSettings) throws(NodeFailure) -> Settlement {
        guard peerNextBlock > pending.block else { return .discarded(block: pending.block) }
        do {
            let (refill, delivered) = try Self.refill(pool: pool, from: pending.key, bytes: settings.refillBytes)
            let node = pending.report.node
            let report = NodeReport(protocolReport: pending.report.protocolReport,
                                    node: NodeReport.Node(role: node.role, peer: node.peer, block: node.block, session: node.session,
                                                          poolPositionBits: node.poolPositionBits, poolRemainingBits: pool.remaining * 8,
                                                          refillBits: refill * 8, wireBytes: node.wireBytes))
            return .delivered(block: pending.block, key: delivered, report: report)
        } catch {
            throw NodeFailure("the key pool could not be refilled from pending block \(pending.block) (\(error.description))")
        }
    }

    /// Moves the first `bytes` bytes of the key into the pool (both nodes hold the same key, so
    /// their pools grow alike) and returns the rest for delivery.
    static func refill(pool: KeyPool, from key: SecretBits, bytes: Int) throws(KeyPoolError) -> (Int, SecretBits) {
        let granule = Int(KeyPool.granule)
        let refill = min(bytes, key.count / 8) / granule * granule
        guard refill > 0 else { return (0, key) }
        let (head, rest) = key.withBits { bits in
            (bits.slice(0..<(8 * refill)).bytesMSBFirst(), SecretBits(bits.slice((8 * refill)..<bits.count)))
        }
        var material = head
        defer { for i in material.indices { material[i] = 0 } }
        try pool.refill(material)
        return (refill, rest)
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
