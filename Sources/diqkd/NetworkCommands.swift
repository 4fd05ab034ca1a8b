import ArgumentParser
import CommandLineSupport
import Foundation

/// The networked commands live in the `diqkd-node` executable beside this one, so that SwiftNIO
/// is built only for those who use them. `diqkd node …`, `diqkd source …` and
/// `diqkd bench network …` replace this process with it, arguments unchanged.
enum NetworkCommands {
    /// The sibling executable's name.
    static let executable = "diqkd-node"

    /// Whether `arguments` (without the program name) name a networked command.
    static func isNetworked(_ arguments: [String]) -> Bool {
        guard let first = arguments.first else { return false }
        return first == "node" || first == "source" || (first == "bench" && arguments.dropFirst().first == "network")
    }

    /// Replaces this process with `diqkd-node`; returns only on failure, with the reason.
    static func forward(_ arguments: [String]) -> CLIError {
        let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let path = own.deletingLastPathComponent().appendingPathComponent(executable).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            return CLIError.usage("`diqkd \(arguments[0])` needs the \(executable) executable beside diqkd (\(path)); "
                                  + "build it with `swift build -c release --product \(executable)` (./scripts/diqkd does).")
        }
        let argv = [path] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        execv(path, &cArguments)
        return CLIError.failure("cannot run \(path): \(String(cString: strerror(errno)))")
    }
}

/// `diqkd node`: listed in the help; the work is done by `diqkd-node`.
struct NodeForward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run one party (alice or bob) as a network node with an authenticated channel to the other (see `diqkd node --help`)."
    )
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws { throw NetworkCommands.forward(["node"] + arguments) }
}

/// `diqkd source`: listed in the help; the work is done by `diqkd-node`.
struct SourceForward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source",
        abstract: "Play nature for two nodes' simulated devices (see `diqkd source --help`)."
    )
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws { throw NetworkCommands.forward(["source"] + arguments) }
}
