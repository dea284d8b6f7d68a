import DenseMath
import GraphCore
import GraphIO
import HeterogeneousLearning
import NeuralNet
import Testing

/// The project promises the same results for any thread count: RpHGNN's pre-computation and
/// classifier training must give bit-identical tensors, parameters and scores with 1, 2 and 3
/// threads, on shapes large enough for the row-block GEMM path and the parallel kernels.
@Suite("RpHGNN thread-count determinism")
struct ThreadCountTests {
    /// Papers (target, 1,000, 8 features with a class signal), authors (500, 256 features) and
    /// terms (300, no features); paper-author, paper-term and paper-cite-paper relations.
    /// Projecting author tensors onto papers is `[1000 × 256]·[256 × 8]`, a product whose bits
    /// OpenBLAS 0.3.21 changes when it is cut into 3, 4 or 7 row blocks; the group encoders'
    /// `[800 × 512]·[512 × 32]` takes the row-block path.
    static func graph() -> (HeterogeneousGraph, [Matrix?], NodeLabels) {
        var rng = SplitMix64(seed: 17)
        let counts = [1000, 500, 300], dims = [8, 256]
        var g = HeterogeneousGraph(nodeTypes: zip(["paper", "author", "term"], counts).map { .init(name: $0, count: $1) })
        for (name, s, t, edges) in [("paper-author", 0, 1, 1500), ("paper-term", 0, 2, 900), ("paper-cite-paper", 0, 0, 1000)] {
            var pairs = Set<[Int]>()
            for _ in 0..<edges {
                let u = rng.nextInt(below: counts[s])
                // Papers mostly link to authors and papers of their own class (id % 3).
                var v = rng.nextInt(below: counts[t])
                if t != 2 && rng.nextUnitDouble() < 0.8 { v = v - v % 3 + u % 3 }
                if v < counts[t] { pairs.insert([u, v]) }
            }
            let sorted = pairs.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
            var offsets = [Int](repeating: 0, count: counts[s] + 1)
            for p in sorted { offsets[p[0] + 1] += 1 }
            for i in 0..<counts[s] { offsets[i + 1] += offsets[i] }
            let adjacency = try! CSRGraph(numRows: counts[s], numColumns: counts[t], rowOffsets: offsets,
                                          columnIndices: sorted.map { Int32($0[1]) })
            try! g.addRelation(.init(name: name, sourceType: s, targetType: t, adjacency: adjacency))
        }
        func features(_ rows: Int, _ dim: Int) -> Matrix {
            var m = Matrix(rows: rows, cols: dim)
            for i in 0..<rows { for j in 0..<dim { m[i, j] = (j % 3 == i % 3 ? 0.5 : 0) + rng.nextGaussian() } }
            return m
        }
        let labels = try! NodeLabels(perNode: (0..<counts[0]).map { [Int32($0 % 3)] }, classNames: ["A", "B", "C"])
        return (g, [features(counts[0], dims[0]), features(counts[1], dims[1]), nil], labels)
    }

    static let options = PrecomputationOptions(iterations: 2, randomFeatureDim: 64, includeInput: true, seed: 9)

    @Test func precomputationAndTrainingAreIdenticalForAnyThreadCount() throws {
        let (g, x, labels) = Self.graph()
        let split = try ValidationSplit.make(labels: labels, fraction: 0.2, seed: 3)
        var tensors: [PrecomputedFeatures] = []
        var summaries: [TrainingSummary] = []
        var parameters: [[Matrix]] = []
        for threads in [1, 2, 3] {
            let features = try RpHGNNPrecomputation.compute(graph: g, features: x, targetType: 0, options: Self.options,
                                                            threads: threads)
            let model = try RpHGNNClassifier(
                groupShapes: features.groups.map { ($0.hops, $0.dim) },
                configuration: ClassifierConfiguration(hiddenDim: 32, numClasses: 3, inputDropout: 0.3, dropout: 0.3,
                                                       merge: .concat, seed: 4))
            let trainer = try RpHGNNTrainer(
                model: model, features: features, labels: labels, split: split,
                options: TrainingOptions(epochs: 6, patience: 100, validationFrequency: 1, batchSize: 800,
                                         learningRate: 0.01, earlyStopping: .meanF1, seed: 4, threads: threads))
            summaries.append(try trainer.train(tests: [("all", labels)]))
            parameters.append(model.parameters.map(\.value))
            tensors.append(features)
        }
        #expect(tensors[0].groups.count == 6)
        for i in 1..<3 {
            #expect(tensors[i] == tensors[0], "pre-computed groups differ with \(i + 1) threads")
            #expect(parameters[i] == parameters[0], "trained parameters differ with \(i + 1) threads")
            #expect(summaries[i].bestEpoch == summaries[0].bestEpoch)
            #expect(summaries[i].validationLoss == summaries[0].validationLoss)
            #expect(summaries[i].validation == summaries[0].validation)
            #expect(summaries[i].tests.map(\.scores) == summaries[0].tests.map(\.scores))
        }
    }
}
