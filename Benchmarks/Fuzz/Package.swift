// swift-tools-version: 6.0
// libFuzzer targets for every reader of the engine (issue 15). A separate package so the main
// package and its tests never build it; Benchmarks/fuzz.sh builds it with
// `--sanitize=fuzzer --sanitize=address` and runs each target.
import Foundation
import PackageDescription

// A path dependency's identity is its folder name, which depends on where the repository is cloned.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "GraphLearningFuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        // One binary, the target picked by FUZZ_TARGET: one link instead of one per reader.
        .executableTarget(name: "graphfuzz", dependencies: [
            .product(name: "GraphLearning", package: rootIdentity),
        ], swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ],
    swiftLanguageModes: [.v6]
)
