import DenseMath
@testable import Embeddings
import GraphCore
import MessagePassing
import Testing
import TestSupport

/// Distributed FastRP against the one-process FastRP (the slow checker here is the whole-graph
/// run, itself checked against the dense reference in FastRPTests): ranks as threads, every
/// rank's rows byte-identical to the same rows of the one-process embedding.
struct DistributedFastRPTests {
    /// Rows `range` of `graph` as a `[range.count × n]` matrix with global columns.
    static func slice(_ graph: CSRGraph, _ range: Range<Int>) -> CSRGraph {
        let lo = graph.rowOffsets[range.lowerBound], hi = graph.rowOffsets[range.upperBound]
        return CSRGraph(unchecked: range.count, graph.numColumns, graph.rowOffsets[range.lowerBound...range.upperBound].map { $0 - lo },
                        Array(graph.columnIndices[lo..<hi]), graph.weights.map { Array($0[lo..<hi]) })
    }

    /// The partition the CLI uses: balanced by stored entries, on 1,024-row units when
    /// standardising, else on single rows.
    static func partition(_ graph: CSRGraph, parts: Int, unit: Int) -> RowPartition {
        let n = graph.numRows
        let units = (n + unit - 1) / unit
        let counts = (0..<units).map { i in Int64(graph.rowOffsets[min(n, (i + 1) * unit)] - graph.rowOffsets[i * unit]) }
        return RowPartition.balanced(unitCounts: counts, unit: unit, numRows: n, parts: parts)
    }

    /// Runs FastRP on `ranks` threads and returns the stacked rows (and each rank's result).
    static func distributed(_ graph: CSRGraph, _ config: FastRP.Configuration, ranks: Int, features: Matrix? = nil,
                            columnBlock: Int? = nil, unit: Int = 1) throws -> (Matrix, [FastRP.DistributedResult]) {
        let part = partition(graph, parts: ranks, unit: config.standardizeColumns ? 1024 : unit)
        let outcomes = InProcessCommunicator.run(ranks: ranks, timeout: 60) { comm in
            let own = part.rows(of: comm.rank)
            let f = features.map { Matrix(rows: own.count, cols: $0.cols, values: Array($0.values[(own.lowerBound * $0.cols)..<(own.upperBound * $0.cols)])) }
            return try FastRP(config).embed(rows: slice(graph, own), partition: part, communicator: comm, features: f,
                                            columnBlock: columnBlock, threads: 2)
        }
        let results = try outcomes.map { try $0.get() }
        var values: [Float] = []
        for r in results { values += r.embeddings.values }
        return (Matrix(rows: graph.numRows, cols: config.dimension, values: values), results)
    }

    static func expectIdentical(_ graph: CSRGraph, _ config: FastRP.Configuration, ranks: [Int] = [1, 2, 3, 4],
                                features: Matrix? = nil, columnBlock: Int? = nil) throws {
        let single = try FastRP(config).embed(graph, features: features, threads: 2).embeddings
        for p in ranks {
            let (stacked, _) = try distributed(graph, config, ranks: p, features: features, columnBlock: columnBlock)
            let same = stacked.values.withUnsafeBytes { a in single.values.withUnsafeBytes { b in a.elementsEqual(b) } }
            #expect(same, "P = \(p): rows differ from one process")
        }
    }

    static func randomGraph(nodes: Int, edges: Int, seed: UInt64, weighted: Bool = false, directed: Bool = false) throws -> CSRGraph {
        try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: nodes, numEdges: edges, seed: seed, weighted: weighted),
                               options: directed ? .directed : .undirected)
    }

    @Test("default options: rows bit-identical for P = 1…4", arguments: [UInt64(1), 2, 3])
    func defaults(seed: UInt64) throws {
        try Self.expectIdentical(Self.randomGraph(nodes: 300, edges: 1500, seed: seed), FastRP.Configuration(dimension: 32, seed: seed))
    }

    @Test("weighted, directed, degree transition, β, self-influence, no row normalisation")
    func variants() throws {
        let g = try Self.randomGraph(nodes: 200, edges: 900, seed: 9, weighted: true, directed: true)
        var c = FastRP.Configuration(dimension: 20, iterationWeights: [0.5, 1, 2], normalizationStrength: -0.4, nodeSelfInfluence: 0.3)
        try Self.expectIdentical(g, c)
        c.transition = .degree
        c.normalizeIterations = false
        try Self.expectIdentical(g, c)
    }

    @Test("dense H₀ (s = 1), k = 1, k = 0 with self-influence, k = 5; column blocks of 3 and 8")
    func paths() throws {
        let g = try Self.randomGraph(nodes: 150, edges: 600, seed: 4)
        try Self.expectIdentical(g, FastRP.Configuration(dimension: 16, sparsity: .fixed(1)), columnBlock: 3)
        try Self.expectIdentical(g, FastRP.Configuration(dimension: 16, iterationWeights: [2]), columnBlock: 8)
        try Self.expectIdentical(g, FastRP.Configuration(dimension: 16, iterationWeights: [], nodeSelfInfluence: 1))
        try Self.expectIdentical(g, FastRP.Configuration(dimension: 19, iterationWeights: [1, 0, 2, 0, 3], nodeSelfInfluence: 0.5))
        try Self.expectIdentical(g, FastRP.Configuration(dimension: 16, iterationWeights: [1, 1, 7.81, 45.28], sparsity: .fixed(1)), columnBlock: 5)
    }

    @Test("paper settings with column standardisation (ranks cut at 1,024-row blocks)")
    func paper() throws {
        var c = FastRP.Configuration.paperBlogCatalog
        c.dimension = 24
        try Self.expectIdentical(Self.randomGraph(nodes: 3500, edges: 12000, seed: 5), c)
    }

    @Test("features mixed into H₀ (property ratio)")
    func features() throws {
        let g = try Self.randomGraph(nodes: 120, edges: 500, seed: 6)
        let f = Fixtures.randomMatrix(rows: 120, cols: 7, seed: 3)
        try Self.expectIdentical(g, FastRP.Configuration(dimension: 16, propertyRatio: 0.25), features: f)
    }

    @Test("hand-made graphs: a path, a star with isolated nodes, an edgeless graph; empty ranks")
    func handMade() throws {
        let path = try GraphBuilder.build(Fixtures.edgeList([(0, 1), (1, 2), (2, 3), (3, 4)], numNodes: 5))
        let star = try GraphBuilder.build(Fixtures.edgeList([(0, 1), (0, 2), (0, 3)], numNodes: 6))
        let empty = CSRGraph(emptyWithNodes: 3)
        for g in [path, star, empty] {
            try Self.expectIdentical(g, FastRP.Configuration(dimension: 8, iterationWeights: [1, 1], nodeSelfInfluence: 0.5), ranks: [1, 2, 3, 4, 7])
            try Self.expectIdentical(g, FastRP.Configuration(dimension: 8, sparsity: .fixed(1)), ranks: [2, 4, 7])
        }
    }

    @Test("bytes exchanged are counted per step and the halo stays within its buffers")
    func statistics() throws {
        let g = try Self.randomGraph(nodes: 400, edges: 2000, seed: 8)
        let (_, results) = try Self.distributed(g, FastRP.Configuration(dimension: 32), ranks: 3)
        for r in results {
            #expect(r.stepBytes.count == 2)  // N₁ from sparse H₀ needs none; N₂ and N₃ read dense inputs
            #expect(r.stepBytes.allSatisfy { $0 > 0 })
            #expect(r.haloRows > 0 && r.columnBlock >= 16 && r.columnBlock <= 32)
        }
    }

    @Test("a partition that does not match the ranks or rows is refused")
    func mismatches() throws {
        let g = try Self.randomGraph(nodes: 50, edges: 100, seed: 2)
        let outcomes = InProcessCommunicator.run(ranks: 2) { comm in
            try FastRP(FastRP.Configuration(dimension: 8)).embed(rows: g, partition: RowPartition(bounds: [0, 25, 50]), communicator: comm)
        }
        for o in outcomes {
            #expect(throws: EmbeddingError.self) { try o.get() }
        }
    }
}
