// swift-tools-version: 6.0
// The benchmark package is separate so the main package and its tests never build it.
import Foundation
import PackageDescription

// A path dependency's identity is its folder name, which depends on where the repository is cloned.
let parentIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "GraphLearningBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(name: "graphbench", dependencies: [
            .product(name: "GraphLearning", package: parentIdentity),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
