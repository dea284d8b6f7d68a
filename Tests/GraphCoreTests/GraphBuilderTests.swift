import GraphCore
import Testing
import TestSupport

@Suite("GraphBuilder")
struct GraphBuilderTests {
    //   0 — 1 — 2      3 (isolated)
    //    \     /
    //     `---'
    @Test func triangleSymmetrisedAndSorted() throws {
        let list = Fixtures.edgeList([(2, 1), (0, 1), (2, 0)], numNodes: 4)
        let g = try GraphBuilder.build(list)
        #expect(g.numNodes == 4)
        #expect(g.rowOffsets == [0, 2, 4, 6, 6])
        #expect(g.columnIndices == [1, 2, 0, 2, 0, 1])
        #expect(g.weights == nil)
        #expect(g.degrees() == [2, 2, 2, 0])
        #expect(g.isSymmetric)
    }

    @Test func directedKeepsListedDirectionOnly() throws {
        let g = try GraphBuilder.build(Fixtures.edgeList([(0, 1), (1, 2)], numNodes: 3), options: .directed)
        #expect(g.rowOffsets == [0, 1, 2, 2])
        #expect(g.columnIndices == [1, 2])
        #expect(g.inDegrees() == [0, 1, 1])
        #expect(!g.isSymmetric)
    }

    @Test(arguments: [
        (DuplicateEdgePolicy.max, Float(5)),
        (.sum, Float(2 + 5 + 3)),
        (.first, Float(2)),
    ])
    func duplicateWeightsMerged(policy: DuplicateEdgePolicy, expected: Float) throws {
        // (0,1) listed three times, once as (1,0).
        let list = Fixtures.edgeList([(0, 1), (1, 0), (0, 1)], numNodes: 2, weights: [2, 5, 3])
        let g = try GraphBuilder.build(list, options: GraphBuildOptions(duplicates: policy))
        #expect(g.nnz == 2)
        #expect(g.weight(from: 0, to: 1) == expected)
        #expect(g.weight(from: 1, to: 0) == expected)
    }

    @Test func rejectPolicies() {
        let dup = Fixtures.edgeList([(0, 1), (0, 1)], numNodes: 2)
        #expect(throws: GraphError.duplicateEdge(source: 0, target: 1)) {
            try GraphBuilder.build(dup, options: GraphBuildOptions(symmetrize: false, duplicates: .reject))
        }
        let loop = Fixtures.edgeList([(0, 1), (2, 2)], numNodes: 3)
        #expect(throws: GraphError.selfLoop(node: 2)) {
            try GraphBuilder.build(loop, options: GraphBuildOptions(selfLoops: .reject))
        }
    }

    @Test func selfLoopsDroppedOrKept() throws {
        let loop = Fixtures.edgeList([(0, 1), (1, 1)], numNodes: 2)
        #expect(try GraphBuilder.build(loop).nnz == 2)
        let kept = try GraphBuilder.build(loop, options: GraphBuildOptions(selfLoops: .keep))
        #expect(kept.columnIndices == [1, 0, 1])
        #expect(kept.hasSelfLoops)
    }

    @Test func edgeListValidation() {
        #expect(throws: GraphError.nodeOutOfRange(node: 5, numNodes: 3)) {
            try EdgeList(sources: [0], targets: [5], numNodes: 3)
        }
        #expect(throws: GraphError.invalidWeight(edge: 0, weight: -1)) {
            try EdgeList(sources: [0], targets: [1], weights: [-1], numNodes: 3)
        }
        #expect(throws: GraphError.shapeMismatch("2 sources but 1 targets")) {
            try EdgeList(sources: [0, 1], targets: [1], numNodes: 3)
        }
    }

    /// The counting-sort builder against a slow set-based reference on random multigraphs.
    @Test(arguments: [UInt64(1), 2, 3])
    func matchesReferenceOnRandomGraphs(seed: UInt64) throws {
        let list = Fixtures.randomEdgeList(numNodes: 50, numEdges: 400, seed: seed, weighted: true)
        let g = try GraphBuilder.build(list)
        var reference: [Int: [Int: Float]] = [:]
        for i in 0..<list.count {
            let u = Int(list.sources[i]), v = Int(list.targets[i]), w = list.weights![i]
            if u == v { continue }
            reference[u, default: [:]][v] = max(reference[u]?[v] ?? 0, w)
            reference[v, default: [:]][u] = max(reference[v]?[u] ?? 0, w)
        }
        for u in 0..<50 {
            let expected = (reference[u] ?? [:]).sorted { $0.key < $1.key }
            #expect(g.neighbors(of: u).map(Int.init) == expected.map(\.key))
            #expect(g.edgeWeights(of: u) == expected.map(\.value))
        }
        #expect(throws: Never.self) {
            try CSRGraph(numRows: g.numRows, numColumns: g.numColumns, rowOffsets: g.rowOffsets,
                         columnIndices: g.columnIndices, weights: g.weights)
        }
    }
}
