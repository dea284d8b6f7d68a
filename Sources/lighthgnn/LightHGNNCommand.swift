import ArgumentParser
import ClassificationMetrics
import CLISupport
import DenseMath
import Foundation
import GraphCore
import GraphIO
import HypergraphLearning
import Logging

/// `lighthgnn`: distil a hypergraph neural network into an MLP (LightHGNN / LightHGNN+,
/// Feng et al., ICLR 2024) and run the distilled MLP on features alone.
@main
struct LightHGNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lighthgnn",
        abstract: "Distil an HGNN teacher into an MLP student that needs no hypergraph at inference.",
        discussion: """
            Examples:
              lighthgnn train graphs/cocitation-cora --student light+
              lighthgnn train graphs/coauthorship-cora --student light --metrics run.jsonl
              lighthgnn train graphs/cocitation-cora --seed 0 --save model/
              lighthgnn predict --model model/ --features features.mtx -o pred.npy

            """ + sharedGrammarHelp(tool: "lighthgnn"),
        subcommands: [Train.self, Predict.self])

    /// Parses, runs, and reports failures as `error: …` on stderr (exit 64 for bad usage,
    /// 1 for failures while running).
    static func main() {
        ToolMain.run(LightHGNNCommand.self)
    }
}

extension StudentKind: ExpressibleByArgument {}
extension TeacherKind: ExpressibleByArgument {}
extension TrainingSetting: ExpressibleByArgument {}
extension KDLoss: ExpressibleByArgument {}

enum FeatureNormalizationChoice: String, ExpressibleByArgument, CaseIterable {
    case l1, none
}

/// What the dataset argument of `train` is.
enum HypergraphDatasetFolder: DatasetDescription {
    static let datasetHelp = "Dataset folder: hyperedges.tsv (or edges.tsv, a graph), features.mtx or features.npy, labels.tsv (each may be .gz)."
    static let defaultDataset: String? = nil
}

/// What `--seed` and `--metrics` mean in `train`.
enum LightHGNNRun: SeedDescription, MetricsDescription {
    static let seedDraws = "split, weights, dropout, noise and sampling of one run"
    static let defaultSeed: UInt64? = nil
    static let defaultSeedText = "--seeds 0-4"
    static let metricsRecords = "one record per epoch of each model (seed, model, epoch, loss, val_accuracy, best, seconds), one per seed and model with its scores, then a summary record"
}

/// A failure while running, printed as `error: <message>`.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the HGNN teacher, a plain MLP and the LightHGNN/LightHGNN+ student; report test scores over seeds.",
        // The dataset is required (as the argument or as --dataset), though declared optional.
        usage: "lighthgnn train [<options>] <dataset>",
        discussion: """
            DATASET is a folder with hyperedges.tsv (one hyperedge per line, tab-separated 0-based \
            vertex ids) or edges.tsv (an ordinary graph: each vertex's closed 1-hop neighbourhood \
            and each edge become hyperedges), features.mtx or features.npy, and labels.tsv. As in \
            DHG, identical hyperedges are merged and vertices in no hyperedge get a singleton \
            hyperedge (--keep-duplicates, --no-singletons turn this off); feature rows are \
            L1-normalised.

            Split: per seed, 20 training and 100 validation vertices per class, the rest test. \
            Each model trains 200 full-batch epochs with Adam (lr 0.01, L2 5e-4) and keeps its \
            best-validation epoch. The student's loss is λ·CE + (1−λ)·KD with λ = 0 by default; \
            LightHGNN+ adds the hyperedge-level soft-label loss on hyperedges sampled by \
            reliability each epoch.

            --kd-loss reference (default) is the reference code's loss (teacher probabilities \
            passed as log-probabilities, a flattened soft target); true-kl is the textbook \
            KL(p_t ‖ p_s)·T². The default is the loss behind the published numbers; on the two \
            Cora hypergraphs the two losses differ by less than one standard deviation \
            (BENCHMARKS.md).

            --setting production holds 90% of the test vertices out of the teacher's hypergraph \
            and the student's training rows; scores are given for the observed test vertices \
            (trans), the held-out ones (ind) and all test vertices (prod).

            --save DIR writes the student of the first seed (DIR/student.ckpt) with its \
            training-time class predictions (DIR/predictions.npy, int32) and logits \
            (DIR/logits.npy) for every vertex.

            Examples:
              lighthgnn train graphs/cocitation-cora --student light+
              lighthgnn train graphs/coauthorship-cora --seeds 0-9 --metrics run.jsonl
              lighthgnn train graphs/cocitation-cora --seed 0 --save model/
            """)

    @OptionGroup var datasetArgument: DatasetArgument<HypergraphDatasetFolder>
    @OptionGroup var header: SkipRowsOption

    @Option(help: "Student: light (LightHGNN) or light+ (LightHGNN+).") var student: StudentKind = .lightPlus
    @Option(help: "Teacher: hgnn.") var teacher: TeacherKind = .hgnn
    @Option(help: "Setting: transductive or production.") var setting: TrainingSetting = .transductive
    @Option(parsing: .signedNumber, help: ArgumentHelp("Seeds as a range or list, e.g. 0-4 or 0,3,7: each trains all three models; scores are mean ± std over them (default 0-4; --seed N is one seed).", valueName: "list"))
    var seeds: String?
    @Option(parsing: .signedNumber, help: "Epochs per model.") var epochs = 200
    @Option(name: .customLong("lr"), parsing: .signedNumber, help: "Adam learning rate.") var learningRate: Float = 0.01
    @Option(parsing: .signedNumber, help: "Adam L2 weight decay.") var weightDecay: Float = 5e-4
    @Option(parsing: .signedNumber, help: "Dropout of teacher and student.") var dropout: Float = 0.5
    @Option(parsing: .signedNumber, help: "Teacher hidden width.") var teacherHidden = 32
    @Option(parsing: .signedNumber, help: "Student and MLP hidden width.") var studentHidden = 128
    @Option(help: "KD loss: reference or true-kl.") var kdLoss: KDLoss = .reference
    @Option(parsing: .signedNumber, help: "λ, the weight of the label loss in the student's loss.") var lambda: Float = 0
    @Option(parsing: .signedNumber, help: "τ of the hyperedge soft-label loss (LightHGNN+).") var tau: Float = 1
    @Option(parsing: .signedNumber, help: "Temperature T of the true-kl vertex loss.") var temperature: Float = 1
    @Option(parsing: .signedNumber, help: "Feature-noise level ℓ of the hyperedge reliability (LightHGNN+).") var noiseLevel: Float = 1
    @Option(parsing: .signedNumber, help: "Training vertices per class.") var trainPerClass = 20
    @Option(parsing: .signedNumber, help: "Validation vertices per class.") var valPerClass = 100
    @Option(help: "Feature preprocessing: l1 (row L1 norm) or none.") var featureNormalization: FeatureNormalizationChoice = .l1
    @Flag(help: "Keep identical hyperedges as separate hyperedges.") var keepDuplicates = false
    @Flag(help: "Do not give vertices in no hyperedge a singleton hyperedge.") var noSingletons = false
    @Option(help: ArgumentHelp("Save the first seed's student here (folder, created if missing).", valueName: "dir"))
    var save: String?
    @OptionGroup(title: runOptionsTitle) var runOptions: RunOptions<LightHGNNRun>

    /// The dataset folder (first argument or `--dataset`).
    var dataset: String { datasetArgument.path }
    /// `--seed`, when given (else `--seeds`).
    var seed: UInt64? { runOptions.seedOption.seed }
    /// `--metrics`.
    var metrics: String? { runOptions.metrics }

    func seedList() throws -> [UInt64] {
        if let seed {
            if seeds != nil { throw ValidationError("give --seed or --seeds, not both") }
            return [seed]
        }
        guard let text = seeds else { return [0, 1, 2, 3, 4] }
        var out: [UInt64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 1, let v = UInt64(bounds[0]) {
                out.append(v)
            } else if bounds.count == 2, let a = UInt64(bounds[0]), let b = UInt64(bounds[1]), a <= b, b - a < 10_000 {
                out += Array(a...b)
            } else {
                throw ValidationError("--seeds '\(text)': expected a range like 0-4 or a list like 0,3,7")
            }
        }
        return out
    }

    func trainingConfiguration() -> LightHGNNConfiguration {
        var c = LightHGNNConfiguration()
        c.teacherHidden = teacherHidden
        c.studentHidden = studentHidden
        c.dropout = dropout
        c.learningRate = learningRate
        c.weightDecay = weightDecay
        c.epochs = epochs
        c.lambda = lambda
        c.tau = tau
        c.temperature = temperature
        c.noiseLevel = noiseLevel
        c.kdLoss = kdLoss
        c.trainPerClass = trainPerClass
        c.validationPerClass = valPerClass
        c.threads = runOptions.threads
        return c
    }

    func validate() throws {
        _ = try seedList()
        try validateNumbers()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataset, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("dataset '\(dataset)' is not a folder")
        }
        try validateOutputs()
    }

    /// Range checks with the option names; the library's own check backs them up.
    func validateNumbers() throws {
        func atLeast1(_ value: Int, _ option: String) throws {
            if value < 1 { throw ValidationError("\(option) must be at least 1, got \(value)") }
        }
        try atLeast1(epochs, "--epochs")
        try atLeast1(teacherHidden, "--teacher-hidden")
        try atLeast1(studentHidden, "--student-hidden")
        try atLeast1(trainPerClass, "--train-per-class")
        try atLeast1(valPerClass, "--val-per-class")
        if !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--lr must be positive, got \(learningRate)") }
        if !(weightDecay >= 0 && weightDecay.isFinite) { throw ValidationError("--weight-decay must be ≥ 0, got \(weightDecay)") }
        if !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        if !(lambda >= 0 && lambda <= 1) { throw ValidationError("--lambda must be in [0, 1], got \(lambda)") }
        if !(tau > 0 && tau.isFinite) { throw ValidationError("--tau must be positive, got \(tau)") }
        if !(temperature > 0 && temperature.isFinite) { throw ValidationError("--temperature must be positive, got \(temperature)") }
        if !(noiseLevel >= 0 && noiseLevel.isFinite) { throw ValidationError("--noise-level must be ≥ 0, got \(noiseLevel)") }
        do {
            try trainingConfiguration().validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The files `--save DIR` writes.
    static let savedFileNames = [StudentModelFolder.checkpointName, "predictions.npy", "logits.npy"]

    /// Before any work: the outputs can be written, name none of the dataset's files (those the
    /// loader reads, and split.tsv of the shared dataset format) and not each other.
    func validateOutputs() throws {
        let inputs = OutputSafety.datasetFiles(dataset, fileNames: ["hyperedges.tsv", "edges.tsv", "features.mtx", "features.npy",
                                                                    "labels.tsv", "split.tsv"])
        var saved: [(path: String, what: String)] = []
        if let save {
            // The folder and missing parents are created at save time.
            try validateFolderToCreate(save, option: "--save")
            saved = Self.savedFileNames.map { ((save as NSString).appendingPathComponent($0), "the --save file") }
            for file in saved {
                try OutputSafety.refuseOverwriting(file.path, option: "--save", inputs: inputs)
            }
        }
        if let metrics {
            let folder = save.map { [(path: $0, what: "the --save folder")] } ?? []
            try OutputSafety.refuseOverwriting(metrics, option: "--metrics", inputs: inputs + saved + folder)
            // Inside a --save folder this run creates: that folder's parent was probed above.
            try runOptions.metricsOption.validate(createdFolder: save)
        }
    }

    func run() throws {
        let logger = runOptions.makeLogger(prefix: "lighthgnn", label: "lighthgnn")
        BLAS.setThreadCount(1)  // GEMMs are split into row blocks on the engine's threads.

        let seedValues = try seedList()
        let config = trainingConfiguration()
        let loaded = try DatasetLoader.load(dataset, normalize: featureNormalization == .l1,
                                            mergeDuplicates: !keepDuplicates, addSingletons: !noSingletons,
                                            skipRows: header.skipRows)
        let data = loaded.data
        logger.info("\(dataset): \(data.numVertices) vertices, \(loaded.description), \(data.features.dim) features, \(data.numClasses) classes")

        let log = logger
        let trainer = LightHGNNTrainer(configuration: config, progress: { line in log.info("\(line)") })
        var reports: [SeedReport] = []
        // A metrics file inside the --save folder gets the folder with its first record (the
        // student is saved into it later).
        let metricsWriter = MetricsWriter(path: metrics, createsParentFolders: metrics.map { m in
            save.map { OutputSafety.willBeCreated(m, inside: $0) } ?? false
        } ?? false)
        // Each epoch's record reaches the file as it happens (a killed run keeps them).
        var metricsError: (any Error)?
        for s in seedValues {
            let report = try trainer.run(data, seed: s, student: student, teacher: teacher, setting: setting) { e in
                guard metrics != nil, metricsError == nil else { return }
                let record: [String: Any] = ["seed": e.seed, "model": e.model.rawValue, "epoch": e.epoch, "loss": Double(e.loss),
                                             "val_accuracy": e.validationAccuracy, "best": e.isBest, "seconds": e.seconds]
                do { try metricsWriter.append(record) } catch { metricsError = error }
            }
            if let metricsError { throw metricsError }
            reports.append(report)
            for (name, r) in [("teacher", report.teacher), ("mlp", report.mlp), ("student", report.student)] {
                var record: [String: Any] = ["seed": s, "model": name, "val_accuracy": r.validationAccuracy,
                                             "best_epoch": r.bestEpoch, "seconds": r.seconds]
                for (set, score) in r.scores {
                    record["\(set)_accuracy"] = score.accuracy
                    record["\(set)_micro_f1"] = score.microF1
                    record["\(set)_macro_f1"] = score.macroF1
                }
                if name == "student", let rho = report.meanReliability { record["mean_reliability"] = rho }
                try metricsWriter.append(record)
            }
            if s == seedValues.first, let save {
                try saveModel(report, data: data, classNames: loaded.classNames, seed: s, to: save)
                logger.info("saved the seed-\(s) student to \(save)")
            }
        }

        let studentName = student == .light ? "LightHGNN" : "LightHGNN+"
        print("\(studentName) on \(dataset) (\(setting.rawValue), teacher \(teacher.rawValue), KD \(kdLoss.rawValue), \(seedValues.count) seed\(seedValues.count == 1 ? "" : "s"): \(seedValues.map(String.init).joined(separator: " ")))")
        let sets = reports[0].teacher.scores.keys.sorted { setOrder($0) < setOrder($1) }
        var summary: [String: Any] = ["summary": true, "dataset": dataset, "student": student.rawValue,
                                      "teacher": teacher.rawValue, "setting": setting.rawValue,
                                      "kd_loss": kdLoss.rawValue, "seeds": seedValues, "epochs": epochs]
        for set in sets {
            if sets.count > 1 { print("[\(set)]") }
            print(pad("model", 12) + pad("accuracy", 18) + pad("Micro-F1", 18) + "Macro-F1")
            for (label, key, pick) in [("HGNN", "teacher", { (r: SeedReport) in r.teacher }),
                                       ("MLP", "mlp", { (r: SeedReport) in r.mlp }),
                                       (studentName, "student", { (r: SeedReport) in r.student })] {
                let scores = reports.map { pick($0).scores[set]! }
                let acc = MeanStd(scores.map(\.accuracy)), micro = MeanStd(scores.map(\.microF1)), macro = MeanStd(scores.map(\.macroF1))
                print(pad(label, 12) + pad(fmt(acc), 18) + pad(fmt(micro), 18) + fmt(macro))
                summary["\(key)_\(set)_accuracy_mean"] = acc.mean
                summary["\(key)_\(set)_accuracy_std"] = acc.std
                summary["\(key)_\(set)_micro_f1_mean"] = micro.mean
                summary["\(key)_\(set)_macro_f1_mean"] = macro.mean
            }
        }
        if let metrics {
            try metricsWriter.append(summary)
            logger.info("wrote \(metrics)")
        }
    }

    func saveModel(_ report: SeedReport, data: HypergraphDataset, classNames: [String], seed: UInt64, to folder: String) throws {
        try StudentModelFolder.save(report.studentModel, to: folder, l1Normalize: featureNormalization == .l1,
                                    classNames: classNames,
                                    metadata: ["student": student.rawValue, "teacher": teacher.rawValue,
                                               "kd_loss": kdLoss.rawValue, "seed": String(seed), "dataset": dataset,
                                               "setting": setting.rawValue])
        let logits = report.studentLogits
        let predictions = Metrics.argmaxRows(logits)
        try NPY.write(predictions, shape: [predictions.count], to: (folder as NSString).appendingPathComponent("predictions.npy"))
        try NPY.write(logits, to: (folder as NSString).appendingPathComponent("logits.npy"))
    }

    func setOrder(_ s: String) -> Int { ["test", "trans", "ind", "prod"].firstIndex(of: s) ?? 9 }
    func fmt(_ m: MeanStd) -> String { String(format: "%.2f ± %.2f", 100 * m.mean, 100 * m.std) }
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify vertices with a saved student MLP from their features alone (no hypergraph).",
        usage: "lighthgnn predict [<options>] --model <dir> --features <file> -o <file>",
        discussion: """
            FEATURES is a .npy (float32/float64, [vertices × dim]) or Matrix Market .mtx file with the \
            dimension the model was trained on; rows are L1-normalised when the model was. Writes \
            the predicted class of every row as int32 .npy (and, with --logits, the logits as \
            float32 .npy), each written to a temporary file and renamed.

            Example:
              lighthgnn predict --model model/ --features features.mtx -o pred.npy
            """)

    @Option(help: ArgumentHelp("Model folder written by `lighthgnn train --save`.", valueName: "dir"))
    var model: String
    @Option(help: ArgumentHelp("Feature file (.npy or .mtx).", valueName: "file"))
    var features: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Output class predictions (.npy).", valueName: "file.npy"))
    var output: String
    @Option(help: ArgumentHelp("Also write the logits (.npy).", valueName: "file.npy"))
    var logits: String?
    @OptionGroup(title: runOptionsTitle) var threads: ThreadsOption
    @OptionGroup(title: runOptionsTitle) var outputOptions: OutputOptions

    func validate() throws {
        if !output.hasSuffix(".npy") { throw ValidationError("--output must end in .npy") }
        if let logits, !logits.hasSuffix(".npy") { throw ValidationError("--logits must end in .npy") }
        if !["npy", "mtx"].contains(FilePaths.formatExtension(of: features)) {
            throw ValidationError("--features must be a .npy or .mtx file (or one of them gzip-compressed, .gz)")
        }
        // Outputs: writable, none of the inputs (features, the model folder's files), not each other.
        try validateOutputPath(output, option: "--output", extensions: ["npy"])
        var inputs: [(path: String, what: String)] = [(features, "--features")]
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isFolder), !isFolder.boolValue {
            inputs.append((model, "--model"))
        } else {
            inputs += Train.savedFileNames.map { ((model as NSString).appendingPathComponent($0), "the model file") }
        }
        try OutputSafety.refuseOverwriting(output, option: "--output", inputs: inputs)
        if let logits {
            try validateOutputPath(logits, option: "--logits", extensions: ["npy"])
            try OutputSafety.refuseOverwriting(logits, option: "--logits", inputs: inputs + [(output, "--output")])
        }
    }

    func run() throws {
        BLAS.setThreadCount(1)
        let loaded = try StudentModelFolder.load(from: model)
        var x = try FeatureMatrixReader.read(features)
        guard x.cols == loaded.student.inputDim else {
            throw CLIError("\(features): \(x.cols) feature columns, the model expects \(loaded.student.inputDim)")
        }
        if loaded.l1Normalize { x = NodeFeatures.l1RowNormalized(x) }
        let z = loaded.student.predict(NodeFeatures(x), threads: threads.count)
        let predictions = Metrics.argmaxRows(z)
        try NPY.write(predictions, shape: [predictions.count], to: output)
        if let logits { try NPY.write(z, to: logits) }
        outputOptions.note("wrote \(output) (the classes of \(predictions.count) rows)" + (logits.map { " and \($0) (their logits)" } ?? ""))
    }
}

/// Reads a dataset folder into a ``HypergraphDataset``.
enum DatasetLoader {
    struct Loaded {
        var data: HypergraphDataset
        var classNames: [String]
        var description: String
    }

    static func load(_ folder: String, normalize: Bool, mergeDuplicates: Bool, addSingletons: Bool,
                     skipRows: Int = 0) throws -> Loaded {
        // Each file plain or gzip-compressed (name.gz).
        func file(_ name: String) throws -> String? { try NodeDataset.existingFile(folder, oneOf: [name]) }
        guard let featurePath = try file("features.mtx") ?? file("features.npy") else {
            throw CLIError("\(folder) has no features.mtx or features.npy")
        }
        guard let labelPath = try file("labels.tsv") else { throw CLIError("\(folder) has no labels.tsv") }
        var x = try FeatureMatrixReader.read(featurePath)
        if normalize { x = NodeFeatures.l1RowNormalized(x) }
        let n = x.rows
        let labels = try LabelReader.read(labelPath, numNodes: n, singleLabel: true)
        if labels.isMultiLabel { throw CLIError("\(labelPath) is multi-label; LightHGNN needs one class per vertex") }
        let hypergraph: Hypergraph
        let description: String
        if let hyperedgePath = try file("hyperedges.tsv") {
            let edges = try HyperedgeListReader.read(hyperedgePath, numVertices: n)
            let plain = try Hypergraph(hyperedges: edges, numVertices: n, mergeDuplicates: mergeDuplicates, addSingletons: false)
            hypergraph = try Hypergraph(hyperedges: edges, numVertices: n, mergeDuplicates: mergeDuplicates, addSingletons: addSingletons)
            description = "\(edges.count) hyperedges read, \(plain.numHyperedges) kept + \(hypergraph.numHyperedges - plain.numHyperedges) singletons = \(hypergraph.numHyperedges)"
        } else if let edgePath = try file("edges.tsv") {
            let list = try EdgeListReader.read(edgePath, options: EdgeListReadOptions(skipRows: skipRows))
            guard list.nodeIDs == nil, list.numNodes <= n else {
                throw CLIError("\(edgePath): node ids must be integers below the feature row count \(n)")
            }
            let padded = try EdgeList(sources: list.sources, targets: list.targets, weights: nil, numNodes: n)
            let graph = try GraphBuilder.build(padded, options: .undirected)
            hypergraph = try HypergraphConstruction.closedNeighborhoods(of: graph, mergeDuplicates: mergeDuplicates)
            description = "graph with \(graph.nnz / 2) edges → \(hypergraph.numHyperedges) hyperedges (edges + closed 1-hop neighbourhoods)"
        } else {
            throw CLIError("\(folder) has neither hyperedges.tsv nor edges.tsv")
        }
        let data = try HypergraphDataset(hypergraph: hypergraph, features: x, labels: labels.singleLabels(),
                                         numClasses: labels.numClasses)
        return Loaded(data: data, classNames: labels.classNames, description: description)
    }
}
