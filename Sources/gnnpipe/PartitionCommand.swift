import ArgumentParser
import CLISupport
import Foundation
import GraphLearning

/// `gnnpipe partition`: the pipeline's METIS chunking of a dataset, with its statistics.
struct Partition: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cut a graph into pipeline chunks with METIS and report sizes, halos and staleness.",
        discussion: """
            Uses the same chunking as `gnnpipe train --parallelism pipeline --chunks C \
            --partition-seed S`: METIS k-way on the undirected graph, chunks relabelled to \
            contiguous id ranges. Prints per chunk its nodes, halo (nodes of other chunks it \
            reads) and training nodes, then the edge cut, the total halo and the stale \
            fraction (adjacency entries that read a later chunk, i.e. a historical embedding). \
            With -o, writes `node<TAB>chunk` lines in the dataset's node ids. Reads edges.tsv \
            and split.tsv; of the feature file only its header (the row count, so isolated \
            nodes count as in train). A --chunks that METIS cannot fill (chunks left empty) is \
            refused with the largest count found that works.
            """)

    @Argument(help: ArgumentHelp("Dataset folder (or an edge-list file).", valueName: "dataset"))
    var dataset = "graphs/cora"
    @Option(parsing: .signedNumber, help: "Number of chunks C (at most the node count).") var chunks = 8
    @Option(parsing: .signedNumber, help: "METIS seed (as --partition-seed of train).") var seed: UInt64 = 0
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the chunk of every node here (TSV).", valueName: "chunks.tsv"))
    var output: String?
    @OptionGroup var header: SkipRowsOption

    func validate() throws {
        if chunks < 1 { throw ValidationError("--chunks must be at least 1, got \(chunks)") }
        if !FileManager.default.fileExists(atPath: dataset) {
            throw ValidationError("dataset '\(dataset)' does not exist")
        }
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
        var adjacency = try GraphBuilder.build(data.edges, options: .undirected)
        if adjacency.hasSelfLoops { adjacency = adjacency.removingSelfLoops() }
        let n = adjacency.numNodes
        try ChunkCount.check(chunks, numNodes: n, dataset: dataset, training: false)
        let plan: ChunkPlan
        do {
            plan = try ChunkPlan.metis(adjacency: adjacency, numChunks: chunks, seed: seed, architecture: .gcn,
                                       keepsWholeOperator: false)
        } catch {
            throw ChunkCount.emptyChunkFailure(adjacency, chunks: chunks, seed: seed, seedOption: "--seed", dataset: dataset) ?? error
        }
        var isTrain = [Bool](repeating: false, count: n)
        for v in data.split?.train ?? [] { isTrain[plan.newID[v]] = true }
        print("\(dataset): \(n) nodes, \(adjacency.nnz / 2) edges, \(chunks) chunks (METIS seed \(seed))")
        print("chunk\tnodes\thalo\ttrain")
        let halos = plan.haloSizes
        for c in 0..<chunks {
            let train = (plan.chunkOffsets[c]..<plan.chunkOffsets[c + 1]).filter { isTrain[$0] }.count
            print("\(c)\t\(plan.size(of: c))\t\(halos[c])\t\(train)")
        }
        let edges = max(1, adjacency.nnz / 2)
        print(String(format: "edge cut %d (%.2f%% of edges), halo total %d (%.2f%% of nodes), stale fraction %.4f (%d of %d adjacency entries)",
                     plan.edgeCut, 100 * Double(plan.edgeCut) / Double(edges), halos.reduce(0, +),
                     100 * Double(halos.reduce(0, +)) / Double(max(1, n)), plan.staleFraction, plan.staleEntries,
                     plan.adjacencyEntries))
        if let output {
            var text = "# node\tchunk (gnnpipe partition --chunks \(chunks) --seed \(seed))\n"
            let chunkOf = plan.chunkOfOriginal
            for u in 0..<n {
                let name = data.edges.nodeIDs?.name(of: u) ?? String(u)
                text += "\(name)\t\(chunkOf[u])\n"
            }
            try AtomicFile.write(Data(text.utf8), to: output)
            FileHandle.standardError.write(Data("wrote \(output)\n".utf8))
        }
    }
}
