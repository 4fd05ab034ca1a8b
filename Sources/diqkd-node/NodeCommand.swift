import ArgumentParser
import CommandLineSupport
import Crypto
import Foundation
import Hashing
import KeyPool
import KeyStore
import KeyStores
import Node
import Protocol
import Records
import SecurityBounds
import Simulation
import SourceLink
import Transport

struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run one party (alice or bob) as a network node: its own measurements, an authenticated channel to the other node.",
        discussion: """
            The two nodes talk over TCP; every frame is authenticated with Wegman-Carter tags \
            whose keys come from the pre-shared pool (`diqkd pool init`), and each block's \
            report subtracts what authentication consumed (netKeyBits). Either role may listen; \
            the other connects. Measurements come from a `diqkd source` (--source) or this lab's \
            own record file (--records). Each block's key and report go to \
            --out/block-NNNNNN/; a run that fails (protocol abort, transport or authentication \
            failure) writes no key and exits 3; a security event (the two pools have diverged, or \
            this node had to skip ahead in its pool twice in a row) exits 4.

            Keys measured on `diqkd source` are a simulation, never secret: they are marked \
            `simulation: true`, and --store refuses them unless --allow-simulated-keys is given.

            Examples (host A, then host B):
              diqkd node alice --listen 0.0.0.0:7000 --pool alice.pool --source src:7100 --out keys
              diqkd node bob --connect hostA:7000 --pool bob.pool --source src:7100 --out keys
            """
    )

    @Argument(help: "alice or bob.")
    var role: String

    @Option(help: "Wait for the other node on HOST:PORT.")
    var listen: String?

    @Option(help: "Connect to the other node at HOST:PORT (retrying until --connect-timeout).")
    var connect: String?

    @Option(help: "This node's pre-shared key pool file (from `diqkd pool init`).")
    var pool: String

    @Option(help: "Folder for each block's key and report.")
    var out: String = "diqkd-node-output"

    @Option(help: "Put each block's key into this site's key store (a file, or postgres://…) instead of a key file; `diqkd kme` serves it.")
    var store: String?

    @Option(help: "Measure with a simulated device played by `diqkd source` at HOST:PORT.")
    var source: String?

    @Option(help: "This lab's record file (as `postprocess` reads it); needs --assume-nonsignaling.")
    var records: String?

    @Flag(help: "Certify keys from --records without the space-like audit, which needs both labs' events.")
    var assumeNonsignaling = false

    @Option(help: "Number of rounds a block (boxes measured; default 10,000,000, or the record file's rounds).")
    var rounds: Int?

    @OptionGroup var classical: FiniteSizeOptions

    @Option(help: "Bits per reconciliation frame, 4096 to 2^30 (shorter frames do not decode with the measured margins; frames of 2^20 bits or more use quasi-cyclic codes).")
    var frameBits: Int = ReconciliationMargin.defaultFrameBits

    @Option(help: "Blocks to run, 1 to 1000000; 0 runs until stopped (a failed block is logged and the next one started).")
    var blocks: Int = 1

    @Option(help: "With --blocks 0: failed blocks in a row (no key: connection, transport or protocol failure) after which the node stops (exit 3).")
    var maxFailures: Int = 10

    @Option(help: "Seconds to wait for the other node's next frame or the source's answer.")
    var timeout: Double = 120

    @Option(help: "Seconds to keep trying to connect (or to wait for a connection).")
    var connectTimeout: Double = 60

    @Option(help: "Bits of every new key that refill the pool before the rest is delivered (a multiple of 128).")
    var refillBits: Int = 16_640

    @Flag(help: "Print each block's report as one JSON line instead of a summary.")
    var json = false

    @Flag(help: "Let --store take keys from a simulated source (`diqkd source`), which are never secret; the store records it.")
    var allowSimulatedKeys = false

    func run() throws {
        var settings = try self.settings()
        guard (listen == nil) != (connect == nil) else { throw CLIError.usage("give exactly one of --listen and --connect.") }
        let peer = try endpoint(listen ?? connect!, flag: listen != nil ? "--listen" : "--connect")
        let measurements = try self.measurements(&settings)
        if blocks == 0, case .source = measurements { try refuseNetLoss(settings) }
        let pool: KeyPool
        do { pool = try KeyPool.open(path: self.pool) } catch { throw CLIError.usage("--pool: \(error.description)") }
        if store != nil, case .source = measurements, !allowSimulatedKeys {
            throw CLIError.usage("--store with --source: keys measured on `diqkd source` are a simulation and never secret, so a "
                                 + "store takes them only with --allow-simulated-keys (for testing); measure with --records for real keys.")
        }
        if let store {
            // Reachable and usable now, so that a wrong --store is a usage error before any key is spent.
            do {
                try waitFor { await (try KeyStoreLocation.open(store)).close() }
            } catch let error as CLIError {
                throw CLIError.usage(error.message)
            }
        }
        let folder = try OutputFolder(path: out)
        let listener: FrameListener?
        do { listener = try listen.map { _ in try FrameListener(endpoint: peer, format: NodeFrames.format(settings.configuration),
                                                                   maximumFrameBytes: NodeFrames.frameBytes(settings.configuration),
                                                                   firstFrameBytes: NodeFrames.helloFrameBytes,
                                                                   firstFrameTimeout: NodeBlock.helloTimeout) } } catch {
            throw CLIError.usage("--listen: \(error).")
        }
        if let listener { log("listening on \(listener.endpoint)") }
        let keyName = "\(settings.role.rawValue).key"
        let journal = FolderJournal(folder: folder, keyName: keyName)
        // Keys an earlier run committed and a kill cut off before delivery.
        try deliverCommitted(folder: folder, keyName: keyName, pool: pool)
        var block = 0
        var failures = 0
        var strangers = StrangerLog()
        while blocks == 0 || block < blocks {
            block += 1
            guard pool.remaining >= UInt64(NodeBlock.poolBytesPerRun) else {
                let message = "pool \(self.pool) is exhausted: a run needs \(grouped(NodeBlock.poolBytesPerRun * 8)) bits and "
                    + "\(grouped(Int(pool.remaining) * 8)) are left; make a new pair with `diqkd pool init`."
                throw block == 1 ? CLIError.usage(message) : CLIError.aborted(message)
            }
            let connection: FrameConnection
            do {
                if let listener {
                    connection = try listener.accept(timeout: connectTimeout)
                } else {
                    connection = try NodeFrames.connect(to: peer, configuration: settings.configuration, within: connectTimeout)
                }
            } catch {
                let failure = CLIError.aborted("run \(block) (block \((try? nextBlock(folder)) ?? 0)): \(error.description); no key written.")
                guard blocks == 0 else { throw failure }
                failures += 1
                try pause(after: failures, failure)
                continue
            }
            let number = try nextBlock(folder)
            log("block \(number) (or the peer's, if higher): connected to \(connection.peer)")
            let held = try heldKey(folder)
            let progress = ProgressReporter()
            let result = NodeBlock.run(connection: connection, initiator: listener == nil, pool: pool, settings: settings,
                                       block: number, held: held, journal: journal, measurements: measurements,
                                       progress: progress.handler)
            progress.finish()
            if listener != nil && !result.peerAuthenticated {
                // Not a run: a connection whose hello did not authenticate spent no key. Keep
                // listening for the real peer.
                strangers.note("dropped a connection from \(connection.peer) before authentication: "
                               + "\(result.report.protocolReport.abortReason ?? "no hello")", log: log)
                block -= 1
                continue
            }
            strangers.flush(log: log)
            switch result.settlement {
            case .committed(let number)?: log("pending block \(number): Alice delivered it; delivered here too")
            case .discarded(let number)?: log("pending block \(number): Alice did not deliver it; destroyed")
            case nil: break
            }
            // This run's key and a pending key the hello settled, in block order.
            let refills = try deliverCommitted(folder: folder, keyName: keyName, pool: pool)
            let alarm = try securityAlarm(result, folder: folder)
            do {
                try finish(result, folder: folder, refilled: refills[result.report.node.block], alarm: alarm)
                failures = 0
            } catch let failure as CLIError where blocks == 0 && failure.code == 3 {
                failures += 1
                try pause(after: failures, failure)
            }
        }
    }

    /// Until stopped (`--blocks 0`), after the `failures`-th failed block in a row: logs it and
    /// waits 1, 2, 4 … 60 s before the next attempt, so that a peer that is down or a link
    /// that keeps failing is not hammered.
    /// - Throws: `failure`, with the count, once `--max-failures` blocks in a row have failed.
    private func pause(after failures: Int, _ failure: CLIError) throws {
        guard failures < maxFailures else {
            throw CLIError.aborted("\(failures) blocks in a row failed (--max-failures \(maxFailures)); the last: \(failure.message) "
                                   + "The node stops.")
        }
        let wait = min(60, 1 << min(failures - 1, 6))
        log("\(failure.message) Failed blocks in a row: \(failures) of at most \(maxFailures); next attempt in \(wait) s.")
        // blocking-exception: the synchronous command's main thread, between two blocks.
        Thread.sleep(forTimeInterval: Double(wait))
    }

    /// Until stopped, a block that cannot gain more key than its authentication consumes only
    /// shrinks the pool: refuses `--blocks 0` when even an ideal device — visibility 1 and the
    /// paper's Figure 14 settings, the source's own default and the best this repository models
    /// — is expected (`plan`, SECURITY-MATH §4.6) to give no more key bits per block than the
    /// pool bits a run consumes.
    /// - Throws: a usage error naming the rounds a block needs.
    private func refuseNetLoss(_ settings: NodeSettings) throws {
        let ideal = QuantumDeviceModel().behaviour
        let (epsilon, delta) = (ideal.chshError, ideal.keyBasisError)
        let parameters = settings.configuration.finiteSize.with(reconciliationEfficiency: ReconciliationMargin.efficiency(errorRate: delta))
        let consumed = NodeBlock.poolBytesPerRun * 8
        let rounds = settings.configuration.rounds
        let expected = FiniteSizePlan.point(rounds: rounds, epsilon: epsilon, delta: delta, parameters: parameters).keyBits
        guard expected <= consumed else { return }
        let needed = FiniteSizePlan.minimumRounds(epsilon: epsilon, delta: delta, parameters: parameters, keyBitsAbove: consumed)
        throw CLIError.usage("--blocks 0 at --rounds \(grouped(rounds)): even an ideal device (visibility 1, the paper's Figure 14 "
                             + "settings) is expected to give \(grouped(expected)) key bits a block, no more than the "
                             + "\(grouped(consumed)) pool bits each block's authentication consumes, so the pool would shrink "
                             + "block after block; use at least "
                             + (needed.map { "--rounds \(grouped($0))" } ?? "more rounds") + " (see `diqkd plan --visibility 1`).")
    }

    /// This node's next block number: past every block published or committed in the output
    /// folder and, with `--store`, past every block the store has held (a fresh or cleaned
    /// folder must not reuse a number whose keys the store holds or has delivered).
    func nextBlock(_ folder: OutputFolder) throws -> UInt64 {
        guard let store else { return folder.nextBlock() }
        final class Last: @unchecked Sendable { var block: UInt64 = 0 }
        let last = Last()
        try waitFor {
            let keyStore = try await KeyStoreLocation.open(store)
            do { last.block = try await keyStore.status().lastBlock } catch {
                await keyStore.close()
                throw error
            }
            await keyStore.close()
        }
        return max(folder.nextBlock(), last.block + 1)
    }

    /// Reports a run: its JSON line or summary; the report of a run without a key as
    /// `aborted-…json`, and exit 3.
    /// - Parameter alarm: a security event that stops the node (exit 4 instead of 3).
    private func finish(_ result: NodeBlock.Result, folder: OutputFolder, refilled: Bool?, alarm: String?) throws {
        var report = result.report
        if records != nil { report.protocolReport.premise = "assumed" }
        if json {
            try JSONOutput.print(report, pretty: false)
            fflush(nil)  // every C stream, stdout among them
        }
        guard case .key = result.outcome, !report.protocolReport.aborted else {
            try folder.publishAborted(session: report.node.session, report: report)
            if !json { printSummary(report, folder: nil, refilled: nil) }
            if let alarm { throw CLIError.securityEvent("security event: \(alarm); no key written, the node stops.") }
            throw CLIError.aborted("block \(report.node.block) aborted: \(report.protocolReport.abortReason ?? "unknown reason"); no key written.")
        }
        if !json { printSummary(report, folder: folder, refilled: refilled) }
        if let net = report.protocolReport.netKeyBits, net <= 0 {
            log("WARNING: block \(report.node.block) made \(grouped(report.protocolReport.keyBits)) key bits but its authentication "
                + "consumed \(grouped(report.protocolReport.authenticationBits ?? 0)) pool bits: a net loss; use more --rounds")
        }
    }

    private func printSummary(_ report: NodeReport, folder: OutputFolder?, refilled: Bool?) {
        let p = report.protocolReport
        let n = report.node
        print("\(n.role.rawValue), block \(n.block) with \(n.peer): \(grouped(p.rounds)) rounds, \(grouped(p.testRounds)) tested, "
              + "\(grouped(p.rawKeyBits)) raw key bits")
        if let epsilon = p.epsilonEstimate, let s = p.chshValue {
            print("CHSH error eps \(formatted(epsilon, digits: 5)) (S = \(formatted(s, digits: 5)))"
                  + (p.epsilonUpper.map { ", certified eps_up \(probabilityBoundText($0, digits: 5))" } ?? ""))
        }
        for warning in p.warnings {
            FileHandle.standardError.write(Data("WARNING: \(warning)\n".utf8))
        }
        if p.aborted {
            print("ABORTED: \(p.abortReason ?? "")")
        } else if let folder {
            let destination = store.map { "into the store \(KeyStoreLocation.displayed($0))" }
                ?? "in \(folder.path)/\(OutputFolder.blockName(n.block))/\(n.role.rawValue).key"
            let refill: String
            switch refilled {
            case true?: refill = "\(grouped(n.refillBits)) refilled the pool"
            case false? where n.refillBits > 0:
                refill = "no refill (the pool holds a refill from block \(n.block) or later already; its \(grouped(n.refillBits)) bits were dropped)"
            default: refill = "no refill"
            }
            print("key: \(grouped(p.keyBits)) bits; \(refill), \(grouped(report.deliveredKeyBits)) delivered " + destination)
            if p.simulation == true { print(simulatedKeyWarning) }
        }
        print("authentication: \(grouped(p.authenticationBits ?? 0)) pool bits, eps_auth \(formatted(p.epsilonAuthentication ?? 0, digits: 3)); "
              + "net key \(grouped(p.netKeyBits ?? 0)) bits; eps_total \(formatted(p.epsilonTotal ?? 0, digits: 3)); "
              + "pool left \(grouped(Int(n.poolRemainingBits))) bits")
        print("time: \(String(format: "%.2f", p.seconds)) s, \(grouped(n.wireBytes)) bytes on the wire")
        // A node run until stopped (or killed) must not keep its summaries in a buffer.
        fflush(nil)  // every C stream, stdout among them
    }

    private func settings() throws -> NodeSettings {
        guard let party = Party(rawValue: role) else { throw CLIError.usage("the role must be 'alice' or 'bob' (got '\(role)').") }
        let configuration = try classical.configuration(rounds: rounds ?? 10_000_000, frameBits: frameBits)
        guard (0...1_000_000).contains(blocks) else { throw CLIError.usage("--blocks must be between 0 and 1,000,000 (got \(blocks)).") }
        guard (1...1_000_000).contains(maxFailures) else {
            throw CLIError.usage("--max-failures must be between 1 and 1,000,000 (got \(maxFailures)).")
        }
        for (flag, value) in [("--timeout", timeout), ("--connect-timeout", connectTimeout)] {
            guard value.isFinite, value > 0, value <= 86_400 else {
                throw CLIError.usage("\(flag) must be between 0 and 86400 seconds (got \(value)).")
            }
        }
        guard refillBits >= 0, refillBits % 128 == 0, refillBits <= 1 << 30 else {
            throw CLIError.usage("--refill-bits must be a multiple of 128 between 0 and 2^30 (got \(refillBits)).")
        }
        return NodeSettings(role: party, configuration: configuration, timeout: timeout, refillBytes: refillBits / 8,
                            version: diqkdVersion)
    }

    /// The node's measurements; a record file also fixes the number of rounds.
    private func measurements(_ settings: inout NodeSettings) throws -> NodeMeasurements {
        switch (source, records) {
        case (let source?, nil):
            let endpoint = try endpoint(source, flag: "--source")
            // Reachable now, so that a wrong address is a usage error before any key is spent.
            do {
                let probe = try FrameConnection.connect(to: endpoint, format: SourceWire.Format(), maximumFrameBytes: SourceWire.maximumFrameBytes,
                                                        timeout: min(connectTimeout, 10))
                probe.close()
            } catch {
                throw CLIError.usage("--source: \(error.description).")
            }
            return .source(endpoint)
        case (nil, let records?):
            guard assumeNonsignaling else {
                throw CLIError.usage("--records on a node needs --assume-nonsignaling: the space-like audit needs both labs' events, "
                                     + "which live on two hosts (run `diqkd audit` on both files, or shield the boxes).")
            }
            guard blocks == 1 else {
                throw CLIError.usage("--records gives one block: a record file's rounds are measured once and may be used once "
                                     + "(got --blocks \(blocks)).")
            }
            let rounds: RecordedRounds
            do {
                // A node never audits (its peer's events are on another host): times and
                // positions may be absent.
                var options = RecordImport()
                options.requiresTimeAndPosition = false
                rounds = try RecordedRun.loadOne(records, party: settings.role, mode: settings.configuration.mode, options: options)
            } catch {
                throw CLIError.usage("\(error.description).")
            }
            if let given = self.rounds, given != rounds.inputs.count {
                throw CLIError.usage("--rounds \(given) but \(records) holds \(rounds.inputs.count) rounds; leave --rounds out to use the file's.")
            }
            settings.configuration.rounds = rounds.inputs.count
            do { try settings.configuration.validate() } catch { throw CLIError.usage("\(records): \(error.description).") }
            return .recorded(rounds)
        default:
            throw CLIError.usage("give exactly one of --source and --records.")
        }
    }

    private func endpoint(_ text: String, flag: String) throws -> Endpoint {
        guard let endpoint = Endpoint(text) else { throw CLIError.usage("\(flag) must be HOST:PORT (got '\(text)').") }
        return endpoint
    }

    func log(_ line: String) {
        FileHandle.standardError.write(Data("diqkd node: \(line)\n".utf8))
    }
}

/// The listener's lines about connections dropped before authentication, at most one a
/// second, so that a crowd of strangers cannot flood the log; the next line says how many
/// were left out.
struct StrangerLog {
    private var last: ContinuousClock.Instant?
    private var suppressed = 0

    mutating func note(_ line: String, log: (String) -> Void) {
        let now = ContinuousClock.now
        if let last, now - last < .seconds(1) {
            suppressed += 1
            return
        }
        log(line + (suppressed > 0 ? " (and \(suppressed) more such connections since the last such line)" : ""))
        last = now
        suppressed = 0
    }

    /// Says how many lines were left out since the last one, if any (after a real run).
    mutating func flush(log: (String) -> Void) {
        if suppressed > 0 { log("\(suppressed) more connections were dropped before authentication") }
        suppressed = 0
    }
}
