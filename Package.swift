// swift-tools-version: 6.0
import PackageDescription

// MARK: - Public API

let products: [Product] = [
    .library(name: "GraphLearning", targets: ["GraphLearning"]),
    .executable(name: "graphlearning", targets: ["graphlearning"]),
    .executable(name: "fastrp", targets: ["fastrp"]),
    .executable(name: "gnnpipe", targets: ["gnnpipe"]),
    .executable(name: "lighthgnn", targets: ["lighthgnn"]),
    .executable(name: "rphgnn", targets: ["rphgnn"]),
]

// MARK: - System libraries (one Swift module imports each)

let systemLibraries: [Target] = [
    // DenseMath is the only importer.
    .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"])]),
    // Partitioning is the only importer. Debian 12 ships no metis.pc: the module map links "metis".
    .systemLibrary(name: "CMetis", path: "Sources/CMetis", providers: [.apt(["libmetis-dev"])]),
    // MessagePassing is the only importer. Links nothing: MessagePassing loads libmpi with dlopen
    // when a run starts MPI, so no binary needs Open MPI to start. No pkg-config either (SwiftPM
    // would add its `-lmpi` to every dependent's link): shim.h includes Open MPI's mpi.h by path.
    .systemLibrary(name: "CMPI", path: "Sources/CMPI", providers: [.apt(["libopenmpi-dev"])]),
    // zlib for reading zip members (raw inflate, CRC-32); GraphIO is the only importer. Not
    // "CZlib": ZIPFoundation has a target CZLib, and names that differ only in case collide on
    // case-insensitive file systems.
    .systemLibrary(name: "CLibz", path: "Sources/CLibz", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // Software prefetch for SpMM; GraphKernels is the only importer.
    .target(name: "CPrefetch", path: "Sources/CPrefetch"),
]

// MARK: - Engine modules

let engine: [Target] = [
    .target(name: "DenseMath", dependencies: [
        "COpenBLAS", .product(name: "RealModule", package: "swift-numerics"),
    ]),
    .target(name: "GraphCore", dependencies: ["DenseMath"]),
    .target(name: "GraphKernels", dependencies: ["GraphCore", "DenseMath", "CPrefetch"]),
    .target(name: "Partitioning", dependencies: ["GraphCore", "CMetis"]),
    // ZIPFoundation only writes .npz archives (NPZ.write); zip members are read through CLibz.
    .target(name: "GraphIO", dependencies: [
        "GraphCore", "DenseMath", "CLibz",
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
    ]),
    .target(name: "MessagePassing", dependencies: ["CMPI"]),
    // Graphs read and built by all ranks together (distributed FastRP's input).
    .target(name: "DistributedGraphs", dependencies: ["GraphIO", "GraphCore", "MessagePassing"]),
    .target(name: "NeuralNet", dependencies: ["DenseMath"]),
    // Accuracy, Micro-/Macro-F1 (scikit-learn's conventions) and the prediction rules: every
    // tool's scores come from here.
    .target(name: "ClassificationMetrics", dependencies: ["DenseMath"]),
    .target(name: "Embeddings", dependencies: [
        "ClassificationMetrics", "DenseMath", "GraphCore", "GraphKernels", "GraphIO", "MessagePassing",
        .product(name: "Logging", package: "swift-log"),
    ]),
    .target(name: "GNNModels", dependencies: ["ClassificationMetrics", "NeuralNet", "GraphKernels", "GraphCore", "DenseMath"]),
    .target(name: "HypergraphLearning", dependencies: ["ClassificationMetrics", "NeuralNet", "GraphKernels", "GraphCore", "DenseMath"]),
    // GraphIO only for the pre-computation cache (.npy files, atomic writes); it parses no files.
    .target(name: "HeterogeneousLearning", dependencies: [
        "ClassificationMetrics", "NeuralNet", "GraphKernels", "GraphCore", "DenseMath", "GraphIO",
        .product(name: "Logging", package: "swift-log"),
    ]),
    // Pipeline-parallel (GNNPipe) and graph-parallel full-graph training over Open MPI.
    .target(name: "DistributedTraining", dependencies: [
        "ClassificationMetrics", "GNNModels", "NeuralNet", "MessagePassing", "Partitioning", "GraphKernels", "GraphCore", "DenseMath",
    ]),
    // A dataset folder (GraphIO) as the node-classification task the GNN trainers take (GNNModels):
    // `gnnpipe` and library users load a folder with one call.
    .target(name: "NodeClassificationData", dependencies: ["GNNModels", "GraphIO", "GraphCore", "DenseMath"]),
    // The umbrella: re-exports the engine modules, nothing of its own. The tools import the
    // modules they use instead.
    .target(name: "GraphLearning", dependencies: [
        "ClassificationMetrics", "DenseMath", "GraphCore", "GraphKernels", "Partitioning", "GraphIO", "MessagePassing",
        "NeuralNet", "GNNModels", "Embeddings", "HypergraphLearning",
        "HeterogeneousLearning", "DistributedTraining", "DistributedGraphs", "NodeClassificationData",
    ]),
]

// MARK: - Command-line tools (thin: parse arguments, call the library, print)
//
// Each tool depends on the engine modules it imports, not on the umbrella GraphLearning, so it
// links only what it uses.

let tools: [Target] = [
    // What every tool shares: `error:` reporting, output-path checks, metrics, timing, progress,
    // log lines.
    // GraphIO for the registry of temporary files that an interrupted run removes.
    .target(name: "CLISupport", dependencies: [
        "GraphIO", "DenseMath", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
    ]),
    .executableTarget(name: "fastrp", dependencies: [
        // FastRP in one process or under mpirun (distributed edge-list reading and output).
        "Embeddings", "DistributedGraphs", "MessagePassing", "GraphIO", "GraphCore", "DenseMath", "CLISupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
    ]),
    .executableTarget(name: "graphlearning", dependencies: [
        // summary, partition and generate; mpi-check is the only MessagePassing user.
        "Partitioning", "MessagePassing", "GraphIO", "GraphCore", "DenseMath", "CLISupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),
    .executableTarget(name: "gnnpipe", dependencies: [
        "DistributedTraining", "NodeClassificationData", "GNNModels", "NeuralNet", "Partitioning", "MessagePassing",
        "GraphIO", "GraphCore", "DenseMath", "CLISupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
    ]),
    .executableTarget(name: "lighthgnn", dependencies: [
        "HypergraphLearning", "ClassificationMetrics", "GraphIO", "GraphCore", "DenseMath", "CLISupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
    ]),
    .executableTarget(name: "rphgnn", dependencies: [
        "HeterogeneousLearning", "GraphIO", "DenseMath", "CLISupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
    ]),
]

// MARK: - Examples (built by the tests; the README shows them)

let examples: [Target] = [
    // Distributed training of Cora under mpirun through `import GraphLearning` alone.
    .executableTarget(name: "distributed-cora", dependencies: ["GraphLearning"], path: "Examples/DistributedCora"),
]

// MARK: - Tests

let tests: [Target] = [
    .target(name: "TestSupport", dependencies: [
        "GraphLearning", .product(name: "Numerics", package: "swift-numerics"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),  // golden --help texts
    ], path: "Tests/TestSupport"),
    .testTarget(name: "DenseMathTests", dependencies: ["DenseMath", "TestSupport"]),
    .testTarget(name: "GraphCoreTests", dependencies: ["GraphCore", "TestSupport"]),
    .testTarget(name: "GraphKernelsTests", dependencies: ["GraphKernels", "TestSupport"]),
    .testTarget(name: "PartitioningTests", dependencies: ["Partitioning", "TestSupport"]),
    // make_zip_fixtures.py writes ZipFixtures.swift; ZIPFoundation writes archives for the reader.
    .testTarget(name: "GraphIOTests", dependencies: [
        "GraphIO", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
    ], exclude: ["make_zip_fixtures.py"]),
    // make_f1_fixtures.py (Benchmarks/python) writes SklearnFixtures.swift.
    .testTarget(name: "ClassificationMetricsTests", dependencies: ["ClassificationMetrics", "TestSupport"]),
    .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "TestSupport"]),
    .testTarget(name: "GNNModelsTests", dependencies: ["GNNModels", "TestSupport"]),
    // The CLI test targets import their executables and ArgumentParser for the golden --help tests.
    .testTarget(name: "CLITests", dependencies: ["graphlearning", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings", "TestSupport"]),
    .testTarget(name: "FastRPCLITests", dependencies: ["fastrp", "graphlearning", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .testTarget(name: "GNNPipeCLITests", dependencies: [
        "gnnpipe", "graphlearning", "distributed-cora", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),
    .testTarget(name: "HypergraphLearningTests", dependencies: ["HypergraphLearning", "TestSupport"]),
    .testTarget(name: "LightHGNNCLITests", dependencies: ["lighthgnn", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .testTarget(name: "HeterogeneousLearningTests", dependencies: ["HeterogeneousLearning", "TestSupport"]),
    .testTarget(name: "RpHGNNCLITests", dependencies: ["rphgnn", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .testTarget(name: "MessagePassingTests", dependencies: ["MessagePassing", "TestSupport"]),
    .testTarget(name: "DistributedTrainingTests", dependencies: ["DistributedTraining", "gnnpipe", "TestSupport"]),
]

let package = Package(
    name: "GraphLearning",
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `swift package generate-documentation` (DocC); a command plugin only, nothing is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: systemLibraries + engine + tools + examples + tests,
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
