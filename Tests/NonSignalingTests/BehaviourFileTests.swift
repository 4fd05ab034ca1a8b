import Foundation
import Testing
import NonSignaling

/// ``Behaviour/decodeFile(_:)``, the parser of `diqkd bound --behaviour FILE` (fuzzed by
/// Fuzz/Sources/BehaviourFileFuzzer).
@Suite("behaviour files")
struct BehaviourFileTests {
    @Test func aUniformBoxIsRead() throws {
        let json = "{\"boxes\": 1, \"probabilities\": [\(Array(repeating: "0.25", count: 16).joined(separator: ","))]}"
        let behaviour = try Behaviour.decodeFile(Data(json.utf8))
        #expect(behaviour.boxes == 1 && behaviour.probabilities == Array(repeating: 0.25, count: 16))
    }

    @Test(arguments: [
        ("{\"boxes\": 1}", BehaviourFileError.missingField("probabilities")),
        ("{\"boxes\": 1, \"probabilities\": [null]}", .null(path: "probabilities[0]")),
        ("not json", .notABehaviourFile),
        ("{\"boxes\": 9, \"probabilities\": []}", .invalid(.unsupportedBoxCount(9))),
        ("{\"boxes\": 1, \"probabilities\": [0.25, 0.25]}", .invalid(.wrongLength(expected: 16, actual: 2))),
    ])
    func malformedFilesSayWhy(json: String, expected: BehaviourFileError) {
        #expect(throws: expected) { _ = try Behaviour.decodeFile(Data(json.utf8)) }
    }

    @Test func aWrongTypeNamesItsPlace() throws {
        let error = try #require(throws: BehaviourFileError.self) {
            _ = try Behaviour.decodeFile(Data("{\"boxes\": 1, \"probabilities\": [\"a\"]}".utf8))
        }
        guard case .wrongType(let path, _) = error else { Issue.record("\(error)"); return }
        #expect(path == "probabilities[0]")
    }
}
