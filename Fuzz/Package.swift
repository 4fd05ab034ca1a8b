// swift-tools-version:5.4
import PackageDescription

// libFuzzer targets for diqkd's parsers, apart from the root package because each target is a
// library without `main` that links only when built with `-sanitize=fuzzer` (scripts/fuzz).
// They depend only on the modules they parse with, so the system libraries of the LP solvers
// are not needed.
let package = Package(
    name: "diqkd-fuzz",
    platforms: [.macOS("14.0")],
    dependencies: [.package(name: "diqkd", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .target(name: "RecordChecks", dependencies: ["FuzzSupport", .product(name: "Records", package: "diqkd")]),
        .executableTarget(name: "CSVRecordsFuzzer", dependencies: ["RecordChecks", .product(name: "Records", package: "diqkd")]),
        .executableTarget(name: "BinaryRecordsFuzzer", dependencies: ["RecordChecks", .product(name: "Records", package: "diqkd")]),
        .executableTarget(name: "BehaviourFileFuzzer", dependencies: ["FuzzSupport", .product(name: "NonSignaling", package: "diqkd")]),
        .executableTarget(name: "AmplifyFuzzer", dependencies: ["FuzzSupport", .product(name: "Hashing", package: "diqkd")]),
        .executableTarget(name: "FrameFuzzer", dependencies: ["FuzzSupport", .product(name: "Wire", package: "diqkd")]),
        .executableTarget(name: "SourceLinkFuzzer", dependencies: ["FuzzSupport", .product(name: "SourceLink", package: "diqkd"), .product(name: "Hashing", package: "diqkd")]),
        .executableTarget(name: "PoolHeaderFuzzer", dependencies: ["FuzzSupport", .product(name: "KeyPool", package: "diqkd")]),
    ]
)
