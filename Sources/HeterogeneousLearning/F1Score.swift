import DenseMath
import GraphIO
import NeuralNet

/// Micro- and Macro-F1 of a node classification, as HGB scores it (Lv et al., KDD 2021, §4.1;
/// scikit-learn's `f1_score` with `average="micro"` / `"macro"`).
///
/// With per-class true positives TP_c, false positives FP_c and false negatives FN_c:
/// ```
/// F1_c     = 2 TP_c / (2 TP_c + FP_c + FN_c)
/// Micro-F1 = 2 Σ TP_c / (2 Σ TP_c + Σ FP_c + Σ FN_c)      (= accuracy for single-label)
/// Macro-F1 = mean of F1_c over the classes that occur in the true or predicted labels
/// ```
/// Both are fractions in [0, 1]; an empty node set scores 0.
public struct F1Scores: Sendable, Equatable, Codable {
    public var micro: Double
    public var macro: Double

    public init(micro: Double, macro: Double) {
        self.micro = micro
        self.macro = macro
    }

    /// Scores of `predictions` against `labels` over `nodes`.
    ///
    /// Single-label: the prediction is the arg-max logit. Multi-label: class c is predicted when
    /// its logit is > 0 (sigmoid > ½).
    /// Shapes: `logits` `[nodes.count × numClasses]`, row i for node `nodes[i]`.
    public static func score(logits: Matrix, labels: NodeLabels, nodes: [Int], multiLabel: Bool) -> F1Scores {
        precondition(logits.rows == nodes.count, "F1: \(logits.rows) logit rows for \(nodes.count) nodes")
        let c = logits.cols
        var tp = [Int](repeating: 0, count: c), fp = tp, fn = tp
        for (i, u) in nodes.enumerated() {
            let truth = labels.labels(of: u)
            if multiLabel {
                for k in 0..<c {
                    let predicted = logits[i, k] > 0, actual = truth.contains(Int32(k))
                    if predicted && actual { tp[k] += 1 } else if predicted { fp[k] += 1 } else if actual { fn[k] += 1 }
                }
            } else {
                let p = Metrics.argmax(row: i, of: logits)
                let y = Int(truth.first ?? -1)
                if p == y {
                    tp[p] += 1
                } else {
                    fp[p] += 1
                    if y >= 0 { fn[y] += 1 }
                }
            }
        }
        return from(truePositives: tp, falsePositives: fp, falseNegatives: fn)
    }

    /// Scores from per-class counts (each `[numClasses]`).
    public static func from(truePositives tp: [Int], falsePositives fp: [Int], falseNegatives fn: [Int]) -> F1Scores {
        let sumTP = tp.reduce(0, +), sumFP = fp.reduce(0, +), sumFN = fn.reduce(0, +)
        let microDenominator = 2 * sumTP + sumFP + sumFN
        let micro = microDenominator == 0 ? 0 : Double(2 * sumTP) / Double(microDenominator)
        var total = 0.0, present = 0
        for k in tp.indices where tp[k] + fp[k] + fn[k] > 0 {
            total += Double(2 * tp[k]) / Double(2 * tp[k] + fp[k] + fn[k])
            present += 1
        }
        return F1Scores(micro: micro, macro: present == 0 ? 0 : total / Double(present))
    }
}
