import ArgumentParser
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
        subcommands: [Simulate.self, Postprocess.self, Audit.self, Convert.self, Amplify.self, Rate.self, Plan.self, Region.self, Bound.self, Attack.self, Bench.self]
    )

    /// The release of this build, printed by `diqkd --version`.
    static let version = "0.5.0"

    /// Runs the command line, mapping every usage error to exit code 2 as SPEC.md requires
    /// (swift-argument-parser's own default is 64).
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
            let message = DIQKD.message(for: error)
            FileHandle.standardError.write(Data("diqkd: \(message)\n".utf8))
            Foundation.exit(code == .validationFailure ? 2 : (code.rawValue == 0 ? 1 : code.rawValue))
        }
    }
}

/// An error with its SPEC.md exit code and one sentence for the user.
struct CLIError: Error {
    let code: Int32
    let message: String

    static func usage(_ message: String) -> CLIError { CLIError(code: 2, message: message) }
    static func aborted(_ message: String) -> CLIError { CLIError(code: 3, message: message) }
    static func failure(_ message: String) -> CLIError { CLIError(code: 1, message: message) }
}

/// Joins `--flag -30,0` into `--flag=-30,0`, so that negative numbers (angles, lists) can be
/// given the way every other value is: swift-argument-parser reads a word that starts with `-`
/// as a flag. Only words that look like numbers are joined (`-` then a digit or `.`); no flag
/// of diqkd has that form.
func joiningNegativeValues(_ arguments: [String]) -> [String] {
    var out: [String] = []
    var i = 0
    while i < arguments.count {
        let word = arguments[i]
        if word == "--" {
            out.append(contentsOf: arguments[i...])
            break
        }
        if word.hasPrefix("--"), !word.contains("="), i + 1 < arguments.count, looksNegative(arguments[i + 1]) {
            out.append("\(word)=\(arguments[i + 1])")
            i += 2
            continue
        }
        out.append(word)
        i += 1
    }
    return out
}

private func looksNegative(_ word: String) -> Bool {
    let scalars = Array(word.unicodeScalars.prefix(2))
    guard scalars.count == 2, scalars[0] == "-" else { return false }
    return ("0"..."9").contains(scalars[1]) || scalars[1] == "."
}
