import ArgumentParser
import Foundation
import GraphLearning
import Logging

/// `graphlearning`: load, inspect and partition graphs with the GraphLearning core.
@main
struct GraphLearningCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graphlearning",
        abstract: "Inspect and partition graphs with the GraphLearning sparse-graph core.",
        discussion: """
            A GRAPH argument is either an edge-list file (`src dst [weight]` per line; tab, space or \
            comma separated; `#`/`%` comments; integer or string ids) or a dataset folder holding \
            edges.tsv and optionally features.mtx|features.npy, labels.tsv and split.tsv.

            Examples:
              graphlearning summary graphs/cora
              graphlearning partition graphs/blogcatalog --parts 4 -o parts.npy
              mpirun -n 2 graphlearning mpi-check
            """,
        subcommands: [Summary.self, Partition.self, MPICheck.self])
}

/// Options shared by commands that read a graph.
struct GraphInputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Edge-list file or dataset folder.", valueName: "graph"))
    var path: String

    @Flag(help: "Treat edges as directed (default: undirected, each edge symmetrised).")
    var directed = false

    @Option(help: ArgumentHelp("How repeated edges merge: \(DuplicateEdgePolicy.allCases.map(\.rawValue).joined(separator: "|")).",
                               valueName: "policy"))
    var duplicates: DuplicateEdgePolicy = .max

    @Option(help: ArgumentHelp("What to do with self-loops: \(SelfLoopPolicy.allCases.map(\.rawValue).joined(separator: "|")).",
                               valueName: "policy"))
    var selfLoops: SelfLoopPolicy = .drop

    @Option(help: ArgumentHelp("Node ids: integer, string or automatic.", valueName: "mode"))
    var idMode: EdgeListReadOptions.IDMode = .automatic

    var buildOptions: GraphBuildOptions {
        GraphBuildOptions(symmetrize: !directed, duplicates: duplicates, selfLoops: selfLoops)
    }

    func load() throws -> NodeDataset {
        try NodeDataset.load(path, readOptions: EdgeListReadOptions(idMode: idMode))
    }
}

extension DuplicateEdgePolicy: ExpressibleByArgument {}
extension SelfLoopPolicy: ExpressibleByArgument {}
extension EdgeListReadOptions.IDMode: ExpressibleByArgument {}

/// Wall-clock seconds of `body`.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`).
func peakMemoryMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
        return kb / 1024
    }
    return 0
}

/// Appends one JSON object per line to a metrics file.
struct MetricsFile {
    let path: String?
    func write(_ fields: [String: Any]) throws {
        guard let path else { return }
        var line = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        line.append(0x0A)
        // One whole line per append, so a reader never sees half a record.
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: line) else {
                throw ValidationError("cannot create metrics file \(path) (does its folder exist?)")
            }
            return
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
    }
}

func formatCount(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a graph or dataset and print its size, degrees, components, features, labels and split.")

    @OptionGroup var input: GraphInputOptions

    @Option(help: ArgumentHelp("Also cut the graph into this many METIS parts and report the edge cut.", valueName: "k"))
    var parts: Int?

    @Option(help: "METIS seed.") var seed = 0

    @Option(help: ArgumentHelp("Append the summary as one JSON line to this file.", valueName: "file.jsonl"))
    var metrics: String?

    func run() throws {
        let (dataset, loadSeconds) = try timed { try input.load() }
        let (graph, buildSeconds) = try timed { try GraphBuilder.build(dataset.edges, options: input.buildOptions) }
        let degrees = graph.degrees()
        let (components, componentCount) = graph.connectedComponents()
        var componentSizes = [Int](repeating: 0, count: componentCount)
        for c in components { componentSizes[Int(c)] += 1 }
        let isolated = degrees.filter { $0 == 0 }.count
        let edgeCount = input.directed ? graph.nnz : graph.nnz / 2
        var record: [String: Any] = [
            "graph": input.path, "nodes": graph.numNodes, "edges": edgeCount, "stored_entries": graph.nnz,
            "directed": input.directed, "components": componentCount, "isolated_nodes": isolated,
            "max_degree": degrees.max() ?? 0, "load_seconds": loadSeconds, "build_seconds": buildSeconds,
        ]
        print("graph \(input.path)")
        print("  nodes \(formatCount(graph.numNodes))   edges \(formatCount(edgeCount)) (\(input.directed ? "directed" : "undirected"), \(formatCount(dataset.edges.count)) lines read)   stored entries \(formatCount(graph.nnz))")
        let mean = graph.numNodes > 0 ? Double(graph.nnz) / Double(graph.numNodes) : 0
        print("  degree min \(degrees.min() ?? 0)   mean \(String(format: "%.2f", mean))   max \(degrees.max() ?? 0)   isolated \(isolated)")
        print("  connected components \(formatCount(componentCount)) (largest \(formatCount(componentSizes.max() ?? 0)) nodes)")
        if dataset.edges.nodeIDs != nil { print("  node ids: strings, mapped to 0..<\(graph.numNodes) in order of first appearance") }
        if let f = dataset.features {
            let nonZeros = f.values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            print("  features \(f.rows) × \(f.cols) (\(formatCount(nonZeros)) non-zeros)")
            record["features"] = [f.rows, f.cols]
        }
        if let labels = dataset.labels {
            let labelled = labels.labelledNodes.count
            print("  labels \(labels.numClasses) classes, \(formatCount(labelled)) labelled nodes, \(labels.isMultiLabel ? "multi-label" : "single-label")")
            record["classes"] = labels.numClasses
            record["multi_label"] = labels.isMultiLabel
        }
        if let split = dataset.split {
            print("  split train \(split.train.count) / val \(split.val.count) / test \(split.test.count)")
            record["split"] = [split.train.count, split.val.count, split.test.count]
        }
        if let k = parts {
            let (partition, seconds) = try timed { try METISPartitioner.partition(graph, parts: k, seed: seed) }
            let halo = partition.haloSizes(in: graph)
            print("  METIS \(k) parts: edge cut \(formatCount(partition.edgeCut)) (\(String(format: "%.1f", 100 * Double(partition.edgeCut) / Double(max(edgeCount, 1))))% of edges), sizes \(partition.partSizes.map(formatCount).joined(separator: " ")), imbalance \(String(format: "%.3f", partition.imbalance)), halo \(halo.map(formatCount).joined(separator: " ")) (\(String(format: "%.2f", seconds)) s)")
            record["edge_cut"] = partition.edgeCut
            record["part_sizes"] = partition.partSizes
            record["halo_sizes"] = halo
        }
        FileHandle.standardError.write(Data(String(format: "load %.2f s, build %.2f s, peak memory %.0f MiB\n", loadSeconds, buildSeconds, peakMemoryMiB()).utf8))
        try MetricsFile(path: metrics).write(record)
    }
}

struct Partition: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cut a graph into k parts with METIS and write the part of every node.",
        discussion: """
            Output: `.npy` (int32 part ids in node order, for NumPy) or `.tsv` (`node<TAB>part`, with \
            the original node names when the input used string ids). The file is written to a \
            temporary name and renamed, so a failed run leaves nothing behind.
            """)

    @OptionGroup var input: GraphInputOptions

    @Option(name: [.customShort("k"), .long], help: "Number of parts (1 ≤ k ≤ nodes).")
    var parts: Int

    @Option(help: "METIS seed; the same seed and graph give the same parts.") var seed = 0

    @Option(help: "Allowed load imbalance (0.03 = 3%).") var imbalance = 0.03

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file (.npy or .tsv).", valueName: "file"))
    var output: String?

    func validate() throws {
        if parts < 1 { throw ValidationError("--parts must be at least 1") }
        if let output, !(output.hasSuffix(".npy") || output.hasSuffix(".tsv")) {
            throw ValidationError("--output must end in .npy or .tsv")
        }
        if !(imbalance > 0 && imbalance < 10) { throw ValidationError("--imbalance must be in (0, 10)") }
    }

    func run() throws {
        let dataset = try input.load()
        let graph = try GraphBuilder.build(dataset.edges, options: input.buildOptions)
        let (partition, seconds) = try timed {
            try METISPartitioner.partition(graph, parts: parts, seed: seed, imbalance: imbalance)
        }
        let edges = input.directed ? graph.nnz : graph.nnz / 2
        print("parts \(parts)   edge cut \(formatCount(partition.edgeCut)) of \(formatCount(edges)) edges (\(String(format: "%.2f", 100 * Double(partition.edgeCut) / Double(max(edges, 1))))%)   imbalance \(String(format: "%.3f", partition.imbalance))   \(String(format: "%.2f", seconds)) s")
        print("part sizes \(partition.partSizes.map(formatCount).joined(separator: " "))")
        print("halo sizes \(partition.haloSizes(in: graph).map(formatCount).joined(separator: " "))")
        if let output {
            if output.hasSuffix(".npy") {
                try NPY.write(NPYArray(int32: partition.parts, shape: [partition.parts.count]), to: output)
            } else {
                try PartitionWriter.writeTSV(partition.parts, nodeIDs: dataset.edges.nodeIDs, to: output)
            }
            FileHandle.standardError.write(Data("wrote \(output)\n".utf8))
        }
    }
}

struct MPICheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpi-check",
        abstract: "Check that Open MPI works: every rank reports, and an all-reduce sums the ranks.",
        discussion: "Run under mpirun, e.g. `mpirun -n 4 graphlearning mpi-check` or with a hostfile.")

    func run() throws {
        let comm = try Communicator.initialize()
        defer { comm.finalize() }
        var values: [Int64] = [Int64(comm.rank), 1]
        try comm.allReduceSum(&values)
        let expected = Int64(comm.size * (comm.size - 1) / 2)
        let host = ProcessInfo.processInfo.hostName
        print("rank \(comm.rank) of \(comm.size) on \(host): all-reduce sum of ranks \(values[0]) (expected \(expected)), count \(values[1])")
        guard values[0] == expected, values[1] == Int64(comm.size) else {
            FileHandle.standardError.write(Data("error: rank \(comm.rank): all-reduce gave \(values), expected [\(expected), \(comm.size)]\n".utf8))
            comm.abort(code: 1)
        }
    }
}
