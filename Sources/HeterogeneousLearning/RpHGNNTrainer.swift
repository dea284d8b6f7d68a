import ClassificationMetrics
import DenseMath
import Foundation
import GraphIO
import NeuralNet

/// What early stopping watches on the validation nodes.
public enum EarlyStoppingMetric: String, Sendable, Codable, CaseIterable {
    /// The mean of validation Micro-F1 and Macro-F1 (higher is better).
    case meanF1 = "mean-f1"
    /// The validation loss (lower is better).
    case loss
}

/// Training settings of ``RpHGNNTrainer`` (reference `torch_train_model.py` and
/// `EarlyStoppingCallback`).
public struct TrainingOptions: Sendable, Equatable, Codable {
    /// Largest number of epochs.
    public var epochs: Int
    /// Stop once the epochs counted without improvement exceed this (each non-improving
    /// validation adds ``validationFrequency``).
    public var patience: Int
    /// Validate every this many epochs.
    public var validationFrequency: Int
    /// Mini-batch size (training nodes per Adam step).
    public var batchSize: Int
    /// Adam learning rate.
    public var learningRate: Float
    /// What decides the best epoch.
    public var earlyStopping: EarlyStoppingMetric
    /// Seed of the batch order.
    public var seed: UInt64
    /// Worker threads for the layers' kernels.
    public var threads: Int

    public init(epochs: Int, patience: Int, validationFrequency: Int, batchSize: Int, learningRate: Float,
                earlyStopping: EarlyStoppingMetric, seed: UInt64, threads: Int = Parallel.defaultThreadCount) {
        self.epochs = epochs
        self.patience = patience
        self.validationFrequency = validationFrequency
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.earlyStopping = earlyStopping
        self.seed = seed
        self.threads = threads
    }
}

/// One epoch's numbers, passed to the progress callback.
public struct EpochRecord: Sendable {
    /// 1-based epoch.
    public let epoch: Int
    /// Mean training loss over the epoch's mini-batches.
    public let loss: Double
    /// Validation loss and scores, when this epoch validated.
    public let validationLoss: Double?
    public let validation: ClassificationScores?
    /// Whether this epoch became the best so far.
    public let isBest: Bool
    /// Seconds of the training step (gather + forward + backward + Adam) over the epoch.
    public let trainSeconds: Double
}

/// The result of training: the best-validation epoch and the test scores of its parameters.
public struct TrainingSummary: Sendable {
    public let bestEpoch: Int
    public let epochsRun: Int
    public let stoppedEarly: Bool
    public let validationLoss: Double
    public let validation: ClassificationScores
    /// Scores of the best epoch's parameters on each named test set, in the order given.
    public let tests: [(name: String, scores: ClassificationScores)]
    /// Mean seconds of one epoch's training step.
    public let meanEpochSeconds: Double
}

/// Trains an ``RpHGNNClassifier`` on pre-computed groups: Adam, shuffled mini-batches, early
/// stopping on the validation nodes, test scores of the best-validation parameters (the
/// reference reports the test metric at the best-validation epoch; evaluating the saved best
/// parameters at the end gives the same numbers).
///
/// Loss: softmax cross-entropy (single-label) or sigmoid binary cross-entropy (multi-label),
/// mean over the batch.
public final class RpHGNNTrainer {
    public let model: RpHGNNClassifier
    public let features: PrecomputedFeatures
    public let labels: NodeLabels
    public let multiLabel: Bool
    public let split: ValidationSplit
    public let options: TrainingOptions
    private let optimizer: Adam
    /// Evaluation-mode context, kept so its buffer pool is reused.
    private let evaluationContext: LayerContext

    /// - Throws: ``HeterogeneousLearningError/invalidInput(_:)`` when the groups do not fit the
    ///   model, labels do not cover the nodes, the split is empty, or an option is out of range.
    /// - Parameters:
    ///   - model: the classifier to train (its group shapes must match `features`).
    ///   - features: the pre-computed groups of the target nodes.
    ///   - labels: training labels (`label.dat`) over the target nodes; `split` divides its
    ///     labelled nodes.
    ///   - multiLabel: sigmoid BCE and per-class thresholds instead of softmax; default: whether
    ///     some node in `labels` has several classes.
    ///   - split: the training and validation nodes.
    ///   - options: epochs, patience, batch size, learning rate, seed, threads.
    public init(model: RpHGNNClassifier, features: PrecomputedFeatures, labels: NodeLabels, multiLabel: Bool? = nil,
                split: ValidationSplit, options: TrainingOptions) throws(HeterogeneousLearningError) {
        guard features.groups.count == model.groupShapes.count,
              zip(features.groups, model.groupShapes).allSatisfy({ $0.hops == $1.hops && $0.dim == $1.dim }) else {
            throw .invalidInput("the pre-computed groups do not match the classifier's group shapes")
        }
        guard labels.numNodes == features.numNodes else {
            throw .invalidInput("labels cover \(labels.numNodes) nodes, the groups \(features.numNodes)")
        }
        guard labels.numClasses == model.configuration.numClasses else {
            throw .invalidInput("labels have \(labels.numClasses) classes, the classifier \(model.configuration.numClasses)")
        }
        guard !split.train.isEmpty, !split.validation.isEmpty else { throw .invalidInput("empty training or validation set") }
        guard options.epochs >= 1, options.patience >= 0, options.validationFrequency >= 1, options.batchSize >= 1,
              options.learningRate > 0, options.threads >= 1 else {
            throw .invalidInput("epochs, validation frequency, batch size, threads and learning rate must be positive; patience ≥ 0")
        }
        self.model = model
        self.features = features
        self.labels = labels
        self.multiLabel = multiLabel ?? labels.isMultiLabel
        self.split = split
        self.options = options
        optimizer = Adam(parameters: model.parameters, learningRate: options.learningRate)
        evaluationContext = LayerContext(isTraining: false, threads: options.threads)
    }

    /// Trains, calling `onEpoch` after every epoch, and returns the best epoch's scores on each
    /// of `tests` (a name and the labels of that test set, e.g. `label.dat.test`).
    public func train(tests: [(name: String, labels: NodeLabels)],
                      onEpoch: (EpochRecord) throws -> Void = { _ in }) rethrows -> TrainingSummary {
        let parameters = model.parameters
        var best: [Matrix] = parameters.map(\.value)
        var bestEpoch = 0, bestValue = -Double.infinity, bestLoss = Double.infinity
        var bestScores = ClassificationScores(accuracy: 0, microF1: 0, macroF1: 0)
        var counter = 0, epochsRun = 0, stoppedEarly = false, totalSeconds = 0.0
        var step = 0
        let context = LayerContext(isTraining: true, threads: options.threads)
        for epoch in 1...options.epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            var rng = SplitMix64(seed: options.seed, stream: 0xBA7C_0000_0000 | UInt64(epoch))
            let order = ValidationSplit.shuffled(split.train, &rng)
            var lossSum = 0.0, batches = 0
            for first in stride(from: 0, to: order.count, by: options.batchSize) {
                let batch = Array(order[first..<min(first + options.batchSize, order.count)])
                context.isTraining = true
                context.step = step
                step += 1
                for p in parameters { p.zeroGradient() }
                let logits = model.forward(groups, nodes: batch, context: context)
                let loss = lossAndGradient(logits: logits, nodes: batch)
                model.backward(loss.gradient, groups: groups, context: context)
                optimizer.step()
                lossSum += Double(loss.value)
                batches += 1
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            totalSeconds += seconds
            epochsRun = epoch

            var validationLoss: Double?, validation: ClassificationScores?, isBest = false
            if epoch % options.validationFrequency == 0 {
                let (logits, loss) = evaluate(split.validation)
                let scores = ClassificationScores.score(logits: logits, labels: labels, nodes: split.validation, multiLabel: multiLabel)
                validationLoss = loss
                validation = scores
                let value = options.earlyStopping == .loss ? -loss : (scores.microF1 + scores.macroF1) / 2
                if value > bestValue {
                    bestValue = value
                    bestEpoch = epoch
                    bestLoss = loss
                    bestScores = scores
                    best = parameters.map(\.value)
                    counter = 0
                    isBest = true
                } else {
                    counter += options.validationFrequency
                }
            }
            try onEpoch(EpochRecord(epoch: epoch, loss: lossSum / Double(max(batches, 1)), validationLoss: validationLoss,
                                    validation: validation, isBest: isBest, trainSeconds: seconds))
            if counter > options.patience {
                stoppedEarly = true
                break
            }
        }
        if bestEpoch == 0 {
            // No validation ran (epochs < validation frequency): keep the last parameters.
            let (logits, loss) = evaluate(split.validation)
            bestScores = ClassificationScores.score(logits: logits, labels: labels, nodes: split.validation, multiLabel: multiLabel)
            bestLoss = loss
            bestEpoch = epochsRun
        } else {
            for (p, value) in zip(parameters, best) { p.value = value }
        }
        let testScores = tests.map { test in
            let nodes = test.labels.labelledNodes
            return (name: test.name, scores: ClassificationScores.score(logits: evaluate(nodes).logits, labels: test.labels,
                                                            nodes: nodes, multiLabel: multiLabel))
        }
        return TrainingSummary(bestEpoch: bestEpoch, epochsRun: epochsRun, stoppedEarly: stoppedEarly,
                               validationLoss: bestLoss, validation: bestScores, tests: testScores,
                               meanEpochSeconds: totalSeconds / Double(max(epochsRun, 1)))
    }

    /// Evaluation-mode logits `[nodes.count × C]` and the mean loss over `nodes` (in batches of
    /// ``TrainingOptions/batchSize``).
    public func evaluate(_ nodes: [Int]) -> (logits: Matrix, loss: Double) {
        let context = evaluationContext
        let c = model.configuration.numClasses
        var logits = Matrix(rows: nodes.count, cols: c)
        var lossSum = 0.0
        for first in stride(from: 0, to: nodes.count, by: options.batchSize) {
            let batch = Array(nodes[first..<min(first + options.batchSize, nodes.count)])
            let out = model.forward(groups, nodes: batch, context: context)
            lossSum += Double(lossAndGradient(logits: out, nodes: batch).value) * Double(batch.count)
            for i in 0..<batch.count {
                for k in 0..<c { logits[first + i, k] = out[i, k] }
            }
            context.pool.recycle(out)
        }
        return (logits, nodes.isEmpty ? 0 : lossSum / Double(nodes.count))
    }

    /// The values of every group, `[numNodes × (S_g · d_g)]`.
    var groups: [Matrix] { features.groups.map(\.values) }

    /// Mean loss over the batch rows and its gradient with respect to `logits`.
    func lossAndGradient(logits: Matrix, nodes: [Int]) -> LossOutput {
        let mask = Array(0..<nodes.count)
        if multiLabel {
            var targets = Matrix(rows: nodes.count, cols: logits.cols)
            for (i, u) in nodes.enumerated() {
                for c in labels.labels(of: u) { targets[i, Int(c)] = 1 }
            }
            return Loss.sigmoidBinaryCrossEntropy(logits: logits, targets: targets, mask: mask)
        }
        let y = nodes.map { labels.labels(of: $0).first ?? 0 }
        return Loss.softmaxCrossEntropy(logits: logits, labels: y, mask: mask)
    }
}
