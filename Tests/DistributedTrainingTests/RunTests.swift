import DistributedTraining
import Foundation
import GraphLearning
import Testing
import TestSupport

/// ``DistributedRun`` on in-process ranks: the epoch loop, model selection, the per-rank
/// checkpoint protocol and resume, and agreed set-up errors, without mpirun.
@Suite struct RunTests {
    static func options(_ folder: String?, epochs: Int, resume: Bool = false, every: Int = 2,
                        parallelism: Parallelism = .hybrid(stages: 2)) -> DistributedRunOptions {
        DistributedRunOptions(parallelism: parallelism, pipeline: PipelineOptions(chunks: 3, staleGradients: .defer, historyMomentum: 0.5),
                              training: TrainingOptions(epochs: epochs, patience: 50), checkpointFolder: folder,
                              checkpointEvery: every, resume: resume, messageTimeout: 60)
    }

    /// Runs on 4 in-process ranks; returns rank 0's per-epoch (loss, validation loss) and the summary.
    static func run(_ options: DistributedRunOptions) throws -> (epochs: [[Double]], summary: DistributedRunSummary) {
        let (adjacency, task) = try Toy.problem()
        let configuration = Toy.configuration(.gcnii, layers: 4, task: task)
        let out = Collected<([[Double]], DistributedRunSummary)>()
        let results = InProcessCommunicator.run(ranks: 4, timeout: 60) { comm in
            let run = try DistributedRun(configuration: configuration, adjacency: adjacency, task: task, options: options, communicator: comm)
            var epochs: [[Double]] = []
            let summary = try run.run { report in epochs.append([report.loss, report.evaluation.validationLoss]) }
            out.set(comm.rank, (epochs, summary))
        }
        for case .failure(let error) in results { throw error }
        return out.values[0]!
    }

    @Test func checkpointsResumeEveryRankExactly() throws {
        let folder = TemporaryFiles.folder().appendingPathComponent("ckpt").path
        let full = try Self.run(Self.options(nil, epochs: 6))
        let first = try Self.run(Self.options(folder, epochs: 4))
        #expect(first.epochs == Array(full.epochs[0..<4]))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["complete.json"] + (0..<4).flatMap { r in [2, 4].map { "rank-\(r).epoch-\($0).ckpt" } })
        let complete = try CheckpointFolder.complete(in: folder)
        #expect(complete == CheckpointFolder.Complete(epoch: 4, stages: 2, groupSize: 2))
        let second = try Self.run(Self.options(folder, epochs: 6, resume: true))
        #expect(second.epochs == Array(full.epochs[4..<6]))
        #expect(second.summary.bestEpoch == full.summary.bestEpoch && second.summary.best == full.summary.best)
        #expect(second.summary.lastEpoch == 6 && second.summary.epochsRun == 2)
        // Only the last two saved epochs stay.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("rank-3") }.sorted()
                == ["rank-3.epoch-4.ckpt", "rank-3.epoch-6.ckpt"])
    }

    /// Another grid cannot resume the files; every rank gets the same agreed error, reported
    /// once by rank 0.
    @Test func anotherGridIsRefusedOnEveryRank() throws {
        let folder = TemporaryFiles.folder().appendingPathComponent("ckpt").path
        _ = try Self.run(Self.options(folder, epochs: 2))
        let (adjacency, task) = try Toy.problem()
        let configuration = Toy.configuration(.gcnii, layers: 4, task: task)
        let options = Self.options(folder, epochs: 4, resume: true, parallelism: .pipeline)
        let results = InProcessCommunicator.run(ranks: 4, timeout: 60) { comm in
            _ = try DistributedRun(configuration: configuration, adjacency: adjacency, task: task, options: options, communicator: comm)
        }
        for (r, result) in results.enumerated() {
            guard case .failure(let error as AgreedFailure) = result else { Issue.record("rank \(r) did not fail"); continue }
            #expect(error.rootFailed)
            #expect(error.reports.map(\.message) == (r == 0 ? ["checkpoint: \(folder)/complete.json was written by 4 ranks (2 stages × 2); this run has 4 ranks (4 stages × 1)"] : []))
        }
    }

    /// A set-up error every rank hits (more stages than layers) is one agreed failure, with the
    /// caller's exit status.
    @Test func setUpErrorsAreAgreed() throws {
        let (adjacency, task) = try Toy.problem()
        let configuration = Toy.configuration(.gcn, layers: 2, task: task)
        let results = InProcessCommunicator.run(ranks: 3, timeout: 60) { comm in
            _ = try DistributedRun(configuration: configuration, adjacency: adjacency, task: task,
                                   options: DistributedRunOptions(pipeline: PipelineOptions(chunks: 2)), communicator: comm,
                                   describe: { ("\($0)", 64) })
        }
        for result in results {
            guard case .failure(let error as AgreedFailure) = result else { Issue.record("expected an agreed failure"); continue }
            #expect(error.code == 64)
        }
        guard case .failure(let root as AgreedFailure) = results[0] else { return }
        #expect(root.reports.map(\.message) == ["3 pipeline stages need at least 3 graph layers; the model has 2"])
    }

    /// A rank's checkpoint restores only into the same setup; the error names what differs.
    @Test func restoreRefusesAnotherSetup() throws {
        let (adjacency, task) = try Toy.problem()
        let configuration = Toy.configuration(.gcn, layers: 2, task: task, dropout: 0)
        func trainer(_ c: GNNConfiguration, chunks: Int) throws -> DistributedTrainer {
            let results = InProcessCommunicator.run(ranks: 1) { comm in
                try DistributedTrainer(configuration: c, adjacency: adjacency, task: task, options: TrainingOptions(),
                                       grid: .pipeline(ranks: 1), pipeline: PipelineOptions(chunks: chunks), communicator: comm)
            }
            return try results[0].get()
        }
        let saved = try trainer(configuration, chunks: 2).checkpoint()
        let error = #expect(throws: DistributedTrainingError.self) { try trainer(configuration, chunks: 3).restore(from: saved) }
        #expect(error?.description == "checkpoint: chunks was 2, this run uses 3")
        var other = configuration
        other.seed += 1
        other.hiddenDim += 1
        let model = #expect(throws: DistributedTrainingError.self) { try trainer(other, chunks: 2).restore(from: saved) }
        #expect(model?.description == "checkpoint: the model differs: hiddenDim \(configuration.hiddenDim) in the checkpoint, \(other.hiddenDim) in this run; seed \(configuration.seed) in the checkpoint, \(other.seed) in this run")
    }
}
