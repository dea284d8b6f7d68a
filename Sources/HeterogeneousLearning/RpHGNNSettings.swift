/// A full set of RpHGNN hyperparameters: pre-computation, classifier and training.
///
/// ``defaults(forDataset:)`` gives the values of the reference code's run scripts
/// (`CrawlScript/RpHGNN` `scripts/*.sh`, which override `default_param_config.py`); every
/// run uses lr 3e-3, 2 hop channels, 2 group layers and 2 head layers.
public struct RpHGNNSettings: Sendable, Equatable, Codable {
    /// K, propagate-then-update iterations.
    public var iterations: Int
    /// Width of random features for node types without features.
    public var randomFeatureDim: Int
    /// Whether even groups start with the raw target features.
    public var includeInput: Bool
    public var hiddenDim: Int
    public var inputDropout: Float
    public var dropout: Float
    public var groupLayers: Int
    public var headLayers: Int
    public var merge: GroupMerge
    public var epochs: Int
    public var patience: Int
    public var validationFrequency: Int
    public var batchSize: Int
    public var learningRate: Float
    public var earlyStopping: EarlyStoppingMetric

    public init(iterations: Int, randomFeatureDim: Int, includeInput: Bool, hiddenDim: Int, inputDropout: Float,
                dropout: Float, groupLayers: Int = 2, headLayers: Int = 2, merge: GroupMerge, epochs: Int, patience: Int,
                validationFrequency: Int, batchSize: Int, learningRate: Float = 3e-3, earlyStopping: EarlyStoppingMetric) {
        self.iterations = iterations
        self.randomFeatureDim = randomFeatureDim
        self.includeInput = includeInput
        self.hiddenDim = hiddenDim
        self.inputDropout = inputDropout
        self.dropout = dropout
        self.groupLayers = groupLayers
        self.headLayers = headLayers
        self.merge = merge
        self.epochs = epochs
        self.patience = patience
        self.validationFrequency = validationFrequency
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.earlyStopping = earlyStopping
    }

    /// HGB ACM (`hgb_acm`): K 6, raw input, E 256, hidden 64, dropouts 0.8/0.7, mean merge,
    /// 500 epochs, patience 100, validation every epoch, batch 1000, mean-F1 stopping.
    public static let acm = RpHGNNSettings(
        iterations: 6, randomFeatureDim: 256, includeInput: true, hiddenDim: 64, inputDropout: 0.8, dropout: 0.7,
        merge: .mean, epochs: 500, patience: 100, validationFrequency: 1, batchSize: 1000, earlyStopping: .meanF1)

    /// HGB DBLP: K 5, no raw input, E 1024, hidden 512, dropouts 0.8/0.8, concat, 500 epochs,
    /// patience 30, validation every 10 epochs, batch 10000, validation-loss stopping.
    public static let dblp = RpHGNNSettings(
        iterations: 5, randomFeatureDim: 1024, includeInput: false, hiddenDim: 512, inputDropout: 0.8, dropout: 0.8,
        merge: .concat, epochs: 500, patience: 30, validationFrequency: 10, batchSize: 10000, earlyStopping: .loss)

    /// HGB IMDB (multi-label): K 3, raw input, E 1024, hidden 256, dropouts 0.8/0.7, concat,
    /// 500 epochs, patience 50, validation every epoch, batch 10000, mean-F1 stopping.
    public static let imdb = RpHGNNSettings(
        iterations: 3, randomFeatureDim: 1024, includeInput: true, hiddenDim: 256, inputDropout: 0.8, dropout: 0.7,
        merge: .concat, epochs: 500, patience: 50, validationFrequency: 1, batchSize: 10000, earlyStopping: .meanF1)

    /// HGB Freebase (no features): K 6, E 512, hidden 256, dropouts 0.7/0.7, 1 group layer and a
    /// single head Linear, concat, 150 epochs, patience 50, validation every 10 epochs.
    public static let freebase = RpHGNNSettings(
        iterations: 6, randomFeatureDim: 512, includeInput: false, hiddenDim: 256, inputDropout: 0.7, dropout: 0.7,
        groupLayers: 1, headLayers: 1, merge: .concat, epochs: 150, patience: 50, validationFrequency: 10,
        batchSize: 10000, earlyStopping: .meanF1)

    /// For other datasets (no reference setting exists): K 3, raw input, E 512, hidden 256,
    /// dropouts 0.5/0.5, concat, 200 epochs, patience 50, batch 10000, mean-F1 stopping.
    public static let generic = RpHGNNSettings(
        iterations: 3, randomFeatureDim: 512, includeInput: true, hiddenDim: 256, inputDropout: 0.5, dropout: 0.5,
        merge: .concat, epochs: 200, patience: 50, validationFrequency: 1, batchSize: 10000, earlyStopping: .meanF1)

    /// The reference settings of an HGB dataset by name (`ACM`, `DBLP`, `IMDB`, `Freebase`;
    /// case-insensitive), or `nil`.
    public static func defaults(forDataset name: String) -> RpHGNNSettings? {
        switch name.lowercased() {
        case "acm": acm
        case "dblp": dblp
        case "imdb": imdb
        case "freebase": freebase
        default: nil
        }
    }

    /// The pre-computation part, with `seed`.
    public func precomputationOptions(seed: UInt64) -> PrecomputationOptions {
        PrecomputationOptions(iterations: iterations, randomFeatureDim: randomFeatureDim, includeInput: includeInput, seed: seed)
    }

    /// The classifier part, for `numClasses` classes and `seed`.
    public func classifierConfiguration(numClasses: Int, seed: UInt64) -> ClassifierConfiguration {
        ClassifierConfiguration(hiddenDim: hiddenDim, numClasses: numClasses, inputDropout: inputDropout, dropout: dropout,
                                groupLayers: groupLayers, headLayers: headLayers, merge: merge, seed: seed)
    }

    /// The training part, with `seed` and `threads`.
    public func trainingOptions(seed: UInt64, threads: Int) -> TrainingOptions {
        TrainingOptions(epochs: epochs, patience: patience, validationFrequency: validationFrequency, batchSize: batchSize,
                        learningRate: learningRate, earlyStopping: earlyStopping, seed: seed, threads: threads)
    }
}
