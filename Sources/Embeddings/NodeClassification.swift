import DenseMath
import GraphCore
import GraphIO

/// Micro- and Macro-F1 of multi-label predictions (scikit-learn's `f1_score` with
/// `average='micro'` and `'macro'` on binarised label matrices).
///
/// ```
/// Micro-F1 = 2·ΣTP / (2·ΣTP + ΣFP + ΣFN)         (sums over classes)
/// Macro-F1 = (1/numClasses) · Σ_c 2·TP_c / (2·TP_c + FP_c + FN_c)
/// ```
/// A class with no true and no predicted member scores 0 and still counts in the Macro mean
/// (scikit-learn's `zero_division=0`).
public struct MultiLabelF1: Sendable, Equatable {
    public let micro: Double
    public let macro: Double

    /// Scores `predicted` against `truth` (one list of class ids per sample, `[samples]`).
    /// - Precondition: both have the same count; class ids are in `0..<numClasses`.
    public init(truth: [[Int32]], predicted: [[Int32]], numClasses: Int) {
        precondition(truth.count == predicted.count, "F1: \(truth.count) true label sets, \(predicted.count) predicted")
        var tp = [Int](repeating: 0, count: numClasses)
        var fp = tp, fn = tp
        for (t, p) in zip(truth, predicted) {
            let trueSet = Set(t), predictedSet = Set(p)
            for c in predictedSet { if trueSet.contains(c) { tp[Int(c)] += 1 } else { fp[Int(c)] += 1 } }
            for c in trueSet where !predictedSet.contains(c) { fn[Int(c)] += 1 }
        }
        let sumTP = tp.reduce(0, +), sumFP = fp.reduce(0, +), sumFN = fn.reduce(0, +)
        let microDenominator = 2 * sumTP + sumFP + sumFN
        micro = microDenominator > 0 ? Double(2 * sumTP) / Double(microDenominator) : 0
        var macroSum = 0.0
        for c in 0..<numClasses {
            let denominator = 2 * tp[c] + fp[c] + fn[c]
            if denominator > 0 { macroSum += Double(2 * tp[c]) / Double(denominator) }
        }
        macro = numClasses > 0 ? macroSum / Double(numClasses) : 0
    }
}

/// Node classification with embeddings as features, the protocol of DeepWalk (Perozzi et al.,
/// KDD 2014, §6.1) used by the FastRP paper (§5.2): for each shuffle of the labelled nodes and
/// each training ratio p, the first ⌊p · count⌋ nodes train one-vs-rest logistic regression and
/// the rest are predicted; a test node with k true labels is assigned its k highest-scoring
/// classes ("TopKRanker"; ties go to the lower class id). Micro- and Macro-F1 are averaged over
/// shuffles. The same shuffles serve every ratio. Unlabelled nodes are left out.
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
        public let perShuffle: [MultiLabelF1]
        /// Training nodes per shuffle.
        public let trainingNodes: Int
    }

    /// Runs the protocol.
    /// - Parameters:
    ///   - embeddings: `[numNodes × dim]`.
    ///   - labels: classes of the same `numNodes` nodes.
    ///   - progress: called after each fit with (fits done, fits in all).
    /// - Returns: one ``Score`` per training ratio, in the given order.
    /// - Throws: ``EmbeddingError/shapeMismatch(_:)`` when the node counts differ or the
    ///   embeddings hold NaN/∞; ``EmbeddingError/invalidConfiguration(_:)`` for a ratio outside
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
        if embeddings.values.contains(where: { !$0.isFinite }) {
            throw .shapeMismatch("embeddings contain NaN or infinite values")
        }
        let nodes = labels.labelledNodes
        for r in configuration.trainingRatios {
            let train = Int((r * Double(nodes.count)).rounded(.down))
            guard train >= 1, train < nodes.count else {
                throw .insufficientData("training ratio \(r) of \(nodes.count) labelled nodes leaves \(train) training and \(nodes.count - train) test nodes; need at least one of each")
            }
        }
        let solver = LogisticRegression(inverseRegularization: configuration.inverseRegularization, threads: configuration.threads)
        var perRatio = [[MultiLabelF1]](repeating: [], count: configuration.trainingRatios.count)
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
                let model = try solver.fit(x, targets: y)
                let scores = model.decisionFunction(embeddings.gatherRows(test))
                let truth = test.map { labels.labels(of: $0).map { $0 } }
                let predicted = topK(scores, counts: truth.map(\.count))
                perRatio[r].append(MultiLabelF1(truth: truth, predicted: predicted, numClasses: labels.numClasses))
                done += 1
                progress?(done, totalFits)
            }
        }
        return configuration.trainingRatios.enumerated().map { r, ratio in
            let list = perRatio[r]
            return Score(trainingRatio: ratio,
                         microF1: list.map(\.micro).reduce(0, +) / Double(list.count),
                         macroF1: list.map(\.macro).reduce(0, +) / Double(list.count),
                         perShuffle: list,
                         trainingNodes: Int((ratio * Double(nodes.count)).rounded(.down)))
        }
    }

    /// The `counts[i]` highest-scoring classes of each row of `scores` (ties: lower class id).
    public static func topK(_ scores: Matrix, counts: [Int]) -> [[Int32]] {
        precondition(scores.rows == counts.count, "topK: \(scores.rows) rows, \(counts.count) counts")
        return (0..<scores.rows).map { i in
            let row = scores.row(i)
            let order = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
            return order.prefix(counts[i]).map { Int32($0) }
        }
    }
}
