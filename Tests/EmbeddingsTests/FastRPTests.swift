import DenseMath
@testable import Embeddings
import Foundation
import GraphCore
import GraphIO
import Testing
import TestSupport

/// The slow, obvious FastRP in Double on dense matrices, from the same H₀.
func denseFastRP(_ graph: CSRGraph, h0: Matrix, configuration c: FastRP.Configuration) -> [[Double]] {
    let n = graph.numRows, d = h0.cols
    let a = Fixtures.dense(graph)
    var p = a
    for u in 0..<n {
        let degree: Double = c.transition == .weightedDegree ? a[u].reduce(0, +) : Double(graph.degree(of: u))
        for v in 0..<n { p[u][v] = degree > 0 ? a[u][v] / degree : 0 }
    }
    func normalized(_ m: [[Double]]) -> [[Double]] {
        guard c.normalizeIterations else { return m }
        return m.map { row in
            let norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
            return norm > 0 ? row.map { $0 / norm } : row
        }
    }
    var current = Fixtures.nested(h0)
    var sum = normalized(current).map { $0.map { $0 * Double(c.nodeSelfInfluence) } }
    for w in c.iterationWeights {
        current = Fixtures.denseProduct(p, current)
        let term = normalized(current)
        for u in 0..<n { for j in 0..<d { sum[u][j] += Double(w) * term[u][j] } }
    }
    if c.standardizeColumns {
        for j in 0..<d {
            let mean = (0..<n).map { sum[$0][j] }.reduce(0, +) / Double(n)
            let variance = (0..<n).map { (sum[$0][j] - mean) * (sum[$0][j] - mean) }.reduce(0, +) / Double(n)
            let sd = variance.squareRoot()
            for u in 0..<n { sum[u][j] = (sum[u][j] - mean) / (sd > 0 ? sd : 1) }
        }
    }
    return sum
}

func karate() throws -> CSRGraph {
    try GraphBuilder.build(EdgeListReader.read(Fixtures.graphPath("karate/edges.tsv")))
}

/// Largest absolute difference.
func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
    zip(a, b).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
}

@Suite("FastRP")
struct FastRPTests {
    static let configurations: [(String, FastRP.Configuration)] = [
        ("defaults", .init(dimension: 16)),
        ("paper BlogCatalog settings", { var c = FastRP.Configuration.paperBlogCatalog; c.dimension = 32; return c }()),
        ("sparse start (s = 10), k = 4", .init(dimension: 32, iterationWeights: [1, 1, 7.81, 45.28], normalizationStrength: -0.628,
                                              sparsity: .fixed(10))),
        ("sparse start, k = 3, zeros and self-influence", .init(dimension: 24, iterationWeights: [0, 0, 2], sparsity: .fixed(12),
                                                               nodeSelfInfluence: 0.5)),
        ("dense start (s = 3), k = 5, β = 0.3", .init(dimension: 20, iterationWeights: [0.5, 1, 0, 2, 1], normalizationStrength: 0.3,
                                                      sparsity: .fixed(3), seed: 7)),
        ("no row normalisation", .init(dimension: 8, iterationWeights: [1, 2], normalizeIterations: false, seed: 3)),
        ("k = 1", .init(dimension: 9, iterationWeights: [1], sparsity: .fixed(20))),
        ("self-influence only", .init(dimension: 8, iterationWeights: [], nodeSelfInfluence: 1)),
    ]

    @Test("karate: same values as a dense reference", arguments: configurations)
    func karateMatchesDenseReference(name: String, configuration: FastRP.Configuration) throws {
        let graph = try karate()
        let fastrp = FastRP(configuration)
        let h0 = try fastrp.initialVectors(for: graph)
        let result = try fastrp.embed(graph, threads: 2)
        let expected = denseFastRP(graph, h0: h0, configuration: configuration)
        #expect(result.embeddings.rows == 34 && result.embeddings.cols == configuration.dimension)
        #expect(maxDifference(Fixtures.nested(result.embeddings), expected) < 1e-4, "\(name)")
        #expect(result.embeddings.values.allSatisfy { $0.isFinite })
    }

    /// A result larger than the machine's memory is refused before anything is allocated (a
    /// one-edge file with a far integer id asked for 32 GB and died in the allocator): nodes
    /// enough that `[n × 65535]` float32 exceeds physical memory, one edge.
    @Test func aResultLargerThanMemoryIsRefusedBeforeAllocating() throws {
        let perNode = 65_535 * 4
        let n = Int(ProcessInfo.processInfo.physicalMemory) / perNode + 1
        let graph = try GraphBuilder.build(Fixtures.edgeList([(0, n - 1)], numNodes: n))
        let fastrp = FastRP(FastRP.Configuration(dimension: 65_535))
        let error = #expect(throws: EmbeddingError.self) { try fastrp.embed(graph) }
        guard case .insufficientMemory(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.hasPrefix("the embeddings of \(n) nodes × 65535 dimensions need "), "\(message)")
        // One node fewer than the limit allocates nothing either: the check is exact, not a margin.
        #expect(throws: Never.self) { try fastrp.checkMemory(rows: n - 1) }
    }

    @Test("dense and sparse H₀ paths agree")
    func denseAndSparsePathsAgree() throws {
        let graph = try karate()
        let c = FastRP.Configuration(dimension: 32, iterationWeights: [1, 1, 7.81, 45.28], normalizationStrength: -0.628,
                                     sparsity: .fixed(10), nodeSelfInfluence: 0.25)
        let setup = try FastRP(c).prepare(graph, features: nil)
        var sparse = Propagation(graph: graph, setup: setup, configuration: c, threads: 2, logger: nil, progress: nil)
        var dense = sparse
        dense.forceDenseInitialVectors = true
        let a = try sparse.run(), b = try dense.run()
        #expect(a.sparseInitialVectors && !b.sparseInitialVectors)
        #expect(maxDifference(Fixtures.nested(a.embeddings), Fixtures.nested(b.embeddings)) < 1e-5)
    }

    @Test("H₀ follows the very sparse law and depends only on (seed, node)")
    func initialVectorsLaw() throws {
        let list = Fixtures.randomEdgeList(numNodes: 2_000, numEdges: 10_000, seed: 5)
        let graph = try GraphBuilder.build(list)
        let c = FastRP.Configuration(dimension: 64, normalizationStrength: -0.5, sparsity: .fixed(4))
        let h0 = try FastRP(c).initialVectors(for: graph)
        let degrees = graph.degrees()
        var nonZeros = 0
        for u in 0..<graph.numNodes {
            let scale = Float((4.0 / 64.0).squareRoot()) * (degrees[u] > 0 ? Float(pow(Double(degrees[u]), -0.5)) : 1)
            for v in h0.row(u) where v != 0 {
                nonZeros += 1
                #expect(abs(abs(v) - scale) <= 1e-6 * scale)
            }
        }
        // 128,000 Bernoulli(1/4) draws: mean 32,000, standard deviation ≈ 155.
        #expect(abs(nonZeros - 32_000) < 800)
        // Adding isolated nodes (s fixed) leaves the other rows unchanged.
        var bigger = list
        bigger.numNodes += 50
        let h0b = try FastRP(c).initialVectors(for: try GraphBuilder.build(bigger))
        #expect(Array(h0b.values[0..<h0.values.count]) == h0.values)
        // Another seed gives other vectors.
        var other = c
        other.seed = 43
        #expect(try FastRP(other).initialVectors(for: graph) != h0)
    }

    @Test("identical output for 1, 2 and 3 threads", arguments: [
        FastRP.Configuration(dimension: 32, iterationWeights: [1, 1, 7.81, 45.28], normalizationStrength: -0.628),
        FastRP.Configuration(dimension: 24, iterationWeights: [0, 1, 1, 1, 1], sparsity: .fixed(3), standardizeColumns: true,
                             nodeSelfInfluence: 1),
    ])
    func threadCountDoesNotMatter(configuration: FastRP.Configuration) throws {
        let graph = try GraphBuilder.build(EdgeListReader.read(Fixtures.graphPath("blogcatalog/edges.tsv")))
        let one = try FastRP(configuration).embed(graph, threads: 1).embeddings
        let two = try FastRP(configuration).embed(graph, threads: 2).embeddings
        let three = try FastRP(configuration).embed(graph, threads: 3).embeddings
        #expect(one == two)
        #expect(one == three)
    }

    @Test("isolated nodes get zero rows, never NaN", arguments: [Float(0), Float(-0.8)])
    func isolatedNodes(beta: Float) throws {
        // Nodes 5…7 have no edges.
        let list = try EdgeList(sources: [0, 1, 2, 3], targets: [1, 2, 3, 4], numNodes: 8)
        let graph = try GraphBuilder.build(list)
        for sparsity in [FastRP.Sparsity.fixed(2), .fixed(9)] {
            let c = FastRP.Configuration(dimension: 16, iterationWeights: [1, 1, 1], normalizationStrength: beta, sparsity: sparsity)
            let e = try FastRP(c).embed(graph).embeddings
            #expect(e.values.allSatisfy { $0.isFinite })
            for u in 5..<8 { #expect(e.row(u).allSatisfy { $0 == 0 }) }
            #expect(e.row(0).contains { $0 != 0 })
            // With self-influence an isolated node keeps its own normalised vector.
            var withSelf = c
            withSelf.nodeSelfInfluence = 2
            let s = try FastRP(withSelf).embed(graph).embeddings
            let h0 = try FastRP(withSelf).initialVectors(for: graph)
            for u in 5..<8 where h0.row(u).contains(where: { $0 != 0 }) {
                let norm = s.row(u).map { Double($0 * $0) }.reduce(0, +).squareRoot()
                #expect(abs(norm - 2) < 1e-5)
            }
        }
    }

    @Test("weighted graphs: both transitions against the dense reference", arguments: FastRP.Transition.allCases)
    func weightedGraphs(transition: FastRP.Transition) throws {
        let list = Fixtures.randomEdgeList(numNodes: 40, numEdges: 150, seed: 9, weighted: true)
        let graph = try GraphBuilder.build(list)
        #expect(graph.weights != nil)
        for sparsity in [FastRP.Sparsity.fixed(3), .fixed(10)] {
            let c = FastRP.Configuration(dimension: 16, iterationWeights: [1, 2, 3], normalizationStrength: -0.5,
                                         sparsity: sparsity, nodeSelfInfluence: 0.5, transition: transition)
            let fastrp = FastRP(c)
            let expected = denseFastRP(graph, h0: try fastrp.initialVectors(for: graph), configuration: c)
            #expect(maxDifference(Fixtures.nested(try fastrp.embed(graph).embeddings), expected) < 1e-4)
        }
        // Without row normalisation the two transitions differ on a weighted graph.
        let plain = FastRP.Configuration(dimension: 8, iterationWeights: [1], normalizeIterations: false, transition: .degree)
        var weightedDegree = plain
        weightedDegree.transition = .weightedDegree
        #expect(try FastRP(plain).embed(graph).embeddings != FastRP(weightedDegree).embed(graph).embeddings)
    }

    @Test("directed graphs propagate along out-edges")
    func directedGraphs() throws {
        // 0 → 1 → 2 → 3, 3 → 0, 4 → 0; node 5 only receives (5 has no out-edge).
        let list = try EdgeList(sources: [0, 1, 2, 3, 4, 2], targets: [1, 2, 3, 0, 0, 5], numNodes: 6)
        let graph = try GraphBuilder.build(list, options: .directed)
        let c = FastRP.Configuration(dimension: 16, iterationWeights: [1, 1, 1], normalizationStrength: -0.3, sparsity: .fixed(2))
        let fastrp = FastRP(c)
        let e = try fastrp.embed(graph).embeddings
        let expected = denseFastRP(graph, h0: try fastrp.initialVectors(for: graph), configuration: c)
        #expect(maxDifference(Fixtures.nested(e), expected) < 1e-5)
        #expect(e.row(5).allSatisfy { $0 == 0 })
        let undirected = try FastRP(c).embed(GraphBuilder.build(list)).embeddings
        #expect(undirected != e)
    }

    @Test("node features fill the last ⌊dim · ratio⌋ columns of H₀")
    func nodeFeatures() throws {
        let graph = try karate()
        var features = Matrix(rows: 34, cols: 3)
        for u in 0..<34 { features[u, u % 3] = 1 }
        let c = FastRP.Configuration(dimension: 16, iterationWeights: [1, 1], propertyRatio: 0.5)
        let fastrp = FastRP(c)
        let h0 = try fastrp.initialVectors(for: graph, features: features)
        // Nodes 0 and 3 have the same features: same feature columns, different random ones.
        #expect(Array(h0.row(0)[8...]) == Array(h0.row(3)[8...]))
        #expect(Array(h0.row(0)[..<8]) != Array(h0.row(3)[..<8]))
        let e = try fastrp.embed(graph, features: features)
        let expected = denseFastRP(graph, h0: h0, configuration: c)
        #expect(maxDifference(Fixtures.nested(e.embeddings), expected) < 1e-4)
        #expect(!e.sparseInitialVectors)
    }

    @Test("working memory: two [n × dim] matrices from a sparse H₀ with k ≤ 4, three from a dense one")
    func workingMatrices() throws {
        let graph = try karate()
        let weights: [Float] = [1, 1, 7.81, 45.28]
        let sparse = try FastRP(.init(dimension: 8, iterationWeights: weights, sparsity: .fixed(10))).embed(graph)
        let dense = try FastRP(.init(dimension: 8, iterationWeights: weights, sparsity: .fixed(3))).embed(graph)
        #expect(sparse.sparseInitialVectors && sparse.peakDenseMatrices == 2)
        #expect(!dense.sparseInitialVectors && dense.peakDenseMatrices == 3)
        #expect(sparse.stepSeconds.count == 5)
    }

    @Test("progress is reported after H₀ and every iteration")
    func progress() throws {
        var seen: [Int] = []
        _ = try FastRP(.init(dimension: 8, iterationWeights: [1, 1, 1])).embed(try karate()) { seen.append($0.completed) }
        #expect(seen == [0, 1, 2, 3])
    }

    @Test("bad configurations and inputs throw", arguments: [
        (FastRP.Configuration(dimension: 0), "dimension"),
        (FastRP.Configuration(iterationWeights: []), "iteration weights must not be empty"),
        (FastRP.Configuration(iterationWeights: [1, .nan]), "finite"),
        (FastRP.Configuration(sparsity: .fixed(0.5)), "sparsity"),
        (FastRP.Configuration(nodeSelfInfluence: -1), "self-influence"),
        (FastRP.Configuration(propertyRatio: 1.5), "property ratio"),
        (FastRP.Configuration(propertyRatio: 0.5), "needs node features"),
    ])
    func badConfigurations(configuration: FastRP.Configuration, message: String) throws {
        #expect {
            try FastRP(configuration).embed(try karate())
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("features of the wrong shape or without a property ratio throw")
    func badFeatures() throws {
        let graph = try karate()
        #expect(throws: EmbeddingError.shapeMismatch("features have 3 rows, the graph has 34 nodes")) {
            try FastRP(.init(propertyRatio: 0.5)).embed(graph, features: Matrix(rows: 3, cols: 2))
        }
        #expect(throws: EmbeddingError.self) { try FastRP(.init()).embed(graph, features: Matrix(rows: 34, cols: 2)) }
        let rectangular = try CSRGraph(numRows: 2, numColumns: 3, rowOffsets: [0, 1, 1], columnIndices: [2])
        #expect(throws: EmbeddingError.self) { try FastRP(.init()).embed(rectangular) }
    }

    @Test("column standardisation gives mean 0 and variance 1")
    func standardisation() throws {
        var m = Fixtures.randomMatrix(rows: 3000, cols: 5, seed: 2)
        for i in 0..<3000 { m[i, 4] = 7 } // a constant column is only centred
        ColumnStandardization.standardize(&m, threads: 2)
        for j in 0..<4 {
            let column = (0..<3000).map { Double(m[$0, j]) }
            let mean = column.reduce(0, +) / 3000
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3000
            #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-4)
        }
        #expect((0..<3000).allSatisfy { m[$0, 4] == 0 })
    }
}
