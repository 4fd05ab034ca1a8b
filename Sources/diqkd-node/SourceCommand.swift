import ArgumentParser
import CommandLineSupport
import Foundation
import Node
import Protocol
import Randomness
import Simulation
import Transport

struct SourceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source",
        abstract: "Play nature for two nodes' simulated devices: the entangled-pair source and both labs' apparatus.",
        discussion: """
            Each node's device (`diqkd node ... --source HOST:PORT`) connects on its own and \
            sends its inputs in batches; the source answers from one joint behaviour — the honest \
            device model (the flags of `simulate`) or an eavesdropper's box partition (--attack, \
            as in `attack`) — so each lab sees only its own outputs. Runs until stopped.

            The source is a SIMULATION of nature, for testing the nodes: it sees both labs' inputs \
            and sets every output, and its link to each node is neither encrypted nor \
            authenticated, so whoever runs it or reads the link knows every key. Keys from it are \
            marked `simulation: true`, and key stores refuse them unless the node is given \
            --allow-simulated-keys. A real deployment measures with the lab's own device or its \
            records (`node --records`). The source listens on loopback unless --listen names \
            another address.

            Examples:
              diqkd source
              diqkd source --listen 127.0.0.1:7100 --visibility 0.98
              diqkd source --listen 127.0.0.1:7100 --attack individual --epsilon 0.02
            """
    )

    @Option(help: "Address to listen on, HOST:PORT (port 0: any free port, printed on stderr); loopback by default.")
    var listen: String = "127.0.0.1:7100"

    @OptionGroup(title: "Device model")
    var device: DeviceModelOptions

    @Option(help: "Play an eavesdropper's devices instead: 'individual' (Appendix A) or 'collective' (Lemma 24).")
    var attack: String?

    @Option(help: "With --attack: the CHSH error eps of the behaviour Eve imitates, in [0, 0.25].")
    var epsilon: Double = 0.02

    @Option(help: "With --attack collective: boxes per group, 2 to 8.")
    var groupBoxes: Int = 2

    @Option(help: "Make nature reproducible (each run's behaviour seeded from this and the run's label). Such keys are NOT secret.")
    var seed: UInt64?

    @Option(help: "Seconds a device may stay silent before its connection is dropped.")
    var timeout: Double = 600

    func run() throws {
        guard let endpoint = Endpoint(listen) else { throw CLIError.usage("--listen must be HOST:PORT (got '\(listen)').") }
        guard timeout.isFinite, timeout > 0, timeout <= 86_400 else {
            throw CLIError.usage("--timeout must be between 0 and 86400 seconds (got \(timeout)).")
        }
        let makeSource = try sourceFactory()
        let listener: FrameListener
        do { listener = try FrameListener(endpoint: endpoint, format: SourceWire.Format(), maximumFrameBytes: SourceWire.maximumFrameBytes) } catch {
            throw CLIError.usage("\(error.description).")
        }
        if !Self.isLoopback(endpoint.host) {
            FileHandle.standardError.write(Data(("WARNING: the source listens on \(endpoint.host), beyond this host: anyone who reaches or "
                + "reads its links learns every output, so keys from it are never secret.\n").utf8))
        }
        if seed != nil {
            FileHandle.standardError.write(Data("WARNING: --seed makes nature reproducible; keys from this source are NOT secret.\n".utf8))
        }
        FileHandle.standardError.write(Data("diqkd source: listening on \(listener.endpoint)\n".utf8))
        let service = SourceService(listener: listener, timeout: timeout, log: { line in
            FileHandle.standardError.write(Data("diqkd source: \(line)\n".utf8))
        }, makeSource: makeSource)
        service.serve()
    }

    /// A fresh joint behaviour per run, seeded from --seed and the run's label, or from the
    /// system's generator.
    private func sourceFactory() throws -> SourceService.MakeSource {
        let seed = self.seed
        @Sendable func natureSeed(_ label: [UInt8]) -> UInt64 {
            guard let seed else { return UInt64.random(in: .min ... .max) }
            var mixed = seed
            for byte in label { mixed = (mixed ^ UInt64(byte)) &* 0x100_0000_01B3 }
            var randomness = PartyRandomness(seed: mixed, stream: "nature")
            return randomness.next()
        }
        if let attack {
            guard device.isGiven == false else { throw CLIError.usage("--attack plays Eve's devices; it cannot be combined with device-model flags.") }
            let chosen = try eavesdropperAttack(attack, groupBoxes: groupBoxes, epsilon: epsilon)
            do { _ = try EavesdropperDevices(attack: chosen, seed: 0) } catch { throw CLIError.usage("\(error.description).") }
            return { label in try! EavesdropperDevices(attack: chosen, seed: natureSeed(label)).source }
        }
        let behaviour = try device.model(defaultVisibility: 0.99).behaviour
        return { label in BoxSource(box: behaviour, seed: natureSeed(label)) }
    }

    /// Whether `host` names this host only (127.0.0.0/8, ::1, localhost).
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
