import ArgumentParser
import CLISupport
import Foundation
import GraphLearning
import Logging

/// `rphgnn`: RpHGNN heterogeneous pre-computation and classifier on HGB datasets.
@main
struct RpHGNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rphgnn",
        abstract: "RpHGNN: heterogeneous graph learning with random projection (Hu, Hooi & He, TKDE 2024).",
        discussion: """
            Examples:
              rphgnn train --dataset graphs/hgb/ACM.zip
              rphgnn train --dataset graphs/hgb/DBLP.zip --seed 3 --metrics dblp.jsonl
              rphgnn precompute --dataset graphs/hgb/ACM.zip --output acm-features
            """,
        subcommands: [Train.self, Precompute.self])

    /// Parses, runs, and reports failures as `error: …` on stderr (exit 64 for bad usage,
    /// 1 for failures while running).
    static func main() { ToolMain.run(Self.self) }
}

extension GroupMerge: ExpressibleByArgument {}
extension EarlyStoppingMetric: ExpressibleByArgument {}

/// Options shared by `train` and `precompute`: the dataset and the pre-computation.
struct PrecomputationArguments: ParsableArguments {
    @Option(help: ArgumentHelp("HGB dataset: a folder or its .zip (node.dat, link.dat, label.dat, …).", valueName: "path"))
    var dataset: String

    @Option(help: "Seed of projections, random features, split, weights and batch order.") var seed: UInt64 = 1
    @Option(name: .customLong("hops"), help: "K, propagate-then-update iterations (groups reach hop 2K; default: per dataset).")
    var iterations: Int?
    @Option(help: "Width of random features for node types without features (default: per dataset).")
    var randomFeatureDim: Int?
    @Option(help: ArgumentHelp("Prepend the raw target features to even groups: true or false (default: per dataset).",
                               valueName: "bool"))
    var includeInput: Bool?
    @Option(help: ArgumentHelp("Cache folder (default: $XDG_CACHE_HOME or ~/.cache, then graphlearning/rphgnn).", valueName: "dir"))
    var cache: String?
    @Flag(help: "Neither read nor write the pre-computation cache.") var noCache = false
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Flag(help: "Print only the results.") var quiet = false

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("--hops must be at least 1") }
        if let randomFeatureDim, randomFeatureDim < 1 { throw ValidationError("--random-feature-dim must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if noCache && cache != nil { throw ValidationError("--cache and --no-cache exclude each other") }
        if let cache { try validateOutputFolder(cache, option: "--cache") }
        guard FileManager.default.fileExists(atPath: dataset) else {
            throw ValidationError("dataset '\(dataset)' does not exist")
        }
    }

    /// Bootstraps logging to stderr (info, or warnings only with --quiet).
    func makeLogger() -> Logger {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "rphgnn")
        logger.logLevel = quiet ? .warning : .info
        return logger
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

    var threadCount: Int { threads ?? Parallel.defaultThreadCount }
    var cacheStore: PrecomputationCache? { noCache ? nil : PrecomputationCache(root: cache ?? PrecomputationCache.defaultRoot) }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-compute (or read from the cache), train the classifier, and report Micro-/Macro-F1.",
        discussion: """
            Defaults follow the reference run scripts per dataset (ACM, DBLP, IMDB, Freebase; \
            others get generic values). 20% of label.dat is held out for validation (stratified \
            for single-label data, seeded). The reported scores are those of the best validation \
            epoch, on label.dat.test (HGB's public half of the test labels) and on \
            label.dat.test_full (all test labels), each when present.

            Each epoch prints the mean training loss, the validation loss and F1 when it \
            validated, and the seconds of the training step; '*' marks a new best.
            """)

    @OptionGroup var common: PrecomputationArguments
    @Option(help: "Largest number of epochs (default: per dataset).") var epochs: Int?
    @Option(help: "Stop after this many epochs without a better validation value (default: per dataset).") var patience: Int?
    @Option(help: "Validate every this many epochs (default: per dataset).") var validationFrequency: Int?
    @Option(help: "What picks the best epoch: mean-f1 or loss (default: per dataset).") var earlyStopping: EarlyStoppingMetric?
    @Option(help: "Hidden width (default: per dataset).") var hidden: Int?
    @Option(help: "Dropout on group inputs, in [0, 1) (default: per dataset).") var inputDropout: Float?
    @Option(help: "Dropout after hidden layers, in [0, 1) (default: per dataset).") var dropout: Float?
    @Option(help: "Merge of group outputs: concat or mean (default: per dataset).") var merge: GroupMerge?
    @Option(help: "Mini-batch size (default: per dataset).") var batchSize: Int?
    @Option(name: .customLong("lr"), help: "Adam learning rate.") var learningRate: Float = 3e-3
    @Option(help: ArgumentHelp("Write one JSON line per epoch plus a summary line to this file.", valueName: "file.jsonl"))
    var metrics: String?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let patience, patience < 0 { throw ValidationError("--patience must be ≥ 0") }
        if let validationFrequency, validationFrequency < 1 { throw ValidationError("--validation-frequency must be at least 1") }
        if let hidden, hidden < 1 { throw ValidationError("--hidden must be at least 1") }
        if let inputDropout, !(inputDropout >= 0 && inputDropout < 1) { throw ValidationError("--input-dropout must be in [0, 1)") }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--lr must be positive") }
        if let metrics {
            let folder = (metrics as NSString).deletingLastPathComponent
            if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
                throw ValidationError("--metrics \(metrics): the folder '\(folder)' does not exist")
            }
        }
    }

    func run() throws {
        let logger = common.makeLogger()
        let started = DispatchTime.now().uptimeNanoseconds
        BLAS.setThreadCount(1) // GEMMs are split into row blocks on the engine's threads.
        let threads = common.threadCount

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
        let seed = common.seed
        logger.info("\(data.name): \(data.graph.nodeTypes.map { "\($0.name) \($0.count)" }.joined(separator: ", ")); \(data.graph.relations.count) relations; target \(data.graph.nodeTypes[data.targetType].name), \(data.numClasses) classes\(data.isMultiLabel ? " (multi-label)" : ""); loaded in \(String(format: "%.1f", loadSeconds)) s")

        let split = try ValidationSplit.make(labels: data.trainLabels, fraction: 0.2, seed: seed)
        let classifier = s.classifierConfiguration(numClasses: data.numClasses, seed: seed)
        let estimate = try RpHGNNMemoryEstimate.estimate(
            graph: data.graph, features: data.features, targetType: data.targetType, options: s.precomputationOptions(seed: seed),
            training: .init(batchRows: min(s.batchSize, split.train.count), hiddenDim: s.hiddenDim,
                            hopChannels: classifier.hopChannels, inputDropout: s.inputDropout > 0),
            groupFileBuffers: common.noCache ? 0 : 2)
        try checkMemory(estimate, data: data, settings: s, training: true, logger: logger)

        let pre = try RpHGNNPipeline.precompute(data, inputs: [common.dataset], options: s.precomputationOptions(seed: seed),
                                                cache: common.cacheStore, threads: threads, logger: logger)
        logger.info("\(pre.features.groups.count) groups (\(pre.features.groups.map { "\($0.name) \($0.hops)×\($0.dim)" }.joined(separator: ", "))), \(String(format: "%.0f", Double(pre.features.floatCount) * 4 / 1_048_576)) MiB, \(pre.fromCache ? "read from cache" : "computed") in \(String(format: "%.1f", pre.seconds)) s")

        let model = try RpHGNNClassifier(groupShapes: pre.features.groups.map { ($0.hops, $0.dim) },
                                         configuration: classifier)
        let trainer = try RpHGNNTrainer(model: model, features: pre.features, labels: data.trainLabels,
                                        multiLabel: data.isMultiLabel, split: split,
                                        options: s.trainingOptions(seed: seed, threads: threads))
        logger.info("classifier: \(model.parameterCount) parameters, hidden \(s.hiddenDim), dropout \(s.inputDropout)/\(s.dropout), merge \(s.merge.rawValue); train \(split.train.count), validation \(split.validation.count) nodes; batch \(s.batchSize), \(threads) threads")

        var records: [[String: Any]] = []
        let trainStart = DispatchTime.now().uptimeNanoseconds
        let summary = trainer.train(tests: RpHGNNPipeline.testSets(of: data)) { r in
            if !common.quiet {
                var line = String(format: "epoch %4d  loss %.4f", r.epoch, r.loss)
                if let v = r.validation, let l = r.validationLoss {
                    line += String(format: "  val loss %.4f  val Micro-F1 %.4f  Macro-F1 %.4f", l, v.micro, v.macro)
                }
                line += String(format: "  %.3f s%@", r.trainSeconds, r.isBest ? "  *" : "")
                print(line)
            }
            var record: [String: Any] = ["epoch": r.epoch, "loss": r.loss, "train_seconds": r.trainSeconds, "best": r.isBest]
            if let v = r.validation, let l = r.validationLoss {
                record["val_loss"] = l
                record["val_micro_f1"] = v.micro
                record["val_macro_f1"] = v.macro
            }
            records.append(record)
        }
        let trainSeconds = seconds(since: trainStart)
        let total = seconds(since: started)
        let peak = peakMemoryMiB()

        print(String(format: "best epoch %d of %d%@: validation Micro-F1 %.4f, Macro-F1 %.4f, loss %.4f",
                     summary.bestEpoch, summary.epochsRun, summary.stoppedEarly ? " (stopped early)" : "",
                     summary.validation.micro, summary.validation.macro, summary.validationLoss))
        for t in summary.tests {
            let nodes = t.name == "label.dat.test" ? data.testLabels!.labelledNodes.count : data.testFullLabels!.labelledNodes.count
            let what = t.name == "label.dat.test" ? "HGB public half of the test labels" : "all test labels"
            print(String(format: "test on %@ (%@, %d nodes): Micro-F1 %.4f, Macro-F1 %.4f",
                         t.name, what, nodes, t.scores.micro, t.scores.macro))
        }
        if summary.tests.isEmpty { print("no label.dat.test or label.dat.test_full: no test scores") }
        if let test = data.testLabels, let full = data.testFullLabels {
            let (shared, agreeing) = RpHGNNPipeline.agreement(test, full)
            if shared > 0 && agreeing < shared {
                print(String(format: "note: label.dat.test and label.dat.test_full give the same classes to only %d of the %d nodes they share (%.1f%%)",
                             agreeing, shared, 100 * Double(agreeing) / Double(shared)))
            }
        }
        print(String(format: "time: load %.1f s, pre-computation %.1f s (%@), training %.1f s (%d epochs, %.3f s per epoch), total %.1f s; peak memory %.0f MiB (estimated %.0f MiB)",
                     loadSeconds, pre.seconds, pre.fromCache ? "read from cache" : "computed", trainSeconds, summary.epochsRun,
                     summary.meanEpochSeconds, total, peak, mebibytes(estimate.totalBytes)))

        if let metrics {
            var last: [String: Any] = [
                "summary": true, "dataset": data.name, "seed": seed, "threads": threads,
                "best_epoch": summary.bestEpoch, "epochs_run": summary.epochsRun, "stopped_early": summary.stoppedEarly,
                "val_micro_f1": summary.validation.micro, "val_macro_f1": summary.validation.macro,
                "val_loss": summary.validationLoss, "load_seconds": loadSeconds,
                "precompute_seconds": pre.seconds, "precompute_from_cache": pre.fromCache,
                "train_seconds": trainSeconds, "mean_epoch_seconds": summary.meanEpochSeconds,
                "total_seconds": total, "peak_memory_mib": peak, "estimated_memory_mib": mebibytes(estimate.totalBytes),
                "parameters": model.parameterCount,
                "hops": s.iterations, "hidden": s.hiddenDim,
            ]
            for t in summary.tests {
                let key = t.name == "label.dat.test" ? "test" : "test_full"
                last[key + "_micro_f1"] = t.scores.micro
                last[key + "_macro_f1"] = t.scores.macro
            }
            records.append(last)
            var text = ""
            for r in records {
                text += String(decoding: try JSONSerialization.data(withJSONObject: r, options: [.sortedKeys]), as: UTF8.self) + "\n"
            }
            try AtomicFile.write(Data(text.utf8), to: metrics)
            logger.info("wrote \(metrics)")
        }
    }
}

struct Precompute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-compute the target type's groups and write them as .npy files for use outside this tool.",
        discussion: """
            OUTPUT receives group-NN.npy (float32 [numNodes, hops, dim], row = local id of the \
            target node), target_ids.npy (int64 [numNodes]: the HGB global id of each row) and \
            manifest.json (group names, shapes, parameters). The files are written to a hidden \
            temporary folder first; an existing OUTPUT ends up with exactly this run's group \
            files (older group-NN.npy files are removed; other files are kept), and keeps its old \
            contents when the run fails. The cache is used as by train.
            """)

    @OptionGroup var common: PrecomputationArguments
    @Option(help: ArgumentHelp("Folder to write (created if missing).", valueName: "dir")) var output: String

    func validate() throws { try validateOutputFolder(output, option: "--output") }

    func run() throws {
        let logger = common.makeLogger()
        BLAS.setThreadCount(1)
        let data = try common.loadDataset()
        let s = common.settings(for: data.name, logger: logger)
        let options = s.precomputationOptions(seed: common.seed)
        let estimate = try RpHGNNMemoryEstimate.estimate(graph: data.graph, features: data.features,
                                                         targetType: data.targetType, options: options,
                                                         groupFileBuffers: common.noCache ? 1 : 2)
        try checkMemory(estimate, data: data, settings: s, training: false, logger: logger)
        let pre = try RpHGNNPipeline.precompute(data, inputs: [common.dataset], options: options,
                                                cache: common.cacheStore, threads: common.threadCount, logger: logger)
        let target = data.graph.nodeTypes[data.targetType].name
        let ids = try NPYArray(shape: [pre.features.numNodes], storage: .int64(data.globalIDs[data.targetType].map { Int64($0) }))
        try PrecomputationCache.publish(pre.features, to: output, options: options, source: ["dataset": data.name, "target": target],
                                        extraFiles: [("target_ids.npy", ids)])
        for g in pre.features.groups {
            print("\(g.name)\t[\(pre.features.numNodes), \(g.hops), \(g.dim)]")
        }
        print(String(format: "wrote %d groups for %d %@ nodes to %@ (%@ in %.1f s)", pre.features.groups.count,
                     pre.features.numNodes, target, output, pre.fromCache ? "read from cache" : "computed", pre.seconds))
    }
}

/// Logs the estimated peak memory of the run, or refuses it (exit 64) before any tensor is made
/// when the estimate exceeds this machine's physical memory, naming the options that set the size.
func checkMemory(_ e: RpHGNNMemoryEstimate, data: HGBDataset, settings s: RpHGNNSettings, training: Bool,
                 logger: Logger) throws {
    let physical = ProcessInfo.processInfo.physicalMemory
    var parts = "groups \(bytesText(e.groupBytes)), inputs \(bytesText(e.inputBytes)), working memory \(bytesText(e.workspaceBytes))"
    if training { parts += ", training \(bytesText(e.trainingBytes))" }
    guard UInt64(e.totalBytes) > physical else {
        logger.info("estimated peak memory \(bytesText(e.totalBytes)) (\(parts)); physical memory \(bytesText(Int(clamping: physical)))")
        return
    }
    var lower: [String] = []
    if training && e.trainingBytes > e.groupBytes {
        lower += ["--batch-size (now \(s.batchSize))", "--hidden (now \(s.hiddenDim))"]
    }
    lower.append("--hops (now \(s.iterations))")
    if data.features.contains(where: { $0 == nil }) { lower.append("--random-feature-dim (now \(s.randomFeatureDim))") }
    if training && e.trainingBytes <= e.groupBytes {
        lower += ["--batch-size (now \(s.batchSize))", "--hidden (now \(s.hiddenDim))"]
    }
    let perNode = Double(e.groupBytes) / 4 / Double(max(e.numNodes, 1))
    throw CommandFailure("""
        the run would need about \(bytesText(e.totalBytes)) of memory at its peak (\(parts); the \(e.groupShapes.count) \
        groups hold \(formatCount(e.numNodes)) target nodes × \(formatCount(Int(perNode))) floats), more than the \
        \(bytesText(Int(clamping: physical))) of physical memory of this machine; lower \(lower.joined(separator: " or "))
        """, code: 64)
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

/// Peak resident memory of this process in MiB (Linux `VmHWM`).
func peakMemoryMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return (line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
    }
    return 0
}
