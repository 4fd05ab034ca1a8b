import ArgumentParser
import CommandLineSupport
import Foundation

/// The networked commands. `diqkd node`, `diqkd source` and `diqkd bench network` run this
/// executable (it sits beside `diqkd`), so it is built only by those who use them.
struct DIQKDNode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diqkd",
        abstract: "diqkd's networked commands: a party as a network node, and the source service.",
        version: diqkdVersion,
        subcommands: [NodeCommand.self, SourceCommand.self, BenchCommand.self]
    )

    static func main() {
        runMappingExitCodes()
    }
}
