import Foundation
import Testing

/// Runs the README's worked example exactly as written: the commands of the shell block after
/// the `worked-example` marker, on `docs/examples/lab-export/`, and checks that the summary the
/// README quotes is what `postprocess` prints.
@Suite("the README's worked example")
struct WorkedExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The fenced blocks after the marker: the commands, then the quoted summary.
    static func blocks() throws -> (commands: [[String]], summary: [String]) {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = try #require(readme.range(of: "<!-- worked-example"))
        let fences = readme[marker.upperBound...].components(separatedBy: "```")
        // fences[1] is "sh\n...", fences[3] the summary block.
        let shell = fences[1].dropFirst(3)
        let commands = shell.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n").map { words(String($0)) }
        let summary = fences[3].split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        return (commands, summary)
    }

    /// A command line split as a POSIX shell splits this simple form: spaces between words,
    /// single quotes around a word.
    static func words(_ line: String) -> [String] {
        var result: [String] = [], current = "", quoted = false, inWord = false
        for character in line {
            if character == "'" { quoted.toggle(); inWord = true; continue }
            if character == " " && !quoted {
                if inWord { result.append(current) }
                current = ""
                inWord = false
                continue
            }
            current.append(character)
            inWord = true
        }
        if inWord { result.append(current) }
        return result
    }

    @Test func theCommandsRunAsTheReadmeSays() throws {
        let (commands, summary) = try Self.blocks()
        #expect(commands.count == 2 && commands.allSatisfy { $0.first == "diqkd" })
        // Run where `docs/` is the repository's, and the output folder is a fresh one.
        let dir = try temporaryDirectory()
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("docs"),
                                                   withDestinationURL: Self.root.appendingPathComponent("docs"))
        let audit = try diqkd(Array(commands[0].dropFirst()), in: dir)
        #expect(audit.status == 3, "a failed audit exits 3: \(audit.stderr)")
        #expect(audit.stdout.lowercased().contains("verdict: fail"), "\(audit.stdout)")
        #expect(audit.stderr.contains("ignoring column 'Herald'"))
        let post = try diqkd(Array(commands[1].dropFirst()), in: dir)
        #expect(post.status == 3, "\(post.stderr)")
        #expect(post.stderr.contains("protocol aborted: parameter estimation"), "\(post.stderr)")
        for line in summary { #expect(post.stdout.contains(line), "README quotes '\(line)', postprocess printed:\n\(post.stdout)") }
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("lab-keys/report.json"))) as? [String: Any]
        let statistics = try #require(report?["fieldStatistics"] as? [String: Any])
        #expect(String(format: "%.2f", statistics["chshValue"] as? Double ?? 0) == "2.55")
        #expect(String(format: "%.2f", statistics["chshStandardError"] as? Double ?? 0) == "0.09")
        #expect(report?["premise"] as? String == "assumed")
    }
}
