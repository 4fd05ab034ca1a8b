import ArgumentParser
import CommandLineSupport
import Foundation
import KeyStore
import KeyStores

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "A site's key store: import a key, show what it holds.",
        subcommands: [StoreImport.self, StoreStatus.self]
    )
}

struct StoreImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add a key file (a `simulate` or `postprocess` alice.key or bob.key) to a site's store as one block.",
        discussion: """
            Both sites must import their copies of the same key under the same block number: \
            the key IDs a KME hands out name the block, and the other site finds the same bytes \
            by them. The key's length in bits is its report's (`deliveredKeyBits` of a node's \
            block, else `keyBits`): the padding bits of a last partial byte, and so that byte, \
            are dropped, since a store hands out whole bytes and those bits are known zeros. A \
            file whose size does not fit its report's length is refused. A test key stored \
            without a report counts every byte. The file itself is left as it is.

            The run's report (report.json beside the key file, or --report) must say the key came \
            from real measurements (`"simulation": false`, as `postprocess` writes): a key from \
            `simulate` or a simulated source is never secret, and is taken only with --allow- \
            simulated-keys, which the store records (`store status` counts such blocks).

            Examples:
              diqkd store import --store alice.keys --key diqkd-output/alice.key --block 1
              diqkd store import --store bob.keys --key diqkd-output/bob.key --block 1
            """
    )

    @Option(help: "The site's store: a file, or postgres://user@host:port/database[?schema=NAME].")
    var store: String

    @Option(help: "The key file (raw bytes).")
    var key: String

    @Option(help: "The block number, 1 to 16,777,215, the same at both sites.")
    var block: UInt64

    @Option(help: "A label recorded with the block (default: the key file's name).")
    var session: String?

    @Option(help: "The run's report, which says whether the key was simulated (default: report.json beside --key).")
    var report: String?

    @Flag(help: "Take a key from simulated measurements (never secret, for testing); the store records it.")
    var allowSimulatedKeys = false

    func run() async throws {
        guard (1...(1 << 24 - 1)).contains(block) else {
            throw CLIError.usage("--block must be between 1 and 16,777,215 (got \(block)).")
        }
        // A stored block holds at most 2^28 bytes (KeyRange.maxBlockBytes); the store refuses more.
        let data = try BoundedFile.read(key, maximumBytes: KeyRange.maxBlockBytes, what: "--key \(key)")
        let (simulated, keyBits) = try runReport()
        if let keyBits, (keyBits + 7) / 8 != data.count {
            throw CLIError.usage("--key \(key) holds \(data.count) bytes, but its report says the key has \(grouped(keyBits)) bits "
                                 + "(\((keyBits + 7) / 8) bytes): the report is not this key's.")
        }
        if simulated && !allowSimulatedKeys {
            throw CLIError.usage("--key \(key) comes from simulated measurements (its report says \"simulation\": true): such a key is "
                                 + "never secret, so the store takes it only with --allow-simulated-keys (for testing).")
        }
        // Whole bytes only: a last partial byte's padding bits are zeros everyone knows.
        var bytes = [UInt8](data.prefix(keyBits.map { $0 / 8 } ?? data.count))
        defer { for i in bytes.indices { bytes[i] = 0 } }
        let keyStore = try await openStore(store)
        let added: Bool
        do {
            added = try await keyStore.add(StoredBlock(number: block, session: session ?? (key.split(separator: "/").last.map(String.init) ?? key), key: bytes,
                                                       simulated: simulated))
        } catch {
            await keyStore.close()
            throw CLIError.usage("--store \(KeyStoreLocation.displayed(store)): \(error.description)")
        }
        await keyStore.close()
        if added {
            print("block \(block): \(grouped(bytes.count * 8)) bits added to \(KeyStoreLocation.displayed(store))"
                  + (simulated ? " (SIMULATED: not secret, recorded as such)" : ""))
        } else {
            print("block \(block): already stored with this key in \(KeyStoreLocation.displayed(store)); nothing changed")
        }
    }

    /// What the run's report says of the key: whether it is simulated, and its length in bits
    /// (nil without a report). A report that cannot be read or does not say counts as
    /// simulated: a key is taken as secret only when its report says so.
    private func runReport() throws -> (simulated: Bool, keyBits: Int?) {
        let path = report ?? SecretFiles.parentFolder(of: key) + "/report.json"
        guard FileManager.default.fileExists(atPath: path) else {
            if allowSimulatedKeys { return (true, nil) }
            throw CLIError.usage("--report \(path): cannot read the run's report, which must say whether the key was simulated "
                                 + "(give --report FILE, or --allow-simulated-keys to store it as a test key).")
        }
        let data = try BoundedFile.read(path, maximumBytes: BoundedFile.jsonBytes, what: "--report \(path)")
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CLIError.usage("--report \(path) is not a diqkd report (not a JSON object).")
        }
        let keyBits = object["deliveredKeyBits"] as? Int ?? object["keyBits"] as? Int
        guard let simulation = object["simulation"] as? Bool else {
            if allowSimulatedKeys { return (true, keyBits) }
            throw CLIError.usage("--report \(path) does not say whether the key was simulated (a report from before this field "
                                 + "existed); run it again, or give --allow-simulated-keys to store it as a test key.")
        }
        if object["aborted"] as? Bool == true { throw CLIError.usage("--report \(path) is the report of an aborted run, which made no key.") }
        return (simulation, keyBits)
    }
}

struct StoreStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "What a site's store holds: blocks and undelivered key bits."
    )

    @Option(help: "The site's store: a file, or postgres://user@host:port/database[?schema=NAME].")
    var store: String

    @Flag(help: "JSON output.")
    var json = false

    func run() async throws {
        let keyStore = try await openStore(store)
        let status: KeyStoreStatus
        do { status = try await keyStore.status() } catch {
            await keyStore.close()
            throw CLIError.failure("--store \(KeyStoreLocation.displayed(store)): \(error.description)")
        }
        await keyStore.close()
        if json {
            try JSONOutput.print(status)
        } else {
            print("store \(KeyStoreLocation.displayed(store)): \(status.blocks) blocks, \(grouped(status.storedKeyBits)) undelivered key bits, last block \(status.lastBlock)")
            if status.simulatedBlocks > 0 {
                print("WARNING: \(status.simulatedBlocks) blocks came from SIMULATED measurements (--allow-simulated-keys): their keys are not secret")
            }
        }
    }
}
