import ArgumentParser
import CLISupport
import DenseMath
import Embeddings
import Foundation
import GraphIO

/// What `--seed` and `--metrics` mean in `evaluate`.
enum EvaluateRun: SeedDescription, MetricsDescription {
    static let seedDraws = "the shuffles of the labelled nodes"
    static let defaultSeed: UInt64? = 0
    static let metricsRecords = "one record (settings and the scores of every ratio)"
}

// MARK: - evaluate (the DeepWalk / FastRP node-classification protocol)

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Node classification with embeddings: Micro- and Macro-F1 over shuffles and training ratios.",
        usage: "fastrp evaluate [<options>] --embeddings <file> --labels <file>",
        discussion: """
            The DeepWalk / FastRP protocol: for each shuffle of the labelled nodes and each training \
            ratio, one-vs-rest L2 logistic regression (liblinear's objective, bias regularised) is \
            trained on the first part and each test node is given its k best classes, k = its true \
            label count. Prints Micro-/Macro-F1 averaged over shuffles (with --quiet, only that \
            table). EMBEDDINGS: .npy (row i = node i; labels use integer ids) or .tsv / .txt as \
            written by `fastrp embed` (labels use the same ids), extensions in any case. Defaults \
            are the paper's: C = 0.1, 5 shuffles.

            To reproduce the paper's BlogCatalog numbers:
              fastrp embed graphs/blogcatalog/edges.tsv --paper-blogcatalog -o bc.npy
              fastrp evaluate --embeddings bc.npy --labels graphs/blogcatalog/labels.tsv
            """)

    @Option(help: ArgumentHelp("Embeddings file (.npy, .tsv or .txt).", valueName: "file")) var embeddings: String
    @Option(help: ArgumentHelp("Labels: `node<TAB>class` per line; several lines per node for multi-label.", valueName: "file"))
    var labels: String
    @Option(parsing: .signedNumber, help: ArgumentHelp("Training ratios, comma-separated, each in (0, 1).", valueName: "list"))
    var ratios = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9"
    @Option(parsing: .signedNumber, help: ArgumentHelp("Number of shuffles of the labelled nodes; scores are averaged over them.", valueName: "n"))
    var shuffles = 5
    @Option(name: [.customShort("C"), .customLong("inverse-regularization")], parsing: .signedNumber,
            help: ArgumentHelp("C, the logistic regression's inverse regularisation strength.", valueName: "C"))
    var c: Float = 0.1
    @OptionGroup(title: runOptionsTitle) var seedOption: SeedOption<EvaluateRun>
    @OptionGroup(title: runOptionsTitle) var threads: ThreadsOption
    @OptionGroup(title: runOptionsTitle) var output: OutputOptions
    @OptionGroup(title: runOptionsTitle) var metrics: MetricsOption<EvaluateRun>

    func parsedRatios() throws -> [Double] {
        let list = ratios.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil && $0! > 0 && $0! < 1 }) else {
            throw ValidationError("--ratios must be comma-separated numbers in (0, 1), got '\(ratios)'")
        }
        return list.map { $0! }
    }

    func validate() throws {
        _ = try parsedRatios()
        if !["npy", "tsv", "txt"].contains(FilePaths.formatExtension(of: embeddings)) {
            throw ValidationError("--embeddings \(embeddings): expected a .npy, .tsv or .txt (word2vec) file")
        }
        if shuffles < 1 { throw ValidationError("--shuffles must be at least 1, got \(shuffles)") }
        if !(c > 0 && c.isFinite) { throw ValidationError("-C must be a positive number, got \(c)") }
        try metrics.validate(createdFolder: nil)
        if let metrics = metrics.metrics {
            try OutputSafety.refuseOverwriting(metrics, option: "--metrics", inputs: [(embeddings, "--embeddings"), (labels, "--labels")])
        }
    }

    func run() throws {
        let seed = seedOption.value
        BLAS.setThreadCount(1)  // products split into shape-fixed row blocks: scores do not depend on --threads
        let (loaded, loadSeconds) = try timed { () throws -> (Matrix, NodeLabels) in
            let (matrix, names) = try EmbeddingReader.read(embeddings)
            let labelSet = try LabelReader.read(labels, nodeIDs: names, numNodes: matrix.rows)
            return (matrix, labelSet)
        }
        let (matrix, labelSet) = loaded
        let config = NodeClassification.Configuration(trainingRatios: try parsedRatios(), shuffles: shuffles,
                                                      inverseRegularization: c, seed: seed, threads: threads.count)
        let bar = ProgressBar(enabled: !output.quiet, label: "fits")
        let (scores, seconds) = try timed {
            try NodeClassification.evaluate(embeddings: matrix, labels: labelSet, configuration: config) { bar.update($0, of: $1) }
        }
        bar.finish()
        // The table is the command's output (stdout); the line about the run is a note (stderr).
        output.note("node classification: \(formatCount(labelSet.labelledNodes.count)) labelled nodes, \(labelSet.numClasses) classes, dim \(matrix.cols), C = \(c), \(shuffles) shuffles (seed \(seed))")
        print("ratio  train   Micro-F1  Macro-F1")
        for s in scores {
            print(String(format: "%.2f   %-6d  %.4f    %.4f", s.trainingRatio, s.trainingNodes, s.microF1, s.macroF1))
        }
        output.note(String(format: "fastrp evaluate: load %.2f s, %d fits %.2f s, peak memory %.0f MiB",
                          loadSeconds, shuffles * scores.count, seconds, peakMemoryMiB()))
        try MetricsWriter(path: metrics.metrics).append([
            "command": "evaluate", "embeddings": embeddings, "labels": labels, "C": Double(c), "shuffles": shuffles,
            "seed": seed, "seconds": seconds,
            "scores": scores.map { ["ratio": $0.trainingRatio, "micro_f1": $0.microF1, "macro_f1": $0.macroF1] },
        ])
    }
}
