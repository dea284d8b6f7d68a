import DenseMath
import Foundation
import GNNModels
import GraphCore
import NeuralNet
import Testing
import TestSupport

/// A planted two-community graph: 60 nodes, dense inside each half, sparse across; features are
/// noisy class indicators. Train/val/test: 20/20/20.
enum PlantedTask {
    static func make(seed: UInt64 = 1) -> (GraphOperator, CSRGraph, NodeClassificationTask) {
        var rng = SplitMix64(seed: seed)
        let n = 60
        var s: [Int32] = [], t: [Int32] = []
        for u in 0..<n {
            for v in (u + 1)..<n {
                let same = (u < 30) == (v < 30)
                if rng.nextUnitFloat() < (same ? 0.2 : 0.02) { s.append(Int32(u)); t.append(Int32(v)) }
            }
        }
        let adjacency = try! GraphBuilder.build(try! EdgeList(sources: s, targets: t, numNodes: n))
        let labels = (0..<n).map { Int32($0 < 30 ? 0 : 1) }
        var x = Matrix(rows: n, cols: 8)
        for u in 0..<n {
            for j in 0..<8 { x[u, j] = rng.nextUnitFloat() }
            x[u, Int(labels[u])] += 0.6
        }
        let order = (0..<n).map { ($0 * 37) % n }  // a fixed shuffle (37 is coprime to 60)
        let task = try! NodeClassificationTask(features: x, labels: labels, numClasses: 2, train: Array(order[0..<20]),
                                               validation: Array(order[20..<40]), test: Array(order[40..<60]))
        return (GraphOperator.gcn(adjacency: adjacency), adjacency, task)
    }
}

@Suite("Node-classification training")
struct TrainerTests {
    func trainer(_ architecture: GNNArchitecture, seed: UInt64 = 3, epochs: Int = 40, layers: Int = 2) throws -> NodeClassificationTrainer {
        let (gcn, adjacency, task) = PlantedTask.make()
        let graph = architecture == .sage ? GNNModel.graphOperator(for: .sage, adjacency: adjacency) : gcn
        let model = try GNNModel(configuration: GNNConfiguration(
            architecture: architecture, inputDim: 8, hiddenDim: 8, numClasses: 2, layers: layers, dropout: 0.3, seed: seed))
        return try NodeClassificationTrainer(model: model, graph: graph, task: task,
                                             options: TrainingOptions(epochs: epochs, learningRate: 0.05, threads: 2))
    }

    @Test(arguments: [(GNNArchitecture.gcn, 2), (.sage, 2), (.gcnii, 4)])
    func learnsThePlantedCommunities(architecture: GNNArchitecture, layers: Int) throws {
        let t = try trainer(architecture, layers: layers)
        var losses: [Double] = []
        let summary = t.train { losses.append($0.loss) }
        #expect(summary.lastEpoch == 40 && summary.epochsRun == 40)
        #expect(losses.last! < losses.first!)
        #expect(summary.best.testAccuracy >= 0.9, "test accuracy \(summary.best.testAccuracy)")
    }

    @Test(arguments: GNNArchitecture.allCases)
    func sameSeedGivesIdenticalRuns(architecture: GNNArchitecture) throws {
        let a = try trainer(architecture, epochs: 5, layers: 3), b = try trainer(architecture, epochs: 5, layers: 3)
        var ra: [EpochRecord] = [], rb: [EpochRecord] = []
        _ = a.train { ra.append($0) }
        _ = b.train { rb.append($0) }
        #expect(ra.map(\.loss) == rb.map(\.loss))
        #expect(ra.map(\.evaluation) == rb.map(\.evaluation))
        let c = try trainer(architecture, seed: 4, epochs: 5, layers: 3)
        var rc: [Double] = []
        _ = c.train { rc.append($0.loss) }
        #expect(rc != ra.map(\.loss))
    }

    @Test(arguments: GNNArchitecture.allCases)
    func resumeFromCheckpointContinuesExactly(architecture: GNNArchitecture) throws {
        let full = try trainer(architecture, epochs: 8, layers: 3)
        var uninterrupted: [EpochRecord] = []
        let fullSummary = full.train { uninterrupted.append($0) }

        let first = try trainer(architecture, epochs: 4, layers: 3)
        _ = first.train()
        let path = try CommandRunner.temporaryDirectory().appendingPathComponent("last.ckpt").path
        try first.checkpoint().write(to: path)

        let second = try trainer(architecture, epochs: 8, layers: 3)
        try second.restore(from: Checkpoint.read(from: path))
        #expect(second.epoch == 4)
        var resumed: [EpochRecord] = []
        let summary = second.train { resumed.append($0) }
        #expect(resumed.map(\.epoch) == [5, 6, 7, 8])
        #expect(resumed.map(\.loss) == uninterrupted[4...].map(\.loss))
        #expect(resumed.map(\.evaluation) == uninterrupted[4...].map(\.evaluation))
        #expect(summary.bestEpoch == fullSummary.bestEpoch && summary.best == fullSummary.best)
        #expect(second.model.network.stateTensors().map(\.value) == full.model.network.stateTensors().map(\.value))
    }

    @Test func restoreRejectsAnotherConfiguration() throws {
        let a = try trainer(.gcn, epochs: 2)
        _ = a.train()
        let b = try trainer(.gcn, epochs: 2, layers: 3)
        #expect(throws: GNNModelsError.self) { try b.restore(from: a.checkpoint()) }
        let c = try trainer(.sage, epochs: 2)
        #expect(throws: GNNModelsError.self) { try c.restore(from: a.checkpoint()) }
    }

    @Test func patienceStopsEarly() throws {
        let (graph, _, task) = PlantedTask.make()
        let model = try GNNModel(configuration: GNNConfiguration(architecture: .gcn, inputDim: 8, hiddenDim: 8, numClasses: 2,
                                                                 layers: 2, dropout: 0, seed: 1))
        // A tiny learning rate barely moves validation loss after it peaks: selection by accuracy stalls.
        let t = try NodeClassificationTrainer(model: model, graph: graph, task: task,
                                              options: TrainingOptions(epochs: 500, patience: 5, learningRate: 1e-6))
        let summary = t.train()
        #expect(summary.stoppedEarly)
        #expect(summary.lastEpoch == summary.bestEpoch + 5)
    }

    @Test func invalidTasksAreRejected() throws {
        let x = Matrix(rows: 3, cols: 2)
        #expect(throws: GNNModelsError.invalidTask("train node 1 has no label")) {
            try NodeClassificationTask(features: x, labels: [0, -1, 1], numClasses: 2, train: [0, 1], validation: [], test: [])
        }
        #expect(throws: GNNModelsError.invalidTask("test node 7 is outside 0..<3")) {
            try NodeClassificationTask(features: x, labels: [0, 1, 1], numClasses: 2, train: [0], validation: [], test: [7])
        }
        #expect(throws: GNNModelsError.invalidTask("the training set is empty")) {
            try NodeClassificationTask(features: x, labels: [0, 1, 1], numClasses: 2, train: [], validation: [], test: [])
        }
        #expect(throws: GNNModelsError.invalidConfiguration("dropout must be in [0, 1), got 1.0")) {
            try GNNModel(configuration: GNNConfiguration(architecture: .gcn, inputDim: 2, hiddenDim: 2, numClasses: 2, layers: 2, dropout: 1))
        }
        let (graph, _, task) = PlantedTask.make()
        let wrongWidth = try GNNModel(configuration: GNNConfiguration(architecture: .gcn, inputDim: 5, hiddenDim: 4, numClasses: 2, layers: 2, dropout: 0))
        #expect(throws: GNNModelsError.invalidTask("features have 8 columns, the model expects 5")) {
            try NodeClassificationTrainer(model: wrongWidth, graph: graph, task: task, options: TrainingOptions())
        }
    }

    @Test func modelLayoutsAndWeightDecayGroups() throws {
        let gcnii = try GNNModel(configuration: GNNConfiguration(architecture: .gcnii, inputDim: 5, hiddenDim: 4, numClasses: 3,
                                                                  layers: 3, dropout: 0.5, weightDecay: 5e-4, convolutionWeightDecay: 0.01))
        #expect(gcnii.network.layers.map(\.kind) == ["dropout", "linear", "relu", "h0", "dropout", "gcnii", "relu", "dropout", "gcnii",
                                                     "relu", "dropout", "gcnii", "relu", "dropout", "linear"])
        let decays = Dictionary(uniqueKeysWithValues: gcnii.parameters.map { ($0.name, $0.weightDecay) })
        #expect(decays["1.linear.weight"] == 5e-4 && decays["5.gcnii.weight"] == 0.01 && decays["14.linear.bias"] == 5e-4)
        let gcn = try GNNModel(configuration: GNNConfiguration(architecture: .gcn, inputDim: 5, hiddenDim: 4, numClasses: 3, layers: 2, dropout: 0.5))
        #expect(gcn.network.layers.map(\.kind) == ["dropout", "gcn", "relu", "dropout", "gcn"])
        #expect(gcn.parameters.map(\.weightDecay) == [5e-4, 5e-4, 0, 0])  // L2 on the first layer only (Kipf & Welling)
        #expect(gcn.parameterCount == 5 * 4 + 4 + 4 * 3 + 3)
    }

    @Test func rowNormalisationDividesByRowSums() {
        let x = Matrix(rows: 3, cols: 2, values: [1, 3, 0, 0, 2, 2])
        #expect(FeaturePreprocessing.rowNormalized(x).values == [0.25, 0.75, 0, 0, 0.5, 0.5])
    }
}
