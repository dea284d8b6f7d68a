import ArgumentParser
import CLISupport
import Foundation
import GraphLearning
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A failure on one rank: printed as `error: rank R: …` before the job is aborted.
struct RankFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension Train {
    /// Distributed training (pipeline or graph parallel) over the ranks of `mpirun`. Every rank
    /// runs this. Errors of the set-up steps every rank runs on the same input (arguments,
    /// dataset, trainer, checkpoint to resume) are agreed on and printed once by rank 0 (see
    /// `Communicator.agree(_:)` in RankAgreement.swift); a rank that fails later prints
    /// `error: rank R: …` and aborts the job (MPI_Abort), so no rank waits forever for it.
    func runDistributed() throws {
        let communicator: Communicator
        do { communicator = try Communicator.initialize() } catch { throw CommandFailure("cannot start MPI: \(error)") }
        do {
            // A rank whose arguments did not parse waits here (GNNPipeCommand.failParsingUnderMPI).
            try communicator.agree {}
            let mode = parallelism ?? (communicator.size > 1 ? .pipeline : .single)
            if mode == .single {
                try communicator.agree {
                    if communicator.size > 1 {
                        throw CommandFailure("--parallelism single runs one process, but mpirun started \(communicator.size) ranks", code: 64)
                    }
                }
                // One rank under mpirun: the single-process trainer.
                do { try runSingle() } catch {
                    communicator.finalize()
                    throw error
                }
                communicator.finalize()
                return
            }
            try trainDistributed(mode: mode, communicator: communicator)
        } catch let reported as ReportedFailure {
            communicator.finalize()
            Foundation.exit(reported.code)
        } catch {
            let message: String
            if let failure = error as? CommandFailure { message = failure.message }
            else { message = "\(error)" }
            ToolMain.printError("rank \(communicator.rank): \(message)")
            communicator.abort(code: 1)
        }
        communicator.finalize()
    }

    /// The test hook: `GNNPIPE_FAIL_RANK=R GNNPIPE_FAIL_EPOCH=E [GNNPIPE_FAIL_MODE=throw|kill]`
    /// makes rank R fail before epoch E (throw an error, or SIGKILL itself).
    static func injectedFailure(rank: Int, epoch: Int) throws {
        let env = ProcessInfo.processInfo.environment
        guard let r = env["GNNPIPE_FAIL_RANK"].flatMap(Int.init), r == rank,
              let e = env["GNNPIPE_FAIL_EPOCH"].flatMap(Int.init), e == epoch else { return }
        if env["GNNPIPE_FAIL_MODE"] == "kill" {
            kill(getpid(), SIGKILL)
        }
        throw RankFailure(message: "injected failure before epoch \(epoch) (GNNPIPE_FAIL_RANK=\(r), GNNPIPE_FAIL_EPOCH=\(e))")
    }

    private func trainDistributed(mode: Parallelism, communicator: Communicator) throws {
        let rank = communicator.rank, size = communicator.size
        let isRoot = rank == 0
        ToolLogHandler.bootstrap(prefix: "gnnpipe rank \(rank)")
        var logger = Logger(label: "gnnpipe")
        logger.logLevel = quiet || !isRoot ? .warning : .info
        let threadCount = threads ?? 1
        BLAS.setThreadCount(1)

        let model = self.model ?? .gcnii
        let isGCNII = model == .gcnii
        let epochCount = epochs ?? (isGCNII ? 1500 : 200)
        let patienceValue = patience ?? (isGCNII ? 100 : 0)
        let recorder = TraceRecorder(rank: rank, enabled: trace != nil)

        // The loaded dataset (edge list, features, adjacency) lives only inside this function:
        // the trainer keeps what it needs, the rest is freed before training.
        func makeTrainer() throws -> (trainer: any DistributedNodeTrainer, configuration: GNNConfiguration,
                                      options: GNNModels.TrainingOptions, setupFields: [String: Any], staleFraction: Double) {
            // Every rank reads the same files: a bad dataset is reported once.
            let (adjacency, task, configuration) = try communicator.agree {
                let loaded = try loadTask(model: model, gcniiLayers: 32)
                if mode == .pipeline {
                    try ChunkCount.check(chunks, numNodes: loaded.adjacency.numNodes, dataset: dataset, training: true)
                }
                return loaded
            }
            let options = TrainingOptions(epochs: epochCount, patience: patienceValue > 0 ? patienceValue : nil,
                                          learningRate: learningRate,
                                          weightDecayMode: optimizer == .adamw ? .decoupled : .l2,
                                          selection: select, threads: threadCount)
            var setupFields: [String: Any] = [:]
            var staleFraction = 0.0
            // The trainers' one collective (the METIS parts broadcast from rank 0) is reached by
            // every rank or by none, so their set-up errors can be agreed on too.
            let trainer: any DistributedNodeTrainer = try communicator.agree {
                switch mode {
                case .pipeline:
                    let pipelineOptions = PipelineOptions(chunks: chunks, staleGradients: staleGradients, warmupEpochs: warmupEpochs,
                                                          historyMomentum: historyMomentum, shuffleChunks: shuffleChunks,
                                                          partitionSeed: partitionSeed)
                    let pipeline: PipelineTrainer
                    do {
                        pipeline = try PipelineTrainer(configuration: configuration, adjacency: adjacency, task: task, options: options,
                                                       pipeline: pipelineOptions, communicator: communicator, trace: recorder)
                    } catch {
                        // Every rank failed alike; rank 0 (the one that reports) says which chunk count works.
                        if isRoot, let failure = ChunkCount.emptyChunkFailure(adjacency, chunks: chunks, seed: partitionSeed,
                                                                              seedOption: "--partition-seed", dataset: dataset) {
                            throw failure
                        }
                        throw error
                    }
                    staleFraction = pipeline.plan.staleFraction
                    let owned = pipeline.ownedGraphLayers
                    logger.info("pipeline: \(size) stages × \(pipeline.layout.graphLayers) graph layers (stage 0 layers \(owned.lowerBound + 1)–\(owned.upperBound)), \(chunks) chunks (METIS seed \(partitionSeed)), halo \(pipeline.plan.haloSizes.reduce(0, +)) rows (\(pipeline.boundaryRowCount) distinct), stale fraction \(String(format: "%.4f", staleFraction)), stale gradients \(staleGradients.rawValue)")
                    setupFields = ["chunks": chunks, "stale_fraction": staleFraction, "stale_gradients": staleGradients.rawValue,
                                   "warmup_epochs": warmupEpochs, "history_momentum": Double(historyMomentum),
                                   "shuffle_chunks": shuffleChunks]
                    return pipeline
                case .graph:
                    let graphParallel = try GraphParallelTrainer(configuration: configuration, adjacency: adjacency, task: task,
                                                                 options: options, communicator: communicator,
                                                                 partitionSeed: partitionSeed, trace: recorder)
                    logger.info("graph parallel: \(size) METIS partitions (seed \(partitionSeed))")
                    return graphParallel
                case .single:
                    preconditionFailure("single mode runs runSingle()")
                }
            }
            logger.info("\(datasetSummary(adjacency, task))")
            logger.info("\(model.rawValue): \(configuration.layers) layers, hidden \(configuration.hiddenDim), dropout \(configuration.dropout), \(size) ranks, \(threadCount) threads per rank")
            return (trainer, configuration, options, setupFields, staleFraction)
        }
        let (trainer, configuration, options, setupFields, staleFraction) = try makeTrainer()

        // Checkpoints: DIR/stage-S.epoch-E.ckpt per rank, DIR/complete.json by rank 0.
        var tracker = ModelSelectionTracker(selection: select)
        var lastComplete: Int?
        if let checkpoint {
            // Every rank reads complete.json: a missing or mismatched one is reported once.
            try communicator.agree {
                if resume {
                    let state = try CheckpointFolder.complete(in: checkpoint)
                    guard state.stages == size, state.parallelism == mode.rawValue else {
                        throw CommandFailure("\(checkpoint)/complete.json was written by \(state.stages) \(state.parallelism) ranks; this run has \(size) \(mode.rawValue) ranks")
                    }
                    let path = CheckpointFolder.stageFile(checkpoint, stage: rank, epoch: state.epoch)
                    let saved = try Checkpoint.read(from: path)
                    try trainer.restore(from: saved)
                    do throws(ModelSelectionTracker.RestoreError) { try tracker.restore(from: saved.metadata) } catch {
                        throw DistributedTrainingError.checkpoint(error.message)
                    }
                    lastComplete = state.epoch
                    logger.info("resumed every stage from \(checkpoint) after epoch \(state.epoch) (best epoch \(tracker.bestEpoch))")
                } else if isRoot {
                    try Train.prepareFolder(checkpoint)
                }
            }
        }
        try communicator.barrier()
        func saveCheckpoint() throws {
            guard let checkpoint else { return }
            var state = trainer.checkpoint()
            for (k, v) in tracker.metadata { state.metadata[k] = v }
            try state.write(to: CheckpointFolder.stageFile(checkpoint, stage: rank, epoch: trainer.epoch))
            try communicator.barrier()
            if isRoot {
                try CheckpointFolder.writeComplete(in: checkpoint, epoch: trainer.epoch, stages: size, parallelism: mode.rawValue)
            }
            try communicator.barrier()
            CheckpointFolder.prune(checkpoint, stage: rank, keep: [trainer.epoch, lastComplete].compactMap { $0 })
            lastComplete = trainer.epoch
        }

        try communicator.barrier()
        recorder.resetOrigin()
        let analyticBytes = trainer.analyticTrainingFloats * 4
        var records: [[String: Any]] = []
        var trainSeconds = 0.0, epochsRun = 0
        var finished = trainer.epoch >= epochCount || tracker.exhausted(patience: options.patience)
        if finished && isRoot { ToolMain.printNote("the checkpoint is already at epoch \(trainer.epoch): nothing left to train") }
        while !finished {
            try Train.injectedFailure(rank: rank, epoch: trainer.epoch + 1)
            var (loss, stats) = try trainer.trainStep()
            let evaluation = try trainer.evaluate(statistics: &stats)
            let improved = tracker.update(epoch: trainer.epoch, evaluation: evaluation)
            stats.peakResidentMiB = peakMemoryMiB()
            let all = try RankEpochStatistics.gather(stats, communicator: communicator)
            let epochSeconds = try maxOverRanks(stats.trainSeconds, communicator)
            trainSeconds += epochSeconds
            epochsRun += 1
            if let all {
                let sent = all.reduce(Int64(0)) { $0 + $1.bytesSent }
                let ratio = analyticBytes > 0 ? Double(sent) / Double(analyticBytes) : (sent == 0 ? 1 : .infinity)
                let wait = all.map(\.waitSeconds).max() ?? 0, bubble = all.map(\.bubbleSeconds).max() ?? 0
                if !quiet {
                    print(String(format: "epoch %4d  loss %.4f  train %.4f  val %.4f  val loss %.4f  %.4f s  sent %@ (analytic ×%.3f)  wait %.3f s  bubble %.3f s%@",
                                 trainer.epoch, loss, evaluation.trainAccuracy, evaluation.validationAccuracy,
                                 evaluation.validationLoss, epochSeconds, Self.formatBytes(sent), ratio, wait, bubble,
                                 improved ? "  *" : ""))
                }
                var record: [String: Any] = [
                    "epoch": trainer.epoch, "loss": loss, "train_accuracy": evaluation.trainAccuracy,
                    "val_accuracy": evaluation.validationAccuracy, "val_loss": evaluation.validationLoss,
                    "test_accuracy": evaluation.testAccuracy, "train_seconds": epochSeconds, "best": improved,
                    "training_bytes": sent, "analytic_bytes": analyticBytes, "bytes_ratio": ratio,
                    "collective_bytes": all.reduce(Int64(0)) { $0 + $1.collectiveBytes },
                    "evaluation_bytes": all.reduce(Int64(0)) { $0 + $1.evaluationBytesSent },
                    "ranks": all.map(Self.statisticsFields),
                ]
                if mode == .pipeline { record["stale_fraction"] = staleFraction }
                records.append(record)
            }
            finished = trainer.epoch >= epochCount || tracker.exhausted(patience: options.patience)
            if trainer.epoch % checkpointEvery == 0 || finished { try saveCheckpoint() }
        }

        if let trace {
            let parts = try communicator.gather(recorder.encodedEvents(), root: 0)
            if let parts {
                try AtomicFile.write(TraceRecorder.traceFile(parts: parts), to: trace)
                logger.info("wrote \(trace) (\(size) tracks)")
            }
        }
        let peak = try maxOverRanks(peakMemoryMiB(), communicator)
        guard isRoot else { return }
        let best = tracker.best
        let stoppedEarly = trainer.epoch < epochCount
        let meanSeconds = epochsRun > 0 ? trainSeconds / Double(epochsRun) : 0
        print(String(format: "best epoch %d of %d: val accuracy %.4f, test accuracy %.4f (train %.4f)",
                     tracker.bestEpoch, trainer.epoch, best.validationAccuracy, best.testAccuracy, best.trainAccuracy))
        print(String(format: "mean epoch time %.4f s over %d epochs (training step, slowest rank), peak memory %.0f MiB per rank%@",
                     meanSeconds, epochsRun, peak, stoppedEarly ? ", stopped early (patience)" : ""))
        if let metrics {
            var summary: [String: Any] = [
                "summary": true, "dataset": dataset, "model": model.rawValue, "layers": configuration.layers,
                "hidden": configuration.hiddenDim, "dropout": Double(configuration.dropout), "seed": seed,
                "parallelism": mode.rawValue, "ranks": size, "threads": threadCount,
                "best_epoch": tracker.bestEpoch, "last_epoch": trainer.epoch,
                "val_accuracy": best.validationAccuracy, "test_accuracy": best.testAccuracy,
                "train_accuracy": best.trainAccuracy, "mean_epoch_seconds": meanSeconds, "epochs_run": epochsRun,
                "stopped_early": stoppedEarly, "peak_memory_mib": peak, "analytic_bytes": analyticBytes,
            ]
            for (k, v) in setupFields { summary[k] = v }
            records.append(summary)
            try AtomicFile.write(MetricsFile.jsonLines(records), to: metrics)
            logger.info("wrote \(metrics)")
        }
    }

    private func maxOverRanks(_ value: Double, _ communicator: Communicator) throws -> Double {
        try communicator.allGather([value]).max() ?? value
    }

    static func statisticsFields(_ s: RankEpochStatistics) -> [String: Any] {
        ["rank": s.rank, "bytes_sent": s.bytesSent, "bytes_received": s.bytesReceived,
         "collective_bytes": s.collectiveBytes, "evaluation_bytes_sent": s.evaluationBytesSent,
         "compute_seconds": s.computeSeconds, "wait_seconds": s.waitSeconds, "bubble_seconds": s.bubbleSeconds,
         "train_seconds": s.trainSeconds, "eval_seconds": s.evaluationSeconds, "peak_rss_mib": s.peakResidentMiB]
    }

    static func formatBytes(_ bytes: Int64) -> String {
        let b = Double(bytes), kib = 1024.0
        if b >= kib * kib * kib { return String(format: "%.2f GiB", b / (kib * kib * kib)) }
        if b >= kib * kib { return String(format: "%.2f MiB", b / (kib * kib)) }
        if b >= kib { return String(format: "%.1f KiB", b / kib) }
        return "\(bytes) B"
    }
}

/// The per-rank checkpoint layout of distributed training.
///
/// ```
/// DIR/stage-S.epoch-E.ckpt   one per rank and saved epoch (the last two epochs are kept)
/// DIR/complete.json          {"epoch": E, "stages": P, "parallelism": "pipeline"}: every stage saved E
/// ```
enum CheckpointFolder {
    struct Complete: Codable {
        var epoch: Int
        var stages: Int
        var parallelism: String
    }

    static func stageFile(_ dir: String, stage: Int, epoch: Int) -> String {
        "\(dir)/stage-\(stage).epoch-\(epoch).ckpt"
    }

    static func complete(in dir: String) throws -> Complete {
        let path = dir + "/complete.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("--resume: \(path) does not exist; nothing to resume")
        }
        do { return try JSONDecoder().decode(Complete.self, from: data) } catch {
            throw CommandFailure("\(path): expected {\"epoch\", \"stages\", \"parallelism\"}: \(error)")
        }
    }

    static func writeComplete(in dir: String, epoch: Int, stages: Int, parallelism: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Complete(epoch: epoch, stages: stages, parallelism: parallelism))
        try AtomicFile.write(data + Data("\n".utf8), to: dir + "/complete.json")
    }

    /// Deletes this stage's files of epochs other than `keep`.
    static func prune(_ dir: String, stage: Int, keep: [Int]) {
        let prefix = "stage-\(stage).epoch-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".ckpt") {
            let e = Int(name.dropFirst(prefix.count).dropLast(".ckpt".count))
            if let e, !keep.contains(e) { try? FileManager.default.removeItem(atPath: dir + "/" + name) }
        }
    }
}
