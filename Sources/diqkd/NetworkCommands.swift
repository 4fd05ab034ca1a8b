import ArgumentParser
import CommandLineSupport
import Foundation

/// The networked commands live in executables beside this one, so that SwiftNIO, Hummingbird and
/// swift-nio-ssl are built only for those who use them. `diqkd node …`, `diqkd source …` and
/// `diqkd bench network …` replace this process with `diqkd-node`, `diqkd kme …` with
/// `diqkd-kme`, arguments unchanged.
enum NetworkCommands {
    /// The sibling executable that runs `arguments` (without the program name), or nil when
    /// this one does.
    static func executable(for arguments: [String]) -> String? {
        switch arguments.first {
        case "node", "source": "diqkd-node"
        case "bench" where arguments.dropFirst().first == "network": "diqkd-node"
        case "kme", "store": "diqkd-kme"
        default: nil
        }
    }

    /// Whether `arguments` (without the program name) name a networked command.
    static func isNetworked(_ arguments: [String]) -> Bool {
        executable(for: arguments) != nil
    }

    /// Replaces this process with the sibling executable; returns only on failure, with the reason.
    static func forward(_ arguments: [String]) -> CLIError {
        guard let executable = executable(for: arguments) else {
            return CLIError.failure("`diqkd \(arguments.first ?? "")` is not a networked command")
        }
        // This executable's own file, from the kernel: the program name may be a bare `diqkd`
        // found on PATH, and resolving that against the working folder would run whatever
        // file of that name the folder holds.
        guard let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return CLIError.failure("cannot find this executable's own path (/proc/self/exe) to start \(executable) beside it")
        }
        let path = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent(executable).path
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

/// `diqkd kme`: listed in the help; the work is done by `diqkd-kme`.
struct KMEForward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kme",
        abstract: "Serve a site's key store to applications over ETSI GS QKD 014 with mutual TLS (see `diqkd kme --help`)."
    )
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws { throw NetworkCommands.forward(["kme"] + arguments) }
}

/// `diqkd store`: listed in the help; the work is done by `diqkd-kme`.
struct StoreForward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "A site's key store: import a key, show what it holds (see `diqkd store --help`)."
    )
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws { throw NetworkCommands.forward(["store"] + arguments) }
}
