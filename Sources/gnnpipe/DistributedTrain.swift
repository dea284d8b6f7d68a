import ArgumentParser
import CLISupport
import DenseMath
import DistributedTraining
import Foundation
import GNNModels
import GraphIO
import Logging
import MessagePassing

#if canImport(Glibc)
import Glibc
#endif

/// A failure on one rank: printed as `error: rank R on HOST: …` before the job is aborted.
struct RankFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension Train {
    /// Distributed training under `mpirun`: arguments → ``DistributedRun`` → printed epochs,
    /// metrics and trace. Set-up errors (arguments, dataset, model, checkpoint) are agreed
    /// between the ranks and printed once by rank 0; a rank that fails while training prints
    /// `error: rank R on HOST: …` and aborts the job (MPI_Abort), so no rank waits for it.
    func runDistributed() throws {
        do {
            try MPIJob.run(describe: { errorReport($0).message }, write: ToolMain.printError) { world in
                // A rank whose arguments did not parse waits here (GNNPipeCommand.failParsingUnderMPI).
                try world.agree({}, describe: errorReport)
                let mode = parallelism ?? (world.size > 1 ? .pipeline : .single)
                if mode == .single {
                    try world.agree({
                        if world.size > 1 {
                            throw CommandFailure("--parallelism single runs one process, but mpirun started \(world.size) ranks", code: 64)
                        }
                    }, describe: errorReport)
                    try runSingle()  // one rank under mpirun: the single-process trainer
                    return
                }
                try trainDistributed(mode: mode, world: world)
            }
        } catch {
            throw CommandFailure("cannot start MPI: \(error)")
        }
    }

    /// The test hook: `GNNPIPE_FAIL_RANK=R GNNPIPE_FAIL_EPOCH=E [GNNPIPE_FAIL_MODE=throw|kill|stop]`
    /// makes rank R fail before epoch E (throw an error, SIGKILL itself, or SIGSTOP itself).
    static func injectedFailure(rank: Int, epoch: Int) throws {
        let env = ProcessInfo.processInfo.environment
        guard let r = env["GNNPIPE_FAIL_RANK"].flatMap(Int.init), r == rank,
              let e = env["GNNPIPE_FAIL_EPOCH"].flatMap(Int.init), e == epoch else { return }
        switch env["GNNPIPE_FAIL_MODE"] {
        case "kill": kill(getpid(), SIGKILL)
        case "stop":
            kill(getpid(), SIGSTOP)
            return  // continued (SIGCONT): go on as if nothing happened
        default: break
        }
        throw RankFailure(message: "injected failure before epoch \(epoch) (GNNPIPE_FAIL_RANK=\(r), GNNPIPE_FAIL_EPOCH=\(e))")
    }

    /// The library's parallelism for `mode`.
    func parallelism(_ mode: ParallelismOption, ranks: Int) throws -> Parallelism {
        switch mode {
        case .pipeline: return .pipeline
        case .graph: return .graph
        case .hybrid:
            guard let stages else { throw CommandFailure("--parallelism hybrid needs --stages S (S divides the \(ranks) ranks)", code: 64) }
            return .hybrid(stages: stages)
        case .single: preconditionFailure("single mode runs runSingle()")
        }
    }

    private func trainDistributed(mode: ParallelismOption, world: MPICommunicator) throws {
        let rank = world.rank, size = world.size, isRoot = rank == 0
        // Rank 0 logs at --log-level (info by default), the others only warnings unless a level is given.
        let logger = runOptions.outputOptions.logLevelOption.makeLogger(prefix: "gnnpipe rank \(rank)", label: "gnnpipe", quiet: quiet || !isRoot)
        let threadCount = runOptions.threads
        BLAS.setThreadCount(1)
        let model = self.model ?? .gcnii
        let isGCNII = model == .gcnii
        let recorder = TraceRecorder(rank: rank, enabled: trace != nil)
        let patienceValue = patience ?? (isGCNII ? 100 : 0)
        var chunking = pipelineOptions
        if mode == .graph { chunking.chunks = 1 }
        var options = DistributedRunOptions(
            pipeline: chunking,
            training: TrainingOptions(epochs: epochs ?? (isGCNII ? 1500 : 200), patience: patienceValue > 0 ? patienceValue : nil,
                                      learningRate: learningRate, weightDecayMode: optimizer == .adamw ? .decoupled : .l2,
                                      selection: select, threads: threadCount),
            checkpointFolder: checkpoint, checkpointEvery: checkpointEvery, resume: resume, messageTimeout: timeout ?? 600)

        // The loaded dataset lives only inside this function: the trainer keeps its own rows.
        func makeRun() throws -> DistributedRun {
            let (adjacency, task, configuration) = try world.agree({
                let loaded = try loadTask(model: model, gcniiLayers: 32, printsNotes: isRoot)
                if mode != .graph { try ChunkCount.check(chunkCount, numNodes: loaded.adjacency.numNodes, dataset: dataset, training: true) }
                return loaded
            }, describe: errorReport)
            options.parallelism = try world.agree({ try parallelism(mode, ranks: size) }, describe: errorReport)
            let run = try DistributedRun(configuration: configuration, adjacency: adjacency, task: task, options: options,
                                         communicator: world, trace: recorder) { error in
                // Rank 0 reports; it names a chunk count that works when the parts cannot fill the chunks.
                if isRoot, case DistributedTrainingError.emptyChunks = error {
                    return (ChunkCount.emptyChunkMessage(adjacency, chunks: chunkCount, parts: (try? options.parallelism.grid(ranks: size))?.groupSize ?? 1,
                                                         seed: partitionSeedValue, seedOption: "--partition-seed", dataset: dataset), 64)
                }
                if mode == .hybrid, case DistributedTrainingError.tooManyStages(let s, let l) = error {
                    return ("--stages \(s) needs at least \(s) graph layers; the model has \(l) (use more --layers or fewer --stages)", 64)
                }
                return errorReport(error)
            }
            let t = run.trainer
            let g = t.grid, owned = t.layout.graphLayers(ofStage: 0)
            switch mode {
            case .graph: logger.info("graph parallel: \(size) METIS partitions (seed \(partitionSeedValue)), halo \(t.decomposition.partHaloSizes(adjacency: adjacency).reduce(0, +)) rows")
            default:
                let stale = String(format: "%.4f", t.staleFraction)
                logger.info("\(mode == .hybrid ? "hybrid" : "pipeline"): \(g.stages) stages × \(g.groupSize) rank\(g.groupSize == 1 ? "" : "s") per stage, \(t.layout.graphLayers) graph layers (stage 0 layers \(owned.lowerBound + 1)–\(owned.upperBound)), \(chunkCount) chunks (METIS seed \(partitionSeedValue)), chunk halos \(t.decomposition.chunkHaloSizes(adjacency: adjacency).reduce(0, +)) rows, stale fraction \(stale), stale gradients \(pipelineOptions.staleGradients.rawValue)")
            }
            logger.info("\(datasetSummary(adjacency, task))")
            logger.info("\(model.rawValue): \(configuration.layers) layers, hidden \(configuration.hiddenDim), dropout \(configuration.dropout), \(size) ranks, \(threadCount) thread\(threadCount == 1 ? "" : "s") per rank")
            if let resumed = run.resumedEpoch, let checkpoint {
                logger.info("resumed every rank from \(checkpoint) after epoch \(resumed) (best epoch \(run.selection.bestEpoch))")
            }
            return run
        }
        let run = try makeRun()
        let trainer = run.trainer
        if run.isFinished && isRoot { runOptions.printNote("the checkpoint is already at epoch \(trainer.epoch): nothing left to train") }
        recorder.resetOrigin()
        // Records are written as they happen (rank 0): a job that dies keeps its epochs.
        let metricsWriter = MetricsWriter(path: isRoot ? metrics : nil,
                                          createsParentFolders: checkpoint.map { OutputSafety.willBeCreated(metrics ?? "", inside: $0) } ?? false)
        run.beforeEpoch = { e in try Train.injectedFailure(rank: rank, epoch: e) }
        let summary = try run.run { report in
            // The losses are all-reduced: every rank sees the same numbers and stops at the same
            // epoch (rank 0 after writing the record), before the checkpoint of that epoch.
            func stopIfDiverged() throws {
                guard !(report.loss.isFinite && report.evaluation.validationLoss.isFinite) else { return }
                // Every rank gets here (the same numbers); the barrier keeps the first rank to
                // fail from aborting the job before rank 0 has written the epoch's record.
                try world.barrier()
                try Divergence.check(loss: report.loss, epoch: report.epoch, learningRate: learningRate)
                try Divergence.check(loss: report.evaluation.validationLoss, epoch: report.epoch, learningRate: learningRate,
                                     which: "validation")
            }
            guard let all = report.ranks else { return try stopIfDiverged() }
            let sent = report.trainingBytes, analytic = report.analyticBytes
            let ratio = analytic > 0 ? Double(sent) / Double(analytic) : (sent == 0 ? 1 : .infinity)
            let wait = all.map(\.waitSeconds).max() ?? 0, bubble = all.map(\.bubbleSeconds).max() ?? 0
            let e = report.evaluation
            if !quiet {
                print(String(format: "epoch %4d  loss %.4f  train %.4f  val %.4f  val loss %.4f  %.4f s  sent %@ (analytic ×%.3f)  wait %.3f s  bubble %.3f s%@",
                             report.epoch, report.loss, e.trainAccuracy, e.validationAccuracy, e.validationLoss, report.epochSeconds,
                             Self.formatBytes(sent), ratio, wait, bubble, report.isBest ? "  *" : ""))
            }
            var record: [String: Any] = [
                "epoch": report.epoch, "loss": report.loss, "train_accuracy": e.trainAccuracy,
                "val_accuracy": e.validationAccuracy, "val_loss": e.validationLoss, "test_accuracy": e.testAccuracy,
                "train_seconds": report.epochSeconds, "best": report.isBest, "training_bytes": sent, "analytic_bytes": analytic,
                "bytes_ratio": ratio, "pipeline_bytes": all.reduce(Int64(0)) { $0 + $1.pipelineBytesSent },
                "halo_bytes": all.reduce(Int64(0)) { $0 + $1.haloBytesSent },
                "collective_bytes": all.reduce(Int64(0)) { $0 + $1.collectiveBytes },
                "evaluation_bytes": all.reduce(Int64(0)) { $0 + $1.evaluationBytesSent },
                "ranks": all.map(Self.statisticsFields),
            ]
            if mode != .graph { record["stale_fraction"] = trainer.staleFraction }
            try metricsWriter.append(record)
            try stopIfDiverged()
        }
        if let trace, let data = try DistributedRun.collectTrace(recorder, communicator: world) {
            try AtomicFile.write(data, to: trace)
            logger.info("wrote \(trace) (\(size) tracks)")
        }
        guard isRoot else { return }
        let best = summary.best
        print(String(format: "best epoch %d of %d: val accuracy %.4f, test accuracy %.4f (train %.4f)",
                     summary.bestEpoch, summary.lastEpoch, best.validationAccuracy, best.testAccuracy, best.trainAccuracy))
        if summary.epochsRun == 0 {
            runOptions.note(String(format: "no epoch trained, peak memory %.0f MiB per rank", summary.peakMemoryMiB))
        } else {
            runOptions.note(String(format: "mean epoch time %.4f s over %d epoch%@ (training step, slowest rank), peak memory %.0f MiB per rank%@",
                         summary.meanEpochSeconds, summary.epochsRun, summary.epochsRun == 1 ? "" : "s", summary.peakMemoryMiB,
                         summary.stoppedEarly ? ", stopped early (patience)" : ""))
        }
        if let metrics {
            let c = trainer.model.configuration, o = trainer.pipelineOptions
            var fields: [String: Any] = [
                "summary": true, "dataset": dataset, "model": model.rawValue, "layers": c.layers, "hidden": c.hiddenDim,
                "dropout": Double(c.dropout.description) ?? Double(c.dropout), "seed": seed, "parallelism": mode.rawValue, "ranks": size,
                "stages": trainer.grid.stages, "group_size": trainer.grid.groupSize, "threads": threadCount,
                "best_epoch": summary.bestEpoch, "last_epoch": summary.lastEpoch, "val_accuracy": best.validationAccuracy,
                "test_accuracy": best.testAccuracy, "train_accuracy": best.trainAccuracy,
                "mean_epoch_seconds": summary.meanEpochSeconds, "epochs_run": summary.epochsRun,
                "stopped_early": summary.stoppedEarly, "peak_memory_mib": summary.peakMemoryMiB,
            ]
            if mode != .graph {
                for (k, v) in ["chunks": o.chunks, "stale_fraction": trainer.staleFraction, "stale_gradients": o.staleGradients.rawValue,
                               "warmup_epochs": o.warmupEpochs, "history_momentum": Double(o.historyMomentum),
                               "shuffle_chunks": o.shuffleChunks] as [String: Any] { fields[k] = v }
            }
            try metricsWriter.append(fields)
            metricsWriter.close()
            logger.info("wrote \(metrics)")
        }
    }

    static func statisticsFields(_ s: RankEpochStatistics) -> [String: Any] {
        ["rank": s.rank, "bytes_sent": s.bytesSent, "bytes_received": s.bytesReceived, "pipeline_bytes_sent": s.pipelineBytesSent,
         "halo_bytes_sent": s.haloBytesSent, "analytic_bytes_sent": s.analyticBytesSent,
         "collective_bytes": s.collectiveBytes, "evaluation_bytes_sent": s.evaluationBytesSent,
         "compute_seconds": s.computeSeconds, "wait_seconds": s.waitSeconds, "bubble_seconds": s.bubbleSeconds,
         "train_seconds": s.trainSeconds, "eval_seconds": s.evaluationSeconds, "peak_rss_mib": s.peakResidentMiB,
         "operator_bytes": s.stateBytes.graphOperator, "feature_bytes": s.stateBytes.features, "table_bytes": s.stateBytes.tables]
    }

    static func formatBytes(_ bytes: Int64) -> String {
        let b = Double(bytes), kib = 1024.0
        if b >= kib * kib * kib { return String(format: "%.2f GiB", b / (kib * kib * kib)) }
        if b >= kib * kib { return String(format: "%.2f MiB", b / (kib * kib)) }
        if b >= kib { return String(format: "%.1f KiB", b / kib) }
        return "\(bytes) B"
    }
}
