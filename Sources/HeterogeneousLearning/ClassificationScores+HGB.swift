import ClassificationMetrics
import DenseMath
import GraphIO

extension ClassificationScores {
    /// Scores of `logits` against `labels` over `nodes`, as HGB scores node classification
    /// (Lv et al., KDD 2021, §4.1: scikit-learn's `f1_score` with `average="micro"` /
    /// `"macro"`); the F1 definitions and the Macro convention are those of
    /// ``ClassificationMetrics/ClassificationScores``.
    ///
    /// Single-label: the prediction is the arg-max logit (``/ClassificationMetrics/Metrics/argmax(row:of:)``),
    /// Macro-F1 over the classes present. Multi-label: class c is predicted when its logit is
    /// > 0 (``/ClassificationMetrics/Metrics/positiveClasses(row:of:)``), Macro-F1 over all
    /// classes (HGB scores multi-label data on indicator matrices).
    /// Shapes: `logits` `[nodes.count × numClasses]`, row i for node `nodes[i]`.
    /// - Precondition: single-label: every node in `nodes` has a label.
    public static func score(logits: Matrix, labels: NodeLabels, nodes: [Int], multiLabel: Bool) -> ClassificationScores {
        precondition(logits.rows == nodes.count, "F1: \(logits.rows) logit rows for \(nodes.count) nodes")
        var counts = ClassCounts(numClasses: logits.cols)
        for (i, u) in nodes.enumerated() {
            let truth = labels.labels(of: u)
            if multiLabel {
                counts.add(truth: Array(truth), predicted: Metrics.positiveClasses(row: i, of: logits))
            } else {
                guard let y = truth.first else { preconditionFailure("F1: node \(u) has no label") }
                counts.add(truth: Int(y), predicted: Metrics.argmax(row: i, of: logits))
            }
        }
        return ClassificationScores(counts, macro: multiLabel ? .allClasses : .presentClasses)
    }
}
