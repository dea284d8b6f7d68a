import GraphCore
import Testing
import TestSupport

@Suite("CSRGraph")
struct CSRGraphTests {
    // Path 0 → 1 → 2 → 3 (directed), weights 1, 2, 3.
    func path() throws -> CSRGraph {
        try GraphBuilder.build(Fixtures.edgeList([(0, 1), (1, 2), (2, 3)], numNodes: 4, weights: [1, 2, 3]),
                               options: .directed)
    }

    @Test func validationRejectsBrokenArrays() {
        #expect(throws: GraphError.self) {
            try CSRGraph(numRows: 2, numColumns: 2, rowOffsets: [0, 2, 1], columnIndices: [0])
        }
        #expect(throws: GraphError.nodeOutOfRange(node: 7, numNodes: 2)) {
            try CSRGraph(numRows: 1, numColumns: 2, rowOffsets: [0, 1], columnIndices: [7])
        }
        #expect(throws: GraphError.shapeMismatch("row 0 is not strictly sorted at entry 1")) {
            try CSRGraph(numRows: 1, numColumns: 3, rowOffsets: [0, 2], columnIndices: [2, 1])
        }
        #expect(throws: GraphError.invalidWeight(edge: 0, weight: .infinity)) {
            try CSRGraph(numRows: 1, numColumns: 2, rowOffsets: [0, 1], columnIndices: [1], weights: [.infinity])
        }
    }

    @Test func transposeOfPath() throws {
        let t = try path().transposed()
        #expect(t.rowOffsets == [0, 0, 1, 2, 3])
        #expect(t.columnIndices == [0, 1, 2])
        #expect(t.weights == [1, 2, 3])
        #expect(t.transposed() == (try path()))
    }

    @Test func rectangularTranspose() throws {
        // 2×3: row 0 → {0, 2}, row 1 → {1}.
        let a = try CSRGraph(numRows: 2, numColumns: 3, rowOffsets: [0, 2, 3], columnIndices: [0, 2, 1])
        let t = a.transposed()
        #expect(t.numRows == 3 && t.numColumns == 2)
        #expect(t.rowOffsets == [0, 1, 2, 3])
        #expect(t.columnIndices == [0, 1, 0])
    }

    @Test func weightedDegrees() throws {
        let g = try path()
        #expect(g.weightedDegrees() == [1, 2, 3, 0])
        #expect(g.weight(from: 1, to: 2) == 2)
        #expect(g.weight(from: 2, to: 1) == 0)
    }

    @Test func inducedSubgraph() throws {
        let g = try GraphBuilder.build(Fixtures.edgeList([(0, 1), (1, 2), (2, 3), (3, 0)], numNodes: 4))
        // Keep 3, 0, 1 → new ids 0, 1, 2; edges 3–0 and 0–1 survive.
        let s = try g.inducedSubgraph(nodes: [3, 0, 1])
        #expect(s.rowOffsets == [0, 1, 3, 4])
        #expect(s.columnIndices == [1, 0, 2, 1])
        #expect(throws: GraphError.shapeMismatch("node 0 listed twice in the induced subgraph")) {
            try g.inducedSubgraph(nodes: [0, 0])
        }
    }

    @Test func permutationRelabelsAndInverts() throws {
        let g = try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: 30, numEdges: 120, seed: 9, weighted: true))
        let perm = (0..<30).map { ($0 * 7) % 30 }
        let p = try g.permuted(newID: perm)
        for u in 0..<30 {
            for v in 0..<30 { #expect(p.weight(from: perm[u], to: perm[v]) == g.weight(from: u, to: v)) }
        }
        var inverse = [Int](repeating: 0, count: 30)
        for (u, v) in perm.enumerated() { inverse[v] = u }
        #expect(try p.permuted(newID: inverse) == g)
        #expect(throws: GraphError.shapeMismatch("not a permutation of 0..<30")) {
            try g.permuted(newID: [Int](repeating: 0, count: 30))
        }
    }
}

@Suite("Connected components")
struct ComponentTests {
    // 0 — 1   2 → 3 (directed, still one component)   4 (isolated)
    @Test func componentsIgnoreDirection() throws {
        let g = try GraphBuilder.build(Fixtures.edgeList([(0, 1), (2, 3)], numNodes: 5), options: .directed)
        let (component, count) = g.connectedComponents()
        #expect(count == 3)
        #expect(component == [0, 0, 1, 1, 2])
    }
}
