import Foundation

/// Seconds elapsed while running `body`.
package func measureSeconds(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// Writes one benchmark result as a JSON line on stdout (or a readable line without `--json`).
package func emit(_ fields: [String: Any], json: Bool) throws {
    if json {
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    } else {
        let line = fields.keys.sorted().map { key -> String in
            let value = fields[key]!
            if let d = value as? Double { return "\(key)=\(formatted(d, digits: 5))" }
            return "\(key)=\(value)"
        }.joined(separator: " ")
        print(line)
    }
}

/// The peak resident memory of this process since the last reset, in bytes (Linux).
package enum PeakMemory {
    package static func reset() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    package static func bytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kib * 1024
    }
}
