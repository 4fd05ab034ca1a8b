#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why the bytes of a behaviour file do not give a valid behaviour.
public enum BehaviourFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON object lacks `boxes` or `probabilities`.
    case missingField(String)
    /// A value has the wrong JSON type; `path` is like `probabilities[3]`.
    case wrongType(path: String, detail: String)
    /// A value is `null`; `path` is like `probabilities[3]`.
    case null(path: String)
    /// The bytes are not JSON, or not a JSON object of the expected shape.
    case notABehaviourFile
    /// The contents decode but fail ``Behaviour/init(boxes:probabilities:)`` or
    /// ``Behaviour/validate(tolerance:)``.
    case invalid(BehaviourError)

    public var description: String {
        switch self {
        case .missingField(let name): return "missing field \"\(name)\"."
        case .wrongType(let path, let detail): return "wrong type at \(path): \(detail)"
        case .null(let path): return "null at \(path); entries must be finite numbers."
        case .notABehaviourFile: return "not a behaviour file (JSON {\"boxes\": n, \"probabilities\": [...]})."
        case .invalid(let error): return error.description
        }
    }
}

extension Behaviour {
    private struct FileContents: Decodable {
        let boxes: Int
        let probabilities: [Double]
    }

    /// Decodes and validates a behaviour file of SPEC.md, `{"boxes": n, "probabilities":
    /// [16^n numbers]}` in the flat layout of ``Behaviour``.
    ///
    /// - Parameter data: the file's bytes (untrusted: any bytes give a behaviour or an error).
    /// - Returns: a behaviour that passes ``validate(tolerance:)`` with the default tolerance
    ///   (length, finite, non-negative, normalised, non-signalling within 1e-9).
    /// - Throws: the first problem found, decoding before validation.
    public static func decodeFile(_ data: Data) throws(BehaviourFileError) -> Behaviour {
        let contents: FileContents
        do {
            contents = try JSONDecoder().decode(FileContents.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .missingField(key.stringValue)
        } catch let DecodingError.typeMismatch(_, context) {
            throw .wrongType(path: describe(context.codingPath), detail: context.debugDescription)
        } catch let DecodingError.valueNotFound(_, context) {
            throw .null(path: describe(context.codingPath))
        } catch {
            throw .notABehaviourFile
        }
        do {
            let behaviour = try Behaviour(boxes: contents.boxes, probabilities: contents.probabilities)
            try behaviour.validate()
            return behaviour
        } catch {
            throw .invalid(error)
        }
    }

    private static func describe(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined()
    }
}
