import ArgumentParser
import CommandLineSupport
import Authentication
import Foundation
import Randomness

struct MacBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mac",
        abstract: "The polynomial hash of Wegman-Carter authentication on one core: Gbit/s per kernel, and tag + verify of one frame.",
        discussion: """
            One line per kernel (hardware: PCLMULQDQ with eight blocks per reduction, when the \
            processor has it; portable: plain C), then one for tagging and verifying a frame of the \
            same size with AuthenticationKeys (two hashes per frame; the rate counts the frame's bits \
            once). Each line runs for about --seconds.

            Examples:
              diqkd bench mac --json
              diqkd bench mac --bytes 1500 --seconds 0.5
            """)

    @Option(help: "Message size in bytes, 1 to 2^30.")
    var bytes: Int = 1 << 20

    @Option(help: "Seconds to run each measurement, 0.01 to 600.")
    var seconds: Double = 1

    @Flag(help: "JSON lines.")
    var json = false

    func run() throws {
        guard (1...(1 << 30)).contains(bytes) else { throw CLIError.usage("--bytes must be between 1 and 2^30 (got \(bytes)).") }
        guard seconds.isFinite, (0.01...600).contains(seconds) else {
            throw CLIError.usage("--seconds must be between 0.01 and 600 (got \(seconds)).")
        }
        var rng = Xoshiro256(seed: 13)
        let message = (0..<bytes).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let hash = PolynomialHash(key: GF128(low: rng.next(), high: rng.next()))
        for backend in PolynomialHash.availableBackends {
            let (count, elapsed) = repeatFor(seconds) { _ = message.withUnsafeBytes { hash.hash($0, backend: backend) } }
            try emit(["benchmark": "mac", "kernel": backend.rawValue, "bytes": bytes, "iterations": count, "seconds": elapsed,
                      "gbitPerSecond": Double(8 * bytes) * Double(count) / elapsed / 1e9], json: json)
        }
        let reservation = (0..<AuthenticationKeys.byteCount).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let keys = try AuthenticationKeys(reservation: reservation)
        var rejected = 0
        let (count, elapsed) = try repeatFor(seconds) {
            let tag = try message.withUnsafeBytes { try keys.tag($0, direction: 0, sequence: 5) }
            if !message.withUnsafeBytes({ m in tag.withUnsafeBytes { keys.verify(m, tag: $0, direction: 0, sequence: 5) } }) { rejected += 1 }
        }
        guard rejected == 0 else { throw CLIError.failure("bench mac: a correct tag did not verify.") }
        try emit(["benchmark": "mac", "kernel": "tag+verify", "backend": PolynomialHash.Backend.preferred.rawValue,
                  "bytes": bytes, "iterations": count, "seconds": elapsed,
                  "gbitPerSecond": Double(8 * bytes) * Double(count) / elapsed / 1e9,
                  "framesPerSecond": Double(count) / elapsed,
                  "forgeryBound": PolynomialHash.forgeryBound(byteCount: bytes)], json: json)
    }
}

/// Runs `body` once to warm up, then repeatedly for about `seconds`, reading the clock after
/// batches of about a megabyte's worth of calls; returns the calls timed and their seconds.
private func repeatFor(_ seconds: Double, _ body: () throws -> Void) rethrows -> (count: Int, seconds: Double) {
    try body()
    var count = 0, elapsed = 0.0, batch = 1
    while elapsed < seconds {
        elapsed += try measureSeconds { for _ in 0..<batch { try body() } }
        count += batch
        if elapsed < seconds / 100 { batch *= 2 }
    }
    return (count, elapsed)
}
