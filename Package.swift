// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "diqkd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "diqkd", targets: ["diqkd"]),
        // The networked commands (`node`, `source`, `bench network`) in an executable of their
        // own, so that SwiftNIO is built only when they are asked for (`diqkd` forwards to it).
        .executable(name: "diqkd-node", targets: ["diqkd-node"]),
        // The ETSI GS QKD 014 key management entity, in an executable of its own so that
        // Hummingbird and swift-nio-ssl are built only for it (`diqkd kme` forwards to it).
        .executable(name: "diqkd-kme", targets: ["diqkd-kme"]),
        .library(name: "NonSignaling", targets: ["NonSignaling"]),
        .library(name: "SecurityBounds", targets: ["SecurityBounds"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "Hashing", targets: ["Hashing"]),
        .library(name: "Randomness", targets: ["Randomness"]),
        .library(name: "Reconciliation", targets: ["Reconciliation"]),
        .library(name: "Records", targets: ["Records"]),
        .library(name: "LinearProgramming", targets: ["LinearProgramming"]),
        .library(name: "EveLP", targets: ["EveLP"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Authentication", targets: ["Authentication"]),
        .library(name: "KeyPool", targets: ["KeyPool"]),
        .library(name: "KeyStore", targets: ["KeyStore"]),
        .library(name: "KeyStoreSQLite", targets: ["KeyStoreSQLite"]),
        .library(name: "KeyStorePostgres", targets: ["KeyStorePostgres"]),
        .library(name: "KME", targets: ["KME"]),
        .library(name: "SourceLink", targets: ["SourceLink"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // TCP between nodes and to the source service.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Key IDs' tags (HMAC-SHA256).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The key store's backends: SQLite (embedded default) and PostgreSQL (replicated KMEs).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The key management entity: HTTP server, mutual TLS; logs without key bits.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The HTTP request and response parts of Hummingbird's pipeline (NIOHTTPTypes).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(name: "NonSignaling"),
        .target(name: "SecurityBounds", dependencies: ["NonSignaling"]),
        .target(name: "Simulation", dependencies: ["NonSignaling", "Protocol", "Hashing", "Randomness", "EveLP", "Reconciliation", "SecurityBounds"]),
        .target(name: "Protocol", dependencies: ["Hashing", "Reconciliation", "SecurityBounds", "Randomness"]),
        .target(name: "Plotting"),
        .target(name: "CCarryless", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Hashing", dependencies: ["CCarryless"]),
        .target(name: "Authentication", dependencies: ["CCarryless"]),
        .target(name: "KeyPool"),
        .target(name: "Randomness"),
        // System libraries, one target each (installed by scripts/setup): COIN-OR Clp for general
        // linear programs, OpenBLAS's LAPACK for the dense Cholesky of the interior-point solver.
        .systemLibrary(name: "CClp", providers: [.apt(["coinor-libclp-dev"])]),
        .systemLibrary(name: "CLapack", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "LinearProgramming", dependencies: ["CClp", "CLapack"]),
        .target(name: "EveLP", dependencies: ["NonSignaling", "SecurityBounds", "LinearProgramming"]),
        // zlib's CRC-32 checks each block of the binary record form.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Records", dependencies: ["Hashing", "Protocol", "SecurityBounds", "CZlib"]),
        .target(name: "CDecoder", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Reconciliation", dependencies: ["Hashing", "Randomness", "SecurityBounds", "CDecoder"]),
        // The command line's shared parts (options, output folder, key files, progress), used by
        // both executables.
        .target(
            name: "CommandLineSupport",
            dependencies: [
                "Hashing", "Protocol", "SecurityBounds", "Simulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "Wire", dependencies: ["Protocol", "Hashing", "Reconciliation", "SecurityBounds", "KeyPool"]),
        .executableTarget(
            name: "diqkd",
            dependencies: [
                "CommandLineSupport", "NonSignaling", "SecurityBounds", "Simulation", "Plotting", "Protocol", "Hashing", "Randomness",
                "Reconciliation", "Records", "EveLP", "LinearProgramming", "Authentication", "KeyPool",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "KeyStore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Each backend in a target of its own, so that SQLite users do not build postgres-nio.
        .target(name: "KeyStoreSQLite", dependencies: ["KeyStore", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "KeyStorePostgres",
            dependencies: [
                "KeyStore", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Opens the store a command names: a file (SQLite) or a postgres:// URL.
        .target(name: "KeyStores", dependencies: ["KeyStore", "KeyStoreSQLite", "KeyStorePostgres"]),
        .target(
            name: "Transport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The codec of the unauthenticated link between a lab's device and the source service,
        // without the transport, so that the fuzz targets can use it without SwiftNIO.
        .target(name: "SourceLink", dependencies: ["Hashing", "Protocol"]),
        .target(
            name: "Node",
            dependencies: ["Transport", "SourceLink", "Wire", "Authentication", "KeyPool", "Protocol", "Hashing", "Simulation", "SecurityBounds", "Randomness"]
        ),
        .executableTarget(
            name: "diqkd-node",
            dependencies: [
                "CommandLineSupport", "Node", "Transport", "KeyPool", "KeyStore", "KeyStores", "Hashing", "SourceLink", "Protocol", "Records", "Simulation", "SecurityBounds",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // SHA-256 over a journalled key and its report, checked before delivery.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "KME",
            dependencies: [
                "KeyStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                // The HTTP parts a connection's guard sees, and the HTTP/1 parts (with their
                // version) that HTTP1Framing sees before the conversion (all already in
                // Hummingbird's graph).
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "diqkd-kme",
            dependencies: [
                "CommandLineSupport", "KME", "KeyStore", "KeyStores",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "NonSignalingTests", dependencies: ["NonSignaling", "Randomness"]),
        .testTarget(name: "SecurityBoundsTests", dependencies: ["SecurityBounds", "Simulation"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Hashing", "Randomness"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "HashingTests", dependencies: ["Hashing", "Randomness"], resources: [.copy("Vectors")]),
        .testTarget(name: "AuthenticationTests", dependencies: ["Authentication", "Randomness"], resources: [.copy("Vectors")]),
        .testTarget(name: "KeyPoolTests", dependencies: ["KeyPool"]),
        .testTarget(
            name: "KeyStoreTests",
            dependencies: [
                "KeyStore", "KeyStoreSQLite", "KeyStorePostgres", "Randomness",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                // Damages a store's rows from outside (DamagedRowTests).
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Vectors")]
        ),
        .testTarget(name: "SourceLinkTests", dependencies: ["SourceLink", "Hashing", "Protocol"]),
        .testTarget(name: "RecordsTests", dependencies: ["Records", "Randomness"], resources: [.copy("Vectors")]),
        .testTarget(name: "EveLPTests", dependencies: ["EveLP", "NonSignaling", "SecurityBounds", "LinearProgramming"]),
        .testTarget(name: "LinearProgrammingTests", dependencies: ["LinearProgramming", "Randomness"]),
        .testTarget(name: "ReconciliationTests", dependencies: ["Reconciliation", "Randomness"]),
        .testTarget(name: "ProtocolTests", dependencies: ["Protocol", "Simulation", "SecurityBounds", "Hashing", "NonSignaling", "Reconciliation"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Protocol", "Hashing", "Reconciliation", "SecurityBounds", "Randomness", "KeyPool"]),
        .testTarget(name: "CLITests", dependencies: ["diqkd", "SecurityBounds"]),
        // Process-level tests of the networked commands: nodes, a source and a man in the middle.
        // The key management entity: the router in memory, and two KMEs on loopback with mutual
        // TLS fetched from by curl and by the third-party Python clients (scripts/python-clients).
        .testTarget(
            name: "KMETests",
            dependencies: [
                "KME", "KeyStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "NodeTests", dependencies: ["diqkd", "diqkd-node", "diqkd-kme", "Node", "Randomness", "Transport", "Wire", "Protocol", "KeyPool"]),
    ]
)
