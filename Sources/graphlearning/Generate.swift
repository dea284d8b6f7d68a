import ArgumentParser
import CLISupport
import DenseMath
import Foundation
import GraphCore
import GraphIO

/// What `--seed` means in `generate`.
enum GenerateRun: SeedDescription {
    static let seedDraws = "graph, features, labels and split"
    static let defaultSeed: UInt64? = 1
}

/// `graphlearning generate`: a synthetic node-classification dataset folder (R-MAT graph,
/// class-correlated features, labels, split) that every tool reading dataset folders accepts.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic node-classification dataset folder with an R-MAT graph.",
        usage: "graphlearning generate [<options>] <output>",
        discussion: """
            Writes edges.tsv (R-MAT, Chakrabarti et al. 2004, Graph500 quadrant probabilities \
            0.57/0.19/0.19, 2^scale nodes, edge-factor · 2^scale draws, self-loops removed, \
            duplicates left for the reader to merge), features.npy ([numNodes × features] float32), \
            labels.tsv and split.tsv into OUTPUT (created if missing; an existing folder must be empty; every file written atomically).

            Labels are uniform over --classes classes, drawn from (seed, node). Feature j of node v \
            is a uniform [0, 1) draw plus --signal when j mod classes equals v's class, so an MLP \
            can learn the labels and a GNN has real work; the graph itself is not class-correlated. \
            Split: --train and --val fractions of the nodes (seeded shuffle), the rest test.

            Example (the GNNPipe scale test: 2^20 nodes, 16·2^20 edges, 128 features):
              graphlearning generate /tmp/rmat20 --scale 20 --edge-factor 16 --features 128
            """)

    @Argument(help: ArgumentHelp("Output dataset folder (created if missing; an existing one must be empty).", valueName: "output"),
              completion: .directory)
    var output: String
    @Option(parsing: .signedNumber, help: "log2 of the number of nodes (1–26).") var scale = 14
    @Option(parsing: .signedNumber, help: "Edge draws per node.") var edgeFactor = 16
    @Option(parsing: .signedNumber, help: "Feature width.") var features = 128
    @Option(parsing: .signedNumber, help: "Number of classes (2–1000).") var classes = 8
    @Option(parsing: .signedNumber, help: "Added to the class's feature columns (may be negative).") var signal: Float = 0.5
    @Option(parsing: .signedNumber, help: "Fraction of nodes in the training split.") var train = 0.1
    @Option(parsing: .signedNumber, help: "Fraction of nodes in the validation split.") var val = 0.1
    @OptionGroup(title: runOptionsTitle) var seedOption: SeedOption<GenerateRun>
    @OptionGroup(title: runOptionsTitle) var threads: ThreadsOption
    @OptionGroup(title: runOptionsTitle) var outputOptions: OutputOptions

    func validate() throws {
        guard (1...26).contains(scale) else { throw ValidationError("--scale must be in 1...26, got \(scale)") }
        guard edgeFactor >= 1 && edgeFactor <= 1024 else { throw ValidationError("--edge-factor must be in 1...1024, got \(edgeFactor)") }
        guard features >= 1 && features <= 100_000 else { throw ValidationError("--features must be in 1...100000, got \(features)") }
        guard (2...1000).contains(classes) else { throw ValidationError("--classes must be in 2...1000, got \(classes)") }
        guard signal.isFinite else { throw ValidationError("--signal must be finite") }
        guard train > 0, val > 0, train + val < 1 else {
            throw ValidationError("--train and --val must be > 0 and train + val < 1, got \(train) and \(val)")
        }
        let n = 1 << scale
        let nTrain = Int(Double(n) * train), nVal = Int(Double(n) * val)
        guard nTrain >= 1, nVal >= 1, n - nTrain - nVal >= 1 else {
            throw ValidationError("2^\(scale) = \(n) nodes give \(nTrain) train / \(nVal) val / \(n - nTrain - nVal) test nodes; every split needs at least one (raise --scale or the fractions)")
        }
        guard classes <= n else { throw ValidationError("--classes \(classes) exceeds the \(n) nodes") }
        // The folder and missing parents are created later; a file on the way is refused here.
        try validateFolderToCreate(output, option: "output")
        // Writing into an existing dataset would replace some of its files and leave a mix.
        if FileManager.default.fileExists(atPath: output) {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
            if !entries.isEmpty {
                throw ValidationError("output folder '\(output)' exists and is not empty (\(counted(entries.count, "entry", "entries"))); give a new or empty folder")
            }
        }
    }

    func run() throws {
        let seed = seedOption.value
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let n = 1 << scale
        let edges = GraphGenerator.rmat(scale: scale, edgeFactor: edgeFactor, seed: seed)
        guard !edges.sources.isEmpty else {
            throw CommandFailure("every R-MAT draw was a self-loop, so the graph has no edges; raise --scale or --edge-factor")
        }
        try AtomicFile.write(to: output + "/edges.tsv") { (out: inout FileWriter) throws(GraphIOError) in
            try out.write("# R-MAT scale \(scale), edge factor \(edgeFactor), seed \(seed): src<TAB>dst, undirected, 0-based\n")
            for i in 0..<edges.sources.count {
                try out.write(String(edges.sources[i]))
                try out.write(byte: 9)
                try out.write(String(edges.targets[i]))
                try out.write(byte: 10)
            }
        }
        let labels = (0..<n).map { v -> Int32 in
            var rng = SplitMix64(seed: seed ^ 0x1ABE1, stream: UInt64(v))
            return Int32(rng.nextInt(below: classes))
        }
        var x = Matrix(rows: n, cols: features)
        let d = features, c = classes, s = signal, sd = seed
        x.values.withUnsafeMutableBufferPointer { xs in
            let p = xs.baseAddress!
            Parallel.forEachRange(total: n, count: threads.count) { rows in
                for v in rows {
                    var rng = SplitMix64(seed: sd ^ 0xFEA7, stream: UInt64(v))
                    for j in 0..<d { p[v * d + j] = rng.nextUnitFloat() + (j % c == Int(labels[v]) ? s : 0) }
                }
            }
        }
        try NPY.write(x, to: output + "/features.npy")
        try AtomicFile.write(to: output + "/labels.tsv") { (out: inout FileWriter) throws(GraphIOError) in
            try out.write("# node<TAB>class: uniform over \(classes) classes (seed \(seed))\n")
            for v in 0..<n { try out.write("\(v)\t\(labels[v])\n") }
        }
        var order = Array(0..<n)
        var rng = SplitMix64(seed: seed ^ 0x5B11, stream: 0)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
        let nTrain = Int(Double(n) * train), nVal = Int(Double(n) * val)
        var split = [String](repeating: "test", count: n)
        for i in 0..<nTrain { split[order[i]] = "train" }
        for i in nTrain..<(nTrain + nVal) { split[order[i]] = "val" }
        try AtomicFile.write(to: output + "/split.tsv") { (out: inout FileWriter) throws(GraphIOError) in
            try out.write("# node<TAB>split: seeded shuffle, \(nTrain) train, \(nVal) val, \(n - nTrain - nVal) test\n")
            for v in 0..<n { try out.write("\(v)\t\(split[v])\n") }
        }
        outputOptions.note("wrote \(output): \(formatCount(n)) nodes, \(formatCount(edges.sources.count)) edges (self-loops dropped), \(features) features, \(classes) classes (\(nTrain) train / \(nVal) val / \(n - nTrain - nVal) test)")
    }
}
