import Foundation
import GraphLearning
import Testing
import TestSupport

/// Hybrid pipeline × graph parallelism under a real `mpirun` (4 ranks).
@Suite("gnnpipe hybrid under mpirun", .serialized)
struct GNNPipeHybridMPITests {
    static let common = ["train", GNNPipeMPITests.cora, "--model", "gcnii", "--layers", "4", "--hidden", "16",
                         "--dropout", "0.5", "--threads", "1"]

    static func run(_ ranks: Int, _ extra: [String]) throws -> (result: CommandResult, losses: [Double], epochs: [[String: Any]]) {
        let dir = try CommandRunner.temporaryDirectory()
        let metrics = dir.appendingPathComponent("m.jsonl").path
        let r = try GNNPipeMPITests.mpirun(ranks, common + ["--epochs", "4"] + extra + ["--metrics", metrics])
        #expect(r.status == 0, "\(r.stderr)")
        guard r.status == 0 else { return (r, [], []) }
        let epochs = try GNNPipeMPITests.records(metrics).epochs
        return (r, try Self.exactLosses(metrics), epochs)
    }

    /// The `"loss"` numbers of the epoch lines, parsed from their text (Foundation's JSON reader
    /// on Linux can be off by an ulp; `Double(String)` is exact).
    static func exactLosses(_ path: String) throws -> [Double] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.contains("\"summary\"") }.compactMap { line in
            guard let r = line.range(of: "\"loss\":") else { return nil }
            return Double(line[r.upperBound...].prefix { "0123456789.eE+-".contains($0) })
        }
    }

    /// S = P stages is the pipeline and S = 1 with one chunk is graph parallelism, to the bit.
    @Test func extremeSplitsAreThePureModes() throws {
        let pipeline = try Self.run(4, ["--parallelism", "pipeline", "--chunks", "4"])
        let stages = try Self.run(4, ["--parallelism", "hybrid", "--stages", "4", "--chunks", "4"])
        #expect(pipeline.losses.count == 4 && pipeline.losses == stages.losses)
        #expect(GNNPipeCLITests.epochLines(pipeline.result.stdout) == GNNPipeCLITests.epochLines(stages.result.stdout))
        let graph = try Self.run(4, ["--parallelism", "graph"])
        let groups = try Self.run(4, ["--parallelism", "hybrid", "--stages", "1", "--chunks", "1"])
        #expect(graph.losses.count == 4 && graph.losses == groups.losses)
    }

    /// 2 × 2: the bytes equal the plan's every epoch (pipeline and halo parts), per-rank
    /// statistics and four trace tracks; the losses are those of the same trainer run in one
    /// process on four threads (the in-process communicator keeps MPI's semantics).
    @Test func twoByTwoMovesTheAnalyticBytesAndMatchesInProcessRanks() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let trace = dir.appendingPathComponent("t.json").path
        let (r, losses, epochs) = try Self.run(4, ["--parallelism", "hybrid", "--stages", "2", "--chunks", "4", "--trace", trace])
        #expect(r.stdout.contains("(analytic ×1.000)"))
        for e in epochs {
            #expect((e["training_bytes"] as? Int) == (e["analytic_bytes"] as? Int))
            #expect((e["halo_bytes"] as? Int ?? 0) > 0 && (e["pipeline_bytes"] as? Int) == 2 * 1 * 2708 * 16 * 4)
            #expect((e["ranks"] as? [[String: Any]])?.map { $0["rank"] as? Int } == [0, 1, 2, 3])
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trace))) as? [String: Any]
        let tracks = (json?["traceEvents"] as? [[String: Any]] ?? []).filter { $0["ph"] as? String == "M" }.compactMap { $0["tid"] as? Int }
        #expect(tracks.sorted() == [0, 1, 2, 3])

        // The same run in this process.
        let d = try NodeDataset.load(GNNPipeMPITests.cora)
        let adjacency = try GraphBuilder.build(d.edges, options: .undirected)
        let task = try NodeClassificationTask(features: FeaturePreprocessing.rowNormalized(d.features!), labels: d.labels!.singleLabels(),
                                              numClasses: d.labels!.numClasses, train: d.split!.train, validation: d.split!.val,
                                              test: d.split!.test)
        let configuration = GNNConfiguration(architecture: .gcnii, inputDim: task.features.cols, hiddenDim: 16,
                                             numClasses: task.numClasses, layers: 4, dropout: 0.5, seed: 0)
        let outcomes = InProcessCommunicator.run(ranks: 4, timeout: 120) { comm -> [Double] in
            let trainer = try DistributedTrainer(configuration: configuration, adjacency: adjacency, task: task,
                                                 options: TrainingOptions(epochs: 4), grid: RankGrid(stages: 2, groupSize: 2),
                                                 pipeline: PipelineOptions(chunks: 4), communicator: comm)
            var out: [Double] = []
            for _ in 0..<4 {
                var (loss, s) = try trainer.trainStep()
                _ = try trainer.evaluate(statistics: &s)
                out.append(loss)
            }
            return out
        }
        let inProcess = try outcomes[0].get()
        #expect(inProcess == losses, "in-process \(inProcess), mpirun \(losses)")
    }

    /// Checkpoints of a 2 × 2 run resume to the numbers of an uninterrupted one.
    @Test func hybridResumesExactly() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let ckpt = dir.appendingPathComponent("ckpt").path
        let hybrid = ["--parallelism", "hybrid", "--stages", "2", "--chunks", "3", "--stale-gradients", "defer"]
        let full = try Self.run(4, hybrid)
        let first = try GNNPipeMPITests.mpirun(4, Self.common + ["--epochs", "2"] + hybrid + ["--checkpoint", ckpt, "--checkpoint-every", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try GNNPipeMPITests.mpirun(4, Self.common + ["--epochs", "4"] + hybrid + ["--checkpoint", ckpt, "--resume"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(GNNPipeCLITests.epochLines(second.stdout).count == 2)
        #expect(GNNPipeCLITests.epochLines(first.stdout) + GNNPipeCLITests.epochLines(second.stdout)
                == GNNPipeCLITests.epochLines(full.result.stdout))
    }
}
