import DenseMath

/// Train / validation / test vertex ids for one seed.
public struct VertexSplit: Sendable, Equatable {
    /// Training vertices (labels used in the loss).
    public var train: [Int]
    /// Validation vertices (pick the best epoch).
    public var validation: [Int]
    /// Test vertices (reported).
    public var test: [Int]

    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// DHG's `split_by_num`, LightHGNN's split: per class, a seeded shuffle of that class's
    /// vertices, the first `trainPerClass` to train, the next `validationPerClass` to validation,
    /// the rest to test. Unlabelled vertices (label < 0) are in no set. Each set is sorted.
    /// - Parameters:
    ///   - labels: `[numVertices]` class ids, −1 for unlabelled.
    ///   - numClasses: the number of classes.
    ///   - trainPerClass: training vertices drawn from each class.
    ///   - validationPerClass: validation vertices drawn from each class.
    ///   - seed: seeds the shuffles (Fisher–Yates over ``/DenseMath/SplitMix64``).
    /// - Throws: ``HypergraphLearningError/invalidSplit(_:)`` when a class has fewer than
    ///   `trainPerClass + validationPerClass + 1` vertices.
    public static func perClass(labels: [Int32], numClasses: Int, trainPerClass: Int = 20,
                                validationPerClass: Int = 100, seed: UInt64) throws(HypergraphLearningError) -> VertexSplit {
        var byClass = [[Int]](repeating: [], count: numClasses)
        for (v, y) in labels.enumerated() where y >= 0 {
            guard Int(y) < numClasses else { throw .invalidSplit("vertex \(v) has class \(y), expected < \(numClasses)") }
            byClass[Int(y)].append(v)
        }
        var rng = SplitMix64(seed: seed, stream: 0x5B17)
        var split = VertexSplit(train: [], validation: [], test: [])
        for (c, members) in byClass.enumerated() {
            guard members.count > trainPerClass + validationPerClass else {
                throw .invalidSplit("class \(c) has \(members.count) vertices; \(trainPerClass) train + \(validationPerClass) validation + at least 1 test are needed")
            }
            var m = members
            shuffle(&m, rng: &rng)
            split.train += m[0..<trainPerClass]
            split.validation += m[trainPerClass..<(trainPerClass + validationPerClass)]
            split.test += m[(trainPerClass + validationPerClass)...]
        }
        split.train.sort()
        split.validation.sort()
        split.test.sort()
        return split
    }

    static func shuffle(_ a: inout [Int], rng: inout SplitMix64) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, rng.nextInt(below: i + 1))
        }
    }
}

/// The production setting of LightHGNN (reference `prod_train.py`, following GLNN): a fraction
/// of the test vertices is held out as inductive, unseen by the teacher and the student.
public struct ProductionSplit: Sendable, Equatable {
    /// The underlying split in full-graph ids.
    public var split: VertexSplit
    /// Observed vertices in their sub-hypergraph order: train, validation, observed test.
    public var observed: [Int]
    /// Test vertices that stay observed (transductive part), full-graph ids.
    public var observedTest: [Int]
    /// Test vertices held out (inductive part), full-graph ids.
    public var inductiveTest: [Int]

    /// Holds out `inductiveFraction` of `split.test` (seeded permutation; reference
    /// `test_ind_ratio = 0.9`).
    public init(_ split: VertexSplit, inductiveFraction: Double = 0.9, seed: UInt64) {
        var rng = SplitMix64(seed: seed, stream: 0x1D0C)
        var test = split.test
        VertexSplit.shuffle(&test, rng: &rng)
        let held = Int((Double(test.count) * inductiveFraction).rounded(.down))
        inductiveTest = Array(test[0..<held]).sorted()
        observedTest = Array(test[held...]).sorted()
        self.split = split
        observed = split.train + split.validation + observedTest
    }

    /// Positions in ``observed`` of the train, validation and observed test vertices.
    public var observedIndices: (train: Range<Int>, validation: Range<Int>, test: Range<Int>) {
        let a = split.train.count, b = a + split.validation.count
        return (0..<a, a..<b, b..<observed.count)
    }
}
