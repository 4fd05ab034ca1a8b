import Foundation

/// A Key request (ETSI GS QKD 014 V1.1.1, clause 6.2), from the query of `GET enc_keys` or the
/// body of `POST enc_keys` (clause 5.2), read leniently: unknown fields and nulls are ignored,
/// numbers may come as strings.
public struct KeyRequest: Sendable, Equatable {
    /// Keys asked for; nil: the standard's default of 1.
    public var number: Int?
    /// Bits per key; nil: the KME's `key_size`.
    public var size: Int?
    /// Further slaves to share the keys with (multicast); this KME supports none.
    public var additionalSlaveSAEIDs: [String] = []
    /// The extension names in `extension_mandatory`, all of which this KME must refuse (it
    /// implements no extension).
    public var mandatoryExtensions: [String] = []

    public init(number: Int? = nil, size: Int? = nil, additionalSlaveSAEIDs: [String] = [], mandatoryExtensions: [String] = []) {
        self.number = number
        self.size = size
        self.additionalSlaveSAEIDs = additionalSlaveSAEIDs
        self.mandatoryExtensions = mandatoryExtensions
    }
}

extension KeyRequest: Decodable {
    enum CodingKeys: String, CodingKey {
        case number, size
        case additionalSlaveSAEIDs = "additional_slave_SAE_IDs"
        case mandatory = "extension_mandatory"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        number = try container.decodeIfPresent(LenientInteger.self, forKey: .number)?.value
        size = try container.decodeIfPresent(LenientInteger.self, forKey: .size)?.value
        additionalSlaveSAEIDs = try container.decodeIfPresent([String].self, forKey: .additionalSlaveSAEIDs) ?? []
        mandatoryExtensions = try container.decodeIfPresent(JSONValue.self, forKey: .mandatory)?.extensionNames ?? []
    }

    /// Reads `number` and `size` from a query or form: absent names stay nil.
    /// - Throws: ``KMEError`` 400 when a value is not an integer.
    init(fields: [(String, String)]) throws(KMEError) {
        for (name, value) in fields {
            switch name {
            case "number": number = try Self.integer(value, name)
            case "size": size = try Self.integer(value, name)
            case "additional_slave_SAE_IDs": additionalSlaveSAEIDs.append(value)
            default: continue
            }
        }
    }

    private static func integer(_ text: String, _ name: String) throws(KMEError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw .badRequest("\(name) must be an integer", [["parameter": name, "value": String(text.prefix(40))]])
        }
        return value
    }
}

/// The Key IDs object (clause 6.4) of `POST dec_keys` (clause 5.3): `{"key_IDs": [{"key_ID":
/// UUID}]}`; an entry may also be a bare string. IDs that are not UUIDs are kept as text so the
/// refusal can name them.
struct KeyIDsRequest: Decodable, Sendable, Equatable {
    var keyIDs: [String]

    enum CodingKeys: String, CodingKey {
        case keyIDs = "key_IDs"
    }

    private struct Entry: Decodable {
        let id: String?
        enum CodingKeys: String, CodingKey { case id = "key_ID" }
        init(from decoder: any Decoder) throws {
            if let bare = try? decoder.singleValueContainer().decode(String.self) {
                id = bare
            } else {
                id = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .id)
            }
        }
    }

    init(keyIDs: [String]) {
        self.keyIDs = keyIDs
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keyIDs = try (container.decodeIfPresent([Entry].self, forKey: .keyIDs) ?? []).compactMap(\.id)
    }
}

/// An integer that may arrive as a JSON number (integral), a string of digits, or null.
struct LenientInteger: Decodable {
    let value: Int?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = nil
        } else if let integer = try? container.decode(Int.self) {
            value = integer
        } else if let text = try? container.decode(String.self), let integer = Int(text.trimmingCharacters(in: .whitespaces)) {
            value = integer
        } else if let real = try? container.decode(Double.self), real.rounded() == real, abs(real) < 1e15 {
            value = Int(real)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an integer")
        }
    }
}

/// Any JSON value, to read extension objects whose shape the standard leaves open.
indirect enum JSONValue: Decodable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// The extension names in an `extension_mandatory` value: the keys of an object, or of each
    /// object in an array (clients send both shapes); none for null or an empty container.
    var extensionNames: [String] {
        switch self {
        case .object(let members): members.keys.sorted()
        case .array(let items): items.flatMap { item -> [String] in
            if case .object = item { return item.extensionNames }
            return item == .null ? [] : ["(unnamed)"]
        }
        case .null: []
        default: ["(unnamed)"]
        }
    }
}
