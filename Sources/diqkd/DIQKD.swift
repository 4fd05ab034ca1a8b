import ArgumentParser
import CommandLineSupport
import Foundation

@main
struct DIQKD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diqkd",
        abstract: "Device-independent quantum key distribution secure against non-signalling adversaries.",
        discussion: """
            Implements the protocol and security bounds of Hänggi, Renner and Wolf, "Efficient \
            device-independent quantum key distribution". Exit codes: 0 success, 2 usage or input \
            error, 3 the protocol aborted by design (no key written), 1 anything else.
            """,
        version: DIQKD.version,
        subcommands: [Simulate.self, Postprocess.self, Audit.self, Convert.self, Amplify.self, Rate.self, Plan.self, Region.self, Bound.self, Attack.self, Pool.self, Bench.self, NodeForward.self, SourceForward.self, KMEForward.self, StoreForward.self]
    )

    /// The release of this build, printed by `diqkd --version`.
    static let version = diqkdVersion

    /// Runs the command line, mapping every usage error to exit code 2 as SPEC.md requires
    /// (swift-argument-parser's own default is 64).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if NetworkCommands.isNetworked(arguments) {
            let error = NetworkCommands.forward(arguments)
            FileHandle.standardError.write(Data("diqkd: \(error.message)\n".utf8))
            Foundation.exit(error.code)
        }
        runMappingExitCodes()
    }
}
