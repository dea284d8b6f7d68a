/// Per-class confusion counts of a classification, the input of every F1 score.
///
/// For each class c: TP_c (samples that have c and were predicted c), FP_c (predicted c, do not
/// have it) and FN_c (have c, not predicted c); plus the number of samples and of exact matches
/// (the predicted class, or the predicted set, equals the truth).
///
/// A single-label sample is the multi-label sample with one true and one predicted class, so
/// both kinds of data give the same counts scikit-learn's `multilabel_confusion_matrix` gives
/// (for single-label data: on the 1-D class arrays; for multi-label data: on the binarised
/// `[samples × numClasses]` indicator matrices).
/// - Complexity: O(1) per single-label sample, O(|truth| · |predicted|) per multi-label sample;
///   memory O(numClasses).
public struct ClassCounts: Sendable, Equatable {
    /// TP_c, `[numClasses]`.
    public private(set) var truePositives: [Int]
    /// FP_c, `[numClasses]`.
    public private(set) var falsePositives: [Int]
    /// FN_c, `[numClasses]`.
    public private(set) var falseNegatives: [Int]
    /// Samples added.
    public private(set) var samples = 0
    /// Samples whose prediction equals their truth (the whole set, for multi-label samples).
    public private(set) var exactMatches = 0

    /// Empty counts over classes `0..<numClasses`.
    public init(numClasses: Int) {
        precondition(numClasses >= 0, "ClassCounts: \(numClasses) classes")
        truePositives = [Int](repeating: 0, count: numClasses)
        falsePositives = truePositives
        falseNegatives = truePositives
    }

    /// Number of classes.
    public var numClasses: Int { truePositives.count }

    /// Whether class `c` occurs in the truth or the predictions so far (TP_c + FP_c + FN_c > 0).
    public func occurs(_ c: Int) -> Bool { truePositives[c] + falsePositives[c] + falseNegatives[c] > 0 }

    /// Adds a single-label sample with true class `truth` and predicted class `predicted`.
    /// - Precondition: both are in `0..<numClasses`.
    public mutating func add(truth: Int, predicted: Int) {
        precondition(truth >= 0 && truth < numClasses, "ClassCounts: true class \(truth) outside 0..<\(numClasses)")
        precondition(predicted >= 0 && predicted < numClasses, "ClassCounts: predicted class \(predicted) outside 0..<\(numClasses)")
        samples += 1
        if truth == predicted {
            truePositives[truth] += 1
            exactMatches += 1
        } else {
            falsePositives[predicted] += 1
            falseNegatives[truth] += 1
        }
    }

    /// Adds a multi-label sample: the sets of true and predicted classes (either may be empty;
    /// a class listed twice counts once).
    /// - Precondition: every class is in `0..<numClasses`.
    public mutating func add(truth: [Int32], predicted: [Int32]) {
        for c in truth + predicted {
            precondition(c >= 0 && Int(c) < numClasses, "ClassCounts: class \(c) outside 0..<\(numClasses)")
        }
        samples += 1
        var matched = true
        for (i, c) in predicted.enumerated() where !predicted[..<i].contains(c) {
            if truth.contains(c) { truePositives[Int(c)] += 1 } else { falsePositives[Int(c)] += 1; matched = false }
        }
        for (i, c) in truth.enumerated() where !truth[..<i].contains(c) && !predicted.contains(c) {
            falseNegatives[Int(c)] += 1
            matched = false
        }
        if matched { exactMatches += 1 }
    }
}
