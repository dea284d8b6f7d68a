import DistributedTraining
import Foundation
import GraphLearning
import Testing
import TestSupport

/// Cora as `gnnpipe train` prepares it: undirected adjacency, row-normalised features.
enum Cora {
    static let data: (adjacency: CSRGraph, task: NodeClassificationTask) = {
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

    static func configuration(_ architecture: GNNArchitecture, layers: Int, hidden: Int = 16, dropout: Float,
                              seed: UInt64 = 7) -> GNNConfiguration {
        GNNConfiguration(architecture: architecture, inputDim: data.task.features.cols, hiddenDim: hidden,
                         numClasses: data.task.numClasses, layers: layers, dropout: dropout, seed: seed)
    }
}

/// Without chunks the distributed trainer is full-graph training: one rank reproduces the
/// single-process trainer, stages and graph-parallel ranks reproduce it to rounding.
@Suite struct SingleProcessEquivalenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var architecture: GNNArchitecture
        var layers: Int
        var dropout: Float
        var grid: RankGrid
        var testDescription: String { "\(architecture.rawValue) L\(layers) dropout \(dropout) on \(grid.stages)×\(grid.groupSize)" }
    }

    @Test(arguments: [
        Case(architecture: .gcn, layers: 2, dropout: 0.5, grid: RankGrid(stages: 1, groupSize: 1)),
        Case(architecture: .gcnii, layers: 4, dropout: 0.5, grid: RankGrid(stages: 1, groupSize: 1)),
        Case(architecture: .sage, layers: 2, dropout: 0.5, grid: RankGrid(stages: 1, groupSize: 1)),
        Case(architecture: .gcn, layers: 2, dropout: 0.5, grid: RankGrid(stages: 2, groupSize: 1)),
        Case(architecture: .gcnii, layers: 4, dropout: 0.5, grid: RankGrid(stages: 4, groupSize: 1)),
        Case(architecture: .gcn, layers: 2, dropout: 0.5, grid: RankGrid(stages: 1, groupSize: 4)),
        Case(architecture: .sage, layers: 3, dropout: 0.5, grid: RankGrid(stages: 1, groupSize: 3)),
        Case(architecture: .gcnii, layers: 4, dropout: 0.5, grid: RankGrid(stages: 2, groupSize: 2)),
    ])
    func oneChunkIsSingleProcessTraining(_ c: Case) throws {
        let (adjacency, task) = Cora.data
        let configuration = Cora.configuration(c.architecture, layers: c.layers, dropout: c.dropout)
        let epochs = 5
        let reference = try NodeClassificationTrainer(
            model: GNNModel(configuration: configuration),
            graph: GNNModel.graphOperator(for: c.architecture, adjacency: adjacency, adjacencyIsSymmetric: true),
            task: task, options: TrainingOptions(epochs: epochs))
        let records = (0..<epochs).map { _ in reference.runEpoch() }
        let run = try InProcess.train(configuration, adjacency, task, grid: c.grid, pipeline: PipelineOptions(chunks: 1, partitionSeed: 1),
                                      decomposition: nil, epochs: epochs, evaluate: true)
        let expected = records.map(\.loss)
        if c.grid.ranks == 1 {
            #expect(InProcess.lossDifference(run.losses, expected) <= 1e-6, "\(run.losses) vs \(expected)")
            #expect(run.statistics.allSatisfy { $0.allSatisfy { $0.bytesSent == 0 && $0.collectiveBytes == 0 } })
        } else {
            #expect(InProcess.lossDifference(run.losses, expected) <= 1e-5, "\(run.losses) vs \(expected)")
        }
        for (e, r) in zip(run.evaluations, records.map(\.evaluation)) {
            #expect(abs(e.validationLoss - r.validationLoss) <= 1e-5 * abs(r.validationLoss))
            #expect(abs(e.trainAccuracy - r.trainAccuracy) <= 1.0 / Double(task.train.count))
            #expect(abs(e.testAccuracy - r.testAccuracy) <= 2.0 / Double(task.test.count))
        }
    }
}
