// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "diqkd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "diqkd", targets: ["diqkd"]),
        .library(name: "NonSignaling", targets: ["NonSignaling"]),
        .library(name: "SecurityBounds", targets: ["SecurityBounds"]),
        .library(name: "Simulation", targets: ["Simulation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "NonSignaling"),
        .target(name: "SecurityBounds", dependencies: ["NonSignaling"]),
        .target(name: "Simulation", dependencies: ["NonSignaling"]),
        .target(name: "Plotting"),
        .executableTarget(
            name: "diqkd",
            dependencies: [
                "NonSignaling", "SecurityBounds", "Simulation", "Plotting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "NonSignalingTests", dependencies: ["NonSignaling"]),
        .testTarget(name: "SecurityBoundsTests", dependencies: ["SecurityBounds", "Simulation"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "CLITests", dependencies: ["diqkd"]),
    ]
)
