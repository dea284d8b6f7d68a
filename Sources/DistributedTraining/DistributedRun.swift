import DenseMath
import Foundation
import GNNModels
import GraphCore
import MessagePassing
import NeuralNet

/// Settings of a distributed training run besides the model and the data.
public struct DistributedRunOptions: Sendable {
    /// How the ranks share the work (default: a pipeline with one stage per rank, GNNPipe).
    public var parallelism: Parallelism
    /// Chunking settings (pipeline and hybrid; graph parallelism uses one chunk).
    public var pipeline: PipelineOptions
    /// Epochs, early stopping, selection, optimiser, threads per rank.
    public var training: TrainingOptions
    /// Folder for per-rank checkpoints (``CheckpointFolder``); nil = none.
    public var checkpointFolder: String?
    /// Epochs between checkpoints (the last epoch is always saved).
    public var checkpointEvery: Int
    /// Continue from the folder's last complete epoch.
    public var resume: Bool
    /// Seconds any message or collective may wait before the run fails (a dead or stalled
    /// peer ends the job instead of hanging it); nil = forever.
    public var messageTimeout: Double?

    public init(parallelism: Parallelism = .pipeline, pipeline: PipelineOptions = PipelineOptions(),
                training: TrainingOptions = TrainingOptions(), checkpointFolder: String? = nil, checkpointEvery: Int = 10,
                resume: Bool = false, messageTimeout: Double? = 600) {
        self.parallelism = parallelism
        self.pipeline = pipeline
        self.training = training
        self.checkpointFolder = checkpointFolder
        self.checkpointEvery = checkpointEvery
        self.resume = resume
        self.messageTimeout = messageTimeout
    }
}

/// One epoch of a distributed run, as every rank sees it.
public struct DistributedEpochReport: Sendable {
    /// Epoch number, from 1.
    public let epoch: Int
    /// Global training loss (with dropout, before the update).
    public let loss: Double
    /// Global evaluation after the update.
    public let evaluation: Evaluation
    /// Whether this epoch is the new selected one.
    public let isBest: Bool
    /// The slowest rank's training-step seconds.
    public let epochSeconds: Double
    /// Every rank's statistics, in rank order, on rank 0; nil elsewhere.
    public let ranks: [RankEpochStatistics]?

    /// Point-to-point training bytes over all ranks (rank 0; 0 elsewhere).
    public var trainingBytes: Int64 { ranks?.reduce(0) { $0 + $1.bytesSent } ?? 0 }
    /// What the plan says they should be (``CommunicationModel``).
    public var analyticBytes: Int64 { ranks?.reduce(0) { $0 + $1.analyticBytesSent } ?? 0 }
}

/// How a distributed run ended.
public struct DistributedRunSummary: Sendable {
    /// The selected epoch and its evaluation.
    public let bestEpoch: Int
    public let best: Evaluation
    /// The last epoch trained (including epochs before a resume).
    public let lastEpoch: Int
    /// Epochs this run trained.
    public let epochsRun: Int
    /// Mean over this run's epochs of the slowest rank's training step, seconds.
    public let meanEpochSeconds: Double
    /// Whether patience ended the run before the last epoch.
    public let stoppedEarly: Bool
    /// The largest rank's peak resident memory, MiB.
    public let peakMemoryMiB: Double
}

/// A whole distributed training run as one library call, under `mpirun` (``/MessagePassing/MPICommunicator``)
/// or in one process (``/MessagePassing/InProcessCommunicator``): set-up agreed between the ranks, the epoch
/// loop with model selection and early stopping, per-rank checkpoints and resume.
///
/// ```swift
/// let world = try MPICommunicator.initialize()
/// let run = try DistributedRun(configuration: config, adjacency: a, task: task,
///                              options: DistributedRunOptions(pipeline: PipelineOptions(chunks: 8)),
///                              communicator: world)
/// let summary = try run.run { report in if world.rank == 0 { print(report.epoch, report.loss) } }
/// ```
/// Set-up (building the trainer, reading the checkpoint to resume) runs under
/// ``/MessagePassing/Communicating/agree(_:describe:)``: when it fails on some rank, every rank
/// throws the same ``/MessagePassing/AgreedFailure`` and rank 0 holds the messages. Errors during
/// training are thrown on the rank that hit them (a peer that died shows as a
/// ``/MessagePassing/CommunicationError`` after the message timeout); the caller ends the job.
public final class DistributedRun {
    /// The trainer.
    public let trainer: DistributedTrainer
    /// The ranks.
    public let communicator: any Communicating
    /// The settings.
    public let options: DistributedRunOptions
    /// Model selection and early stopping (the same on every rank).
    public private(set) var selection: ModelSelectionTracker
    /// The epoch the run resumed from, if it did.
    public let resumedEpoch: Int?
    private var lastComplete: Int?

    /// The default error description for agreement: the error's text, exit status 1.
    public static func describe(_ error: any Error) -> (message: String, code: Int32) { ("\(error)", 1) }

    /// Builds the trainer on every rank and, with ``DistributedRunOptions/resume``, restores
    /// every rank from the checkpoint folder's last complete epoch. Collective.
    /// - Parameters:
    ///   - configuration: the model (architecture, widths, depth, dropout, seed).
    ///   - adjacency: `[N × N]`, symmetric, without self-loops.
    ///   - task: features `[N × F]`, labels and split.
    ///   - options: parallelism, chunking, training, checkpoints and the message timeout.
    ///   - communicator: every rank of the job (`MPIJob.run` passes the world).
    ///   - trace: records the run's events per rank when given.
    ///   - describe: message and exit status of a set-up error (for the agreement).
    /// - Throws: ``/MessagePassing/AgreedFailure`` when some rank failed (every rank throws it).
    public init(configuration: GNNConfiguration, adjacency: CSRGraph, task: NodeClassificationTask,
                options: DistributedRunOptions, communicator: any Communicating, trace: TraceRecorder? = nil,
                describe: (any Error) -> (message: String, code: Int32) = DistributedRun.describe) throws {
        communicator.timeout = options.messageTimeout
        let trainer = try communicator.agree({
            let grid = try options.parallelism.grid(ranks: communicator.size)
            return try DistributedTrainer(configuration: configuration, adjacency: adjacency, task: task, options: options.training,
                                   grid: grid, pipeline: options.pipeline, communicator: communicator, trace: trace)
        }, describe: describe)
        let grid = trainer.grid
        var selection = ModelSelectionTracker(selection: options.training.selection)
        var resumed: Int?
        if let folder = options.checkpointFolder {
            try communicator.agree({
                if options.resume {
                    let complete = try CheckpointFolder.complete(in: folder)
                    let savedGrid = RankGrid(stages: max(1, complete.stages), groupSize: max(1, complete.groupSize))
                    guard savedGrid == grid else {
                        throw DistributedTrainingError.gridMismatch(path: CheckpointFolder.completePath(folder), saved: savedGrid, current: grid)
                    }
                    let path = CheckpointFolder.rankFile(folder, rank: communicator.rank, epoch: complete.epoch)
                    guard FileManager.default.fileExists(atPath: path) else {
                        throw DistributedTrainingError.checkpoint("\(path) is missing, although \(CheckpointFolder.completePath(folder)) says every rank saved epoch \(complete.epoch)")
                    }
                    let saved = try Checkpoint.read(from: path)
                    try trainer.restore(from: saved)
                    do throws(ModelSelectionTracker.RestoreError) { try selection.restore(from: saved.metadata) } catch {
                        throw DistributedTrainingError.checkpoint(error.message)
                    }
                    resumed = complete.epoch
                    if communicator.rank == 0 { CheckpointFolder.removeLeftovers(folder, after: complete.epoch) }
                } else if communicator.rank == 0 {
                    try Self.createFolder(folder)
                }
            }, describe: describe)
        }
        try communicator.barrier()
        self.trainer = trainer
        self.communicator = communicator
        self.options = options
        self.selection = selection
        resumedEpoch = resumed
        lastComplete = resumed
    }

    private static func createFolder(_ path: String) throws(DistributedTrainingError) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            if !isFolder.boolValue { throw .checkpoint("\(path) is a file, expected a folder") }
            return
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) } catch {
            throw .checkpoint("cannot create the folder \(path) (does its parent folder exist?)")
        }
    }

    /// Whether training is over (last epoch reached, or patience exhausted).
    public var isFinished: Bool {
        trainer.epoch >= options.training.epochs || selection.exhausted(patience: options.training.patience)
    }

    /// Called on every rank with the epoch about to run (e.g. to inject faults in tests).
    public var beforeEpoch: ((Int) throws -> Void)?

    /// Trains until the last epoch or until patience runs out, saving checkpoints on the way.
    /// Collective.
    /// - Parameter onEpoch: called on every rank after each epoch (statistics of all ranks on rank 0).
    /// - Throws: ``DistributedTrainingError``, ``/MessagePassing/CommunicationError``, or what the
    ///   callbacks throw.
    public func run(onEpoch: (DistributedEpochReport) throws -> Void = { _ in }) throws -> DistributedRunSummary {
        var seconds = 0.0, epochsRun = 0
        while !isFinished {
            try beforeEpoch?(trainer.epoch + 1)
            var (loss, stats) = try trainer.trainStep()
            let evaluation = try trainer.evaluate(statistics: &stats)
            let improved = selection.update(epoch: trainer.epoch, evaluation: evaluation)
            stats.peakResidentMiB = ResidentMemory.peakMiB()
            let all = try RankEpochStatistics.gather(stats, communicator: communicator)
            var slowest = [stats.trainSeconds]
            try communicator.allReduceMax(&slowest)
            seconds += slowest[0]
            epochsRun += 1
            try onEpoch(DistributedEpochReport(epoch: trainer.epoch, loss: loss, evaluation: evaluation, isBest: improved,
                                               epochSeconds: slowest[0], ranks: all))
            if trainer.epoch % options.checkpointEvery == 0 || isFinished { try saveCheckpoint() }
        }
        var peak = [ResidentMemory.peakMiB()]
        try communicator.allReduceMax(&peak)
        return DistributedRunSummary(bestEpoch: selection.bestEpoch, best: selection.best, lastEpoch: trainer.epoch,
                                     epochsRun: epochsRun, meanEpochSeconds: epochsRun > 0 ? seconds / Double(epochsRun) : 0,
                                     stoppedEarly: trainer.epoch < options.training.epochs, peakMemoryMiB: peak[0])
    }

    /// Saves every rank's state for the current epoch (the protocol of ``CheckpointFolder``).
    /// Collective; nothing without a checkpoint folder.
    public func saveCheckpoint() throws {
        guard let folder = options.checkpointFolder else { return }
        var state = trainer.checkpoint()
        for (k, v) in selection.metadata { state.metadata[k] = v }
        try state.write(to: CheckpointFolder.rankFile(folder, rank: communicator.rank, epoch: trainer.epoch))
        try communicator.barrier()
        if communicator.rank == 0 {
            try CheckpointFolder.writeComplete(.init(epoch: trainer.epoch, stages: trainer.grid.stages,
                                                     groupSize: trainer.grid.groupSize), in: folder)
        }
        try communicator.barrier()
        CheckpointFolder.prune(folder, rank: communicator.rank, keep: [trainer.epoch, lastComplete].compactMap { $0 })
        lastComplete = trainer.epoch
    }

    /// The trace of every rank as one Chrome trace-event file, on rank 0 (nil elsewhere).
    /// Collective.
    public static func collectTrace(_ recorder: TraceRecorder, communicator: any Communicating) throws -> Data? {
        guard let parts = try communicator.gather(recorder.encodedEvents(), root: 0) else { return nil }
        return TraceRecorder.traceFile(parts: parts)
    }
}
