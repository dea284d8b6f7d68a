import ClassificationMetrics
import DenseMath
import Dispatch
import Foundation
import NeuralNet

/// Node features, labels and the train/validation/test split of one graph.
public struct NodeClassificationTask: Sendable {
    /// X `[numNodes × inputDim]`.
    public let features: Matrix
    /// Class of each node, `[numNodes]`; −1 = unlabelled.
    public let labels: [Int32]
    /// Number of classes C; labels lie in `0..<C`.
    public let numClasses: Int
    /// Training nodes (the loss mask).
    public let train: [Int]
    /// Validation nodes (model selection, early stopping).
    public let validation: [Int]
    /// Test nodes (reported at the selected epoch).
    public let test: [Int]

    /// Checks that every split node exists and is labelled and that the training set is not empty.
    /// - Throws: ``GNNModelsError/invalidTask(_:)`` describing the first problem.
    public init(features: Matrix, labels: [Int32], numClasses: Int, train: [Int], validation: [Int],
                test: [Int]) throws(GNNModelsError) {
        let n = features.rows
        guard labels.count == n else {
            throw .invalidTask("\(labels.count) labels for \(n) feature rows")
        }
        guard numClasses >= 2 else { throw .invalidTask("need at least 2 classes, got \(numClasses)") }
        guard !train.isEmpty else { throw .invalidTask("the training set is empty") }
        for (name, nodes) in [("train", train), ("validation", validation), ("test", test)] {
            for v in nodes {
                guard v >= 0 && v < n else { throw .invalidTask("\(name) node \(v) is outside 0..<\(n)") }
                let y = labels[v]
                guard y >= 0 && Int(y) < numClasses else {
                    throw .invalidTask(y < 0 ? "\(name) node \(v) has no label" : "\(name) node \(v) has label \(y) ≥ \(numClasses) classes")
                }
            }
        }
        self.features = features
        self.labels = labels
        self.numClasses = numClasses
        self.train = train
        self.validation = validation
        self.test = test
    }
}

/// Which validation number picks the reported epoch and drives early stopping.
public enum ModelSelection: String, Sendable, CaseIterable, Codable {
    /// Highest validation accuracy (strictly better than before), as PyG's GCN/GCNII examples.
    case validationAccuracy = "val-accuracy"
    /// Lowest validation loss, as Chen et al.'s GCNII training script.
    case validationLoss = "val-loss"
}

/// Optimisation settings of a training run.
public struct TrainingOptions: Sendable, Equatable {
    /// Last epoch to run (epochs are numbered from 1).
    public var epochs: Int
    /// Stop after this many epochs without a better selection value; `nil` = never.
    public var patience: Int?
    /// Adam step size.
    public var learningRate: Float
    /// L2 (Adam) or decoupled (AdamW) weight decay.
    public var weightDecayMode: WeightDecayMode
    /// Which validation number picks the reported epoch.
    public var selection: ModelSelection
    /// Threads for SpMM and element-wise kernels (set OpenBLAS's separately).
    public var threads: Int

    /// Options; the defaults are Kipf & Welling's 200 epochs at learning rate 0.01.
    public init(epochs: Int = 200, patience: Int? = nil, learningRate: Float = 0.01,
                weightDecayMode: WeightDecayMode = .l2, selection: ModelSelection = .validationAccuracy,
                threads: Int = 1) {
        self.epochs = epochs
        self.patience = patience
        self.learningRate = learningRate
        self.weightDecayMode = weightDecayMode
        self.selection = selection
        self.threads = threads
    }
}

/// Accuracy and loss of one evaluation-mode forward pass.
public struct Evaluation: Sendable, Equatable {
    /// Accuracy on the training nodes.
    public var trainAccuracy: Double
    /// Accuracy on the validation nodes.
    public var validationAccuracy: Double
    /// Mean cross-entropy on the validation nodes (0 without validation nodes).
    public var validationLoss: Double
    /// Accuracy on the test nodes.
    public var testAccuracy: Double

    /// An evaluation from its four numbers (e.g. reduced over the ranks of a distributed run).
    public init(trainAccuracy: Double, validationAccuracy: Double, validationLoss: Double, testAccuracy: Double) {
        self.trainAccuracy = trainAccuracy
        self.validationAccuracy = validationAccuracy
        self.validationLoss = validationLoss
        self.testAccuracy = testAccuracy
    }
}

/// What one epoch did.
public struct EpochRecord: Sendable, Equatable {
    /// Epoch number, from 1.
    public var epoch: Int
    /// Training loss (with dropout) before the update.
    public var loss: Double
    /// Evaluation after the update.
    public var evaluation: Evaluation
    /// Seconds of forward + backward + optimizer step.
    public var trainSeconds: Double
    /// Seconds of the evaluation forward pass.
    public var evaluationSeconds: Double
    /// Whether this epoch is the new selected (best) epoch.
    public var isBest: Bool
}

/// The outcome of ``NodeClassificationTrainer/train(progress:)``.
public struct TrainingSummary: Sendable, Equatable {
    /// The selected epoch (0 if none ran).
    public var bestEpoch: Int
    /// Evaluation at the selected epoch; its test accuracy is the reported result.
    public var best: Evaluation
    /// Last completed epoch.
    public var lastEpoch: Int
    /// Whether patience ended the run before `epochs`.
    public var stoppedEarly: Bool
    /// Mean training seconds per epoch over the epochs run by this call.
    public var meanTrainSeconds: Double
    /// Epochs run by this call.
    public var epochsRun: Int
}

/// Full-graph, single-process training of a ``GNNModel`` for node classification: per epoch one
/// training step (forward, softmax cross-entropy on the training nodes, backward, Adam) and one
/// evaluation pass; the reported test accuracy is the one at the best validation epoch.
///
/// Deterministic: dropout masks depend on (seed, epoch, node), sums have a fixed order, so the
/// same seed and thread count give identical numbers. A checkpoint holds parameters, Adam
/// moments, the best epoch's parameters and the bookkeeping, so ``restore(from:)`` followed by
/// ``train(progress:)`` continues exactly like an uninterrupted run.
public final class NodeClassificationTrainer {
    /// The model being trained.
    public let model: GNNModel
    /// The propagation operator of the whole graph.
    public let graph: GraphOperator
    /// Features, labels and split.
    public let task: NodeClassificationTask
    /// Optimisation settings.
    public let options: TrainingOptions
    /// Adam or AdamW over all model parameters.
    public let optimizer: Adam
    /// Last completed epoch.
    public private(set) var epoch = 0
    /// Model selection and early-stopping state.
    public private(set) var selection: ModelSelectionTracker
    /// The selected epoch so far (0 = none).
    public var bestEpoch: Int { selection.bestEpoch }
    /// Evaluation at the selected epoch.
    public var best: Evaluation { selection.best }
    /// Epochs since the selected epoch.
    public var epochsWithoutImprovement: Int { selection.epochsWithoutImprovement }
    /// Parameter values at the selected epoch, by name.
    public private(set) var bestParameters: [(name: String, value: Matrix)] = []

    private let context: GraphContext

    /// - Throws: ``GNNModelsError/invalidTask(_:)`` when the features do not match the graph or
    ///   the model's input width, or the classes differ; ``GNNModelsError/invalidConfiguration(_:)``
    ///   for bad options.
    public init(model: GNNModel, graph: GraphOperator, task: NodeClassificationTask,
                options: TrainingOptions) throws(GNNModelsError) {
        guard graph.matrix.isSquare else { throw .invalidTask("full-graph training needs a square operator") }
        guard task.features.rows == graph.numNodes else {
            throw .invalidTask("\(task.features.rows) feature rows for a graph of \(graph.numNodes) nodes")
        }
        guard task.features.cols == model.configuration.inputDim else {
            throw .invalidTask("features have \(task.features.cols) columns, the model expects \(model.configuration.inputDim)")
        }
        guard task.numClasses == model.configuration.numClasses else {
            throw .invalidTask("the data has \(task.numClasses) classes, the model \(model.configuration.numClasses)")
        }
        guard options.epochs >= 1 else { throw .invalidConfiguration("epochs must be at least 1, got \(options.epochs)") }
        if let p = options.patience, p < 1 { throw .invalidConfiguration("patience must be at least 1, got \(p)") }
        guard options.learningRate > 0 && options.learningRate.isFinite else {
            throw .invalidConfiguration("learning rate must be positive, got \(options.learningRate)")
        }
        self.model = model
        self.graph = graph
        self.task = task
        self.options = options
        selection = ModelSelectionTracker(selection: options.selection)
        optimizer = Adam(parameters: model.parameters, learningRate: options.learningRate,
                         weightDecayMode: options.weightDecayMode)
        context = GraphContext(graph: graph, isTraining: true, threads: options.threads)
        context.pool.protect(task.features)
    }

    /// One training step at epoch `epoch + 1`; returns the training loss.
    public func trainStep() -> Double {
        context.isTraining = true
        context.step = epoch + 1
        model.network.zeroGradients()
        let logits = model.network.forward(task.features, context: context)
        var loss = Loss.softmaxCrossEntropy(logits: logits, labels: task.labels, mask: task.train)
        context.pool.recycle(logits)
        var gradient = Matrix(rows: 0, cols: 0)
        swap(&gradient, &loss.gradient)  // the network recycles it once consumed
        _ = model.network.backward(gradient, context: context)
        optimizer.step()
        return Double(loss.value)
    }

    /// Logits `[numNodes × numClasses]` in evaluation mode (no dropout).
    public func predict() -> Matrix {
        context.isTraining = false
        let logits = model.network.forward(task.features, context: context)
        context.initialRepresentation = nil
        return logits
    }

    /// Accuracies and validation loss in evaluation mode.
    public func evaluate() -> Evaluation {
        let logits = predict()
        let validationLoss = task.validation.isEmpty ? 0
            : Double(Loss.softmaxCrossEntropy(logits: logits, labels: task.labels, mask: task.validation).value)
        let evaluation = Evaluation(
            trainAccuracy: Metrics.accuracy(logits: logits, labels: task.labels, mask: task.train),
            validationAccuracy: Metrics.accuracy(logits: logits, labels: task.labels, mask: task.validation),
            validationLoss: validationLoss,
            testAccuracy: Metrics.accuracy(logits: logits, labels: task.labels, mask: task.test))
        context.pool.recycle(logits)
        return evaluation
    }

    /// Runs one epoch (train step + evaluation) and updates the selection.
    public func runEpoch() -> EpochRecord {
        let start = DispatchTime.now().uptimeNanoseconds
        let loss = trainStep()
        let mid = DispatchTime.now().uptimeNanoseconds
        let evaluation = evaluate()
        let end = DispatchTime.now().uptimeNanoseconds
        epoch += 1
        let improved = selection.update(epoch: epoch, evaluation: evaluation)
        if improved { bestParameters = model.network.stateTensors() }
        return EpochRecord(epoch: epoch, loss: loss, evaluation: evaluation,
                           trainSeconds: Double(mid - start) / 1e9, evaluationSeconds: Double(end - mid) / 1e9,
                           isBest: improved)
    }

    /// Whether training should stop: `epochs` reached or patience exhausted.
    public var isFinished: Bool {
        if epoch >= options.epochs { return true }
        return selection.exhausted(patience: options.patience)
    }

    /// Trains until ``isFinished``, calling `progress` after every epoch (it may throw to stop,
    /// e.g. when writing a checkpoint fails).
    public func train(progress: (EpochRecord) throws -> Void) rethrows -> TrainingSummary {
        var seconds = 0.0
        var count = 0
        while !isFinished {
            let record = runEpoch()
            seconds += record.trainSeconds
            count += 1
            try progress(record)
        }
        let stoppedEarly = epoch < options.epochs
        return TrainingSummary(bestEpoch: bestEpoch, best: best, lastEpoch: epoch, stoppedEarly: stoppedEarly,
                               meanTrainSeconds: count > 0 ? seconds / Double(count) : 0, epochsRun: count)
    }

    /// Trains until ``isFinished`` without a progress callback.
    public func train() -> TrainingSummary {
        train(progress: { _ in })
    }

    // MARK: Checkpoints

    /// The full training state: parameters, buffers, Adam state, best parameters (prefixed
    /// `best.`) and bookkeeping metadata.
    public func checkpoint() -> Checkpoint {
        var tensors = model.network.stateTensors()
        tensors += optimizer.stateTensors()
        tensors += bestParameters.map { ("best." + $0.name, $0.value) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let config = (try? encoder.encode(model.configuration)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let metadata = selection.metadata.merging([
            "format": "gnnmodels-trainer-1",
            "configuration": config,
            "epoch": String(epoch),
            "learning_rate": options.learningRate.description,
            "weight_decay_mode": options.weightDecayMode.rawValue,
        ]) { $1 }
        return Checkpoint(tensors: tensors, metadata: metadata)
    }

    /// Restores a state saved by ``checkpoint()`` from the same model configuration.
    /// - Throws: ``GNNModelsError/checkpoint(_:)`` when the checkpoint belongs to another model
    ///   configuration or optimiser setting, or a tensor is missing.
    public func restore(from checkpoint: Checkpoint) throws(GNNModelsError) {
        let m = checkpoint.metadata
        guard m["format"] == "gnnmodels-trainer-1" else {
            throw .checkpoint(.checkpointMismatch("not a GNN training checkpoint"))
        }
        let saved = m["configuration"].flatMap { try? JSONDecoder().decode(GNNConfiguration.self, from: Data($0.utf8)) }
        guard let saved else { throw .checkpoint(.checkpointMismatch("unreadable model configuration")) }
        guard saved == model.configuration else {
            throw .checkpoint(.checkpointMismatch("saved for \(Self.describe(saved)), this run is \(Self.describe(model.configuration))"))
        }
        for (key, value) in [("selection", options.selection.rawValue), ("weight_decay_mode", options.weightDecayMode.rawValue),
                             ("learning_rate", options.learningRate.description)] where m[key] != value {
            throw .checkpoint(.checkpointMismatch("\(key) was \(m[key] ?? "missing"), this run uses \(value)"))
        }
        var restored = ModelSelectionTracker(selection: options.selection)
        guard let e = m["epoch"].flatMap(Int.init), (try? restored.restore(from: m)) != nil else {
            throw .checkpoint(.checkpointMismatch("missing training position"))
        }
        let tensors = checkpoint.tensorsByName
        do throws(NeuralNetError) {
            try model.network.loadState(from: tensors)
            try optimizer.restoreState(from: tensors)
        } catch {
            throw .checkpoint(error)
        }
        bestParameters = model.network.stateTensors().compactMap { entry in
            tensors["best." + entry.name].map { (entry.name, $0) }
        }
        epoch = e
        selection = restored
    }

    static func describe(_ c: GNNConfiguration) -> String {
        "\(c.architecture.rawValue), \(c.layers) layers, hidden \(c.hiddenDim), \(c.inputDim) inputs, \(c.numClasses) classes, dropout \(c.dropout), seed \(c.seed)"
    }
}
