import GraphCore
import Testing
import TestSupport

@Suite("Heterogeneous graphs and hypergraphs")
struct HeterogeneousAndHypergraphTests {
    @Test func reverseRelationsAdded() throws {
        var g = HeterogeneousGraph(nodeTypes: [.init(name: "paper", count: 3), .init(name: "author", count: 2)])
        // paper → author: p0–a0, p1–a0, p2–a1.
        let writtenBy = try CSRGraph(numRows: 3, numColumns: 2, rowOffsets: [0, 1, 2, 3], columnIndices: [0, 0, 1])
        try g.addRelation(.init(name: "written_by", sourceType: 0, targetType: 1, adjacency: writtenBy))
        g.addReverseRelations()
        #expect(g.relations.map(\.name) == ["written_by", "written_by_rev"])
        let rev = g.relations[1]
        #expect(rev.sourceType == 1 && rev.targetType == 0)
        #expect(rev.adjacency.rowOffsets == [0, 2, 3])
        #expect(rev.adjacency.columnIndices == [0, 1, 2])
        // Adding again finds the transpose already present.
        g.addReverseRelations()
        #expect(g.relations.count == 2)
        #expect(throws: GraphError.self) {
            try g.addRelation(.init(name: "bad", sourceType: 0, targetType: 0, adjacency: writtenBy))
        }
    }

    //  e0 = {0, 1, 2}, e1 = {2, 3}, e2 = {0, 1, 2} (duplicate), vertex 4 in no hyperedge.
    @Test func hypergraphIncidenceAndOptions() throws {
        let edges = [[0, 1, 2], [2, 3], [2, 1, 0]]
        let plain = try Hypergraph(hyperedges: edges, numVertices: 5)
        #expect(plain.numHyperedges == 3)
        #expect(plain.incidence.rowOffsets == [0, 2, 4, 7, 8, 8])
        #expect(plain.incidence.columnIndices == [0, 2, 0, 2, 0, 1, 2, 1])
        #expect(plain.hyperedgeDegrees() == [3, 2, 3])
        #expect(plain.vertexDegrees() == [2, 2, 3, 1, 0])

        let merged = try Hypergraph(hyperedges: edges, numVertices: 5, mergeDuplicates: true, addSingletons: true)
        #expect(merged.numHyperedges == 3) // e0, e1, {4}
        #expect(merged.members.columnIndices == [0, 1, 2, 2, 3, 4])
        #expect(merged.vertexDegrees() == [1, 1, 2, 1, 1])
        #expect(throws: GraphError.nodeOutOfRange(node: 9, numNodes: 5)) {
            try Hypergraph(hyperedges: [[9]], numVertices: 5)
        }
    }

    @Test func hypergraphSingletonsEmptyHyperedgesAndWeights() throws {
        // [3, 3] -> {3} (weight 0.5); [] dropped with its weight; {1, 3} (2); [3] a duplicate of
        // the first, dropped; then singletons {0}, {2}, {4}, {5} in vertex order, weight 1.
        let h = try Hypergraph(hyperedges: [[3, 3], [], [3, 1], [3]], numVertices: 6, weights: [0.5, 9, 2, 4],
                               mergeDuplicates: true, addSingletons: true)
        #expect(h.members.rowOffsets == [0, 1, 3, 4, 5, 6, 7])
        #expect(h.members.columnIndices == [3, 1, 3, 0, 2, 4, 5])
        #expect(h.hyperedgeWeights == [0.5, 2, 1, 1, 1, 1])
        #expect(h.incidence.rowOffsets == [0, 1, 2, 3, 5, 6, 7])
        // A wide vertex range with one hyperedge: one singleton per other vertex.
        let n = 1 << 16
        let wide = try Hypergraph(hyperedges: [[n - 1, 0]], numVertices: n, addSingletons: true)
        #expect(wide.numHyperedges == n - 1)
        #expect(wide.hyperedgeDegrees() == [2] + [Int](repeating: 1, count: n - 2))
        #expect(Array(wide.members.columnIndices.prefix(4)) == [0, Int32(n - 1), 1, 2])
        #expect(wide.vertexDegrees() == [Float](repeating: 1, count: n))
    }
}
