import ArgumentParser
import CLISupport
import DenseMath
import DistributedTraining
import Foundation
import GNNModels
import GraphCore
import GraphIO
import Logging
import NeuralNet
import NodeClassificationData

/// `gnnpipe`: full-graph GNN training (GCN, GCNII, GraphSAGE) in one process, or over MPI ranks
/// with GNNPipe pipeline parallelism or graph parallelism.
@main
struct GNNPipeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gnnpipe",
        abstract: "Full-graph GNN training for node classification (GCN, GCNII, GraphSAGE).",
        discussion: """
            Examples:
              gnnpipe train                                   # 2-layer GCN on graphs/cora
              gnnpipe train graphs/cora --model gcnii --seed 3
              gnnpipe train graphs/cora --metrics run.jsonl --checkpoint ckpt
              gnnpipe train graphs/cora --checkpoint ckpt --resume
              mpirun -n 4 gnnpipe train graphs/cora        # GNNPipe: GCNII-32, 8 chunks
              mpirun -n 4 gnnpipe train --parallelism graph   # graph-parallel baseline
              mpirun -n 4 gnnpipe train --parallelism hybrid --stages 2   # 2 × 2 ranks
              gnnpipe partition graphs/cora --chunks 8 -o chunks.tsv
              gnnpipe plan graphs/cora --ranks 4 --bandwidth 1gbit   # pick a mode
              mpirun -n 4 --hostfile hosts gnnpipe probe-link   # measure links for plan

            """ + sharedGrammarHelp(tool: "gnnpipe"),
        subcommands: [Train.self, Partition.self, Plan.self, ProbeLink.self])

    static func main() {
        // Under mpirun, a usage error of `train` or `probe-link` is printed by rank 0 only (see failParsingUnderMPI).
        if let rank = Launcher.rank, ["train", "probe-link"].contains(CommandLine.arguments.dropFirst().first) {
            do {
                // `train --help` parses as a help command: rank 0 prints it.
                let command = try parseAsRoot()
                if !(command is Train || command is ProbeLink) && rank != 0 { Foundation.exit(0) }
            } catch {
                failParsingUnderMPI(error, rank: rank)
            }
        }
        ToolMain.run(Self.self)
    }
}

/// What the dataset argument of `train`, `partition` and `plan` is.
enum NodeDatasetFolder: DatasetDescription {
    static let datasetHelp = "Dataset folder: edges.tsv, features.mtx or features.npy, labels.tsv, split.tsv (each may be .gz; edges may be a PyG edges.npy), or an OGB node-property folder."
    static let defaultDataset: String? = "graphs/cora"
}

/// What `--seed` and `--metrics` mean in `train`.
enum TrainRun: SeedDescription, MetricsDescription {
    static let seedDraws = "initial weights and dropout masks; --partition-seed seeds the chunks"
    static let defaultSeed: UInt64? = 0
    static let metricsRecords = "one record per epoch (under mpirun with per-rank bytes and seconds), then a summary record"
}

/// The files of a dataset folder that `NodeDataset.load` reads; outputs must not name one of them.
let nodeDatasetFileNames = ["edges.tsv", "edges.npy", "features.npy", "features.mtx", "labels.tsv", "split.tsv",
                            "raw/edge.csv", "raw/num-node-list.csv", "raw/num-edge-list.csv", "raw/node-feat.csv",
                            "raw/node-label.csv"]

extension GNNArchitecture: ExpressibleByArgument {}
extension StaleGradientMode: ExpressibleByArgument {}

/// How `gnnpipe train` spreads the work (`--parallelism`).
enum ParallelismOption: String, ExpressibleByArgument, CaseIterable {
    /// One process (the reference trainer); only with 1 rank.
    case single
    /// GNNPipe: one pipeline stage of layers per rank, chunks of the graph in a fill/drain schedule.
    case pipeline
    /// Graph parallelism: one METIS partition per rank for all layers, halo exchange per layer.
    case graph
    /// Pipeline stages, each run by a group of ranks that split the graph (S × G).
    case hybrid
}
extension ModelSelection: ExpressibleByArgument {}

enum OptimizerChoice: String, ExpressibleByArgument, CaseIterable {
    case adam, adamw
}

enum FeatureNormalization: String, ExpressibleByArgument, CaseIterable {
    case row, none
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a GNN on a dataset folder and report test accuracy at the best validation epoch.",
        discussion: """
            DATASET is a folder with edges.tsv, features.mtx or features.npy, labels.tsv and \
            split.tsv (train/val/test); default graphs/cora. Any of these files may be gzip \
            compressed (edges.tsv.gz, …), and the edges may be a PyG edge_index (edges.npy, \
            [2 × E] int64). DATASET may also be an OGB node-property folder as the ogb \
            package downloads it (ogbn_arxiv/: raw/edge.csv.gz, raw/node-feat.csv.gz, \
            raw/node-label.csv.gz, split/<name>/{train,valid,test}.csv.gz; the only split). \
            Edges are treated as undirected. \
            Features are row-normalised (each row divided by its sum) unless \
            --feature-normalization none, as in Kipf & Welling's and Chen et al.'s code.

            Defaults follow the reference settings: GCN and SAGE 2 layers, hidden 16, dropout \
            0.5, 200 epochs; GCNII 64 layers, hidden 64, dropout 0.6, α 0.1, λ 0.5, 1500 epochs, \
            patience 100. Weight decay (Adam's L2 by default, decoupled with --optimizer adamw) \
            goes to GCN's first layer, every SAGE layer, and GCNII's input/output Linear layers; \
            GCNII's convolution weights use --conv-weight-decay.

            Each epoch prints loss, train/val accuracy and the seconds of the training step \
            (forward + backward + Adam). With --checkpoint DIR the state is saved to \
            DIR/last.ckpt every --checkpoint-every epochs and at the end, and the best epoch's \
            parameters to DIR/best.ckpt; --resume continues from DIR/last.ckpt exactly.

            Under mpirun with more than one rank (or with --parallelism pipeline|graph|hybrid) \
            training is distributed. --parallelism pipeline (default) is GNNPipe: rank s is \
            stage s and owns a contiguous block of graph layers; the graph is cut by METIS into \
            --chunks chunks that flow through the stages in a fill/drain schedule, and \
            neighbours in later chunks are read from historical embeddings (staleness ≤ 1 \
            epoch). --parallelism graph gives each rank a METIS partition for all layers and \
            exchanges halo rows before every layer. --parallelism hybrid --stages S runs S \
            pipeline stages, each by a group of P/S ranks that split the graph and exchange \
            halo rows inside the group. The losses depend on the chunks and their order, not \
            on how the layers and rows are spread over ranks. Distributed defaults: gcnii, 32 \
            layers, hidden 64, dropout 0.6, 8 chunks, 1500 epochs, patience 100 (e.g. \
            `mpirun -n 4 gnnpipe train graphs/cora`). Rank 0 prints each epoch with the bytes \
            sent (against the analytic volume), wait and bubble seconds; --metrics adds \
            per-rank statistics, --trace writes a Chrome trace (one track per rank, open in \
            Perfetto). Checkpoints: every rank writes DIR/rank-R.epoch-E.ckpt (history tables \
            included), then rank 0 writes DIR/complete.json; --resume restarts every rank from \
            that epoch. Errors found while setting up (arguments, dataset, chunk count, \
            checkpoint) are printed once, by rank 0; a rank failing during training prints \
            `error: rank R on HOST: …` and aborts the whole job, and a rank that waits longer \
            than --timeout seconds for a message ends the job too. Log lines on stderr name \
            their rank (`gnnpipe rank R:`).

            Examples:
              gnnpipe train                                   # 2-layer GCN on graphs/cora
              gnnpipe train graphs/cora --model gcnii --seed 3 --metrics run.jsonl
              gnnpipe train graphs/cora --checkpoint ckpt --epochs 100   # then --resume
              mpirun -n 4 gnnpipe train graphs/cora --parallelism hybrid --stages 2
            """)

    @OptionGroup var datasetArgument: DatasetArgument<NodeDatasetFolder>

    // Numeric options take the next word even when it starts with "-", so a negative number
    // reaches validate() instead of being read as an option name.
    @Option(help: "Model: gcn, gcnii or sage (default: gcn; distributed gcnii).") var model: GNNArchitecture?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Number of graph layers (default: 2; gcnii 64, distributed gcnii 32).", valueName: "n"))
    var layers: Int?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Hidden width (default: 16; gcnii 64).", valueName: "width")) var hidden: Int?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Dropout probability in [0, 1) (default: 0.5; gcnii 0.6).", valueName: "p"))
    var dropout: Float?
    @Option(name: .customLong("lr"), parsing: .signedNumber, help: "Adam learning rate.") var learningRate: Float = 0.01
    @Option(parsing: .signedNumber, help: ArgumentHelp("Weight decay of the dense layers (which ones: see above).", valueName: "decay"))
    var weightDecay: Float = 5e-4
    @Option(parsing: .signedNumber, help: ArgumentHelp("Weight decay of GCNII's convolution weights.", valueName: "decay"))
    var convWeightDecay: Float = 0.01
    @Option(help: "Optimizer: adam (L2 weight decay) or adamw (decoupled).") var optimizer: OptimizerChoice = .adam
    @Option(parsing: .signedNumber, help: "GCNII initial-residual weight α.") var alpha: Float = 0.1
    @Option(parsing: .signedNumber, help: "GCNII identity-mapping strength λ (β_ℓ = log(λ/ℓ + 1)).") var lambda: Float = 0.5
    @Option(parsing: .signedNumber, help: ArgumentHelp("Last epoch (default: 200; gcnii 1500).", valueName: "n")) var epochs: Int?
    @Option(parsing: .signedNumber,
            help: ArgumentHelp("Stop after this many epochs without a better validation value; 0 = never (default: 0; gcnii 100).",
                               valueName: "epochs"))
    var patience: Int?
    @Option(help: ArgumentHelp("Validation number that picks the reported epoch: val-accuracy or val-loss.", valueName: "metric"))
    var select: ModelSelection = .validationAccuracy
    @Option(help: ArgumentHelp("Feature preprocessing: row (each row divided by its sum) or none.", valueName: "mode"))
    var featureNormalization: FeatureNormalization = .row
    @Option(help: ArgumentHelp("Save training state in this folder (created if missing): one process writes last.ckpt and best.ckpt; distributed ranks write rank-R.epoch-E.ckpt and complete.json, keeping the last two complete epochs.", valueName: "dir"))
    var checkpoint: String?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Epochs between checkpoints.", valueName: "epochs")) var checkpointEvery = 10
    @Flag(help: "Continue from the checkpoint folder (one process: last.ckpt; distributed: the epoch named by complete.json, with the same rank count, mode and options).")
    var resume = false
    @Option(help: ArgumentHelp("single (one process), pipeline (GNNPipe), graph (graph parallel) or hybrid (--stages S × P/S); default: pipeline under mpirun with > 1 rank, else single.",
                               valueName: "mode"))
    var parallelism: ParallelismOption?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Hybrid: number of pipeline stages S (divides the rank count).", valueName: "S"))
    var stages: Int?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Pipeline and hybrid: number of METIS chunks C (1 = no chunking, no staleness; at most the node count; default 8).",
                                                       valueName: "C"))
    var chunks: Int?
    @Option(help: ArgumentHelp("Pipeline and hybrid: gradients into historical rows: drop (default) or defer (one epoch late).", valueName: "mode"))
    var staleGradients: StaleGradientMode?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Pipeline and hybrid: first epochs run without chunking (C = 1; default 0).", valueName: "epochs"))
    var warmupEpochs: Int?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Pipeline and hybrid: smoothing m of historical rows, history ← m·history + (1−m)·new (default 0).",
                                                       valueName: "m"))
    var historyMomentum: Float?
    @Flag(help: "Pipeline and hybrid: re-draw the chunk order every epoch.") var shuffleChunks = false
    @Option(parsing: .signedNumber, help: ArgumentHelp("Distributed: seed of the METIS chunks and parts (default 0).", valueName: "seed"))
    var partitionSeed: UInt64?
    @Option(help: ArgumentHelp("Distributed: write a Chrome trace-event file (one track per rank).", valueName: "trace.json"))
    var trace: String?
    @OptionGroup var header: SkipRowsOption
    @Option(parsing: .signedNumber, help: ArgumentHelp("Distributed: seconds a rank waits for a message or collective before the job fails (default 600).", valueName: "seconds"))
    var timeout: Double?
    @OptionGroup(title: runOptionsTitle) var runOptions: RunOptions<TrainRun>

    /// The dataset folder (first argument or `--dataset`).
    var dataset: String { datasetArgument.path }
    /// `--seed`: weights and dropout masks.
    var seed: UInt64 { runOptions.seed }
    /// `--quiet`.
    var quiet: Bool { runOptions.quiet }
    /// `--metrics`.
    var metrics: String? { runOptions.metrics }

    /// The options with their defaults.
    var chunkCount: Int { chunks ?? 8 }
    var partitionSeedValue: UInt64 { partitionSeed ?? 0 }
    var pipelineOptions: PipelineOptions {
        PipelineOptions(chunks: chunkCount, staleGradients: staleGradients ?? .drop, warmupEpochs: warmupEpochs ?? 0,
                        historyMomentum: historyMomentum ?? 0, shuffleChunks: shuffleChunks, partitionSeed: partitionSeedValue)
    }

    /// Whether this run is distributed: an explicit parallel mode, or mpirun with more than one rank.
    static func runsDistributed(_ parallelism: ParallelismOption?) -> Bool {
        if let parallelism { return parallelism != .single }
        return (Launcher.size ?? 1) > 1
    }

    func validate() throws {
        if let layers, layers < 1 { throw ValidationError("--layers must be at least 1, got \(layers)") }
        if let hidden, hidden < 1 { throw ValidationError("--hidden must be at least 1, got \(hidden)") }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--lr must be positive, got \(learningRate)") }
        if !(weightDecay >= 0 && weightDecay.isFinite) { throw ValidationError("--weight-decay must be ≥ 0, got \(weightDecay)") }
        if !(convWeightDecay >= 0 && convWeightDecay.isFinite) {
            throw ValidationError("--conv-weight-decay must be ≥ 0, got \(convWeightDecay)")
        }
        if !(alpha >= 0 && alpha <= 1) { throw ValidationError("--alpha must be in [0, 1], got \(alpha)") }
        if !(lambda > 0 && lambda.isFinite) { throw ValidationError("--lambda must be positive, got \(lambda)") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let patience, patience < 0 { throw ValidationError("--patience must be ≥ 0, got \(patience)") }
        if checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)") }
        // Before any data is loaded: an existing folder must take files, a missing one needs an
        // existing, writable parent (prepareFolder creates one level).
        if let checkpoint { try validateOutputFolder(checkpoint, option: "--checkpoint") }
        if resume && checkpoint == nil { throw ValidationError("--resume needs --checkpoint <dir>") }
        if let chunks, chunks < 1 { throw ValidationError("--chunks must be at least 1, got \(chunks)") }
        if let stages, stages < 1 { throw ValidationError("--stages must be at least 1, got \(stages)") }
        if let timeout, !(timeout > 0 && timeout.isFinite) { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
        if let warmupEpochs, warmupEpochs < 0 { throw ValidationError("--warmup-epochs must be ≥ 0, got \(warmupEpochs)") }
        if let historyMomentum, !(historyMomentum >= 0 && historyMomentum < 1) {
            throw ValidationError("--history-momentum must be in [0, 1), got \(historyMomentum)")
        }
        // Options of another mode are refused rather than silently ignored.
        let chunking: [(Bool, String)] = [(chunks != nil, "--chunks"), (staleGradients != nil, "--stale-gradients"),
                                          (warmupEpochs != nil, "--warmup-epochs"), (historyMomentum != nil, "--history-momentum"),
                                          (shuffleChunks, "--shuffle-chunks")]
        if !Self.runsDistributed(parallelism) {
            let distributedOnly = chunking + [(stages != nil, "--stages"), (partitionSeed != nil, "--partition-seed"),
                                              (timeout != nil, "--timeout"), (trace != nil, "--trace")]
            if let (_, name) = distributedOnly.first(where: \.0) {
                throw ValidationError("\(name) applies to distributed training (mpirun with --parallelism pipeline, graph or hybrid); this run is one process")
            }
        } else if parallelism == .graph, let (_, name) = chunking.first(where: \.0) {
            throw ValidationError("\(name) applies to pipeline and hybrid training; --parallelism graph runs without chunks")
        }
        if stages != nil && parallelism != .hybrid { throw ValidationError("--stages needs --parallelism hybrid") }
        var isFolder: ObjCBool = false
        // A missing dataset is refused by DatasetArgument, in the words of every tool.
        guard FileManager.default.fileExists(atPath: dataset, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("dataset '\(dataset)' is not a folder (expected edges.tsv, features, labels.tsv and split.tsv inside)")
        }
        if resume, let checkpoint, !Self.launchedByMPI, parallelism == nil || parallelism == .single,
           !FileManager.default.fileExists(atPath: checkpoint + "/last.ckpt") {
            throw ValidationError("--resume: \(checkpoint)/last.ckpt does not exist; nothing to resume")
        }
        if resume, let checkpoint, Self.launchedByMPI || (parallelism != nil && parallelism != .single),
           !FileManager.default.fileExists(atPath: checkpoint + "/complete.json") {
            throw ValidationError("--resume: \(checkpoint)/complete.json does not exist; no epoch was completed by every stage, nothing to resume")
        }
        // Fail before training, not after it, when an output folder is missing.
        // (Inside a --checkpoint folder this run creates, the checkpoint check covers it.)
        try runOptions.metricsOption.validate(createdFolder: checkpoint)
        if let trace, !(checkpoint.map { OutputSafety.willBeCreated(trace, inside: $0) } ?? false) {
            try validateOutputPath(trace, option: "--trace")
        }
        // No output may replace an input or another output. Under mpirun this runs while every
        // rank parses, so the error is agreed on and printed once (failParsingUnderMPI).
        var taken = OutputSafety.datasetFiles(dataset, fileNames: nodeDatasetFileNames)
        if let checkpoint {
            taken += ["last.ckpt", "best.ckpt", "complete.json"].map { (checkpoint + "/" + $0, "the checkpoint file") }
            taken.append((checkpoint, "the --checkpoint folder"))
        }
        if let metrics {
            try OutputSafety.refuseOverwriting(metrics, option: "--metrics", inputs: taken)
            taken.append((metrics, "--metrics"))
        }
        if let trace { try OutputSafety.refuseOverwriting(trace, option: "--trace", inputs: taken) }
    }

    /// Whether mpirun / srun started this process (Open MPI, PMIx or PMI environment).
    static var launchedByMPI: Bool { Launcher.rank != nil }

    /// Loads DATASET as a node-classification task (undirected adjacency without self-loops,
    /// features row-normalised unless --feature-normalization none, one class per node, the
    /// split) and the model configuration from the options; GCNII's default depth is
    /// `gcniiLayers`. With `printsNotes` (one rank of several prints them), notes how string
    /// node ids were matched to feature rows.
    func loadTask(model: GNNArchitecture, gcniiLayers: Int, printsNotes: Bool = true) throws
        -> (adjacency: CSRGraph, task: NodeClassificationTask, configuration: GNNConfiguration) {
        let isGCNII = model == .gcnii
        let (adjacency, task) = try NodeDataset.nodeClassification(dataset, readOptions: EdgeListReadOptions(skipRows: header.skipRows),
                                                                    rowNormalizedFeatures: featureNormalization == .row,
                                                                    note: { if printsNotes { runOptions.printNote($0) } })
        let configuration = GNNConfiguration(
            architecture: model, inputDim: task.features.cols, hiddenDim: hidden ?? (isGCNII ? 64 : 16),
            numClasses: task.numClasses, layers: layers ?? (isGCNII ? gcniiLayers : 2),
            dropout: dropout ?? (isGCNII ? 0.6 : 0.5), alpha: alpha, lambda: lambda,
            weightDecay: weightDecay, convolutionWeightDecay: convWeightDecay, seed: seed)
        return (adjacency, task, configuration)
    }

    /// One log line describing the loaded dataset.
    func datasetSummary(_ adjacency: CSRGraph, _ task: NodeClassificationTask) -> String {
        "\(dataset): \(adjacency.numNodes) nodes, \(adjacency.nnz / 2) edges, \(task.features.cols) features, \(task.numClasses) classes, split \(task.train.count)/\(task.validation.count)/\(task.test.count)"
    }

    func run() throws {
        if Self.runsDistributed(parallelism) || Self.launchedByMPI {
            try runDistributed()
            return
        }
        try runSingle()
    }

    func runSingle() throws {
        let model = self.model ?? .gcn
        if let checkpoint, resume, !FileManager.default.fileExists(atPath: checkpoint + "/last.ckpt") {
            throw CommandFailure("--resume: \(checkpoint)/last.ckpt does not exist; nothing to resume", code: 64)
        }
        let logger = runOptions.makeLogger(prefix: "gnnpipe", label: "gnnpipe")

        let threadCount = runOptions.threads
        // GEMMs are split into row blocks on the engine's threads; OpenBLAS's own pool would
        // spin on the same cores.
        BLAS.setThreadCount(1)

        let isGCNII = model == .gcnii
        let epochCount = epochs ?? (isGCNII ? 1500 : 200)
        let patienceValue = patience ?? (isGCNII ? 100 : 0)

        let (adjacency, task, configuration) = try loadTask(model: model, gcniiLayers: 64)
        let graph = GNNModel.graphOperator(for: model, adjacency: adjacency, adjacencyIsSymmetric: true)
        let network = try GNNModel(configuration: configuration)
        let options = TrainingOptions(epochs: epochCount, patience: patienceValue > 0 ? patienceValue : nil,
                                      learningRate: learningRate,
                                      weightDecayMode: optimizer == .adamw ? .decoupled : .l2,
                                      selection: select, threads: threadCount)
        let trainer = try NodeClassificationTrainer(model: network, graph: graph, task: task, options: options)
        logger.info("\(datasetSummary(adjacency, task))")
        logger.info("\(model.rawValue): \(configuration.layers) layers, hidden \(configuration.hiddenDim), dropout \(configuration.dropout), \(network.parameterCount) parameters, \(threadCount) threads")

        var lastPath: String?
        var bestPath: String?
        if let checkpoint {
            try Self.prepareFolder(checkpoint)
            lastPath = checkpoint + "/last.ckpt"
            bestPath = checkpoint + "/best.ckpt"
            if resume {
                guard FileManager.default.fileExists(atPath: lastPath!) else {
                    throw CommandFailure("\(lastPath!) does not exist; nothing to resume")
                }
                try trainer.restore(from: Checkpoint.read(from: lastPath!))
                logger.info("resumed from \(lastPath!) after epoch \(trainer.epoch) (best epoch \(trainer.bestEpoch))")
                if trainer.epoch >= epochCount {
                    runOptions.printNote("the checkpoint is already at epoch \(trainer.epoch) of --epochs \(epochCount): nothing left to train")
                }
            }
        }
        func saveCheckpoints() throws {
            guard let lastPath, let bestPath else { return }
            let state = trainer.checkpoint()
            try state.write(to: lastPath)
            let bestTensors = state.tensors.filter { $0.name.hasPrefix("best.") }
                .map { (name: String($0.name.dropFirst("best.".count)), value: $0.value) }
            try Checkpoint(tensors: bestTensors, metadata: state.metadata).write(to: bestPath)
        }

        // Every epoch's record reaches the file as it happens (a killed run keeps them).
        let metricsWriter = MetricsWriter(path: metrics)
        let summary = try trainer.train { record in
            let e = record.evaluation
            if !quiet {
                print(String(format: "epoch %4d  loss %.4f  train %.4f  val %.4f  val loss %.4f  %.4f s%@",
                             record.epoch, record.loss, e.trainAccuracy, e.validationAccuracy, e.validationLoss,
                             record.trainSeconds, record.isBest ? "  *" : ""))
            }
            try metricsWriter.append([
                "epoch": record.epoch, "loss": record.loss, "train_accuracy": e.trainAccuracy,
                "val_accuracy": e.validationAccuracy, "val_loss": e.validationLoss, "test_accuracy": e.testAccuracy,
                "train_seconds": record.trainSeconds, "eval_seconds": record.evaluationSeconds, "best": record.isBest,
            ])
            // A diverged run stops here, its records written, before its weights (NaN after
            // the update) reach a checkpoint. The validation loss is of the updated weights.
            try Divergence.check(loss: record.loss, epoch: record.epoch, learningRate: learningRate)
            try Divergence.check(loss: e.validationLoss, epoch: record.epoch, learningRate: learningRate, which: "validation")
            if record.epoch % checkpointEvery == 0 { try saveCheckpoints() }
        }
        try saveCheckpoints()

        let best = summary.best
        let peak = peakMemoryMiB()
        print(String(format: "best epoch %d of %d: val accuracy %.4f, test accuracy %.4f (train %.4f)",
                     summary.bestEpoch, summary.lastEpoch, best.validationAccuracy, best.testAccuracy, best.trainAccuracy))
        runOptions.note(String(format: "mean epoch time %.4f s over %d epochs (training step), peak memory %.0f MiB%@",
                     summary.meanTrainSeconds, summary.epochsRun, peak, summary.stoppedEarly ? ", stopped early (patience)" : ""))
        if let metrics {
            try metricsWriter.append([
                "summary": true, "dataset": dataset, "model": model.rawValue, "layers": configuration.layers,
                "hidden": configuration.hiddenDim, "dropout": Double(configuration.dropout.description) ?? Double(configuration.dropout), "seed": seed,
                "threads": threadCount, "best_epoch": summary.bestEpoch, "last_epoch": summary.lastEpoch,
                "val_accuracy": best.validationAccuracy, "test_accuracy": best.testAccuracy,
                "train_accuracy": best.trainAccuracy, "mean_epoch_seconds": summary.meanTrainSeconds,
                "epochs_run": summary.epochsRun, "stopped_early": summary.stoppedEarly, "peak_memory_mib": peak,
            ])
            logger.info("wrote \(metrics)")
        }
    }

    /// Creates the checkpoint folder if missing (its parent must exist).
    static func prepareFolder(_ path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            if !isFolder.boolValue { throw CommandFailure(notAFolderMessage(option: "--checkpoint", path: path, file: path)) }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        } catch {
            throw CommandFailure("cannot create checkpoint folder \(path) (does its parent folder exist?)")
        }
    }
}
