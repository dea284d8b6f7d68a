import DenseMath
import Embeddings
import Foundation
import GraphCore
import GraphIO
import Testing
import TestSupport

@Suite("Evaluation")
struct EvaluationTests {
    /// Newton's method in Double with the exact Hessian: the slow reference for small problems.
    func referenceLogisticRegression(_ x: [[Double]], _ y: [Double], c: Double) -> [Double] {
        let p = x[0].count + 1
        var w = [Double](repeating: 0, count: p)
        for _ in 0..<50 {
            var g = w
            var h = (0..<p).map { i in (0..<p).map { $0 == i ? 1.0 : 0.0 } }
            for (xi, yi) in zip(x, y) {
                let row = xi + [1]
                let z = zip(row, w).map(*).reduce(0, +)
                let s = 1 / (1 + exp(-z))
                for a in 0..<p {
                    g[a] += c * (s - yi) * row[a]
                    for b in 0..<p { h[a][b] += c * s * (1 - s) * row[a] * row[b] }
                }
            }
            // Solve h · step = g by Gaussian elimination.
            var m = h, rhs = g
            for col in 0..<p {
                let pivot = (col..<p).max { abs(m[$0][col]) < abs(m[$1][col]) }!
                m.swapAt(col, pivot); rhs.swapAt(col, pivot)
                for r in (col + 1)..<p {
                    let f = m[r][col] / m[col][col]
                    for k in col..<p { m[r][k] -= f * m[col][k] }
                    rhs[r] -= f * rhs[col]
                }
            }
            var step = [Double](repeating: 0, count: p)
            for r in stride(from: p - 1, through: 0, by: -1) {
                step[r] = (rhs[r] - ((r + 1)..<p).map { m[r][$0] * step[$0] }.reduce(0, +)) / m[r][r]
            }
            w = zip(w, step).map { $0 - $1 }
        }
        return w
    }

    @Test("logistic regression reaches the optimum of a dense Newton reference", arguments: [Float(0.1), Float(1), Float(10)])
    func logisticRegressionMatchesReference(c: Float) throws {
        var rng = SplitMix64(seed: 11)
        let samples = 300, features = 4
        var x = Matrix(rows: samples, cols: features)
        var targets = Matrix(rows: samples, cols: 2)
        for i in 0..<samples {
            for j in 0..<features { x[i, j] = 2 * rng.nextUnitFloat() - 1 + (j == 0 ? 0.5 : 0) }
            let score = 2 * x[i, 0] - x[i, 1] + 0.3 * (rng.nextUnitFloat() - 0.5)
            targets[i, 0] = score > 0.2 ? 1 : 0
            targets[i, 1] = x[i, 2] > 0.6 ? 1 : 0
        }
        let model = try LogisticRegression(inverseRegularization: c, tolerance: 1e-5).fit(x, targets: targets)
        let rows = Fixtures.nested(x)
        for k in 0..<2 {
            let expected = referenceLogisticRegression(rows, (0..<samples).map { Double(targets[$0, k]) }, c: Double(c))
            for j in 0...features {
                #expect(abs(Double(model.weights[j, k]) - expected[j]) < 2e-3 * max(1, abs(expected[j])),
                        "class \(k) weight \(j): \(model.weights[j, k]) vs \(expected[j])")
            }
        }
        #expect(model.relativeGradientNorms.allSatisfy { $0 <= 1e-4 })
    }

    @Test("logistic regression rejects a bad C")
    func logisticRegressionErrors() {
        #expect(throws: EmbeddingError.self) {
            try LogisticRegression(inverseRegularization: 0).fit(Matrix(rows: 2, cols: 1), targets: Matrix(rows: 2, cols: 1))
        }
        #expect(throws: EmbeddingError.self) {
            try LogisticRegression().fit(Matrix(rows: 2, cols: 1), targets: Matrix(rows: 3, cols: 1))
        }
    }

    /// 60 nodes in 3 classes whose embeddings point in 3 directions; node 59 is unlabelled.
    func separableData() throws -> (Matrix, NodeLabels) {
        var rng = SplitMix64(seed: 4)
        var e = Matrix(rows: 60, cols: 3)
        var perNode = [[Int32]](repeating: [], count: 60)
        for u in 0..<59 {
            let c = u % 3
            for j in 0..<3 { e[u, j] = (j == c ? 3 : 0) + 0.2 * (rng.nextUnitFloat() - 0.5) }
            perNode[u] = [Int32(c)]
        }
        return (e, try NodeLabels(perNode: perNode, classNames: ["a", "b", "c"]))
    }

    @Test("node classification refuses NaN or infinite embeddings, naming the count and first row")
    func nonFiniteEmbeddingsAreRefused() throws {
        var (embeddings, labels) = try separableData()
        embeddings.values[embeddings.cols + 1] = .nan
        embeddings.values[3 * embeddings.cols] = -.infinity
        #expect(throws: EmbeddingError.nonFiniteValues("the embeddings hold 2 NaN or infinite values (the first in row 1)")) {
            try NodeClassification.evaluate(embeddings: embeddings, labels: labels)
        }
    }

    /// Embeddings near 1e19 overflowed the `Float` fit (x² passes Float's range), which then
    /// stalled at zero weights: `fastrp evaluate` printed chance scores (issue 15). The fit now
    /// says so; one order of magnitude below, the same data still scores perfectly.
    @Test("node classification refuses embeddings so large that the logistic regression overflows")
    func hugeEmbeddingsAreAnErrorNotChanceScores() throws {
        let (e, labels) = try separableData()
        let config = NodeClassification.Configuration(trainingRatios: [0.5], shuffles: 1, inverseRegularization: 0.1, seed: 2)
        for (scale, overflows) in [(Float(1e18), false), (1e19, true), (1e30, true)] {
            var scaled = e
            for i in scaled.values.indices { scaled.values[i] *= scale }
            let largest = scaled.values.map(abs).max()!
            if overflows {
                #expect(throws: EmbeddingError.numericalOverflow("the embeddings reach magnitude \(largest), where the logistic regression overflows Float32 and would score at chance; scale them down (e.g. divide them by their largest absolute value) and evaluate again")) {
                    try NodeClassification.evaluate(embeddings: scaled, labels: labels, configuration: config)
                }
                var x = scaled
                x.values[0] = largest  // the solver alone says the same of its features
                #expect(throws: EmbeddingError.numericalOverflow("logistic regression overflows Float32 on these features (largest magnitude \(largest)); scale them down, e.g. divide them by their largest absolute value")) {
                    try LogisticRegression().fit(x, targets: labels.indicatorMatrix())
                }
            } else {
                let scores = try NodeClassification.evaluate(embeddings: scaled, labels: labels, configuration: config)
                #expect(scores[0].microF1 == 1 && scores[0].macroF1 == 1)
            }
        }
    }

    @Test("node classification of separable embeddings is perfect")
    func separableNodeClassification() throws {
        let (e, labels) = try separableData()
        let config = NodeClassification.Configuration(trainingRatios: [0.3, 0.7], shuffles: 3, inverseRegularization: 1, seed: 2)
        var calls = 0
        let scores = try NodeClassification.evaluate(embeddings: e, labels: labels, configuration: config) { _, _ in calls += 1 }
        #expect(calls == 6)
        #expect(scores.map(\.trainingNodes) == [17, 41]) // ⌊0.3 · 59⌋, ⌊0.7 · 59⌋
        for s in scores {
            #expect(s.microF1 == 1 && s.macroF1 == 1)
            #expect(s.perShuffle.count == 3)
        }
        // Random embeddings score far lower.
        let noise = Fixtures.randomMatrix(rows: 60, cols: 3, seed: 8)
        let random = try NodeClassification.evaluate(embeddings: noise, labels: labels, configuration: config)
        #expect(random.allSatisfy { $0.microF1 < 0.75 })
    }

    @Test("node classification scores do not depend on the thread count")
    func scoresIndependentOfThreads() throws {
        // OpenBLAS's own thread count is left as the process has it: tests run in parallel in one
        // process, and changing it here once changed another test's floats mid-run.
        // 3,000 nodes × 64 features, 12 classes, 1–3 labels each: products large enough to be
        // cut into several row blocks.
        var rng = SplitMix64(seed: 21)
        let e = Fixtures.randomMatrix(rows: 3000, cols: 64, seed: 22)
        let perNode = (0..<3000).map { _ in (0..<(1 + rng.nextInt(below: 3))).map { _ in Int32(rng.nextInt(below: 12)) } }
            .map { Array(Set($0)).sorted() }
        let labels = try NodeLabels(perNode: perNode, classNames: (0..<12).map { "c\($0)" })
        var results: [[NodeClassification.Score]] = []
        for threads in [1, 2, 3] {
            let config = NodeClassification.Configuration(trainingRatios: [0.5], shuffles: 1, inverseRegularization: 0.1,
                                                          seed: 1, threads: threads)
            results.append(try NodeClassification.evaluate(embeddings: e, labels: labels, configuration: config))
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
    }

    @Test("node classification rejects bad settings", arguments: [
        (NodeClassification.Configuration(trainingRatios: [0]), "(0, 1)"),
        (NodeClassification.Configuration(trainingRatios: []), "no training ratio"),
        (NodeClassification.Configuration(shuffles: 0), "shuffles"),
        (NodeClassification.Configuration(trainingRatios: [0.01]), "leaves 0 training"),
    ])
    func nodeClassificationErrors(configuration: NodeClassification.Configuration, message: String) throws {
        let (e, labels) = try separableData()
        #expect {
            try NodeClassification.evaluate(embeddings: e, labels: labels, configuration: configuration)
        } throws: { "\($0)".contains(message) }
        #expect(throws: EmbeddingError.self) {
            try NodeClassification.evaluate(embeddings: Matrix(rows: 5, cols: 3), labels: labels)
        }
    }

    @Test("link-prediction split keeps a spanning tree and holds out 30% of the edges")
    func linkPredictionSplit() throws {
        let graph = try GraphBuilder.build(EdgeListReader.read(Fixtures.graphPath("karate/edges.tsv")))
        let split = try LinkPrediction.split(graph, holdOutFraction: 0.3, seed: 3)
        #expect(split.positives.count == 23) // ⌊0.3 · 78⌋
        #expect(split.negatives.count == 23)
        #expect(split.trainingGraph.nnz / 2 == 78 - 23)
        #expect(split.trainingGraph.connectedComponents().count == graph.connectedComponents().count)
        for p in split.positives {
            #expect(graph.weight(from: Int(p.u), to: Int(p.v)) == 1)
            #expect(split.trainingGraph.weight(from: Int(p.u), to: Int(p.v)) == 0)
        }
        #expect(split.negatives.allSatisfy { $0.u != $0.v })
        let again = try LinkPrediction.split(graph, holdOutFraction: 0.3, seed: 3)
        #expect(again.positives == split.positives && again.negatives == split.negatives)
        // A tree has nothing to hold out.
        let path = try GraphBuilder.build(EdgeList(sources: [0, 1], targets: [1, 2], numNodes: 3))
        #expect(throws: EmbeddingError.self) { try LinkPrediction.split(path, seed: 1) }
    }

    @Test("link-prediction score on hand-made embeddings")
    func linkPredictionScore() {
        // Rows 0 and 1 point the same way, 2 is orthogonal, 3 is zero.
        let e = Matrix(rows: 4, cols: 2, values: [1, 0, 2, 0, 0, 1, 0, 0])
        let pairs = [LinkPrediction.NodePair(0, 1), LinkPrediction.NodePair(0, 2), LinkPrediction.NodePair(3, 1)]
        // cos: (0,1) = 1, (0,2) = 0, (1,3) = 0 (zero row).
        #expect(LinkPrediction.score(e, positives: [pairs[0]], negatives: [pairs[1]]) == 1)
        #expect(LinkPrediction.score(e, positives: [pairs[1]], negatives: [pairs[0]]) == 0)
        #expect(LinkPrediction.score(e, positives: [pairs[1], pairs[0]], negatives: [pairs[2], pairs[1]]) == 0.75)
    }

    @Test("FastRP beats random embeddings at link prediction on a graph with communities")
    func fastRPLinkPrediction() throws {
        // 4 communities of 100 nodes: 8 edges inside per node, 1 across.
        var rng = SplitMix64(seed: 21)
        var sources: [Int32] = [], targets: [Int32] = []
        for u in 0..<400 {
            for k in 0..<9 {
                let v = k < 8 ? (u / 100) * 100 + rng.nextInt(below: 100) : rng.nextInt(below: 400)
                sources.append(Int32(u))
                targets.append(Int32(v))
            }
        }
        let graph = try GraphBuilder.build(EdgeList(sources: sources, targets: targets, numNodes: 400))
        let split = try LinkPrediction.split(graph, seed: 1)
        let e = try FastRP(.init(dimension: 64, iterationWeights: [1, 1, 1])).embed(split.trainingGraph).embeddings
        let score = LinkPrediction.score(e, positives: split.positives, negatives: split.negatives)
        let random = LinkPrediction.score(Fixtures.randomMatrix(rows: 400, cols: 64, seed: 1),
                                          positives: split.positives, negatives: split.negatives)
        #expect(split.positives.count > 900)
        #expect(score > 0.8)
        #expect(random < 0.6)
    }
}

