import ArgumentParser
import CommandLineSupport

/// The key management entity. `diqkd kme` runs this executable (it sits beside `diqkd`), so
/// that Hummingbird and swift-nio-ssl are built only by those who use it.
struct DIQKDKME: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diqkd",
        abstract: "diqkd's key management entity: final keys to applications over ETSI GS QKD 014.",
        version: diqkdVersion,
        subcommands: [KMECommand.self, StoreCommand.self]
    )
}
