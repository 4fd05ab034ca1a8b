import ArgumentParser
import CommandLineSupport
import Foundation
import KeyPool

struct Pool: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and inspect pre-shared key pools, from which authentication draws its keys.",
        discussion: """
            A pool is a pair of identical files, one for each node, holding random key behind a \
            64-byte header (docs/authentication.md). Each run of the protocol takes 8,320 bits \
            from both files at the same position; spent bits are overwritten with zeros.

            Examples:
              diqkd pool init --bits 8388608 --alice alice.pool --bob bob.pool
              diqkd pool status alice.pool --json
            """,
        subcommands: [PoolInit.self, PoolStatus.self]
    )
}

/// Maps a pool error to the CLI's exit codes: the state of the files given is an input error (2);
/// a lock held elsewhere or a failing disk is not (1).
func cliError(_ error: KeyPoolError) -> CLIError {
    error.code == .io || error.code == .inUse ? .failure(error.message) : .usage(error.message)
}

struct PoolInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Creates Alice's and Bob's files of a new pool, with identical key from the system's generator.",
        discussion: """
            Both files are created mode 0600; neither may exist. Copy Bob's file to Bob's node over \
            a channel you trust, then delete every other copy.

            Example:
              diqkd pool init --bits 8388608 --alice alice.pool --bob bob.pool
            """)

    /// The largest pool `init` creates: 2^40 bits (128 GiB).
    static let maximumBits = Int(KeyPool.maximumByteCount) * 8

    @Option(help: "Size of the pool in bits: a positive multiple of 128, at most 2^40.")
    var bits: Int

    @Option(help: "Alice's pool file (must not exist).")
    var alice: String

    @Option(help: "Bob's pool file (must not exist).")
    var bob: String

    @Flag(help: "One JSON object on stdout.")
    var json = false

    func run() throws {
        guard bits > 0, bits % 128 == 0, bits <= Self.maximumBits else {
            throw CLIError.usage("--bits must be a positive multiple of 128 up to 2^40 (got \(bits)).")
        }
        for (flag, path) in [("--alice", alice), ("--bob", bob)] where FileManager.default.fileExists(atPath: path) || isSymbolicLink(path) {
            throw CLIError.usage("\(flag) \(path) already exists; a pool is never overwritten.")
        }
        let id: [UInt8]
        do {
            id = try KeyPool.createPair(alice: alice, bob: bob, bytes: bits / 8)
        } catch {
            throw cliError(error)
        }
        let hex = id.map { String(format: "%02x", $0) }.joined()
        if json {
            struct Created: Encodable { let id: String, alice: String, bob: String, capacityBits: Int, capacityBytes: Int }
            try JSONOutput.print(Created(id: hex, alice: alice, bob: bob, capacityBits: bits, capacityBytes: bits / 8))
        } else {
            print("created pool \(hex): \(grouped(bits)) bits (\(grouped(bits / 8)) bytes) in \(alice) and \(bob)")
        }
    }
}

private func isSymbolicLink(_ path: String) -> Bool {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
}

struct PoolStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Prints a pool's ID, capacity, position and remaining key, in bits.",
        discussion: """
            Reads the pool's header read-only, without taking the pool: it works while a node \
            holds the pool (and then says so). The file must be mode 0600, as for a run.

            Example:
              diqkd pool status alice.pool --json
            """)

    @Argument(help: "The pool file.")
    var file: String

    @Flag(help: "One JSON object on stdout.")
    var json = false

    func run() throws {
        let status: KeyPool.Status
        do {
            status = try KeyPool.status(path: file)
        } catch {
            throw cliError(error)
        }
        if json { try JSONOutput.print(status) } else { print(status) }
    }
}
