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
        do {
            var command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("diqkd: \(error.message)\n".utf8))
            Foundation.exit(error.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data("diqkd: \(message(for: error))\n".utf8))
            Foundation.exit(code == .validationFailure ? 2 : (code.rawValue == 0 ? 1 : code.rawValue))
        }
    }
}
