import ArgumentParser
import CLISupport
import DistributedTraining
import Foundation
import GraphCore
import GraphIO
import Partitioning

/// What the dataset argument of `partition` is.
enum PartitionInput: DatasetDescription {
    static let datasetHelp = "Dataset folder (as for train) or an edge-list file."
    static let defaultDataset: String? = "graphs/cora"
}

/// What `--seed` means in `partition`.
enum PartitionRun: SeedDescription {
    static let seedDraws = "METIS, as --partition-seed of train"
    static let defaultSeed: UInt64? = 0
}

/// `gnnpipe partition`: the METIS chunking of a dataset as training uses it, with its
/// statistics, and the pipeline schedule.
struct Partition: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cut a graph into pipeline chunks with METIS and report sizes, halos, staleness and the schedule.",
        usage: "gnnpipe partition [<options>] [<dataset>]",
        discussion: """
            Uses the same cut as `gnnpipe train --chunks C --partition-seed S`: METIS k-way on \
            the undirected graph (with --parts G, as hybrid training with G ranks per stage: G \
            METIS parts, each cut into C sub-chunks; chunk c is the union of the c-th \
            sub-chunks). Prints per chunk its nodes, halo (nodes of other chunks it reads) and \
            training nodes, then the edge cut, the total halo and the stale fraction \
            (adjacency entries that read a later chunk, i.e. a historical embedding). With \
            --stages S, also the fill/drain schedule of one epoch (F = forward, B = backward of \
            a chunk, · = bubble). With -o, writes `node<TAB>chunk` lines in the dataset's node \
            ids. Reads edges.tsv and split.tsv; of the feature file only its header (the row \
            count, so isolated nodes count as in train). Every chunk gets a node (where METIS \
            leaves one empty, it takes a node of the largest); with --parts G, a part of m \
            nodes is cut into at most m chunks, and a --chunks larger than every part is \
            refused with the largest count that works.

            Examples:
              gnnpipe partition graphs/cora --chunks 8 --stages 4
              gnnpipe partition graphs/cora --chunks 4 --parts 2 -o chunks.tsv
            """)

    @OptionGroup var datasetArgument: DatasetArgument<PartitionInput>
    @Option(parsing: .signedNumber, help: ArgumentHelp("Number of chunks C (at most the node count).", valueName: "C")) var chunks = 8
    @Option(parsing: .signedNumber, help: ArgumentHelp("Graph-parallel parts G (ranks per stage of hybrid training).", valueName: "G"))
    var parts = 1
    @Option(parsing: .signedNumber, help: ArgumentHelp("Print the schedule of this many pipeline stages.", valueName: "S"))
    var stages: Int?
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the chunk of every node here (TSV).", valueName: "chunks.tsv"))
    var output: String?
    @OptionGroup var header: SkipRowsOption
    @OptionGroup(title: runOptionsTitle) var seedOption: SeedOption<PartitionRun>
    @OptionGroup(title: runOptionsTitle) var outputOptions: OutputOptions

    /// The dataset (first argument or `--dataset`).
    var dataset: String { datasetArgument.path }
    /// `--seed`: METIS.
    var seed: UInt64 { seedOption.value }

    func validate() throws {
        if chunks < 1 { throw ValidationError("--chunks must be at least 1, got \(chunks)") }
        if parts < 1 { throw ValidationError("--parts must be at least 1, got \(parts)") }
        if let stages, stages < 1 { throw ValidationError("--stages must be at least 1, got \(stages)") }
        try EdgeIndexInput.refuseTextOptions(dataset, skipRows: header.skipRows)
        if let output {
            try validateOutputPath(output, option: "--output")
            try OutputSafety.refuseOverwriting(output, option: "--output",
                                               inputs: OutputSafety.datasetFiles(dataset, fileNames: nodeDatasetFileNames))
        }
    }

    func run() throws {
        // The graph and the split only: the feature file's header gives the node count, its
        // values are not read.
        let data = try NodeDataset.load(dataset, readOptions: EdgeListReadOptions(skipRows: header.skipRows), parts: [.split])
        if let note = data.relabelNote(path: dataset) { outputOptions.printNote(note) }
        var adjacency = try GraphBuilder.build(data.edges, options: .undirected)
        if adjacency.hasSelfLoops { adjacency = adjacency.removingSelfLoops() }
        let n = adjacency.numNodes
        try ChunkCount.check(chunks, numNodes: n, dataset: dataset, training: false)
        if parts > n { throw CommandFailure("--parts \(parts): \(dataset) has \(n) nodes, so at most \(n) parts", code: 64) }
        let cut: Decomposition
        do {
            cut = try Decomposition.metis(adjacency: adjacency, parts: parts, chunks: chunks, seed: seed)
        } catch {
            if case .emptyChunks = error {
                throw CommandFailure(ChunkCount.emptyChunkMessage(adjacency, chunks: chunks, parts: parts, seed: seed,
                                                                  seedOption: "--seed", dataset: dataset), code: 64)
            }
            throw CommandFailure(errorReport(error).message, code: errorReport(error).code)
        }
        for (moved, pieces) in [(cut.nodesMovedToEmptyParts, "part"), (cut.nodesMovedToEmptyChunks, parts > 1 ? "sub-chunk" : "chunk")] where moved > 0 {
            outputOptions.printNote("METIS left \(moved) \(pieces)\(moved == 1 ? "" : "s") empty; \(moved == 1 ? "it takes" : "each takes") the node of the largest \(pieces) whose move adds least to the edge cut")
        }
        var trainPerChunk = [Int](repeating: 0, count: chunks)
        for v in data.split?.train ?? [] { trainPerChunk[Int(cut.chunk[v])] += 1 }
        let partNote = parts > 1 ? ", \(parts) parts nested" : ""
        print("\(dataset): \(counted(n, "node")), \(counted(adjacency.nnz / 2, "edge")), \(counted(chunks, "chunk")) (METIS seed \(seed)\(partNote))")
        print("chunk\tnodes\thalo\ttrain")
        let halos = cut.chunkHaloSizes(adjacency: adjacency), sizes = cut.chunkSizes
        for c in 0..<chunks { print("\(c)\t\(sizes[c])\t\(halos[c])\t\(trainPerChunk[c])") }
        let edgeCut = GraphPartition(parts: cut.chunk, numParts: chunks, graph: adjacency).edgeCut
        let stale = cut.staleFraction(adjacency: adjacency)
        let edges = max(1, adjacency.nnz / 2)
        print(String(format: "edge cut %d (%.2f%% of edges), halo total %d (%.2f%% of nodes), stale fraction %.4f (%d of %d adjacency entries)",
                     edgeCut, 100 * Double(edgeCut) / Double(edges), halos.reduce(0, +),
                     100 * Double(halos.reduce(0, +)) / Double(max(1, n)), stale.fraction, stale.staleEntries, stale.entries))
        if let stages {
            let schedule = PipelineSchedule(stages: stages, order: Array(0..<chunks))
            print(String(format: "schedule of one epoch, %d stages (bubble fraction %.3f = (S−1)/(C+S−1)):", stages, schedule.bubbleFraction))
            print(schedule.rendered())
        }
        if let output {
            var text = "# node\tchunk (gnnpipe partition --chunks \(chunks) --parts \(parts) --seed \(seed))\n"
            for u in 0..<n {
                let name = data.edges.nodeIDs?.name(of: u) ?? String(u)
                text += "\(name)\t\(cut.chunk[u])\n"
            }
            try AtomicFile.write(Data(text.utf8), to: output)
            outputOptions.note("wrote \(output)")
        }
    }
}
