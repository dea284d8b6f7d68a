import DenseMath

/// Which classes Macro-F1 averages over.
///
/// scikit-learn's `f1_score(average="macro")` averages over its label set, which depends on how
/// the labels are given: for 1-D class arrays (single-label data) it is the classes that occur
/// in `y_true` or `y_pred` (``presentClasses``); for a `[samples × numClasses]` indicator matrix
/// (multi-label data) it is every column (``allClasses``), and a column with no true and no
/// predicted sample scores 0 (`zero_division=0`). ``ClassificationScores`` defaults to exactly
/// that, so its Macro-F1 is the number scikit-learn gives for the same data; either choice can
/// be asked for (``allClasses`` on single-label data is scikit-learn's `labels=range(numClasses)`).
public enum MacroAverage: String, Sendable, Equatable, Codable, CaseIterable {
    /// Mean over the classes that occur in the truth or the predictions.
    case presentClasses
    /// Mean over all `numClasses` classes; a class that occurs nowhere scores 0.
    case allClasses
}

/// Accuracy, Micro-F1 and Macro-F1 of a classification: the one implementation every tool
/// reports (`fastrp evaluate`, `rphgnn train`, `lighthgnn train`).
///
/// From the per-class counts of ``ClassCounts`` (scikit-learn's definitions, checked against
/// scikit-learn 1.9.1 on the fixtures of `Benchmarks/python/make_f1_fixtures.py`):
/// ```
/// F1_c     = 2·TP_c / (2·TP_c + FP_c + FN_c)        (0 when the denominator is 0)
/// Micro-F1 = 2·ΣTP / (2·ΣTP + ΣFP + ΣFN)             (= accuracy for single-label data)
/// Macro-F1 = (1/|C|) · Σ_{c ∈ C} F1_c                 C: see MacroAverage
/// accuracy = exact matches / samples                  (subset accuracy for multi-label data)
/// ```
/// Every score is a fraction in [0, 1]; no sample (or an empty C) scores 0.
public struct ClassificationScores: Sendable, Equatable, Codable {
    /// Fraction of samples predicted exactly right, in [0, 1].
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

    /// The scores of `counts`, Macro-F1 averaged over the classes `macro` names.
    /// - Complexity: O(numClasses).
    public init(_ counts: ClassCounts, macro: MacroAverage) {
        let tp = counts.truePositives, fp = counts.falsePositives, fn = counts.falseNegatives
        let sumTP = tp.reduce(0, +), sumFP = fp.reduce(0, +), sumFN = fn.reduce(0, +)
        let microDenominator = 2 * sumTP + sumFP + sumFN
        var f1Sum = 0.0, averaged = 0
        for c in 0..<counts.numClasses where macro == .allClasses || counts.occurs(c) {
            let denominator = 2 * tp[c] + fp[c] + fn[c]
            if denominator > 0 { f1Sum += Double(2 * tp[c]) / Double(denominator) }
            averaged += 1
        }
        self.init(accuracy: counts.samples > 0 ? Double(counts.exactMatches) / Double(counts.samples) : 0,
                  microF1: microDenominator > 0 ? Double(2 * sumTP) / Double(microDenominator) : 0,
                  macroF1: averaged > 0 ? f1Sum / Double(averaged) : 0)
    }

    /// Single-label scores of class `predictions` against `labels` on `nodes` (both arrays
    /// indexed by node, `[numNodes]`); Macro-F1 over the classes present by default, as
    /// scikit-learn's `f1_score(labels[nodes], predictions[nodes], average="macro")`.
    /// - Precondition: the labels and predictions of `nodes` are in `0..<numClasses`.
    /// - Complexity: O(|nodes| + numClasses).
    public init(predictions: [Int32], labels: [Int32], nodes: [Int], numClasses: Int,
                macro: MacroAverage = .presentClasses) {
        var counts = ClassCounts(numClasses: numClasses)
        for v in nodes { counts.add(truth: Int(labels[v]), predicted: Int(predictions[v])) }
        self.init(counts, macro: macro)
    }

    /// Single-label scores of the arg-max predictions of `logits` (`[numNodes × numClasses]`,
    /// ties to the lower class, ``Metrics/argmax(row:of:)``) on `nodes`.
    /// - Complexity: O(|nodes| · numClasses).
    public init(logits: Matrix, labels: [Int32], nodes: [Int], macro: MacroAverage = .presentClasses) {
        var counts = ClassCounts(numClasses: logits.cols)
        for v in nodes { counts.add(truth: Int(labels[v]), predicted: Metrics.argmax(row: v, of: logits)) }
        self.init(counts, macro: macro)
    }

    /// Multi-label scores of predicted class sets against true class sets (one set per sample,
    /// `[samples]`); Macro-F1 over all classes by default, as scikit-learn's
    /// `f1_score(Y_true, Y_pred, average="macro")` on the binarised indicator matrices.
    /// - Precondition: both have the same count; classes are in `0..<numClasses`.
    public init(truth: [[Int32]], predicted: [[Int32]], numClasses: Int, macro: MacroAverage = .allClasses) {
        precondition(truth.count == predicted.count, "F1: \(truth.count) true label sets, \(predicted.count) predicted")
        var counts = ClassCounts(numClasses: numClasses)
        for (t, p) in zip(truth, predicted) { counts.add(truth: t, predicted: p) }
        self.init(counts, macro: macro)
    }
}
