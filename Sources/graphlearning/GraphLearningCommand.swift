import ArgumentParser
import CLISupport
import Foundation
import GraphCore
import GraphIO
import MessagePassing
import Partitioning

/// `graphlearning`: load, inspect and partition graphs with the GraphLearning core.
@main
struct GraphLearningCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graphlearning",
        abstract: "Inspect and partition graphs with the GraphLearning sparse-graph core.",
        discussion: """
            A GRAPH argument is an edge-list file (`src dst [weight]` per line; tab, space or comma \
            separated; `#`/`%` comments; integer or string ids) or a dataset folder holding \
            edges.tsv and optionally features.mtx or features.npy, labels.tsv and split.tsv. \
            `summary` also reads HGB heterogeneous datasets (a .zip or a folder with node.dat) and \
            hypergraph folders (hyperedges.tsv).

            Examples:
              graphlearning summary graphs/cora
              graphlearning summary graphs/hgb/ACM.zip
              graphlearning partition graphs/blogcatalog --parts 4 -o parts.npy
              launch/mpirun-local.sh 2 graphlearning mpi-check

            """ + sharedGrammarHelp(tool: "graphlearning"),
        subcommands: [Summary.self, Partition.self, Generate.self, MPICheck.self])

    static func main() { ToolMain.run(Self.self) }
}

/// What the GRAPH argument of `summary` and `partition` is.
enum GraphPath: DatasetDescription {
    static let datasetHelp = "Edge-list file (plain or .gz; or a PyG edge_index .npy) or dataset folder (see graphlearning --help)."
    static let defaultDataset: String? = nil
    static let valueName = "graph"
    // --dataset is accepted (hidden) so the spelling of rphgnn and lighthgnn works here too.
    static let mentionsDatasetOption = false
}

/// Options shared by commands that read a graph.
struct GraphInputOptions: ParsableArguments {
    @OptionGroup var graphArgument: DatasetArgument<GraphPath>

    /// The graph (first argument or `--dataset`).
    var path: String { graphArgument.path }

    @Flag(help: "Treat edges as directed (default: undirected, each edge symmetrised).")
    var directed = false

    @Option(help: ArgumentHelp(
        "How repeated edges merge: max (keep the larger weight; an edge listed in both directions stays one edge), sum, first, or reject.",
        valueName: "policy"))
    var duplicates: DuplicateEdgePolicy = .max

    @Option(help: ArgumentHelp("Self-loops: drop, keep or reject.", valueName: "policy"))
    var selfLoops: SelfLoopPolicy = .drop

    @Option(help: ArgumentHelp(
        "Node ids: integer (used as dense ids 0…max), string (relabelled 0,1,… in order of first appearance), or automatic (integer unless some id is not a non-negative integer or the ids are far sparser than the edges).",
        valueName: "mode"))
    var idMode: EdgeListReadOptions.IDMode = .automatic

    @OptionGroup var header: SkipRowsOption

    func validate() throws {
        try EdgeIndexInput.refuseTextOptions(path, skipRows: header.skipRows, idModeString: idMode == .string)
    }

    /// The files this input stands for, to refuse as outputs: the path itself when it is a file
    /// (edge list, HGB zip), else the dataset files present in the folder (graph, hypergraph
    /// and HGB folders).
    var inputFiles: [(path: String, what: String)] {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            return [(path, "the input graph")]
        }
        return OutputSafety.datasetFiles(path, fileNames: [
            "edges.tsv", "features.mtx", "features.npy", "labels.tsv", "split.tsv", "hyperedges.tsv",
            "node.dat", "link.dat", "label.dat", "label.dat.test", "label.dat.test_full", "info.dat",
        ])
    }

    var buildOptions: GraphBuildOptions {
        GraphBuildOptions(symmetrize: !directed, duplicates: duplicates, selfLoops: selfLoops)
    }

    /// Loads the dataset with `threads` parsing the edge list, noting on stderr (through
    /// `output`) when automatic mode relabelled the ids.
    func load(threads: Int, output: OutputOptions) throws -> NodeDataset {
        let dataset = try NodeDataset.load(path, readOptions: EdgeListReadOptions(idMode: idMode, threadCount: threads,
                                                                                 skipRows: header.skipRows))
        if idMode == .integer && EdgeListReader.isSparseIDSpace(maxID: dataset.numNodes - 1, edges: dataset.edges.count) {
            throw CommandFailure("\(path): node ids reach \(dataset.numNodes - 1) but there are only \(counted(dataset.edges.count, "edge")); integer ids index dense arrays, so use --id-mode string or automatic to relabel them")
        }
        if idMode == .automatic, let note = dataset.relabelNote(path: path) {
            output.printNote(note + " (pass --id-mode integer to refuse)")
        }
        return dataset
    }

    /// Builds the CSR graph; rejected duplicates and self-loops are reported with the file's names.
    func build(_ dataset: NodeDataset) throws -> CSRGraph {
        do {
            return try GraphBuilder.build(dataset.edges, options: buildOptions)
        } catch {
            let name = { (u: Int) in dataset.edges.nodeIDs?.name(of: u) ?? String(u) }
            switch error {
            case let .duplicateEdge(s, t):
                throw CommandFailure("\(try duplicateLocation(dataset, s, t)): edge \(name(s)) → \(name(t)) appears more than once\(directed ? "" : " (counting both directions)") and --duplicates is reject")
            case let .selfLoop(u):
                throw CommandFailure("\(try selfLoopLocation(dataset)): self-loop on node \(name(u)) and --self-loops is reject")
            default:
                throw CommandFailure("\(path): \(error)")
            }
        }
    }
}

extension GraphInputOptions {
    /// `FILE:LINE` of the first self-loop of the edge list (the one GraphBuilder refuses), or
    /// `FILE: column i` of an `edge_index` `.npy`, or the input path when there is no edge file
    /// (an OGB folder).
    func selfLoopLocation(_ dataset: NodeDataset) throws -> String {
        let edges = dataset.edges
        guard let index = (0..<edges.count).first(where: { edges.sources[$0] == edges.targets[$0] }) else { return path }
        return try location(ofEdge: index, dataset)
    }

    /// `FILE:LINE` of the second occurrence of edge `s → t` (either direction when undirected),
    /// the one `--duplicates reject` refuses, located like ``selfLoopLocation(_:)``.
    func duplicateLocation(_ dataset: NodeDataset, _ s: Int, _ t: Int) throws -> String {
        let edges = dataset.edges
        let matches = { (i: Int) -> Bool in
            let (u, v) = (Int(edges.sources[i]), Int(edges.targets[i]))
            return (u == s && v == t) || (!directed && u == t && v == s)
        }
        guard let first = (0..<edges.count).first(where: matches),
              let second = (first + 1..<edges.count).first(where: matches) else { return path }
        return try location(ofEdge: second, dataset)
    }

    /// `FILE:LINE` of edge `index` of the edge list, `FILE: column i` of an `edge_index` `.npy`,
    /// or the input path when there is no edge file (an OGB folder).
    func location(ofEdge index: Int, _ dataset: NodeDataset) throws -> String {
        var isFolder: ObjCBool = false
        let inFolder = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
        let file = inFolder ? try NodeDataset.existingFile(path, oneOf: ["edges.tsv", "edges.npy"]) : path
        guard let file else { return path }
        if let line = try EdgeListReader.line(ofEdge: index, in: file, options: EdgeListReadOptions(skipRows: header.skipRows)) {
            return "\(file):\(line)"
        }
        return FilePaths.formatExtension(of: file) == "npy" ? "\(file): column \(index)" : file
    }
}

/// The run options of `summary` and `partition`: `--seed` (METIS), `--threads` (reading),
/// `--quiet`, `--log-level` (their notes and timing line are level info), `--metrics`.
struct GraphRunOptions<Command: SeedDescription & MetricsDescription>: ParsableArguments {
    @OptionGroup var seed: SeedOption<Command>
    @OptionGroup var threads: ThreadsOption
    @OptionGroup var output: OutputOptions
    @OptionGroup var metrics: MetricsOption<Command>

    /// `--seed` as METIS takes it (every 64-bit pattern, so different seeds stay different).
    var metisSeed: Int { Int(truncatingIfNeeded: seed.value) }

    /// `--metrics` can be written and names none of `inputs`.
    func validate(inputs: [(path: String, what: String)]) throws {
        try metrics.validate(createdFolder: nil)
        if let path = metrics.metrics { try OutputSafety.refuseOverwriting(path, option: "--metrics", inputs: inputs) }
    }
}

enum SummaryRun: SeedDescription, MetricsDescription {
    static let seedDraws = "METIS, with --parts"
    static let defaultSeed: UInt64? = 0
    static let metricsRecords = "one record (the numbers printed)"
}

enum PartitionRun: SeedDescription, MetricsDescription {
    static let seedDraws = "METIS: the same seed and graph give the same parts"
    static let defaultSeed: UInt64? = 0
    static let metricsRecords = "one record (edge cut, part and halo sizes, imbalance, seconds)"
}

extension DuplicateEdgePolicy: ExpressibleByArgument {}
extension SelfLoopPolicy: ExpressibleByArgument {}
extension EdgeListReadOptions.IDMode: ExpressibleByArgument {}

/// Edge count and self-loops of a built graph: undirected edges count once, loops once.
func edgeCounts(_ graph: CSRGraph, directed: Bool) -> (edges: Int, selfLoops: Int) {
    var loops = 0
    for u in 0..<graph.numRows where graph.entryIndex(from: u, to: u) != nil { loops += 1 }
    return (directed ? graph.nnz : (graph.nnz - loops) / 2 + loops, loops)
}

func percent(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }

/// Prints the METIS statistics lines shared by `summary --parts` and `partition` (a note, when
/// parts were left empty, through `output`; the seconds go to the caller's timing line).
func describe(_ partition: GraphPartition, graph: CSRGraph, indent: String, output: OutputOptions) -> [String: Any] {
    let halo = partition.haloSizes(in: graph)
    print("\(indent)METIS \(counted(partition.numParts, "part")): edge cut \(formatCount(partition.edgeCut)) of \(counted(partition.numEdges, "undirected edge")) (\(percent(partition.cutFraction))), imbalance \(String(format: "%.3f", partition.imbalance))")
    print("\(indent)  part sizes \(partition.partSizes.map(formatCount).joined(separator: " "))")
    print("\(indent)  halo sizes \(halo.map(formatCount).joined(separator: " ")) (nodes outside each part that its nodes link to)")
    if partition.verticesMovedToEmptyParts > 0 {
        let moved = partition.verticesMovedToEmptyParts
        output.printNote("METIS left \(counted(moved, "part")) empty; \(moved == 1 ? "it takes" : "each takes") the node of the largest part whose move adds least to the edge cut")
    }
    return ["parts": partition.numParts, "edge_cut": partition.edgeCut, "cut_fraction": partition.cutFraction,
            "part_sizes": partition.partSizes, "halo_sizes": halo, "imbalance": partition.imbalance]
}

struct Partition: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cut a graph into k parts with METIS and report (and optionally write) the part of every node.",
        // The graph is required (as the argument or as --dataset), though declared optional.
        usage: "graphlearning partition [<options>] <graph> --parts <parts>",
        discussion: """
            METIS k-way minimises the number of cut edges under a balance limit; edge weights are \
            ignored and a directed graph is symmetrised first. Halo size of a part = nodes outside \
            it that its nodes link to (what a graph-parallel worker receives each layer).

            Output (-o, optional): `.npy` (int32 part ids in node order, for NumPy) or `.tsv` \
            (`node<TAB>part`, with the original node names when the input used string ids). The \
            file is written to a temporary name and renamed, so a failed run leaves nothing behind.

            Example:
              graphlearning partition graphs/cora -k 4 --seed 1 -o parts.npy
            """)

    @OptionGroup var input: GraphInputOptions

    @Option(name: [.customShort("k"), .long], parsing: .signedNumber, help: "Number of parts (1 ≤ k ≤ nodes).")
    var parts: Int

    @Option(parsing: .signedNumber,
            help: ArgumentHelp("Allowed load imbalance, as a fraction in (0, 10): 0.03 lets a part be 3% above the mean.", valueName: "fraction"))
    var imbalance = 0.03

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the part of every node to this .npy or .tsv file.", valueName: "file"))
    var output: String?

    @OptionGroup(title: runOptionsTitle) var runOptions: GraphRunOptions<PartitionRun>

    func validate() throws {
        if parts < 1 { throw ValidationError("--parts must be at least 1, got \(parts)") }
        if !(imbalance > 0 && imbalance < 10) { throw ValidationError("--imbalance must be in (0, 10), got \(imbalance)") }
        var inputs = input.inputFiles
        if let output {
            try validateOutputPath(output, option: "--output", extensions: ["npy", "tsv"])
            try OutputSafety.refuseOverwriting(output, option: "--output", inputs: inputs)
            inputs.append((output, "--output"))
        }
        try runOptions.validate(inputs: inputs)
    }

    func run() throws {
        let seed = runOptions.metisSeed
        let (dataset, loadSeconds) = try timed { try input.load(threads: runOptions.threads.count, output: runOptions.output) }
        let (graph, buildSeconds) = try timed { try input.build(dataset) }
        if parts > graph.numNodes {
            throw CommandFailure("--parts \(parts): cannot cut \(counted(graph.numNodes, "node")) into \(parts) parts", code: 64)
        }
        let (partition, seconds) = try timed {
            try METISPartitioner.partition(graph, parts: parts, seed: seed, imbalance: imbalance)
        }
        var record = describe(partition, graph: graph, indent: "", output: runOptions.output)
        runOptions.output.note(String(format: "load %.2f s, build %.2f s, METIS %.2f s, peak memory %.0f MiB",
                                      loadSeconds, buildSeconds, seconds, peakMemoryMiB()))
        if partition.imbalance > 1 + imbalance + 1e-9 {
            runOptions.output.printNote("the largest part is \(percent(partition.imbalance - 1)) above the mean, over the --imbalance limit")
        }
        if let output {
            if output.hasSuffix(".npy") {
                try NPY.write(NPYArray(int32: partition.parts, shape: [partition.parts.count]), to: output)
            } else {
                try PartitionWriter.writeTSV(partition.parts, nodeIDs: dataset.edges.nodeIDs, to: output)
            }
            runOptions.output.note("wrote \(output)")
        }
        record["graph"] = input.path
        record["seed"] = runOptions.seed.value
        record["seconds"] = seconds
        if let output { record["output"] = output }
        try MetricsWriter(path: runOptions.metrics.metrics).append(record)
    }
}

struct MPICheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpi-check",
        abstract: "Check that Open MPI works: every rank reports, an all-reduce sums the ranks, and a non-blocking ring exchange passes rows.",
        discussion: "Run under mpirun, e.g. `launch/mpirun-local.sh 4 graphlearning mpi-check`, or with a hostfile.")

    func run() throws {
        let comm = try MPICommunicator.initialize()
        defer { comm.finalize() }
        var values: [Int64] = [Int64(comm.rank), 1]
        try comm.allReduceSum(&values)
        let expected = Int64(comm.size * (comm.size - 1) / 2)
        let host = comm.hostName
        guard values[0] == expected, values[1] == Int64(comm.size) else {
            ToolMain.printError("rank \(comm.rank): all-reduce gave ranks sum \(values[0]) and rank count \(values[1]), expected \(expected) and \(comm.size)")
            try comm.abort(code: 1, reason: "mpi-check failed")
        }
        if let failure = try Self.checkCollectives(comm) {
            ToolMain.printError("rank \(comm.rank): \(failure)")
            try comm.abort(code: 1, reason: "mpi-check failed")
        }
        // Ring: send 1,000 floats tagged with this rank to the right, receive from the left.
        let n = 1000
        let right = (comm.rank + 1) % comm.size, left = (comm.rank + comm.size - 1) % comm.size
        let outgoing = MessageBuffer(capacity: n), incoming = MessageBuffer(capacity: n)
        for i in 0..<n { outgoing.pointer[i] = Float(comm.rank * n + i) }
        let recv = try comm.irecv(incoming, count: n, from: left, tag: 7)
        let send = try comm.isend(outgoing, count: n, to: right, tag: 7)
        try comm.waitAll([recv, send])
        guard (0..<n).allSatisfy({ incoming.pointer[$0] == Float(left * n + $0) }) else {
            ToolMain.printError("rank \(comm.rank): ring exchange from rank \(left) delivered wrong values")
            try comm.abort(code: 1, reason: "mpi-check failed")
        }
        print("rank \(comm.rank) of \(comm.size) on \(host): all-reduce OK (sum of ranks \(values[0]), \(values[1]) ranks), "
              + "collectives OK (\(Self.checkedCollectives)), ring exchange OK (\(comm.traffic.bytesSent) bytes sent)")
    }

    static let checkedCollectives = "sum of 100003 floats, all-gather, all-to-all, broadcast, gather"

    /// Every collective of ``Communicating`` on messages large enough that Open MPI's TCP
    /// transport sends them after the call returns (a buffer freed too early shows as wrong
    /// bytes), against values each rank can compute alone. Nil when all agree.
    static func checkCollectives(_ comm: MPICommunicator) throws -> String? {
        let P = comm.size, me = comm.rank
        // Sum: element i of rank r is (r + 1) · (i mod 7), small integers that floats add exactly.
        var floats = (0..<100_003).map { Float((me + 1) * ($0 % 7)) }
        try comm.allReduceSum(&floats)
        if let i = floats.indices.first(where: { floats[$0] != Float((P * (P + 1) / 2) * ($0 % 7)) }) {
            return "all-reduce of 100003 floats: element \(i) is \(floats[i]), expected \(Float((P * (P + 1) / 2) * (i % 7)))"
        }
        let gathered: [Int64] = try comm.allGather([Int64(me), Int64(me) * 10, 7])
        if gathered != (0..<P).flatMap({ [Int64($0), Int64($0) * 10, 7] }) { return "all-gather gave \(gathered.prefix(12))" }
        // All-to-all: rank r sends rank q (q + 1) · 100,000 bytes of value (16 r + q) mod 256.
        func byte(_ r: Int, _ q: Int) -> UInt8 { UInt8((16 * r + q) % 256) }
        let blocks = (0..<P).map { q in [UInt8](repeating: byte(me, q), count: (q + 1) * 100_000) }
        let received = try comm.allToAll(blocks, receiveCounts: [Int](repeating: (me + 1) * 100_000, count: P))
        for (q, block) in received.enumerated() where block != [UInt8](repeating: byte(q, me), count: (me + 1) * 100_000) {
            return "all-to-all: the block from rank \(q) is wrong"
        }
        var broadcast = (0..<500_000).map { UInt8(truncatingIfNeeded: $0 &* (me == P - 1 ? 31 : 0)) }
        try comm.broadcast(bytes: &broadcast, root: P - 1)
        if broadcast != (0..<500_000).map({ UInt8(truncatingIfNeeded: $0 &* 31) }) { return "broadcast from rank \(P - 1) is wrong" }
        let parts = try comm.gather(bytes: [UInt8](repeating: byte(me, 0), count: 200_000 + me), root: 0)
        if me == 0, parts != (0..<P).map({ [UInt8](repeating: byte($0, 0), count: 200_000 + $0) }) { return "gather at rank 0 is wrong" }
        return nil
    }
}
