import ClassificationMetrics
import DenseMath
import Testing

@Suite("Classification scores")
struct ClassificationScoresTests {
    /// Scores computed by scikit-learn differ from ours by at most a few ulps (summation order).
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 }

    @Test("single-label scores equal scikit-learn's", arguments: SklearnFixtures.singleLabel.indices)
    func singleLabelMatchesSklearn(index: Int) {
        let c = SklearnFixtures.singleLabel[index]
        let nodes = Array(c.truth.indices)
        let s = ClassificationScores(predictions: c.predicted, labels: c.truth, nodes: nodes, numClasses: c.numClasses)
        #expect(Self.close(s.accuracy, c.accuracy) && Self.close(s.microF1, c.micro), "\(s)")
        #expect(Self.close(s.macroF1, c.macroPresent), "default Macro-F1 \(s.macroF1), sklearn \(c.macroPresent)")
        let all = ClassificationScores(predictions: c.predicted, labels: c.truth, nodes: nodes, numClasses: c.numClasses,
                                       macro: .allClasses)
        #expect(Self.close(all.macroF1, c.macroAll), "all-class Macro-F1 \(all.macroF1), sklearn \(c.macroAll)")
    }

    @Test("multi-label scores equal scikit-learn's on indicator matrices", arguments: SklearnFixtures.multiLabel.indices)
    func multiLabelMatchesSklearn(index: Int) {
        let c = SklearnFixtures.multiLabel[index]
        let s = ClassificationScores(truth: c.truth, predicted: c.predicted, numClasses: c.numClasses)
        #expect(Self.close(s.accuracy, c.accuracy) && Self.close(s.microF1, c.micro), "\(s)")
        #expect(Self.close(s.macroF1, c.macroAll), "default Macro-F1 \(s.macroF1), sklearn \(c.macroAll)")
        let present = ClassificationScores(truth: c.truth, predicted: c.predicted, numClasses: c.numClasses, macro: .presentClasses)
        #expect(Self.close(present.macroF1, c.macroPresent), "present-class Macro-F1 \(present.macroF1), sklearn \(c.macroPresent)")
    }

    @Test("top-k equals NumPy's stable arg-sort", arguments: SklearnFixtures.topK.indices)
    func topKMatchesNumPy(index: Int) {
        let c = SklearnFixtures.topK[index]
        #expect(Metrics.topK(Matrix(rows: c.rows, cols: c.numClasses, values: c.scores), counts: c.counts) == c.top)
    }

    /// y = [0, 0, 1, 1, 2], ŷ = [0, 1, 1, 1, 0]: class F1s 2/4, 4/5, 0 → Macro-F1 = 13/30.
    @Test func singleLabelByHand() {
        let s = ClassificationScores(predictions: [0, 1, 1, 1, 0], labels: [0, 0, 1, 1, 2], nodes: [0, 1, 2, 3, 4], numClasses: 3)
        #expect(s == ClassificationScores(accuracy: 0.6, microF1: 0.6, macroF1: 13.0 / 30.0))
        // Class 3 occurs nowhere: it counts only when all classes are averaged.
        let four = ClassificationScores(predictions: [0, 1, 1, 1, 0], labels: [0, 0, 1, 1, 2], nodes: [0, 1, 2, 3, 4], numClasses: 4)
        #expect(four.macroF1 == 13.0 / 30.0)
        let all = ClassificationScores(predictions: [0, 1, 1, 1, 0], labels: [0, 0, 1, 1, 2], nodes: [0, 1, 2, 3, 4], numClasses: 4,
                                       macro: .allClasses)
        #expect(abs(all.macroF1 - 13.0 / 40.0) < 1e-15)
        // Only the listed nodes count.
        let some = ClassificationScores(predictions: [0, 1, 1, 1, 0], labels: [0, 0, 1, 1, 2], nodes: [0, 2], numClasses: 3)
        #expect(some == ClassificationScores(accuracy: 1, microF1: 1, macroF1: 1))
        #expect(ClassificationScores(predictions: [], labels: [], nodes: [], numClasses: 3)
                == ClassificationScores(accuracy: 0, microF1: 0, macroF1: 0))
    }

    /// class 0: TP 2, FP 1, FN 0 → F1 4/5; class 1: TP 0, FP 1, FN 1 → 0; class 2: TP 1, FN 1 → 2/3.
    @Test func multiLabelByHand() {
        let truth: [[Int32]] = [[0], [1], [0, 2], [2]]
        let predicted: [[Int32]] = [[0], [0], [0, 1], [2]]
        let three = ClassificationScores(truth: truth, predicted: predicted, numClasses: 3)
        #expect(abs(three.microF1 - 0.6) < 1e-15) // 2·3 / (2·3 + 2 + 2)
        #expect(abs(three.macroF1 - (0.8 + 0 + 2.0 / 3) / 3) < 1e-15)
        #expect(three.accuracy == 0.5) // samples 0 and 3 exactly right
        // A class nobody has or predicts counts as 0 in the all-class mean, not in the present one.
        let four = ClassificationScores(truth: truth, predicted: predicted, numClasses: 4)
        #expect(abs(four.macroF1 - (0.8 + 2.0 / 3) / 4) < 1e-15)
        #expect(ClassificationScores(truth: truth, predicted: predicted, numClasses: 4, macro: .presentClasses).macroF1 == three.macroF1)
        #expect(ClassificationScores(truth: truth, predicted: truth, numClasses: 3) == ClassificationScores(accuracy: 1, microF1: 1, macroF1: 1))
    }

    @Test func multiLabelSetsIgnoreRepeatsAndOrder() {
        var counts = ClassCounts(numClasses: 3)
        counts.add(truth: [2, 0, 2], predicted: [0, 2, 0])
        counts.add(truth: [], predicted: [])
        counts.add(truth: [1], predicted: [])
        #expect(counts.truePositives == [1, 0, 1] && counts.falsePositives == [0, 0, 0] && counts.falseNegatives == [0, 1, 0])
        #expect(counts.samples == 3 && counts.exactMatches == 2)
    }

    @Test func logitsScoreTheirArgmax() {
        // Rows 0…3 predict 0, 1 (tie 1 vs 1 → lower class), 2, 0; truth 0, 1, 1, 0.
        let z = Matrix(rows: 4, cols: 3, values: [3, 1, 0, 0, 2, 2, -1, -2, 0.5, 1, 0, 0])
        let labels: [Int32] = [0, 1, 1, 0]
        #expect(Metrics.argmaxRows(z) == [0, 1, 2, 0])
        #expect(ClassificationScores(logits: z, labels: labels, nodes: [0, 1, 2, 3])
                == ClassificationScores(predictions: [0, 1, 2, 0], labels: labels, nodes: [0, 1, 2, 3], numClasses: 3))
        #expect(Metrics.correctCount(logits: z, labels: labels, rows: [0, 1, 2, 3]) == 3)
        #expect(Metrics.accuracy(logits: z, labels: labels, mask: [1, 2]) == 0.5)
        #expect(Metrics.accuracy(logits: z, labels: labels, mask: []) == 0)
        #expect(Metrics.positiveClasses(row: 2, of: z) == [2] && Metrics.positiveClasses(row: 1, of: z) == [1, 2])
    }

    @Test("top-k takes each row's k best classes, ties to the lower id")
    func topKByHand() {
        let scores = Matrix(rows: 3, cols: 4, values: [0.1, 0.9, 0.3, 0.9,
                                                        -1, -2, -3, -0.5,
                                                        5, 4, 3, 2])
        #expect(Metrics.topK(scores, counts: [1, 2, 3]) == [[1], [3, 0], [0, 1, 2]])
    }

    @Test func meanAndPopulationStd() {
        let m = MeanStd([0.5, 0.7])
        #expect(abs(m.mean - 0.6) < 1e-15 && abs(m.std - 0.1) < 1e-15)
        #expect(MeanStd([]) == MeanStd([0]) && MeanStd([]).mean == 0)
    }
}
