import Foundation
import SecurityBounds

/// Writes machine-readable results: one JSON document on stdout.
package enum JSONOutput {
    package static func print<T: Encodable>(_ value: T, pretty: Bool = true) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}

/// Writes a file atomically, so that a failure never leaves a partial file behind.
package func writeAtomically(_ text: String, to path: String, flag: String? = nil) throws {
    if isFolder(path) == true {
        throw CLIError.usage("\(flag.map { "\($0) " } ?? "")\(path) is a folder; give a file name.")
    }
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw CLIError.failure("cannot write \(path): \(error.localizedDescription)")
    }
}

/// Whether `path` is a folder; `nil` when nothing is there.
package func isFolder(_ path: String) -> Bool? {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) ? isDirectory.boolValue : nil
}

/// Formats a number for human-readable output with `digits` significant digits.
package func formatted(_ value: Double, digits: Int = 6) -> String {
    String(format: "%.\(digits)g", value)
}

/// Formats an integer with commas between groups of three digits.
package func grouped(_ value: Int) -> String { groupedDigits(value) }
