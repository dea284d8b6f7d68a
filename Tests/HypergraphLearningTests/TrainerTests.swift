import DenseMath
import Foundation
import GraphCore
import NeuralNet
import Testing
import TestSupport
@testable import HypergraphLearning

@Suite("Splits, scores and training")
struct TrainerTests {
    @Test func perClassSplitSizesAndDeterminism() throws {
        let labels = (0..<300).map { Int32($0 % 3) } + [-1, -1]
        let split = try VertexSplit.perClass(labels: labels, numClasses: 3, trainPerClass: 20, validationPerClass: 30, seed: 4)
        #expect(split.train.count == 60 && split.validation.count == 90 && split.test.count == 150)
        for c in 0..<3 { #expect(split.train.filter { labels[$0] == c }.count == 20) }
        #expect(Set(split.train + split.validation + split.test).count == 300)
        #expect(!split.test.contains(300) && !split.test.contains(301))
        #expect(try VertexSplit.perClass(labels: labels, numClasses: 3, trainPerClass: 20, validationPerClass: 30, seed: 4) == split)
        #expect(try VertexSplit.perClass(labels: labels, numClasses: 3, trainPerClass: 20, validationPerClass: 30, seed: 5) != split)
        #expect(throws: HypergraphLearningError.self) {
            try VertexSplit.perClass(labels: labels, numClasses: 3, trainPerClass: 20, validationPerClass: 80, seed: 0)
        }
    }

    @Test func productionSplitHoldsOutTheInductiveFraction() throws {
        let labels = (0..<300).map { Int32($0 % 3) }
        let split = try VertexSplit.perClass(labels: labels, numClasses: 3, trainPerClass: 10, validationPerClass: 10, seed: 1)
        let prod = ProductionSplit(split, inductiveFraction: 0.9, seed: 1)
        #expect(prod.inductiveTest.count == 216 && prod.observedTest.count == 24)
        #expect(Set(prod.inductiveTest).isDisjoint(with: prod.observed))
        #expect(prod.observed.count == 30 + 30 + 24)
        #expect(Array(prod.observed[prod.observedIndices.train]) == split.train)
    }

    @Test(arguments: [StudentKind.light, .lightPlus])
    func sameSeedGivesIdenticalResults(kind: StudentKind) throws {
        let data = try Synthetic.hypergraphDataset()
        let trainer = LightHGNNTrainer(configuration: Synthetic.smallConfiguration(epochs: 15))
        let a = try trainer.run(data, seed: 3, student: kind)
        let b = try trainer.run(data, seed: 3, student: kind)
        #expect(a.studentLogits == b.studentLogits)
        #expect(a.teacher.scores == b.teacher.scores && a.mlp.scores == b.mlp.scores)
        #expect(a.teacher.bestEpoch == b.teacher.bestEpoch)
        let c = try trainer.run(data, seed: 4, student: kind)
        #expect(c.studentLogits != a.studentLogits)
        #expect(c.split != a.split)
    }

    /// On a hypergraph whose hyperedges are mostly one class and whose features are weak, the
    /// teacher beats the plain MLP, and the distilled student (features only) gains over the MLP.
    @Test func distillationTransfersHypergraphKnowledge() throws {
        let data = try Synthetic.hypergraphDataset()
        var cfg = Synthetic.smallConfiguration(epochs: 100)
        cfg.threads = 2
        let trainer = LightHGNNTrainer(configuration: cfg)
        var teacher = 0.0, mlp = 0.0, student = 0.0
        for seed: UInt64 in 0..<3 {
            let r = try trainer.run(data, seed: seed, student: .lightPlus)
            teacher += r.teacher.scores["test"]!.accuracy
            mlp += r.mlp.scores["test"]!.accuracy
            student += r.student.scores["test"]!.accuracy
            #expect(r.meanReliability != nil)
        }
        #expect(teacher > mlp + 0.05)
        #expect(student > mlp + 0.05)
    }

    @Test func productionSettingReportsThreeSets() throws {
        let data = try Synthetic.hypergraphDataset()
        var cfg = Synthetic.smallConfiguration(epochs: 5)
        cfg.inductiveFraction = 0.5
        let r = try LightHGNNTrainer(configuration: cfg).run(data, seed: 0, student: .lightPlus, setting: .production)
        for model in [r.teacher, r.mlp, r.student] {
            #expect(Set(model.scores.keys) == ["trans", "ind", "prod"])
        }
        #expect(r.studentLogits.rows == data.numVertices)
    }

    @Test func invalidConfigurationIsRejected() throws {
        let data = try Synthetic.hypergraphDataset()
        var cfg = Synthetic.smallConfiguration()
        cfg.lambda = 2
        #expect(throws: HypergraphLearningError.invalidParameter("lambda must be in [0, 1]")) {
            try LightHGNNTrainer(configuration: cfg).run(data, seed: 0, student: .light)
        }
        #expect(throws: HypergraphLearningError.self) {
            try HypergraphDataset(hypergraph: data.hypergraph, features: Matrix(rows: 3, cols: 2), labels: data.labels, numClasses: 3)
        }
    }

    /// NaN or infinite features are refused before training (issue 15: `lighthgnn train` trained
    /// at chance on them), as FastRP and node classification refuse them.
    @Test func nonFiniteFeaturesAreRefused() throws {
        let data = try Synthetic.hypergraphDataset()
        var x = Matrix(rows: data.numVertices, cols: 3)
        x[4, 1] = .nan
        x[9, 0] = -.infinity
        #expect(throws: HypergraphLearningError.nonFiniteValues("the features hold 2 NaN or infinite values (the first in row 4)")) {
            try HypergraphDataset(hypergraph: data.hypergraph, features: x, labels: data.labels, numClasses: data.numClasses)
        }
    }

    /// The student's fused inference path gives the bits of the layer-by-layer evaluation forward,
    /// for dense and CSR features, on and off the row-parallel path.
    @Test(arguments: [(density: 1.0, threads: 1), (density: 1.0, threads: 2), (density: 0.05, threads: 2)])
    func studentPredictMatchesTheLayerForward(density: Double, threads: Int) {
        var rng = SplitMix64(seed: 17)
        var x = Matrix(rows: 600, cols: 64)  // hidden rows 600 × 128: above the parallel threshold
        for i in x.values.indices where rng.nextUnitDouble() < density { x.values[i] = rng.nextGaussian() }
        let features = NodeFeatures(x, sparseThreshold: density < 1 ? 0.5 : 0)
        #expect((features.sparse != nil) == (density < 1))
        let student = MLPStudent(inputDim: 64, numClasses: 5, seed: 3)
        _ = student.forward(features, context: LayerContext(isTraining: true, threads: threads))  // moves the running statistics
        let expected = student.forward(features, context: LayerContext(isTraining: false, threads: threads))
        #expect(student.predict(features, threads: threads) == expected)
        #expect(student.predict(features, threads: 1) == expected)
    }

    /// A saved and reloaded student gives bit-identical logits to the training-time ones.
    @Test func savedStudentReproducesTrainingTimePredictions() throws {
        let data = try Synthetic.hypergraphDataset()
        let r = try LightHGNNTrainer(configuration: Synthetic.smallConfiguration(epochs: 10)).run(data, seed: 1, student: .light)
        let folder = TemporaryFiles.folder().appendingPathComponent("model").path
        try StudentModelFolder.save(r.studentModel, to: folder, l1Normalize: true, classNames: ["a", "b", "c"])
        let loaded = try StudentModelFolder.load(from: folder)
        #expect(loaded.l1Normalize && loaded.classNames == ["a", "b", "c"])
        #expect(loaded.student.predict(data.features) == r.studentLogits)
        #expect(throws: HypergraphLearningError.self) { try StudentModelFolder.load(from: folder + "-missing") }
    }
}
