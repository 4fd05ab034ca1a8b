import Foundation

/// An error with its SPEC.md exit code and one sentence for the user.
package struct CLIError: Error {
    package let code: Int32
    package let message: String

    package static func usage(_ message: String) -> CLIError { CLIError(code: 2, message: message) }
    package static func aborted(_ message: String) -> CLIError { CLIError(code: 3, message: message) }
    package static func failure(_ message: String) -> CLIError { CLIError(code: 1, message: message) }
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
