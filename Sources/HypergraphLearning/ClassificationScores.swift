import DenseMath
import NeuralNet

/// Accuracy and F1 scores of single-label predictions on a set of vertices.
///
/// ```
/// accuracy = #{v : ŷ_v = y_v} / |S|
/// Micro-F1 = 2·ΣTP / (2·ΣTP + ΣFP + ΣFN)        (equals accuracy for single-label data)
/// Macro-F1 = mean_c 2·TP_c / (2·TP_c + FP_c + FN_c) over classes present in y or ŷ on S
/// ```
/// Scikit-learn's `f1_score(average="macro")` conventions: a class with 2TP+FP+FN = 0 is skipped.
public struct ClassificationScores: Sendable, Equatable {
    /// Fraction correct, in [0, 1].
    public var accuracy: Double
    /// Micro-F1, in [0, 1].
    public var microF1: Double
    /// Macro-F1, in [0, 1].
    public var macroF1: Double

    public init(accuracy: Double, microF1: Double, macroF1: Double) {
        self.accuracy = accuracy
        self.microF1 = microF1
        self.macroF1 = macroF1
    }

    /// Scores of arg-max predictions of `logits` (`[numVertices × numClasses]`) on `vertices`.
    public init(logits: Matrix, labels: [Int32], vertices: [Int]) {
        self.init(predictions: (0..<logits.rows).map { Int32(Metrics.argmax(row: $0, of: logits)) },
                  labels: labels, vertices: vertices, numClasses: logits.cols)
    }

    /// Scores of class `predictions` (`[numVertices]`) on `vertices`.
    public init(predictions: [Int32], labels: [Int32], vertices: [Int], numClasses: Int) {
        guard !vertices.isEmpty else {
            self.init(accuracy: 0, microF1: 0, macroF1: 0)
            return
        }
        var tp = [Int](repeating: 0, count: numClasses)
        var fp = tp, fn = tp
        var correct = 0
        for v in vertices {
            let y = Int(labels[v]), p = Int(predictions[v])
            if y == p {
                correct += 1
                tp[y] += 1
            } else {
                if p >= 0 && p < numClasses { fp[p] += 1 }
                if y >= 0 && y < numClasses { fn[y] += 1 }
            }
        }
        let (stp, sfp, sfn) = (tp.reduce(0, +), fp.reduce(0, +), fn.reduce(0, +))
        let micro = Double(2 * stp) / Double(max(2 * stp + sfp + sfn, 1))
        var f1Sum = 0.0, present = 0
        for c in 0..<numClasses where tp[c] + fp[c] + fn[c] > 0 {
            f1Sum += Double(2 * tp[c]) / Double(2 * tp[c] + fp[c] + fn[c])
            present += 1
        }
        self.init(accuracy: Double(correct) / Double(vertices.count), microF1: micro,
                  macroF1: present > 0 ? f1Sum / Double(present) : 0)
    }
}

/// Mean and population standard deviation (divisor n, NumPy's `np.std` default) of a list, as
/// reported over seeds.
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
