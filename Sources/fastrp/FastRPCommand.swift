import ArgumentParser
import CLISupport
import DenseMath
import Embeddings
import Foundation
import GraphCore
import GraphIO
import Logging

/// `fastrp`: FastRP node embeddings (Chen et al., CIKM 2019) and their evaluation.
@main
struct FastRPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fastrp",
        abstract: "FastRP node embeddings: very sparse random projection of graph neighbourhoods.",
        discussion: """
            Examples:
              fastrp embed graphs/karate/edges.tsv -o karate.tsv
              fastrp embed edges.tsv --dim 256 --weights 0,0,1,4 -o emb.npy
              fastrp embed graphs/blogcatalog/edges.tsv --paper-blogcatalog -o bc.npy
              fastrp evaluate --embeddings bc.npy --labels graphs/blogcatalog/labels.tsv
              fastrp link-prediction graphs/blogcatalog/edges.tsv --dim 512

            """ + sharedGrammarHelp(tool: "fastrp"),
        subcommands: [Embed.self, Evaluate.self, LinkPredictionCommand.self])

    static func main() {
        // Under mpirun every rank parses the same arguments: a usage error (and --help) is
        // printed by rank 0 alone, whose exit status becomes the job's. The other ranks leave
        // quietly with status 0: a non-zero exit would make mpirun kill rank 0, maybe before
        // it printed.
        if let rank = Launcher.rank, rank != 0 {
            do {
                if !(try parseAsRoot() is Embed) { Foundation.exit(0) }
            } catch {
                Foundation.exit(0)
            }
        }
        ToolMain.run(Self.self)
    }
}

extension EdgeListReadOptions.IDMode: ExpressibleByArgument {}
extension FastRP.Transition: ExpressibleByArgument {}

// MARK: - Option groups

/// What the EDGES argument of `embed` and `link-prediction` is.
enum EdgeListPath: DatasetDescription {
    static let datasetHelp = "Edge list: `src dst [weight]` per line (tab, space or comma separated; # or % comments), plain or gzip-compressed (.gz); or a PyG edge_index .npy ([2 × E] int64)."
    static let defaultDataset: String? = nil
    static let valueName = "edges"
    // --dataset is accepted (hidden) so the spelling of rphgnn and lighthgnn works here too.
    static let mentionsDatasetOption = false
}

/// Where the graph comes from.
struct GraphOptions: ParsableArguments {
    @OptionGroup var edgesArgument: DatasetArgument<EdgeListPath>

    /// The edge list (first argument or `--dataset`).
    var edges: String { edgesArgument.path }

    @Flag(help: "Treat edges as directed (rows of P are out-neighbours); default: undirected, each edge symmetrised.")
    var directed = false

    @Flag(help: "Use the third column as edge weights (default: ignore its value; it must still be a number).")
    var weighted = false

    @Option(help: ArgumentHelp("Node ids: integer, string or automatic.", valueName: "mode"))
    var idMode: EdgeListReadOptions.IDMode = .automatic

    @Option(parsing: .signedNumber, help: ArgumentHelp("Number of nodes, when isolated nodes have ids above every id in the file (integer ids).",
                               valueName: "n"))
    var numNodes: Int?

    @OptionGroup var header: SkipRowsOption

    func validate() throws {
        if let numNodes, numNodes < 0 || numNodes > EdgeListReader.largestNodeID + 1 {
            throw ValidationError("--num-nodes must be in 0...\(EdgeListReader.largestNodeID + 1) (32-bit node ids), got \(numNodes)")
        }
        if numNodes != nil && idMode == .string { throw ValidationError(Self.numNodesNeedsIntegers) }
        // A dataset folder (which the other tools accept) gets a hint naming its edge list.
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: edges, isDirectory: &isFolder), isFolder.boolValue {
            if let file = try? NodeDataset.existingFile(edges, oneOf: ["edges.tsv", "edges.npy"]) {
                throw ValidationError("'\(edges)' is a folder; fastrp reads an edge-list file: give the folder's edge list, '\(file)'")
            }
            throw ValidationError("'\(edges)' is a folder, expected an edge-list file")
        }
        try EdgeIndexInput.refuseTextOptions(edges, skipRows: header.skipRows, weighted: weighted, idModeString: idMode == .string)
    }

    /// Why `--num-nodes` cannot go with string ids: the extra isolated nodes would have no name.
    static let numNodesNeedsIntegers = "--num-nodes applies to integer node ids (isolated nodes above the largest id); string ids name every node they have, so leave it out"

    /// The usage error for `--num-nodes` on a file whose ids turned out to be names.
    func numNodesFailure() -> CommandFailure {
        CommandFailure("\(edges) has string node ids: \(Self.numNodesNeedsIntegers)", code: 64)
    }

    /// Reads and builds the graph; the edge list is released before returning. The note about
    /// relabelled ids goes through `output` (left out with `--quiet`).
    func load(threads: Int, output: OutputOptions) throws -> (graph: CSRGraph, nodeIDs: NodeIDMap?) {
        let list = try EdgeListReader.read(edges, options: EdgeListReadOptions(
            idMode: idMode, weighted: weighted ? true : false, numNodes: numNodes, threadCount: threads,
            skipRows: header.skipRows))
        if numNodes != nil && list.nodeIDs != nil { throw numNodesFailure() }
        if idMode == .automatic, let ids = list.nodeIDs {
            let sample = ids.names.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            output.printNote("\(edges): node ids are not all dense non-negative integers (first: \(sample)); they were relabelled 0..<\(ids.count) in order of first appearance, so row i of a .npy output is the i-th id seen, not node i (.tsv/.txt outputs keep the names; --id-mode integer refuses such ids)")
        }
        let graph = try GraphBuilder.build(list, options: directed ? .directed : .undirected)
        return (graph, list.nodeIDs)
    }
}

/// FastRP settings.
struct EmbeddingOptions: ParsableArguments {
    @Option(parsing: .signedNumber, help: "Embedding dimension.") var dim = 128

    @Option(parsing: .signedNumber, help: ArgumentHelp("Iteration weights α₁,…,α_k (comma-separated); k is their count.", valueName: "list"))
    var weights = "0,1,1"

    @Option(parsing: .signedNumber,
            help: ArgumentHelp("β, exponent of the degree normalisation d^β of the initial vectors (paper: [-1, 0]).",
                               valueName: "beta"))
    var normalizationStrength: Float = 0

    @Option(parsing: .signedNumber, help: ArgumentHelp("s of the sparse projection (entries ±√(s/dim) with probability 1/(2s)): `sqrt` for √n, or a number ≥ 1.",
                               valueName: "s"))
    var sparsity = "sqrt"

    @Flag(inversion: .prefixedNo, help: "L2-normalise each iteration's rows before the weighted sum.")
    var normalizeIterations = true

    @Flag(help: "Standardise each output column to mean 0, variance 1 (the reference code's final step).")
    var standardize = false

    @Option(parsing: .signedNumber,
            help: ArgumentHelp("Weight σ of each node's own normalised initial vector (Neo4j GDS nodeSelfInfluence).",
                               valueName: "sigma"))
    var selfInfluence: Float = 0

    @Option(help: ArgumentHelp("On weighted graphs, divide neighbour sums by the weighted degree or by the edge count (GDS).",
                               valueName: "weighted-degree|degree"))
    var transition: FastRP.Transition = .weightedDegree

    @Option(help: ArgumentHelp("Node features (.npy or .mtx, one row per node in id order) mixed into the initial vectors.",
                               valueName: "file"))
    var features: String?

    @Option(parsing: .signedNumber, help: ArgumentHelp("Share of the dimensions given to projected features (needs --features).", valueName: "ratio"))
    var propertyRatio: Float = 0

    @Flag(help: "The paper's BlogCatalog settings: --dim 512 --weights 1,1,7.81,45.28 --normalization-strength -0.628 --standardize (overrides those options).")
    var paperBlogcatalog = false

    func validate() throws {
        _ = try configuration(seed: 0)
    }

    func parsedWeights() throws -> [Float] {
        let text = weights.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return [] }
        return try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let w = Float(part.trimmingCharacters(in: .whitespaces)), w.isFinite else {
                throw ValidationError("--weights must be comma-separated numbers, got '\(weights)'")
            }
            return w
        }
    }

    /// The FastRP settings with `seed` (``SeedOption``) as the projection's seed.
    func configuration(seed: UInt64) throws -> FastRP.Configuration {
        let s: FastRP.Sparsity
        if sparsity == "sqrt" {
            s = .squareRootOfNodes
        } else if let value = Double(sparsity) {
            s = .fixed(value)
        } else {
            throw ValidationError("--sparsity must be 'sqrt' or a number ≥ 1, got '\(sparsity)'")
        }
        var config = FastRP.Configuration(
            dimension: dim, iterationWeights: try parsedWeights(), normalizationStrength: normalizationStrength,
            sparsity: s, normalizeIterations: normalizeIterations, standardizeColumns: standardize,
            nodeSelfInfluence: selfInfluence, transition: transition, propertyRatio: propertyRatio, seed: seed)
        if paperBlogcatalog {
            let paper = FastRP.Configuration.paperBlogCatalog
            config.dimension = paper.dimension
            config.iterationWeights = paper.iterationWeights
            config.normalizationStrength = paper.normalizationStrength
            config.standardizeColumns = true
        }
        do {
            try config.validate()
        } catch {
            throw ValidationError(flagName(for: error.description))
        }
        if features != nil && config.propertyDimension == 0 {
            throw ValidationError("--features needs --property-ratio with ⌊dim · ratio⌋ ≥ 1 (got ratio \(propertyRatio))")
        }
        if features == nil && propertyRatio > 0 {
            throw ValidationError("--property-ratio needs --features")
        }
        return config
    }

    /// Rewrites a library message so it names the command-line flag.
    func flagName(for message: String) -> String {
        let map = [("dimension", "--dim"), ("iteration weights", "--weights"), ("normalization strength", "--normalization-strength"),
                   ("sparsity s", "--sparsity"), ("node self-influence", "--self-influence"), ("property ratio", "--property-ratio")]
        for (name, flag) in map where message.hasPrefix(name) { return flag + message.dropFirst(name.count) }
        return message
    }

    func loadFeatures() throws -> Matrix? {
        guard let features else { return nil }
        if ["npy", "mtx"].contains(FilePaths.formatExtension(of: features)) {
            return try FeatureMatrixReader.read(features)
        }
        throw ValidationError("--features must be a .npy or .mtx file (or one of them gzip-compressed, .gz), got '\(features)'")
    }
}

/// What `--seed` and `--metrics` mean in `embed` and `link-prediction`.
enum EmbedRun: SeedDescription, MetricsDescription {
    static let seedDraws = "the random projection"
    static let defaultSeed: UInt64? = 42
    static let metricsRecords = "one record (settings, timings per step, peak memory; under mpirun per rank too)"
}

// MARK: - embed

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed the nodes of an edge list and write the vectors.",
        // The edge list is required (as the argument or as --dataset), though declared optional.
        usage: "fastrp embed [<options>] <edges>",
        discussion: """
            Output by extension: .npy (float32 [nodes × dim], row i = node id i; string ids are \
            numbered in order of first appearance), .tsv (original id, then the values, tab-separated) \
            or .txt (word2vec text format for gensim's KeyedVectors.load_word2vec_format). The file is \
            written to a temporary name and renamed, so a failed run leaves nothing behind.

            Algorithm (Chen et al., CIKM 2019): N = Σᵢ αᵢ · rownorm((D⁻¹A)ⁱ · diag(d^β) · R), R very \
            sparse random (±√(s/dim) with probability 1/(2s), s = √n by default), drawn per node from \
            (--seed, node id), so the output is identical for any --threads. Defaults follow Neo4j GDS: \
            --dim 128 --weights 0,1,1 --normalization-strength 0, rows normalised each iteration, no \
            column standardisation. Weighted graphs (--weighted) divide by the weighted degree unless \
            --transition degree. Nodes without out-edges get zero vectors (plus --self-influence). \
            On a terminal a progress bar shows the iterations; a timing line (load / embed / write \
            seconds, peak memory) goes to stderr.

            Across machines: `mpirun -n P fastrp embed edges.tsv -o emb.npy` (any option) writes the \
            same bytes as one process. Each rank reads its byte range of the file, owns a contiguous \
            block of rows balanced by stored edges, and fetches its halo rows from their owners before \
            each step; ranks write their rows of a .npy in place (the output folder must be shared), \
            text outputs go through rank 0. The timing line adds load / exchange / compute seconds and \
            peak memory per rank; --metrics records bytes exchanged per step.

            Examples:
              fastrp embed graphs/karate/edges.tsv -o karate.tsv
              fastrp embed edges.tsv --dim 256 --weights 0,0,1,4 -o emb.npy --threads 4
              fastrp embed graphs/blogcatalog/edges.tsv --paper-blogcatalog -o bc.npy
              mpirun -n 4 fastrp embed edges.tsv -o emb.npy
            """)

    @OptionGroup var graph: GraphOptions
    @OptionGroup var embedding: EmbeddingOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file: .npy, .tsv or .txt (word2vec).", valueName: "file"))
    var output = "embeddings.npy"

    @OptionGroup(title: runOptionsTitle) var runOptions: RunOptions<EmbedRun>

    func validate() throws {
        guard ["npy", "tsv", "txt"].contains(fileExtension(output)) else {
            throw ValidationError("--output must end in .npy, .tsv or .txt, got '\(output)'")
        }
        try validateOutputPath(output, option: "--output")
        var inputs = [(graph.edges, "the edge list")]
        if let features = embedding.features { inputs.append((features, "--features")) }
        try OutputSafety.refuseOverwriting(output, option: "--output", inputs: inputs)
        try runOptions.metricsOption.validate(createdFolder: nil)
        if let metrics = runOptions.metrics {
            try OutputSafety.refuseOverwriting(metrics, option: "--metrics", inputs: inputs + [(output, "--output")])
        }
    }

    func run() throws {
        if Launcher.rank != nil {
            try runDistributed()
            return
        }
        let config = try embedding.configuration(seed: runOptions.seed)
        let threads = runOptions.threads
        let logger = runOptions.makeLogger(prefix: "fastrp", label: "fastrp")
        let ((graph, nodeIDs), loadSeconds) = try timed { try self.graph.load(threads: threads, output: runOptions.outputOptions) }
        let features = try embedding.loadFeatures()
        let bar = ProgressBar(enabled: !runOptions.quiet, label: "fastrp")
        let (result, embedSeconds) = try timed {
            try FastRP(config).embed(graph, features: features, threads: threads, logger: logger) { bar.update($0.completed, of: $0.total) }
        }
        bar.finish()
        try refuseNonFinite(result.embeddings)
        let (_, writeSeconds) = try timed { try writeEmbeddings(result.embeddings, nodeIDs: nodeIDs, to: output) }
        let peak = peakMemoryMiB()
        runOptions.note(String(format: "fastrp: %@ nodes, %@ stored edges, dim %d, k %d → %@: load %.2f s, embed %.2f s, write %.2f s, peak memory %.0f MiB",
                        formatCount(graph.numNodes), formatCount(graph.nnz), config.dimension, config.iterationWeights.count,
                        output, loadSeconds, embedSeconds, writeSeconds, peak))
        try MetricsWriter(path: runOptions.metrics).append([
            "command": "embed", "edges": self.graph.edges, "output": output, "nodes": graph.numNodes, "stored_edges": graph.nnz,
            "dim": config.dimension, "weights": config.iterationWeights.map(Double.init), "beta": Double(config.normalizationStrength),
            "sparsity": config.sparsity.description, "seed": config.seed, "threads": threads,
            "load_seconds": loadSeconds, "embed_seconds": embedSeconds, "write_seconds": writeSeconds,
            "step_seconds": result.stepSeconds, "peak_memory_mib": peak, "dense_matrices": result.peakDenseMatrices,
        ])
    }
}

func writeEmbeddings(_ m: Matrix, nodeIDs: NodeIDMap?, to path: String) throws {
    switch fileExtension(path) {
    case "npy":
        try NPY.write(m, to: path)
    case "tsv":
        try EmbeddingWriter.writeTSV(m, nodeIDs: nodeIDs, to: path)
    default:
        if let names = nodeIDs?.names, let bad = names.first(where: { $0.contains(" ") }) {
            throw CommandFailure("node id '\(bad)' contains a space, which word2vec text cannot hold; write .tsv or .npy")
        }
        try EmbeddingWriter.writeWord2Vec(m, nodeIDs: nodeIDs, to: path)
    }
}

/// The lowercased extension of `path` (`"npy"` for `x.NPY`), or `""`.
func fileExtension(_ path: String) -> String {
    (path as NSString).pathExtension.lowercased()
}

// MARK: - link-prediction

struct LinkPredictionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link-prediction",
        abstract: "Hold out edges, embed the rest, and score held-out edges against random pairs.",
        usage: "fastrp link-prediction [<options>] <edges>",
        discussion: """
            The FastRP paper's protocol: keep a spanning tree plus random edges up to 1 − --hold-out \
            of the edges, embed that graph, and report the fraction of held-out edges whose cosine \
            similarity beats a random node pair's (ties count ½). The graph is treated as undirected.

            Example (the paper's BlogCatalog setting):
              fastrp link-prediction graphs/blogcatalog/edges.tsv --dim 512 --weights 1,0.01
            """)

    @OptionGroup var graph: GraphOptions
    @OptionGroup var embedding: EmbeddingOptions
    @Option(parsing: .signedNumber, help: ArgumentHelp("Share of edges held out, in (0, 1).", valueName: "fraction")) var holdOut = 0.3
    @Option(parsing: .signedNumber, help: ArgumentHelp("Seed of the held-out edges and of the random pairs (--seed seeds the projection).",
                                                       valueName: "seed"))
    var splitSeed: UInt64 = 0
    @OptionGroup(title: runOptionsTitle) var runOptions: RunOptions<EmbedRun>

    func validate() throws {
        if !(holdOut > 0 && holdOut < 1) { throw ValidationError("--hold-out must be in (0, 1), got \(holdOut)") }
        if graph.directed { throw ValidationError("link prediction treats the graph as undirected; drop --directed") }
        try runOptions.metricsOption.validate(createdFolder: nil)
        if let metrics = runOptions.metrics {
            var inputs = [(graph.edges, "the edge list")]
            if let features = embedding.features { inputs.append((features, "--features")) }
            try OutputSafety.refuseOverwriting(metrics, option: "--metrics", inputs: inputs)
        }
    }

    func run() throws {
        let config = try embedding.configuration(seed: runOptions.seed)
        let logger = runOptions.makeLogger(prefix: "fastrp", label: "fastrp")
        let ((graph, _), loadSeconds) = try timed { try self.graph.load(threads: runOptions.threads, output: runOptions.outputOptions) }
        let split = try LinkPrediction.split(graph, holdOutFraction: holdOut, seed: splitSeed)
        let features = try embedding.loadFeatures()
        let bar = ProgressBar(enabled: !runOptions.quiet, label: "fastrp")
        let (result, seconds) = try timed {
            try FastRP(config).embed(split.trainingGraph, features: features, threads: runOptions.threads, logger: logger) {
                bar.update($0.completed, of: $0.total)
            }
        }
        bar.finish()
        let score = LinkPrediction.score(result.embeddings, positives: split.positives, negatives: split.negatives)
        print(String(format: "link prediction: %@ held-out edges of %@, score %.4f",
                     formatCount(split.positives.count), formatCount(graph.nnz / 2), score))
        runOptions.note(String(format: "fastrp link-prediction: load %.2f s, embed %.2f s, peak memory %.0f MiB",
                               loadSeconds, seconds, peakMemoryMiB()))
        try MetricsWriter(path: runOptions.metrics).append([
            "command": "link-prediction", "edges": self.graph.edges, "held_out": split.positives.count, "score": score,
            "dim": config.dimension, "weights": config.iterationWeights.map(Double.init), "embed_seconds": seconds,
        ])
    }
}
