import DenseMath
import GraphCore
import Testing
@testable import HypergraphLearning

/// The project promises the same results for any thread count: LightHGNN+ (teacher, MLP,
/// reliability sampling and student) must give bit-identical outputs with 1, 2 and 3 threads.
@Suite("LightHGNN thread-count determinism")
struct ThreadCountTests {
    /// 1,600 vertices in 4 classes with dense 48-wide features (a weak class signal plus
    /// noise) and 800 mostly single-class hyperedges: large enough that the Linear layers take
    /// the row-block GEMM path and the element-wise kernels run on several threads.
    static func dataset() throws -> HypergraphDataset {
        let (classes, perClass, dim) = (4, 400, 48)
        let n = classes * perClass
        var rng = SplitMix64(seed: 21)
        let labels = (0..<n).map { Int32($0 % classes) }
        var x = Matrix(rows: n, cols: dim)
        for v in 0..<n {
            for j in 0..<dim {
                let signal: Float = j % classes == Int(labels[v]) ? 0.3 : 0
                x[v, j] = signal + rng.nextGaussian()
            }
        }
        var edges: [[Int]] = []
        for _ in 0..<800 {
            let c = rng.nextInt(below: classes)
            edges.append((0..<(3 + rng.nextInt(below: 3))).map { _ in
                let cls = rng.nextUnitDouble() < 0.85 ? c : rng.nextInt(below: classes)
                return cls + classes * rng.nextInt(below: perClass)
            })
        }
        let h = try Hypergraph(hyperedges: edges, numVertices: n, mergeDuplicates: true, addSingletons: true)
        return try HypergraphDataset(hypergraph: h, features: x, labels: labels, numClasses: classes)
    }

    @Test func lightHGNNPlusIsIdenticalForAnyThreadCount() throws {
        let data = try Self.dataset()
        #expect(data.features.sparse == nil, "features must take the dense GEMM path")
        var cfg = LightHGNNConfiguration()
        cfg.epochs = 6
        cfg.trainPerClass = 10
        cfg.validationPerClass = 20
        var reports: [SeedReport] = []
        for threads in [1, 2, 3] {
            cfg.threads = threads
            reports.append(try LightHGNNTrainer(configuration: cfg).run(data, seed: 5, student: .lightPlus))
        }
        let first = reports[0]
        for (r, threads) in zip(reports.dropFirst(), [2, 3]) {
            #expect(r.studentLogits == first.studentLogits, "student logits differ with \(threads) threads")
            #expect(r.studentModel.state() == first.studentModel.state(), "student parameters differ with \(threads) threads")
            #expect(r.teacher.scores == first.teacher.scores && r.teacher.bestEpoch == first.teacher.bestEpoch)
            #expect(r.teacher.validationAccuracy == first.teacher.validationAccuracy)
            #expect(r.mlp.scores == first.mlp.scores && r.mlp.bestEpoch == first.mlp.bestEpoch)
            #expect(r.student.scores == first.student.scores && r.student.bestEpoch == first.student.bestEpoch)
            #expect(r.meanReliability == first.meanReliability)
        }
    }
}
