import ClassificationMetrics
import DenseMath
import GraphCore
import GraphIO

/// Node classification with embeddings as features, the protocol of DeepWalk (Perozzi et al.,
/// KDD 2014, §6.1) used by the FastRP paper (§5.2): for each shuffle of the labelled nodes and
/// each training ratio p, the first ⌊p · count⌋ nodes train one-vs-rest logistic regression and
/// the rest are predicted; a test node with k true labels is assigned its k highest-scoring
/// classes (``/ClassificationMetrics/Metrics/topK(_:counts:)``). Micro- and Macro-F1
/// (``/ClassificationMetrics/ClassificationScores``, multi-label: Macro-F1 over all classes, as the
/// DeepWalk scoring script's `f1_score` on `MultiLabelBinarizer(range(numClasses))` matrices) are
/// averaged over shuffles. The same shuffles serve every ratio. Unlabelled nodes are left out.
public enum NodeClassification {
    /// Evaluation settings.
    public struct Configuration: Sendable, Equatable {
        /// Fractions of the labelled nodes used for training, each in (0, 1).
        public var trainingRatios: [Double] = [0.1, 0.5, 0.9]
        /// Number of random shuffles (the FastRP notebooks use 5).
        public var shuffles: Int = 5
        /// C of the logistic regression (0.1 for FastRP on BlogCatalog in the paper).
        public var inverseRegularization: Float = 1
        /// Seed of the shuffles.
        public var seed: UInt64 = 0
        /// Threads of the logistic-regression products; scores do not depend on it (keep
        /// OpenBLAS at one thread, `BLAS.setThreadCount(1)`).
        public var threads: Int = 1

        public init(trainingRatios: [Double] = [0.1, 0.5, 0.9], shuffles: Int = 5, inverseRegularization: Float = 1,
                    seed: UInt64 = 0, threads: Int = 1) {
            self.trainingRatios = trainingRatios
            self.shuffles = shuffles
            self.inverseRegularization = inverseRegularization
            self.seed = seed
            self.threads = max(1, threads)
        }
    }

    /// Scores for one training ratio.
    public struct Score: Sendable, Equatable {
        public let trainingRatio: Double
        /// Mean over shuffles.
        public let microF1: Double
        /// Mean over shuffles.
        public let macroF1: Double
        /// One score per shuffle, `[shuffles]`.
        public let perShuffle: [ClassificationScores]
        /// Training nodes per shuffle.
        public let trainingNodes: Int
    }

    /// Runs the protocol.
    /// - Parameters:
    ///   - embeddings: `[numNodes × dim]`.
    ///   - labels: classes of the same `numNodes` nodes.
    ///   - configuration: training ratios, shuffles, C and the prediction rule.
    ///   - progress: called after each fit with (fits done, fits in all).
    /// - Returns: one ``Score`` per training ratio, in the given order.
    /// - Throws: ``EmbeddingError/nonFiniteValues(_:)`` for a NaN or infinite embedding value;
    ///   ``EmbeddingError/numericalOverflow(_:)`` for embeddings so large (near 1e19 and beyond)
    ///   that the logistic regression overflows `Float`;
    ///   ``EmbeddingError/shapeMismatch(_:)`` when the node counts differ;
    ///   ``EmbeddingError/invalidConfiguration(_:)`` for a ratio outside
    ///   (0, 1), no ratio, fewer than 1 shuffle or C ≤ 0; ``EmbeddingError/insufficientData(_:)``
    ///   when a ratio leaves no training or no test node.
    public static func evaluate(embeddings: Matrix, labels: NodeLabels, configuration: Configuration = .init(),
                                progress: ((Int, Int) -> Void)? = nil) throws(EmbeddingError) -> [Score] {
        guard embeddings.rows == labels.numNodes else {
            throw .shapeMismatch("\(embeddings.rows) embedding rows but labels for \(labels.numNodes) nodes")
        }
        guard !configuration.trainingRatios.isEmpty else { throw .invalidConfiguration("no training ratio given") }
        for r in configuration.trainingRatios where !(r > 0 && r < 1) {
            throw .invalidConfiguration("training ratios must be in (0, 1), got \(r)")
        }
        guard configuration.shuffles >= 1 else {
            throw .invalidConfiguration("shuffles must be at least 1, got \(configuration.shuffles)")
        }
        guard configuration.inverseRegularization > 0 else {
            throw .invalidConfiguration("C must be positive, got \(configuration.inverseRegularization)")
        }
        try EmbeddingError.checkFinite(embeddings.values, columns: embeddings.cols, name: "the embeddings")
        let nodes = labels.labelledNodes
        for r in configuration.trainingRatios {
            let train = Int((r * Double(nodes.count)).rounded(.down))
            guard train >= 1, train < nodes.count else {
                throw .insufficientData("training ratio \(r) of \(nodes.count) labelled nodes leaves \(train) training and \(nodes.count - train) test nodes; need at least one of each")
            }
        }
        let solver = LogisticRegression(inverseRegularization: configuration.inverseRegularization, threads: configuration.threads)
        var perRatio = [[ClassificationScores]](repeating: [], count: configuration.trainingRatios.count)
        let indicator = labels.indicatorMatrix()
        let totalFits = configuration.shuffles * configuration.trainingRatios.count
        var done = 0
        for shuffle in 0..<configuration.shuffles {
            var order = nodes
            var rng = SplitMix64(seed: configuration.seed, stream: UInt64(shuffle))
            if order.count > 1 {
                for i in stride(from: order.count - 1, to: 0, by: -1) {
                    order.swapAt(i, rng.nextInt(below: i + 1))
                }
            }
            for (r, ratio) in configuration.trainingRatios.enumerated() {
                let trainCount = Int((ratio * Double(order.count)).rounded(.down))
                let train = Array(order[..<trainCount]), test = Array(order[trainCount...])
                let x = embeddings.gatherRows(train)
                let y = indicator.gatherRows(train)
                let model: LogisticRegression.Model
                do {
                    model = try solver.fit(x, targets: y)
                } catch .numericalOverflow {
                    let largest = embeddings.values.reduce(Float(0)) { max($0, abs($1)) }
                    throw .numericalOverflow("the embeddings reach magnitude \(largest), where the logistic regression overflows Float32 and would score at chance; scale them down (e.g. divide them by their largest absolute value) and evaluate again")
                }
                let scores = model.decisionFunction(embeddings.gatherRows(test))
                let truth = test.map { labels.labels(of: $0).map { $0 } }
                let predicted = Metrics.topK(scores, counts: truth.map(\.count))
                perRatio[r].append(ClassificationScores(truth: truth, predicted: predicted, numClasses: labels.numClasses))
                done += 1
                progress?(done, totalFits)
            }
        }
        return configuration.trainingRatios.enumerated().map { r, ratio in
            let list = perRatio[r]
            return Score(trainingRatio: ratio,
                         microF1: list.map(\.microF1).reduce(0, +) / Double(list.count),
                         macroF1: list.map(\.macroF1).reduce(0, +) / Double(list.count),
                         perShuffle: list,
                         trainingNodes: Int((ratio * Double(nodes.count)).rounded(.down)))
        }
    }
}
