import DistributedTraining
import Foundation
import GraphLearning
import Testing
import TestSupport

/// One-rank MPI world for in-process pipeline tests (MPI starts once per process; `initialize`
/// returns the world again if another suite started it; never finalised in tests).
enum PipelineMPI {
    static let world: Communicator = {
        do { return try Communicator.initialize() } catch { fatalError("MPI_Init failed: \(error)") }
    }()

    static let cora: (adjacency: CSRGraph, task: NodeClassificationTask) = {
        do {
            let d = try NodeDataset.load(Fixtures.graphPath("cora"))
            let adjacency = try GraphBuilder.build(d.edges, options: .undirected)
            let labels = d.labels!, split = d.split!
            let task = try NodeClassificationTask(
                features: FeaturePreprocessing.rowNormalized(d.features!), labels: labels.singleLabels(),
                numClasses: labels.numClasses, train: split.train, validation: split.val, test: split.test)
            return (adjacency, task)
        } catch {
            fatalError("cannot load graphs/cora: \(error)")
        }
    }()

    static func configuration(_ architecture: GNNArchitecture, layers: Int, dropout: Float) -> GNNConfiguration {
        GNNConfiguration(architecture: architecture, inputDim: cora.task.features.cols, hiddenDim: 16,
                         numClasses: cora.task.numClasses, layers: layers, dropout: dropout, seed: 3)
    }
}

@Suite struct ChunkPlanTests {
    /// 6 nodes, edges 0-1 1-2 2-3 3-4 4-5 0-3; chunks {1,2} {0,3} {4,5} given out of id order.
    static func tinyPlan() throws -> ChunkPlan {
        let edges = Fixtures.edgeList([(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 3)], numNodes: 6)
        let adjacency = try GraphBuilder.build(edges, options: .undirected)
        return try ChunkPlan(adjacency: adjacency, parts: [1, 0, 0, 1, 2, 2], numChunks: 3, architecture: .gcn)
    }

    @Test func relabellingMakesChunksContiguous() throws {
        let plan = try Self.tinyPlan()
        #expect(plan.newID == [2, 0, 1, 3, 4, 5])
        #expect(plan.originalID == [1, 2, 0, 3, 4, 5])
        #expect(plan.chunkOffsets == [0, 2, 4, 6])
        #expect(plan.chunkOfOriginal == [1, 0, 0, 1, 2, 2])
    }

    @Test func halosStalenessAndCut() throws {
        let plan = try Self.tinyPlan()
        // New-id edges: 2-0, 0-1, 1-3, 3-4, 4-5, 2-3.
        #expect(plan.columns[0] == [0, 1, 2, 3])
        #expect(plan.columns[1] == [2, 3, 0, 1, 4])
        #expect(plan.columns[2] == [4, 5, 3])
        #expect(plan.haloSizes == [2, 3, 1])
        // Reads of a later chunk: 0→2, 1→3 (chunk 0 reads chunk 1), 3→4 (chunk 1 reads chunk 2).
        #expect(plan.staleEntries == 3)
        #expect(plan.adjacencyEntries == 12)
        #expect(plan.staleFraction == 0.25)
        #expect(plan.edgeCut == 3)
    }

    /// P_c · H[columns_c] equals rows c of Â·H (the whole relabelled operator), for every chunk.
    @Test func compactOperatorsReproduceTheWholeOperatorRows() throws {
        let adjacency = try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: 60, numEdges: 240, seed: 4), options: .undirected)
        let clean = adjacency.hasSelfLoops ? adjacency.removingSelfLoops() : adjacency
        let plan = try ChunkPlan.metis(adjacency: clean, numChunks: 5, seed: 1, architecture: .gcnii)
        let h = Fixtures.randomMatrix(rows: 60, cols: 3, seed: 9)
        let whole = Fixtures.denseProduct(Fixtures.dense(try #require(plan.wholeOperator).matrix), Fixtures.nested(h))
        for c in 0..<plan.numChunks {
            let gathered = h.gatherRows(plan.columns[c].map { Int($0) })
            let local = Fixtures.denseProduct(Fixtures.dense(plan.chunkOperator(c).matrix), Fixtures.nested(gathered))
            let expected = Array(whole[plan.chunkOffsets[c]..<plan.chunkOffsets[c + 1]])
            #expect(Fixtures.approximatelyEqual(local, expected, tolerance: 1e-6), "chunk \(c)")
        }
        #expect(plan.chunkSizes.reduce(0, +) == 60)
    }

    /// Without the whole operator the plan has the same chunks and blocks; a chunk's operator
    /// carries the transpose of its block.
    @Test func planWithoutTheWholeOperator() throws {
        let adjacency = try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: 60, numEdges: 240, seed: 4), options: .undirected)
        let clean = adjacency.hasSelfLoops ? adjacency.removingSelfLoops() : adjacency
        let kept = try ChunkPlan.metis(adjacency: clean, numChunks: 5, seed: 1, architecture: .gcn)
        let lean = try ChunkPlan.metis(adjacency: clean, numChunks: 5, seed: 1, architecture: .gcn, keepsWholeOperator: false)
        #expect(kept.wholeOperator != nil)
        #expect(lean.wholeOperator == nil)
        #expect(lean.blocks == kept.blocks)
        #expect(lean.columns == kept.columns)
        for c in 0..<lean.numChunks {
            let op = lean.chunkOperator(c)
            #expect(op.matrix == lean.blocks[c])
            #expect(op.transpose == lean.blocks[c].transposed())
        }
        // One chunk keeps the whole operator regardless (it is chunk 0's operator).
        let single = try ChunkPlan.metis(adjacency: clean, numChunks: 1, seed: 1, architecture: .gcn, keepsWholeOperator: false)
        #expect(single.wholeOperator != nil)
        #expect(single.chunkOperator(0) === single.wholeOperator)
    }

    @Test func badAssignmentsAreErrors() throws {
        let edges = Fixtures.edgeList([(0, 1), (1, 2)], numNodes: 3)
        let adjacency = try GraphBuilder.build(edges, options: .undirected)
        #expect(throws: DistributedTrainingError.self) {
            try ChunkPlan(adjacency: adjacency, parts: [0, 0, 2], numChunks: 3, architecture: .gcn)  // chunk 1 empty
        }
        #expect(throws: DistributedTrainingError.self) {
            try ChunkPlan(adjacency: adjacency, parts: [0, 5, 1], numChunks: 3, architecture: .gcn)
        }
    }
}

@Suite struct StageLayoutTests {
    @Test func gcniiBlocksSplitEvenlyWithInputAndOutputLayers() throws {
        let model = try GNNModel(configuration: GNNConfiguration(architecture: .gcnii, inputDim: 10, hiddenDim: 8,
                                                                 numClasses: 3, layers: 10, dropout: 0.5))
        let layout = try StageLayout(model: model, stages: 4)
        #expect(layout.inputLayers == 0..<4)
        #expect(layout.blocks[0] == 4..<7)
        #expect(layout.outputLayers == 34..<36)
        #expect((0..<4).map { layout.graphLayers(ofStage: $0) } == [0..<2, 2..<5, 5..<7, 7..<10])
        #expect(layout.boundaryWidths == [8, 8, 8])
    }

    @Test func moreStagesThanGraphLayersIsAnError() throws {
        let model = try GNNModel(configuration: GNNConfiguration(architecture: .gcn, inputDim: 10, hiddenDim: 8,
                                                                 numClasses: 3, layers: 2, dropout: 0.5))
        let layout = try StageLayout(model: model, stages: 2)
        #expect(layout.blocks == [0..<3, 3..<5] && layout.boundaryWidths == [8])
        #expect(throws: DistributedTrainingError.self) { try StageLayout(model: model, stages: 3) }
    }
}

@Suite struct PipelineTrainerTests {
    /// One stage and one chunk is full-graph training: the same losses as the reference trainer,
    /// with dropout too (masks keyed by original node id).
    @Test(arguments: [(GNNArchitecture.gcn, 2), (.gcnii, 4), (.sage, 2)])
    func oneStageOneChunkMatchesSingleProcess(architecture: GNNArchitecture, layers: Int) throws {
        let (adjacency, task) = PipelineMPI.cora
        let configuration = PipelineMPI.configuration(architecture, layers: layers, dropout: 0.5)
        let options = TrainingOptions(epochs: 5)
        let reference = try NodeClassificationTrainer(
            model: GNNModel(configuration: configuration),
            graph: GNNModel.graphOperator(for: architecture, adjacency: adjacency, adjacencyIsSymmetric: true),
            task: task, options: options)
        let trainer = try PipelineTrainer(configuration: configuration, adjacency: adjacency, task: task, options: options,
                                          pipeline: PipelineOptions(chunks: 1), communicator: PipelineMPI.world)
        for _ in 1...5 {
            let expected = reference.runEpoch()  // advances the epoch that keys dropout masks
            let (loss, stats) = try trainer.trainStep()
            #expect(abs(loss - expected.loss) <= 1e-6 * abs(expected.loss))
            #expect(stats.bytesSent == 0)
            var s = stats
            let e = try trainer.evaluate(statistics: &s)
            #expect(abs(e.validationLoss - expected.evaluation.validationLoss) <= 1e-5)
            #expect(e.testAccuracy == expected.evaluation.testAccuracy)
        }
        #expect(trainer.analyticTrainingFloats == 0)
    }

    /// With chunks (GAS-style on one rank) training still lowers the loss; a checkpoint taken
    /// mid-run resumes to the same numbers as the uninterrupted run, with every option on
    /// (smoothed history, deferred gradients, warm-up with the whole operator, shuffled order)
    /// and with none (swapped history tables, evaluation through the chunk operators).
    @Test(arguments: [
        PipelineOptions(chunks: 4, staleGradients: .defer, warmupEpochs: 1, historyMomentum: 0.5, shuffleChunks: true, partitionSeed: 2),
        PipelineOptions(chunks: 4, partitionSeed: 2),
    ])
    func chunkedTrainingLearnsAndResumesExactly(pipeline: PipelineOptions) throws {
        let (adjacency, task) = PipelineMPI.cora
        let configuration = PipelineMPI.configuration(.gcnii, layers: 4, dropout: 0.5)
        let options = TrainingOptions(epochs: 6)
        func make() throws -> PipelineTrainer {
            try PipelineTrainer(configuration: configuration, adjacency: adjacency, task: task, options: options,
                                pipeline: pipeline, communicator: PipelineMPI.world)
        }
        let a = try make()
        var losses: [Double] = []
        for _ in 1...6 { losses.append(try a.trainStep().loss) }
        #expect(losses[5] < losses[0], "losses \(losses)")

        let b = try make()
        for _ in 1...3 { _ = try b.trainStep() }
        let saved = b.checkpoint()
        let c = try make()
        try c.restore(from: saved)
        #expect(c.epoch == 3)
        var resumed: [Double] = []
        for _ in 4...6 { resumed.append(try c.trainStep().loss) }
        #expect(resumed == Array(losses[3...5]))
        var statsA = RankEpochStatistics(rank: 0, epoch: 6), statsC = RankEpochStatistics(rank: 0, epoch: 6)
        #expect(try a.evaluate(statistics: &statsA) == c.evaluate(statistics: &statsC))
    }

    @Test func restoreRefusesAnotherSetup() throws {
        let (adjacency, task) = PipelineMPI.cora
        let configuration = PipelineMPI.configuration(.gcn, layers: 2, dropout: 0)
        let a = try PipelineTrainer(configuration: configuration, adjacency: adjacency, task: task, options: TrainingOptions(),
                                    pipeline: PipelineOptions(chunks: 2), communicator: PipelineMPI.world)
        let b = try PipelineTrainer(configuration: configuration, adjacency: adjacency, task: task, options: TrainingOptions(),
                                    pipeline: PipelineOptions(chunks: 3), communicator: PipelineMPI.world)
        let error = #expect(throws: DistributedTrainingError.self) { try b.restore(from: a.checkpoint()) }
        #expect(error?.description == "checkpoint: chunks was 2, this run uses 3")
        var other = configuration
        other.seed += 1
        other.hiddenDim += 1
        let c = try PipelineTrainer(configuration: other, adjacency: adjacency, task: task, options: TrainingOptions(),
                                    pipeline: PipelineOptions(chunks: 2), communicator: PipelineMPI.world)
        let modelError = #expect(throws: DistributedTrainingError.self) { try c.restore(from: a.checkpoint()) }
        #expect(modelError?.description == "checkpoint: the model differs: hiddenDim \(configuration.hiddenDim) in the checkpoint, \(other.hiddenDim) in this run; seed \(configuration.seed) in the checkpoint, \(other.seed) in this run")
    }
}
