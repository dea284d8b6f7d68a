import ArgumentParser
import CLISupport
import DenseMath
import Foundation
import GraphIO
import HeterogeneousLearning
import Logging

/// `rphgnn`: RpHGNN heterogeneous pre-computation and classifier on HGB datasets.
@main
struct RpHGNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rphgnn",
        abstract: "RpHGNN: heterogeneous graph learning with random projection (Hu, Hooi & He, TKDE 2024).",
        discussion: """
            Examples:
              rphgnn train graphs/hgb/ACM.zip
              rphgnn train graphs/hgb/DBLP.zip --seed 3 --metrics dblp.jsonl
              rphgnn precompute graphs/hgb/ACM.zip -o acm-features

            """ + sharedGrammarHelp(tool: "rphgnn"),
        subcommands: [Train.self, Precompute.self])

    /// Parses, runs, and reports failures as `error: …` on stderr (exit 64 for bad usage,
    /// 1 for failures while running).
    static func main() { ToolMain.run(Self.self) }
}

extension GroupMerge: ExpressibleByArgument {}
extension EarlyStoppingMetric: ExpressibleByArgument {}

/// What the dataset argument of `train` and `precompute` is.
enum HGBDatasetPath: DatasetDescription {
    static let datasetHelp = "HGB dataset: a folder or its .zip (node.dat, link.dat, label.dat, label.dat.test, …)."
    static let defaultDataset: String? = nil
}

/// What `--seed` and `--metrics` mean in `train`.
enum RpHGNNRun: SeedDescription, MetricsDescription {
    static let seedDraws = "projections, random features, validation split, weights and batch order"
    static let defaultSeed: UInt64? = 1
    static let metricsRecords = "one record per epoch, then a summary record"
}

/// What `--seed` means in `precompute`: only the draws of the pre-computation
/// (`PrecomputationOptions.seed`), the same as in `train` with the same seed.
enum PrecomputeRun: SeedDescription {
    static let seedDraws = "the sparse random projections and the random features of featureless node types, as in train"
    static let defaultSeed: UInt64? = RpHGNNRun.defaultSeed
}

/// Options shared by `train` and `precompute`: the dataset and the pre-computation. Numeric
/// options take the next word even when it starts with `-`, so `--hops -1` reaches `validate()`.
struct PrecomputationArguments: ParsableArguments {
    @OptionGroup var datasetArgument: DatasetArgument<HGBDatasetPath>

    @Option(name: .customLong("hops"), parsing: .signedNumber,
            help: "K, propagate-then-update iterations (groups reach hop 2K; default: per dataset).")
    var iterations: Int?
    @Option(parsing: .signedNumber, help: "Width of random features for node types without features (default: per dataset).")
    var randomFeatureDim: Int?
    @Option(help: ArgumentHelp("Prepend the raw target features to even groups: true or false (default: per dataset).",
                               valueName: "bool"))
    var includeInput: Bool?
    @Option(help: ArgumentHelp("Cache folder (default: $XDG_CACHE_HOME or ~/.cache, then graphlearning/rphgnn). Only a speed-up: an entry that cannot be stored (read-only or full disk) is a warning.", valueName: "dir"))
    var cache: String?
    @Flag(help: "Neither read nor write the pre-computation cache.") var noCache = false

    /// The dataset (first argument or `--dataset`).
    var dataset: String { datasetArgument.path }

    /// The files of an HGB dataset folder (``HGBDataset``); outputs must not name one of them.
    static let datasetFileNames = ["node.dat", "link.dat", "label.dat", "label.dat.test", "label.dat.test_full",
                                   "info.dat", "meta.dat"]

    /// The dataset's files (its zip, or the HGB files in its folder) as inputs for
    /// `OutputSafety.refuseOverwriting(_:option:inputs:)`.
    var datasetInputs: [(path: String, what: String)] {
        OutputSafety.datasetFiles(dataset, fileNames: Self.datasetFileNames)
    }

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("--hops must be at least 1, got \(iterations)") }
        if let randomFeatureDim, randomFeatureDim < 1 {
            throw ValidationError("--random-feature-dim must be at least 1, got \(randomFeatureDim)")
        }
        if noCache && cache != nil { throw ValidationError("--cache and --no-cache exclude each other") }
        if let cache {
            // Writability is not required: a cache that cannot store gives a warning at the end
            // of the pre-computation (see RpHGNNPipeline.precompute).
            try OutputSafety.refuseOverwriting(cache, option: "--cache", inputs: datasetInputs)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: cache, isDirectory: &isFolder), !isFolder.boolValue {
                throw ValidationError(notAFolderMessage(option: "--cache", path: cache, file: cache))
            }
        }
    }


    /// Per-dataset defaults with the pre-computation flags applied.
    func settings(for name: String, logger: Logger) -> RpHGNNSettings {
        var s = RpHGNNSettings.defaults(forDataset: name) ?? {
            logger.info("no reference settings for '\(name)'; using the generic ones")
            return RpHGNNSettings.generic
        }()
        if let iterations { s.iterations = iterations }
        if let randomFeatureDim { s.randomFeatureDim = randomFeatureDim }
        if let includeInput { s.includeInput = includeInput }
        return s
    }

    /// Loads the dataset and prints its warnings (`warning: file:line: …`, also with --quiet).
    func loadDataset() throws -> HGBDataset {
        let data = try HGBDataset.load(dataset)
        for warning in data.warnings { printToStandardError("warning: \(warning)") }
        return data
    }

    var cacheStore: PrecomputationCache? { noCache ? nil : PrecomputationCache(root: cache ?? PrecomputationCache.defaultRoot) }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-compute (or read from the cache), train the classifier, and report Micro-/Macro-F1.",
        // The dataset is required (as the argument or as --dataset), though declared optional.
        usage: "rphgnn train [<options>] <dataset>",
        discussion: """
            Defaults follow the reference run scripts per dataset (ACM, DBLP, IMDB, Freebase; \
            others get generic values). 20% of label.dat is held out for validation (stratified \
            for single-label data, seeded). The reported scores are those of the best validation \
            epoch, on label.dat.test (HGB's public half of the test labels) and on \
            label.dat.test_full (all test labels), each when present.

            Each epoch prints the mean training loss, the validation loss and F1 when it \
            validated, and the seconds of the training step; '*' marks a new best.

            Examples:
              rphgnn train graphs/hgb/ACM.zip
              rphgnn train graphs/hgb/DBLP.zip --seed 3 --metrics dblp.jsonl
              rphgnn train graphs/hgb/ACM.zip --hops 3 --epochs 50 --no-cache
            """)

    @OptionGroup var common: PrecomputationArguments
    @Option(parsing: .signedNumber, help: "Largest number of epochs (default: per dataset).") var epochs: Int?
    @Option(parsing: .signedNumber, help: "Stop after this many epochs without a better validation value (default: per dataset).")
    var patience: Int?
    @Option(parsing: .signedNumber, help: "Validate every this many epochs (default: per dataset).") var validationFrequency: Int?
    @Option(help: "What picks the best epoch: mean-f1 or loss (default: per dataset).") var earlyStopping: EarlyStoppingMetric?
    @Option(parsing: .signedNumber, help: "Hidden width (default: per dataset).") var hidden: Int?
    @Option(parsing: .signedNumber, help: "Dropout on group inputs, in [0, 1) (default: per dataset).") var inputDropout: Float?
    @Option(parsing: .signedNumber, help: "Dropout after hidden layers, in [0, 1) (default: per dataset).") var dropout: Float?
    @Option(help: "Merge of group outputs: concat or mean (default: per dataset).") var merge: GroupMerge?
    @Option(parsing: .signedNumber, help: "Mini-batch size (default: per dataset).") var batchSize: Int?
    @Option(name: .customLong("lr"), parsing: .signedNumber, help: "Adam learning rate.") var learningRate: Float = 3e-3
    @OptionGroup(title: runOptionsTitle) var runOptions: RunOptions<RpHGNNRun>

    /// `--metrics`.
    var metrics: String? { runOptions.metrics }

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let patience, patience < 0 { throw ValidationError("--patience must be ≥ 0, got \(patience)") }
        if let validationFrequency, validationFrequency < 1 {
            throw ValidationError("--validation-frequency must be at least 1, got \(validationFrequency)")
        }
        if let hidden, hidden < 1 { throw ValidationError("--hidden must be at least 1, got \(hidden)") }
        if let inputDropout, !(inputDropout >= 0 && inputDropout < 1) {
            throw ValidationError("--input-dropout must be in [0, 1), got \(inputDropout)")
        }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--lr must be positive, got \(learningRate)") }
        // Before the run, not after it: the folder must exist and accept files, and the file
        // must not be one of the dataset's.
        try runOptions.metricsOption.validate(createdFolder: nil)
        if let metrics {
            var inputs = common.datasetInputs
            if let cache = common.cache { inputs.append((cache, "--cache")) }
            try OutputSafety.refuseOverwriting(metrics, option: "--metrics", inputs: inputs)
        }
    }

    func run() throws {
        let logger = runOptions.makeLogger(prefix: "rphgnn", label: "rphgnn")
        let started = DispatchTime.now().uptimeNanoseconds
        BLAS.setThreadCount(1) // GEMMs are split into row blocks on the engine's threads.
        let threads = runOptions.threads

        let data = try common.loadDataset()
        let loadSeconds = seconds(since: started)
        var s = common.settings(for: data.name, logger: logger)
        if let epochs { s.epochs = epochs }
        if let patience { s.patience = patience }
        if let validationFrequency { s.validationFrequency = validationFrequency }
        if let earlyStopping { s.earlyStopping = earlyStopping }
        if let hidden { s.hiddenDim = hidden }
        if let inputDropout { s.inputDropout = inputDropout }
        if let dropout { s.dropout = dropout }
        if let merge { s.merge = merge }
        if let batchSize { s.batchSize = batchSize }
        s.learningRate = learningRate
        let seed = runOptions.seed
        logger.info("\(data.name): \(data.graph.nodeTypes.map { "\($0.name) \($0.count)" }.joined(separator: ", ")); \(data.graph.relations.count) relations; target \(data.graph.nodeTypes[data.targetType].name), \(data.numClasses) classes\(data.isMultiLabel ? " (multi-label)" : ""); loaded in \(String(format: "%.1f", loadSeconds)) s")

        let split = try ValidationSplit.make(labels: data.trainLabels, fraction: 0.2, seed: seed)
        let classifier = s.classifierConfiguration(numClasses: data.numClasses, seed: seed)
        func memoryEstimate(_ s: RpHGNNSettings) throws -> RpHGNNMemoryEstimate {
            try RpHGNNMemoryEstimate.estimate(
                graph: data.graph, features: data.features, targetType: data.targetType, options: s.precomputationOptions(seed: seed),
                training: .init(batchRows: min(s.batchSize, split.train.count), hiddenDim: s.hiddenDim,
                                hopChannels: s.classifierConfiguration(numClasses: data.numClasses, seed: seed).hopChannels,
                                inputDropout: s.inputDropout > 0),
                groupFileBuffers: common.noCache ? 0 : 2)
        }
        let estimate = try memoryEstimate(s)
        try checkMemory(estimate, data: data, settings: s, training: true, logger: logger, estimate: memoryEstimate)

        let pre = try RpHGNNPipeline.precompute(data, inputs: [common.dataset], options: s.precomputationOptions(seed: seed),
                                                cache: common.cacheStore, threads: threads, logger: logger)
        logger.info("\(pre.features.groups.count) groups (\(pre.features.groups.map { "\($0.name) \($0.hops)×\($0.dim)" }.joined(separator: ", "))), \(String(format: "%.0f", Double(pre.features.floatCount) * 4 / 1_048_576)) MiB, \(pre.fromCache ? "read from cache" : "computed") in \(String(format: "%.1f", pre.seconds)) s")

        let model = try RpHGNNClassifier(groupShapes: pre.features.groups.map { ($0.hops, $0.dim) },
                                         configuration: classifier)
        let trainer = try RpHGNNTrainer(model: model, features: pre.features, labels: data.trainLabels,
                                        multiLabel: data.isMultiLabel, split: split,
                                        options: s.trainingOptions(seed: seed, threads: threads))
        logger.info("classifier: \(model.parameterCount) parameters, hidden \(s.hiddenDim), dropout \(s.inputDropout)/\(s.dropout), merge \(s.merge.rawValue); train \(split.train.count), validation \(split.validation.count) nodes; batch \(s.batchSize), \(threads) threads")

        // Each epoch's record reaches the file as it happens (a killed run keeps them).
        let metricsWriter = MetricsWriter(path: metrics)
        var metricsError: (any Error)?
        let trainStart = DispatchTime.now().uptimeNanoseconds
        let summary = try trainer.train(tests: RpHGNNPipeline.testSets(of: data)) { r in
            if !runOptions.quiet {
                var line = String(format: "epoch %4d  loss %.4f", r.epoch, r.loss)
                if let v = r.validation, let l = r.validationLoss {
                    line += String(format: "  val loss %.4f  val Micro-F1 %.4f  Macro-F1 %.4f", l, v.microF1, v.macroF1)
                }
                line += String(format: "  %.3f s%@", r.trainSeconds, r.isBest ? "  *" : "")
                print(line)
            }
            var record: [String: Any] = ["epoch": r.epoch, "loss": r.loss, "train_seconds": r.trainSeconds, "best": r.isBest]
            if let v = r.validation, let l = r.validationLoss {
                record["val_loss"] = l
                record["val_micro_f1"] = v.microF1
                record["val_macro_f1"] = v.macroF1
            }
            if metricsError == nil {
                do { try metricsWriter.append(record) } catch { metricsError = error }
            }
            // A diverged run stops with an error, its records written, instead of training on
            // with NaN weights and reporting success.
            try Divergence.check(loss: r.loss, epoch: r.epoch, learningRate: learningRate)
            if let l = r.validationLoss {
                try Divergence.check(loss: l, epoch: r.epoch, learningRate: learningRate, which: "validation")
            }
        }
        if let metricsError { throw metricsError }
        let trainSeconds = seconds(since: trainStart)
        let total = seconds(since: started)
        let peak = peakMemoryMiB()

        print(String(format: "best epoch %d of %d%@: validation Micro-F1 %.4f, Macro-F1 %.4f, loss %.4f",
                     summary.bestEpoch, summary.epochsRun, summary.stoppedEarly ? " (stopped early)" : "",
                     summary.validation.microF1, summary.validation.macroF1, summary.validationLoss))
        for t in summary.tests {
            let nodes = t.name == "label.dat.test" ? data.testLabels!.labelledNodes.count : data.testFullLabels!.labelledNodes.count
            let what = t.name == "label.dat.test" ? "HGB public half of the test labels" : "all test labels"
            print(String(format: "test on %@ (%@, %d nodes): Micro-F1 %.4f, Macro-F1 %.4f",
                         t.name, what, nodes, t.scores.microF1, t.scores.macroF1))
        }
        if summary.tests.isEmpty { print("no label.dat.test or label.dat.test_full: no test scores") }
        if let test = data.testLabels, let full = data.testFullLabels {
            let (shared, agreeing) = RpHGNNPipeline.agreement(test, full)
            if shared > 0 && agreeing < shared {
                runOptions.printNote(String(format: "label.dat.test and label.dat.test_full give the same classes to only %d of the %d nodes they share (%.1f%%)",
                             agreeing, shared, 100 * Double(agreeing) / Double(shared)))
            }
        }
        runOptions.note(String(format: "time: load %.1f s, pre-computation %.1f s (%@), training %.1f s (%d epochs, %.3f s per epoch), total %.1f s; peak memory %.0f MiB (estimated %.0f MiB)",
                     loadSeconds, pre.seconds, pre.fromCache ? "read from cache" : "computed", trainSeconds, summary.epochsRun,
                     summary.meanEpochSeconds, total, peak, mebibytes(estimate.totalBytes)))

        if let metrics {
            var last: [String: Any] = [
                "summary": true, "dataset": data.name, "seed": seed, "threads": threads,
                "best_epoch": summary.bestEpoch, "epochs_run": summary.epochsRun, "stopped_early": summary.stoppedEarly,
                "val_micro_f1": summary.validation.microF1, "val_macro_f1": summary.validation.macroF1,
                "val_loss": summary.validationLoss, "load_seconds": loadSeconds,
                "precompute_seconds": pre.seconds, "precompute_from_cache": pre.fromCache,
                "train_seconds": trainSeconds, "mean_epoch_seconds": summary.meanEpochSeconds,
                "total_seconds": total, "peak_memory_mib": peak, "estimated_memory_mib": mebibytes(estimate.totalBytes),
                "parameters": model.parameterCount,
                "hops": s.iterations, "hidden": s.hiddenDim,
            ]
            for t in summary.tests {
                let key = t.name == "label.dat.test" ? "test" : "test_full"
                last[key + "_micro_f1"] = t.scores.microF1
                last[key + "_macro_f1"] = t.scores.macroF1
            }
            try metricsWriter.append(last)
            logger.info("wrote \(metrics)")
        }
    }
}

struct Precompute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-compute the target type's groups and write them as .npy files for use outside this tool.",
        // The dataset is required (as the argument or as --dataset), though declared optional.
        usage: "rphgnn precompute [<options>] <dataset> -o <dir>",
        discussion: """
            OUTPUT receives group-NN.npy (float32 [numNodes, hops, dim], row = local id of the \
            target node), target_ids.npy (int64 [numNodes]: the HGB global id of each row) and \
            manifest.json (group names, shapes, parameters). The files are written to a hidden \
            temporary folder first; an existing OUTPUT ends up with exactly this run's group \
            files (older group-NN.npy files are removed; other files are kept), and keeps its old \
            contents when the run fails. The cache is used as by train.

            Example:
              rphgnn precompute graphs/hgb/ACM.zip -o acm-features
            """)

    @OptionGroup var common: PrecomputationArguments
    @Option(name: .shortAndLong, help: ArgumentHelp("Folder to write (created if missing).", valueName: "dir")) var output: String
    @OptionGroup(title: runOptionsTitle) var seed: SeedOption<PrecomputeRun>
    @OptionGroup(title: runOptionsTitle) var threads: ThreadsOption
    @OptionGroup(title: runOptionsTitle) var outputOptions: OutputOptions

    func validate() throws {
        try validateOutputFolder(output, option: "--output")
        // OUTPUT receives these names (and drops older group-NN.npy files): none may be a dataset file.
        for input in common.datasetInputs {
            let name = (input.path as NSString).lastPathComponent
            if name == "manifest.json" || name == "target_ids.npy" || isGroupFileName(name) {
                try OutputSafety.refuseOverwriting(output + "/" + name, option: "--output", inputs: [input])
            }
        }
    }

    func run() throws {
        let logger = outputOptions.makeLogger(prefix: "rphgnn", label: "rphgnn")
        BLAS.setThreadCount(1)
        let data = try common.loadDataset()
        let s = common.settings(for: data.name, logger: logger)
        let options = s.precomputationOptions(seed: seed.value)
        func memoryEstimate(_ s: RpHGNNSettings) throws -> RpHGNNMemoryEstimate {
            try RpHGNNMemoryEstimate.estimate(graph: data.graph, features: data.features, targetType: data.targetType,
                                              options: s.precomputationOptions(seed: seed.value),
                                              groupFileBuffers: common.noCache ? 1 : 2)
        }
        try checkMemory(try memoryEstimate(s), data: data, settings: s, training: false, logger: logger, estimate: memoryEstimate)
        let pre = try RpHGNNPipeline.precompute(data, inputs: [common.dataset], options: options,
                                                cache: common.cacheStore, threads: threads.count, logger: logger)
        let target = data.graph.nodeTypes[data.targetType].name
        let ids = try NPYArray(shape: [pre.features.numNodes], storage: .int64(data.globalIDs[data.targetType].map { Int64($0) }))
        try PrecomputationCache.publish(pre.features, to: output, options: options, source: ["dataset": data.name, "target": target],
                                        extraFiles: [("target_ids.npy", ids)])
        for g in pre.features.groups {
            print("\(g.name)\t[\(pre.features.numNodes), \(g.hops), \(g.dim)]")
        }
        outputOptions.note(String(format: "wrote %d groups for %d %@ nodes to %@ (%@ in %.1f s)", pre.features.groups.count,
                     pre.features.numNodes, target, output, pre.fromCache ? "read from cache" : "computed", pre.seconds))
    }
}

/// Whether `name` has the form of a group file of `precompute --output` (`group-NN.npy`), which
/// a later run into the same folder may remove.
func isGroupFileName(_ name: String) -> Bool {
    guard name.hasPrefix("group-") && name.hasSuffix(".npy") else { return false }
    let digits = name.dropFirst("group-".count).dropLast(".npy".count)
    return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
}

/// `812 MiB`, `3.4 GiB`, `12.0 TiB`.
func bytesText(_ bytes: Int) -> String {
    let b = Double(bytes), mib = 1_048_576.0, gib = mib * 1024, tib = gib * 1024
    if b >= tib { return String(format: "%.1f TiB", b / tib) }
    if b >= gib { return String(format: "%.1f GiB", b / gib) }
    return String(format: "%.0f MiB", b / mib)
}

/// Bytes in MiB.
func mebibytes(_ bytes: Int) -> Double { Double(bytes) / 1_048_576 }

/// Seconds since `start` (a `DispatchTime` uptime in nanoseconds).
func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }


