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
            by them. The key file is read whole (bits beyond the last whole byte are dropped); \
            the file itself is left as it is.

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

    func run() async throws {
        guard (1...(1 << 24 - 1)).contains(block) else {
            throw CLIError.usage("--block must be between 1 and 16,777,215 (got \(block)).")
        }
        guard let data = FileManager.default.contents(atPath: key) else {
            throw CLIError.usage("--key \(key): cannot read the file.")
        }
        var bytes = [UInt8](data)
        defer { for i in bytes.indices { bytes[i] = 0 } }
        let keyStore = try await openStore(store)
        do {
            try await keyStore.add(StoredBlock(number: block, session: session ?? (key as NSString).lastPathComponent, key: bytes))
        } catch {
            await keyStore.close()
            throw CLIError.usage("--store \(KeyStoreLocation.displayed(store)): \(error.description)")
        }
        await keyStore.close()
        print("block \(block): \(grouped(bytes.count * 8)) bits added to \(KeyStoreLocation.displayed(store))")
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
        }
    }
}
