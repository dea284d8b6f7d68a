import DistributedTraining
import Foundation
import GraphLearning
import Testing
import TestSupport

/// The process's MPI world (one rank outside `mpirun`). MPI starts once per process and is never
/// finalised in tests; every suite of this target goes through the one `static let` in
/// PipelineTests.swift, so two suites running in parallel cannot both call `MPI_Init`.
enum GraphParallelMPI {
    static var world: Communicator { PipelineMPI.world }
}

/// Cora as `gnnpipe train` prepares it: undirected adjacency, row-normalised features.
enum GraphParallelCora {
    static var data: (adjacency: CSRGraph, task: NodeClassificationTask) { PipelineMPI.cora }

    static func configuration(_ architecture: GNNArchitecture, layers: Int, hidden: Int, dropout: Float,
                              seed: UInt64 = 7) -> GNNConfiguration {
        GNNConfiguration(architecture: architecture, inputDim: data.task.features.cols, hiddenDim: hidden,
                         numClasses: data.task.numClasses, layers: layers, dropout: dropout, seed: seed)
    }
}

@Suite struct GraphParallelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var architecture: GNNArchitecture
        var layers: Int
        var hidden: Int
        var dropout: Float
        var testDescription: String { "\(architecture.rawValue) L\(layers) h\(hidden) dropout \(dropout)" }
    }

    /// With one rank the graph-parallel trainer is the single-process trainer: same per-epoch
    /// loss and evaluation (dropout masks are keyed by global node id).
    @Test(arguments: [
        Case(architecture: .gcn, layers: 2, hidden: 16, dropout: 0),
        Case(architecture: .gcn, layers: 2, hidden: 16, dropout: 0.5),
        Case(architecture: .gcnii, layers: 4, hidden: 16, dropout: 0),
        Case(architecture: .gcnii, layers: 4, hidden: 16, dropout: 0.5),
        Case(architecture: .sage, layers: 2, hidden: 16, dropout: 0.5),
    ])
    func oneRankMatchesSingleProcessTraining(_ c: Case) throws {
        let (adjacency, task) = GraphParallelCora.data
        let configuration = GraphParallelCora.configuration(c.architecture, layers: c.layers, hidden: c.hidden, dropout: c.dropout)
        let options = TrainingOptions(epochs: 8, learningRate: 0.01)
        let reference = try NodeClassificationTrainer(
            model: GNNModel(configuration: configuration),
            graph: GNNModel.graphOperator(for: c.architecture, adjacency: adjacency, adjacencyIsSymmetric: true),
            task: task, options: options)
        let trainer = try GraphParallelTrainer(configuration: configuration, adjacency: adjacency, task: task,
                                               options: options, communicator: GraphParallelMPI.world, partitionSeed: 1)
        #expect(trainer.plan.haloCount == 0 && trainer.analyticTrainingFloats == 0)
        var worst = 0.0
        for epoch in 1...8 {
            let record = reference.runEpoch()  // training step + evaluation, advances the step that seeds dropout
            let (loss, statistics) = try trainer.trainStep()
            worst = max(worst, abs(loss - record.loss) / abs(record.loss))
            #expect(statistics.epoch == epoch && statistics.bytesSent == 0 && statistics.collectiveBytes == 0)
            var s = statistics
            let e = try trainer.evaluate(statistics: &s)
            let r = record.evaluation
            #expect(abs(e.validationLoss - r.validationLoss) <= 1e-5 * abs(r.validationLoss))
            #expect(abs(e.trainAccuracy - r.trainAccuracy) <= 1.0 / Double(task.train.count))
            #expect(abs(e.testAccuracy - r.testAccuracy) <= 2.0 / Double(task.test.count))
        }
        #expect(worst <= 1e-5, "max relative loss difference \(worst)")
        #expect(trainer.epoch == 8)
    }

    /// The exchange lists and local operators of every rank, built in one process, reproduce the
    /// global propagation: forward rows bit for bit, the transposed (backward) product after the
    /// owners add the halo contributions, and halo volumes equal to the partition's halo sizes.
    @Test(arguments: [(GNNArchitecture.gcn, 2), (.gcn, 4), (.sage, 3), (.gcnii, 4)])
    func ranksTogetherReproduceTheGlobalOperator(_ architecture: GNNArchitecture, _ size: Int) throws {
        let adjacency = GraphParallelCora.data.adjacency
        let n = adjacency.numNodes
        let global = GNNModel.graphOperator(for: architecture, adjacency: adjacency, adjacencyIsSymmetric: true)
        let partition = try METISPartitioner.partition(adjacency, parts: size, seed: 3)
        let plans = try (0..<size).map { r in
            try GraphParallelPlan(rank: r, size: size, parts: partition.parts, globalOperator: global,
                                  squareLocalOperator: architecture == .sage)
        }
        #expect(plans[0].haloSizes == partition.haloSizes(in: adjacency))
        #expect(plans.map(\.haloCount) == plans[0].haloSizes)
        #expect(plans.reduce(0) { $0 + $1.ownCount } == n)
        for p in plans {
            #expect(p.ownNodes.allSatisfy { partition.parts[Int($0)] == Int32(p.rank) })
            for q in p.peers {
                // What q sends to p is, in order, what p expects from q.
                let sent = plans[q].sendRows[p.rank].map { plans[q].ownNodes[$0] }
                let expected = p.receivePositions[q].map { p.localNodes[$0] }
                #expect(sent == expected && !sent.isEmpty)
            }
        }

        let w = 5
        let h = Fixtures.randomMatrix(rows: n, cols: w, seed: 11)
        let dy = Fixtures.randomMatrix(rows: n, cols: w, seed: 12)
        var y = Matrix(rows: n, cols: w)
        global.propagate(h, into: &y, threads: 1)
        var dh = Matrix(rows: n, cols: w)
        global.propagateTransposed(dy, into: &dh, threads: 1)
        var assembled = Matrix(rows: n, cols: w)
        for p in plans {
            let local = h.gatherRows(p.localNodes.map { Int($0) })
            var out = Matrix(rows: p.localOperator.outputRows, cols: w)
            p.localOperator.propagate(local, into: &out, threads: 1)
            if out.rows != p.ownCount { out = out.gatherRows(p.ownPositions) }
            #expect(out == y.gatherRows(p.ownNodes.map { Int($0) }))
            // Backward: the rank's gradient rows, padded for the square (SAGE) operator.
            var g = dy.gatherRows(p.ownNodes.map { Int($0) })
            if p.localOperator.outputRows != p.ownCount {
                var padded = Matrix(rows: p.localCount, cols: w)
                for (r, i) in p.ownPositions.enumerated() { for j in 0..<w { padded[i, j] = g[r, j] } }
                g = padded
            }
            var dLocal = Matrix(rows: p.localCount, cols: w)
            p.localOperator.propagateTransposed(g, into: &dLocal, threads: 1)
            for (i, v) in p.localNodes.enumerated() { for j in 0..<w { assembled[Int(v), j] += dLocal[i, j] } }
        }
        var worst: Float = 0
        for k in dh.values.indices { worst = max(worst, abs(dh.values[k] - assembled.values[k])) }
        #expect(worst <= 1e-5)
    }

    @Test func exchangedWidthsSkipTheFeatureLayer() throws {
        let (adjacency, task) = GraphParallelCora.data
        let gcn = try GraphParallelTrainer(configuration: GraphParallelCora.configuration(.gcn, layers: 3, hidden: 16, dropout: 0),
                                           adjacency: adjacency, task: task, options: TrainingOptions(),
                                           communicator: GraphParallelMPI.world, partitionSeed: 0)
        #expect(gcn.exchangedLayerWidths == [16, 16])
        let gcnii = try GraphParallelTrainer(configuration: GraphParallelCora.configuration(.gcnii, layers: 3, hidden: 8, dropout: 0),
                                             adjacency: adjacency, task: task, options: TrainingOptions(),
                                             communicator: GraphParallelMPI.world, partitionSeed: 0)
        #expect(gcnii.exchangedLayerWidths == [8, 8, 8])
    }

    @Test func checkpointResumesExactly() throws {
        let (adjacency, task) = GraphParallelCora.data
        let configuration = GraphParallelCora.configuration(.gcnii, layers: 3, hidden: 16, dropout: 0.5)
        func make() throws -> GraphParallelTrainer {
            try GraphParallelTrainer(configuration: configuration, adjacency: adjacency, task: task,
                                     options: TrainingOptions(learningRate: 0.01), communicator: GraphParallelMPI.world,
                                     partitionSeed: 5)
        }
        let a = try make()
        for _ in 0..<3 { _ = try a.trainStep() }
        let file = TemporaryFiles.folder().appendingPathComponent("gp.ckpt").path
        try a.checkpoint().write(to: file)
        let continued = try (0..<3).map { _ in try a.trainStep().loss }

        let b = try make()
        try b.restore(from: Checkpoint.read(from: file))
        #expect(b.epoch == 3)
        let resumed = try (0..<3).map { _ in try b.trainStep().loss }
        #expect(resumed == continued)
        #expect(a.checkpoint().tensors.map(\.name) == b.checkpoint().tensors.map(\.name))
        #expect(a.checkpoint() == b.checkpoint())
    }

    @Test func restoreRejectsOtherSetups() throws {
        let (adjacency, task) = GraphParallelCora.data
        let small = GraphParallelCora.configuration(.gcn, layers: 2, hidden: 16, dropout: 0)
        let trainer = try GraphParallelTrainer(configuration: small, adjacency: adjacency, task: task, options: TrainingOptions(),
                                               communicator: GraphParallelMPI.world, partitionSeed: 0)
        var other = small
        other.hiddenDim = 8
        let otherTrainer = try GraphParallelTrainer(configuration: other, adjacency: adjacency, task: task, options: TrainingOptions(),
                                                    communicator: GraphParallelMPI.world, partitionSeed: 0)
        #expect(throws: DistributedTrainingError.self) { try trainer.restore(from: otherTrainer.checkpoint()) }
        var seeded = trainer.checkpoint()
        seeded.metadata["partition_seed"] = "9"
        #expect(throws: DistributedTrainingError.self) { try trainer.restore(from: seeded) }
        let single = try NodeClassificationTrainer(model: GNNModel(configuration: small),
                                                   graph: GNNModel.graphOperator(for: .gcn, adjacency: adjacency),
                                                   task: task, options: TrainingOptions())
        do {
            try trainer.restore(from: single.checkpoint())
            Issue.record("a single-process checkpoint was accepted")
        } catch {
            guard case .checkpoint(let message) = error else { Issue.record("unexpected \(error)"); return }
            #expect(message.contains("gnnpipe-graph-parallel-1"))
        }
    }

    @Test func rejectsDirectedGraphs() throws {
        let task = GraphParallelCora.data.task
        let directed = try GraphBuilder.build(Fixtures.edgeList([(0, 1), (1, 2)], numNodes: task.features.rows),
                                              options: .directed)
        do {
            _ = try GraphParallelTrainer(configuration: GraphParallelCora.configuration(.gcn, layers: 2, hidden: 4, dropout: 0),
                                         adjacency: directed, task: task, options: TrainingOptions(),
                                         communicator: GraphParallelMPI.world, partitionSeed: 0)
            Issue.record("a directed adjacency was accepted")
        } catch {
            guard case .invalidSetup(let message) = error else { Issue.record("unexpected \(error)"); return }
            #expect(message.contains("symmetric"))
        }
    }

    @Test func traceHasLayerEvents() throws {
        let (adjacency, task) = GraphParallelCora.data
        let recorder = TraceRecorder(rank: 0, enabled: true)
        let trainer = try GraphParallelTrainer(configuration: GraphParallelCora.configuration(.gcn, layers: 2, hidden: 8, dropout: 0.5),
                                               adjacency: adjacency, task: task, options: TrainingOptions(),
                                               communicator: GraphParallelMPI.world, partitionSeed: 0, trace: recorder)
        _ = try trainer.trainStep()
        let text = String(decoding: recorder.encodedEvents(), as: UTF8.self)
        for name in ["forward layer 0", "forward layer 1", "backward layer 1", "backward layer 0", "optimizer", "loss"] {
            #expect(text.contains("\"name\":\"\(name)\""), "missing trace event \(name)")
        }
    }
}

/// Real multi-rank runs: `mpirun -n P gnnpipe train --parallelism graph` (the CLI wiring is brief
/// A's `Sources/gnnpipe/DistributedTrain.swift`) against the single-process trainer run here.
@Suite(.serialized) struct GraphParallelMPITests {
    struct Run: CustomTestStringConvertible, Sendable {
        var ranks: Int
        var architecture: GNNArchitecture
        var layers: Int
        var dropout: Float
        var testDescription: String { "\(ranks) ranks, \(architecture.rawValue) L\(layers) dropout \(dropout)" }
    }

    static let epochs = 10

    static func mpirun() throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        return try #require(path, "mpirun is not on PATH (Open MPI: apt-get install openmpi-bin)")
    }

    /// Per-epoch loss of the single-process trainer on the same data and configuration.
    static func referenceLosses(_ configuration: GNNConfiguration) throws -> [Double] {
        let (adjacency, task) = GraphParallelCora.data
        let trainer = try NodeClassificationTrainer(
            model: GNNModel(configuration: configuration),
            graph: GNNModel.graphOperator(for: configuration.architecture, adjacency: adjacency, adjacencyIsSymmetric: true),
            task: task, options: TrainingOptions(epochs: epochs, learningRate: 0.01))
        return (0..<epochs).map { _ in trainer.runEpoch().loss }
    }

    /// With dropout 0 (and with dropout, since masks are keyed by global node id) P ranks give
    /// the single-process per-epoch loss to 1e-4 relative, and the measured halo bytes of every
    /// epoch equal 4 × the analytic 2 · Σ_k d_k · Σ_p |B_p| floats.
    @Test(arguments: [
        Run(ranks: 1, architecture: .gcn, layers: 2, dropout: 0),
        Run(ranks: 2, architecture: .gcn, layers: 3, dropout: 0),
        Run(ranks: 4, architecture: .gcn, layers: 3, dropout: 0),
        Run(ranks: 2, architecture: .gcnii, layers: 4, dropout: 0),
        Run(ranks: 4, architecture: .gcnii, layers: 4, dropout: 0),
        Run(ranks: 4, architecture: .gcnii, layers: 4, dropout: 0.5),
    ])
    func ranksMatchSingleProcessLossAndAnalyticVolume(_ run: Run) throws {
        let seed: UInt64 = 3
        let configuration = GraphParallelCora.configuration(run.architecture, layers: run.layers, hidden: 16,
                                                            dropout: run.dropout, seed: seed)
        let expected = try Self.referenceLosses(configuration)
        let folder = TemporaryFiles.folder()
        let metrics = folder.appendingPathComponent("metrics.jsonl").path
        let gnnpipe = CommandRunner.productsDirectory.appendingPathComponent("gnnpipe").path
        let result = try CommandRunner.runPath(try Self.mpirun(), [
            "--allow-run-as-root", "--oversubscribe", "-n", String(run.ranks), "-x", "OPENBLAS_NUM_THREADS=1",
            gnnpipe, "train", Fixtures.graphPath("cora"), "--parallelism", "graph",
            "--model", run.architecture.rawValue, "--layers", String(run.layers), "--hidden", "16",
            "--dropout", String(run.dropout), "--epochs", String(Self.epochs), "--patience", "0",
            "--seed", String(seed), "--partition-seed", "1", "--threads", "1", "--metrics", metrics, "--quiet",
        ], environment: ["OPENBLAS_NUM_THREADS": "1"])
        try #require(result.status == 0, "gnnpipe under mpirun failed: \(result.stderr)")
        let lines = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let epochs = records.filter { $0["summary"] == nil }
        try #require(epochs.count == Self.epochs)
        var worst = 0.0
        for (k, record) in epochs.enumerated() {
            let loss = try #require(record["loss"] as? Double)
            worst = max(worst, abs(loss - expected[k]) / abs(expected[k]))
            let measured = try #require((record["training_bytes"] as? NSNumber)?.int64Value)
            let analytic = try #require((record["analytic_bytes"] as? NSNumber)?.int64Value)
            #expect(measured == analytic, "epoch \(k + 1): \(measured) halo bytes, analytic \(analytic)")
            #expect(run.ranks == 1 ? analytic == 0 : analytic > 0)
        }
        #expect(worst <= 1e-4, "max relative loss difference \(worst) over \(Self.epochs) epochs")
        print("graph parallel \(run.testDescription): max relative loss difference \(worst)")
    }
}
