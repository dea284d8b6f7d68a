import ClassificationMetrics
import DenseMath
import Foundation
import GraphIO
import HeterogeneousLearning
import NeuralNet
import RealModule
import Testing

@Suite("RpHGNN classifier and training")
struct ClassifierTests {
    static func labels(_ perNode: [[Int32]], classes: Int) -> NodeLabels {
        try! NodeLabels(perNode: perNode, classNames: (0..<classes).map(String.init))
    }

    /// Single-label: 4 nodes, 3 classes; predictions (arg-max) 0, 1, 1, 2 against truth 0, 1, 2, 2.
    /// Class 0: TP 1; class 1: TP 1, FP 1; class 2: TP 1, FN 1.
    /// Micro-F1 = 2·3/(2·3 + 1 + 1) = 0.75 (= accuracy 3/4);
    /// Macro-F1 = (1 + 2/3 + 2/3)/3 = 0.7777….
    @Test func singleLabelF1ByHand() {
        let logits = Matrix(rows: 4, cols: 3, values: [2, 0, 0, 0, 1, 0, 0, 3, 1, 0, 0, 5])
        let scores = ClassificationScores.score(logits: logits, labels: Self.labels([[0], [1], [2], [2]], classes: 3),
                                    nodes: [0, 1, 2, 3], multiLabel: false)
        #expect(scores.microF1.isApproximatelyEqual(to: 0.75))
        #expect(scores.macroF1.isApproximatelyEqual(to: 7.0 / 9))
    }

    /// Multi-label: predicted = logit > 0. Node 0 true {0, 1}, predicted {0}; node 1 true {2},
    /// predicted {1, 2}. Class 0: TP 1; class 1: FP 1, FN 1; class 2: TP 1.
    /// Micro-F1 = 2·2/(2·2 + 1 + 1) = 2/3; Macro-F1 = (1 + 0 + 1)/3 = 2/3.
    @Test func multiLabelF1ByHand() {
        let logits = Matrix(rows: 2, cols: 3, values: [1, -1, -2, -1, 0.5, 2])
        let scores = ClassificationScores.score(logits: logits, labels: Self.labels([[0, 1], [2]], classes: 3),
                                    nodes: [0, 1], multiLabel: true)
        #expect(scores.microF1.isApproximatelyEqual(to: 2.0 / 3))
        #expect(scores.macroF1.isApproximatelyEqual(to: 2.0 / 3))
    }

    /// Multi-label Macro-F1 averages over every class, as HGB's `f1_score` on indicator
    /// matrices: node 0 true {0}, predicted {0}; classes 1 and 2 occur nowhere and score 0.
    @Test func multiLabelMacroCountsEveryClass() {
        let logits = Matrix(rows: 1, cols: 3, values: [1, -1, -1])
        let scores = ClassificationScores.score(logits: logits, labels: Self.labels([[0]], classes: 3), nodes: [0], multiLabel: true)
        #expect(scores.microF1 == 1 && scores.macroF1.isApproximatelyEqual(to: 1.0 / 3))
    }

    @Test func stratifiedValidationSplit() throws {
        // 907 labelled nodes as in ACM's label.dat, classes of sizes 300, 307, 300; one unlabelled node.
        var perNode: [[Int32]] = (0..<907).map { [Int32($0 < 300 ? 0 : $0 < 607 ? 1 : 2)] }
        perNode.append([])
        let labels = Self.labels(perNode, classes: 3)
        let split = try ValidationSplit.make(labels: labels, fraction: 0.2, seed: 1)
        #expect(split.validation.count == 182 && split.train.count == 725)
        #expect(Set(split.train).isDisjoint(with: split.validation))
        #expect(Set(split.train + split.validation) == Set(0..<907))
        let perClass = (0..<3).map { c in split.validation.filter { perNode[$0] == [Int32(c)] }.count }
        #expect(perClass == [60, 62, 60])  // 61.4 rounds up for the class with the largest remainder
        #expect(try ValidationSplit.make(labels: labels, fraction: 0.2, seed: 1) == split)
        #expect(try ValidationSplit.make(labels: labels, fraction: 0.2, seed: 2) != split)
        #expect(throws: HeterogeneousLearningError.invalidInput("validation fraction must be in (0, 1), got 1.0")) {
            try ValidationSplit.make(labels: labels, fraction: 1, seed: 1)
        }
    }

    /// GroupInput without dropout is NeuralNet's HopConvolution on the gathered rows.
    @Test func groupInputMatchesHopConvolution() {
        let (rows, hops, dim) = (40, 3, 20)
        let group = Matrix(rows: rows, cols: hops * dim, values: (0..<(rows * hops * dim)).map { Float(($0 * 7919) % 101) / 50 - 1 })
        var rng = SplitMix64(seed: 1)
        let input = GroupInput(inHops: hops, outHops: 2, dim: dim, dropout: 0, seed: 3, rng: &rng)
        input.bias.value = Matrix(rows: 1, cols: 2, values: [0.3, -0.2])
        var rng2 = SplitMix64(seed: 2)
        let reference = HopConvolution(inHops: hops, outHops: 2, dim: dim, rng: &rng2)
        reference.weight.value = input.weight.value
        reference.bias!.value = input.bias.value
        let nodes = [5, 0, 39, 12, 12, 7]
        let context = LayerContext(isTraining: true, threads: 2)
        let y = input.forward(group, nodes: nodes, context: context)
        let x = group.gatherRows(nodes)
        let yRef = reference.forward(x, context: context)
        #expect(y.rows == yRef.rows && y.cols == yRef.cols)
        for (a, b) in zip(y.values, yRef.values) { #expect(a.isApproximatelyEqual(to: b, absoluteTolerance: 1e-5)) }
        let dy = Matrix(rows: nodes.count, cols: 2 * dim, values: (0..<(nodes.count * 2 * dim)).map { Float($0 % 13) / 6 - 1 })
        input.backward(dy, group: group, context: context)
        _ = reference.backward(dy, context: context, needsInputGradient: false)
        for (a, b) in zip(input.weight.gradient.values + input.bias.gradient.values,
                          reference.weight.gradient.values + reference.bias!.gradient.values) {
            #expect(a.isApproximatelyEqual(to: b, absoluteTolerance: 1e-4, relativeTolerance: 1e-4))
        }
    }

    /// With dropout: the weight gradient matches central finite differences of
    /// L = Σ ∂out ⊙ out at a fixed step (fixed mask), and the mask of a node does not depend on
    /// the batch it is in.
    @Test func groupInputDropoutGradientAndMasks() {
        let (rows, hops, dim) = (12, 3, 10)
        let group = Matrix(rows: rows, cols: hops * dim, values: (0..<(rows * hops * dim)).map { Float(($0 * 31) % 17) / 8 - 1 })
        var rng = SplitMix64(seed: 4)
        let input = GroupInput(inHops: hops, outHops: 2, dim: dim, dropout: 0.5, seed: 8, rng: &rng)
        let context = LayerContext(isTraining: true, step: 3, threads: 1)
        let nodes = [3, 1, 4, 1, 5, 9, 2, 6]
        let dy = Matrix(rows: nodes.count, cols: 2 * dim, values: (0..<(nodes.count * 2 * dim)).map { Float($0 % 7) / 3 - 1 })
        func objective() -> Double {
            let y = input.forward(group, nodes: nodes, context: LayerContext(isTraining: true, step: 3, threads: 1))
            return zip(y.values, dy.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = input.forward(group, nodes: nodes, context: context)
        input.backward(dy, group: group, context: context)
        let analytic = input.weight.gradient.values
        for k in 0..<(hops * 2) {
            let saved = input.weight.value.values[k]
            input.weight.value.values[k] = saved + 1e-2
            let up = objective()
            input.weight.value.values[k] = saved - 1e-2
            let down = objective()
            input.weight.value.values[k] = saved
            input.releaseCaches()
            #expect(Float((up - down) / 2e-2).isApproximatelyEqual(to: analytic[k], absoluteTolerance: 1e-2, relativeTolerance: 1e-3))
        }
        // Node 1 appears twice in the batch and alone: same output rows at the same step.
        let y = input.forward(group, nodes: nodes, context: context)
        let alone = input.forward(group, nodes: [1], context: context)
        let width = 2 * dim
        #expect(Array(y.values[width..<(2 * width)]) == alone.values)
        #expect(Array(y.values[(3 * width)..<(4 * width)]) == alone.values)
        // Evaluation mode applies no mask.
        let evaluation = input.forward(group, nodes: [1], context: LayerContext(isTraining: false))
        #expect(evaluation.values != alone.values)
    }

    /// Training on the toy dataset, whose classes only the graph carries: the classifier must
    /// learn them, single- and multi-label.
    @Test(arguments: [false, true])
    func trainsOnToyDataset(multiLabel: Bool) throws {
        let data = try HGBDataset.load(ToyHGB.folder(ToyHGB.files(multiLabel: multiLabel)))
        #expect(data.isMultiLabel == multiLabel)
        let features = try RpHGNNPrecomputation.compute(
            graph: data.graph, features: data.features, targetType: data.targetType,
            options: PrecomputationOptions(iterations: 2, randomFeatureDim: 8, includeInput: true, seed: 1), threads: 2)
        #expect(features.groups.map(\.name) == ["paper-author.odd", "paper-author.even", "paper-term.odd", "paper-term.even"])
        let split = try ValidationSplit.make(labels: data.trainLabels, fraction: 0.2, seed: 1)
        let model = try RpHGNNClassifier(
            groupShapes: features.groups.map { ($0.hops, $0.dim) },
            configuration: ClassifierConfiguration(hiddenDim: 16, numClasses: 3, inputDropout: 0.1, dropout: 0.1,
                                                   merge: .concat, seed: 1))
        let trainer = try RpHGNNTrainer(model: model, features: features, labels: data.trainLabels, multiLabel: data.isMultiLabel,
                                        split: split,
                                        options: TrainingOptions(epochs: 60, patience: 100, validationFrequency: 1, batchSize: 16,
                                                                 learningRate: 0.01, earlyStopping: .meanF1, seed: 1, threads: 2))
        var records: [EpochRecord] = []
        let summary = trainer.train(tests: RpHGNNPipeline.testSets(of: data)) { records.append($0) }
        #expect(records.count == 60 && summary.epochsRun == 60 && !summary.stoppedEarly)
        #expect(records.first!.loss > records.last!.loss)
        #expect(summary.tests.map(\.name) == ["label.dat.test", "label.dat.test_full"])
        // Multi-label: the second class of every fifth paper is noise the graph does not carry.
        let bar = multiLabel ? 0.8 : 0.9
        #expect(summary.validation.microF1 >= bar)
        #expect(summary.tests[1].scores.microF1 >= bar)
        // The best epoch's parameters are the ones scored: re-scoring gives the same numbers.
        let nodes = data.testFullLabels!.labelledNodes
        let again = ClassificationScores.score(logits: trainer.evaluate(nodes).logits, labels: data.testFullLabels!, nodes: nodes,
                                   multiLabel: multiLabel)
        #expect(again == summary.tests[1].scores)
    }

    /// Early stopping: each validation without improvement adds the validation frequency to a
    /// counter, and training stops once it exceeds the patience.
    @Test func earlyStoppingCountsEpochs() throws {
        let data = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        let features = try RpHGNNPrecomputation.compute(
            graph: data.graph, features: data.features, targetType: data.targetType,
            options: PrecomputationOptions(iterations: 1, randomFeatureDim: 4, includeInput: false, seed: 1), threads: 1)
        let split = try ValidationSplit.make(labels: data.trainLabels, fraction: 0.2, seed: 1)
        let model = try RpHGNNClassifier(groupShapes: features.groups.map { ($0.hops, $0.dim) },
                                         configuration: ClassifierConfiguration(hiddenDim: 8, numClasses: 3, inputDropout: 0,
                                                                                dropout: 0, merge: .mean, seed: 2))
        // A learning rate this small cannot move the validation loss much: stop soon after the first validations.
        let trainer = try RpHGNNTrainer(model: model, features: features, labels: data.trainLabels, split: split,
                                        options: TrainingOptions(epochs: 500, patience: 4, validationFrequency: 2, batchSize: 1000,
                                                                 learningRate: 1e-9, earlyStopping: .meanF1, seed: 1, threads: 1))
        var validated: [Int] = []
        let summary = trainer.train(tests: []) { if $0.validation != nil { validated.append($0.epoch) } }
        #expect(summary.stoppedEarly)
        #expect(validated.allSatisfy { $0 % 2 == 0 })
        // Best at epoch 2 (first validation, F1 unchanged afterwards), then 2 + 2 + 2 > 4 after epoch 8.
        #expect(summary.bestEpoch == 2)
        #expect(summary.epochsRun == 8)
    }

    @Test func classifierRejectsBadConfigurations() {
        #expect(throws: HeterogeneousLearningError.invalidInput("the classifier needs at least one feature group")) {
            try RpHGNNClassifier(groupShapes: [], configuration: ClassifierConfiguration(
                hiddenDim: 8, numClasses: 2, inputDropout: 0, dropout: 0, merge: .concat, seed: 1))
        }
        #expect(throws: HeterogeneousLearningError.invalidInput("input dropout must be in [0, 1), got 1.0")) {
            try RpHGNNClassifier(groupShapes: [(2, 3)], configuration: ClassifierConfiguration(
                hiddenDim: 8, numClasses: 2, inputDropout: 1, dropout: 0, merge: .concat, seed: 1))
        }
    }

    /// Parameter count of the ACM layout (groups 6×1902 ×3, 6×256, 7×1902 ×4; hidden 64, mean
    /// merge, 3 classes), worked out per group: hop conv S·2 + 2, Linear 2d·64 + 64, PReLU 1,
    /// Linear 64·64 + 64, PReLU 1; head Linear 64·64 + 64, PReLU 1, Linear 64·3 + 3.
    @Test func acmParameterCount() throws {
        let shapes: [(hops: Int, dim: Int)] = [(6, 1902), (7, 1902), (6, 1902), (7, 1902), (6, 1902), (7, 1902), (6, 256), (7, 1902)]
        let model = try RpHGNNClassifier(groupShapes: shapes, configuration: RpHGNNSettings.acm.classifierConfiguration(numClasses: 3, seed: 1))
        var expected = 0
        for s in shapes { expected += (s.hops * 2 + 2) + (2 * s.dim * 64 + 64) + 1 + (64 * 64 + 64) + 1 }
        expected += (64 * 64 + 64) + 1 + (64 * 3 + 3)
        #expect(model.parameterCount == expected)
        #expect(abs(expected - 1_780_000) < 10_000)  // the notes' "ACM ≈ 1.78 M" for the reference model
    }
}
