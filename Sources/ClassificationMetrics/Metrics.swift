import DenseMath

/// Prediction rules over score matrices and the accuracy of arg-max predictions.
///
/// Shapes: a score matrix is `[numRows × numClasses]`, row-major, one row per node.
public enum Metrics {
    /// Index of the largest entry of row `i` (the first one on ties).
    /// - Complexity: O(numClasses).
    public static func argmax(row i: Int, of m: Matrix) -> Int {
        var best = 0
        var value = -Float.infinity
        for j in 0..<m.cols where m[i, j] > value {
            value = m[i, j]
            best = j
        }
        return best
    }

    /// The arg-max class of every row, `[numRows]`.
    public static func argmaxRows(_ m: Matrix) -> [Int32] {
        (0..<m.rows).map { Int32(argmax(row: $0, of: m)) }
    }

    /// Number of rows `i` in `rows` whose arg-max class equals `labels[i]`.
    /// - Complexity: O(|rows| · numClasses).
    public static func correctCount(logits: Matrix, labels: [Int32], rows: [Int]) -> Int {
        rows.reduce(0) { $0 + (argmax(row: $1, of: logits) == Int(labels[$1]) ? 1 : 0) }
    }

    /// Fraction of rows `i` in `mask` whose arg-max logit equals `labels[i]`, in [0, 1]; 0 for
    /// an empty mask. Equal to ``ClassificationScores/accuracy`` of the same predictions.
    public static func accuracy(logits: Matrix, labels: [Int32], mask: [Int]) -> Double {
        mask.isEmpty ? 0 : Double(correctCount(logits: logits, labels: labels, rows: mask)) / Double(mask.count)
    }

    /// The multi-label top-k rule of the DeepWalk / FastRP evaluation ("TopKRanker", Perozzi et
    /// al., KDD 2014, §6.1): row i predicts its `counts[i]` highest-scoring classes, where
    /// `counts[i]` is the node's true label count; ties go to the lower class id (NumPy's
    /// `argsort(-scores, kind="stable")[:k]`). Returns `[numRows]` class lists, best first.
    /// - Precondition: `counts.count == scores.rows`.
    /// - Complexity: O(numRows · numClasses · log numClasses).
    public static func topK(_ scores: Matrix, counts: [Int]) -> [[Int32]] {
        precondition(scores.rows == counts.count, "topK: \(scores.rows) rows, \(counts.count) counts")
        return (0..<scores.rows).map { i in
            let row = scores.row(i)
            let order = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
            return order.prefix(counts[i]).map { Int32($0) }
        }
    }

    /// The multi-label threshold rule: the classes of row `i` whose logit is > 0 (sigmoid > ½),
    /// ascending.
    public static func positiveClasses(row i: Int, of logits: Matrix) -> [Int32] {
        (0..<logits.cols).filter { logits[i, $0] > 0 }.map { Int32($0) }
    }
}

/// Mean and population standard deviation (divisor n, NumPy's `np.std` default) of a list, as
/// scores are reported over seeds.
public struct MeanStd: Sendable, Equatable {
    /// Arithmetic mean (0 for an empty list).
    public var mean: Double
    /// Population standard deviation (0 for fewer than two values).
    public var std: Double

    public init(_ xs: [Double]) {
        let n = Double(xs.count)
        mean = xs.isEmpty ? 0 : xs.reduce(0, +) / n
        let m = mean
        std = xs.count > 1 ? (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot() : 0
    }
}
