import ArgumentParser
import Foundation

/// An error with its SPEC.md exit code and one sentence for the user.
package struct CLIError: Error {
    package let code: Int32
    package let message: String

    package static func usage(_ message: String) -> CLIError { CLIError(code: 2, message: message) }
    package static func aborted(_ message: String) -> CLIError { CLIError(code: 3, message: message) }
    package static func failure(_ message: String) -> CLIError { CLIError(code: 1, message: message) }
    /// A security event (the key pools of two nodes have diverged, a node had to follow its
    /// peer's pool repeatedly): exit 4, distinct from a routine failure.
    package static func securityEvent(_ message: String) -> CLIError { CLIError(code: 4, message: message) }
}

/// Joins `--flag -30,0` into `--flag=-30,0`, so that negative numbers (angles, lists) can be
/// given the way every other value is: swift-argument-parser reads a word that starts with `-`
/// as a flag. Only words that look like numbers are joined (`-` then a digit or `.`); no flag
/// of diqkd has that form.
package func joiningNegativeValues(_ arguments: [String]) -> [String] {
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

/// The release of this build: `diqkd --version`, and the version nodes exchange in their hello.
package let diqkdVersion = "0.6.0"

extension ParsableCommand {
    /// Parses the process's arguments and runs the command, mapping every error to SPEC.md's
    /// exit codes: a ``CLIError`` to its own code, a usage error to 2 (swift-argument-parser's
    /// own default is 64), anything else to 1; help and `--version` print and exit 0.
    package static func runMappingExitCodes() -> Never {
        do {
            var command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
            try command.run()
            Foundation.exit(0)
        } catch {
            exitMapping(error)
        }
    }

    /// Prints `error` and exits with its SPEC.md code (see ``runMappingExitCodes()``).
    package static func exitMapping(_ error: any Error) -> Never {
        if let error = error as? CLIError {
            FileHandle.standardError.write(Data("diqkd: \(error.message)\n".utf8))
            Foundation.exit(error.code)
        }
        let code = exitCode(for: error)
        if code == .success {
            print(fullMessage(for: error))
            Foundation.exit(0)
        }
        FileHandle.standardError.write(Data("diqkd: \(message(for: error))\n".utf8))
        Foundation.exit(code == .validationFailure ? 2 : (code.rawValue == 0 ? 1 : code.rawValue))
    }
}

extension AsyncParsableCommand {
    /// ``ParsableCommand/runMappingExitCodes()`` for a root whose subcommands run async
    /// (servers); a synchronous subcommand runs as usual.
    package static func runMappingExitCodesAsync() async -> Never {
        do {
            var command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch {
            exitMapping(error)
        }
    }
}
