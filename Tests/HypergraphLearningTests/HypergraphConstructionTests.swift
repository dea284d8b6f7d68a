import DenseMath
import Foundation
import GraphCore
import GraphIO
import GraphKernels
import Testing
import TestSupport
@testable import HypergraphLearning

@Suite("Hypergraph construction")
struct HypergraphConstructionTests {
    /// ```
    /// e0 = {0, 1, 2}   e1 = {2, 1, 0, 0} (same set as e0)   e2 = {2, 3}   vertex 4 isolated
    /// ```
    @Test func duplicatesMergeAndIsolatedVerticesGetSingletons() throws {
        let edges = [[0, 1, 2], [2, 1, 0, 0], [2, 3]]
        let plain = try Hypergraph(hyperedges: edges, numVertices: 5)
        #expect(plain.numHyperedges == 3)
        let merged = try Hypergraph(hyperedges: edges, numVertices: 5, mergeDuplicates: true)
        #expect(merged.numHyperedges == 2)
        let full = try Hypergraph(hyperedges: edges, numVertices: 5, mergeDuplicates: true, addSingletons: true)
        #expect(full.numHyperedges == 3)
        #expect(Array(full.members.neighbors(of: 2)) == [4])
        // HGNN smoothing is the identity on a vertex whose only hyperedge is its singleton.
        let l = HGNNOperator(full).materialized()
        #expect(Array(l.neighbors(of: 4)) == [4])
        #expect(l.weight(from: 4, to: 4) == 1)
        // Without the singleton the isolated vertex's row of L is zero.
        #expect(HGNNOperator(merged).materialized().degree(of: 4) == 0)
    }

    /// Path 0 – 1 – 2 plus isolated vertex 3: 2-hyperedges {0,1}, {1,2}; neighbourhoods {0,1},
    /// {0,1,2}, {1,2}, {3}; merged: {0,1}, {1,2}, {0,1,2}, {3}.
    @Test func closedNeighborhoodsOfAGraph() throws {
        let g = try CSRGraph(numRows: 4, numColumns: 4, rowOffsets: [0, 1, 3, 4, 4], columnIndices: [1, 0, 2, 1])
        let h = try HypergraphConstruction.closedNeighborhoods(of: g)
        let lists = (0..<h.numHyperedges).map { h.members.neighbors(of: $0).map(Int.init) }
        #expect(lists == [[0, 1], [1, 2], [0, 1, 2], [3]])
        let onlyNeighborhoods = try HypergraphConstruction.closedNeighborhoods(of: g, includeEdges: false)
        #expect(onlyNeighborhoods.numHyperedges == 4)
        let unmerged = try HypergraphConstruction.closedNeighborhoods(of: g, mergeDuplicates: false)
        #expect(unmerged.numHyperedges == 6)
    }

    /// Keeping vertices [3, 0, 1] of e0 = {0, 1, 2}, e1 = {0, 1}, e2 = {2, 4}: e0 and e1 both
    /// restrict to {0, 1} → new ids {1, 2} (merged), e2 vanishes, vertex 3 → 0 gets a singleton.
    @Test func inducedSubHypergraphRenumbersMergesAndAddsSingletons() throws {
        let h = try Hypergraph(hyperedges: [[0, 1, 2], [0, 1], [2, 4]], numVertices: 5)
        let sub = try HypergraphConstruction.induced(h, on: [3, 0, 1])
        #expect(sub.numVertices == 3)
        let lists = (0..<sub.numHyperedges).map { sub.members.neighbors(of: $0).map(Int.init) }
        #expect(lists == [[1, 2], [0]])
        #expect(throws: HypergraphLearningError.shapeMismatch("vertex 1 is listed twice")) {
            try HypergraphConstruction.induced(h, on: [1, 1])
        }
    }

    /// The DHG counts of the notes (§13.3): unique hyperedges + singletons.
    @Test(arguments: [("cocitation-cora", 1483, 1274), ("coauthorship-cora", 970, 320)])
    func bundledCoraHypergraphsMatchDHG(name: String, unique: Int, singletons: Int) throws {
        let edges = try HyperedgeListReader.read(Fixtures.graphPath("\(name)/hyperedges.tsv"), numVertices: 2708)
        let merged = try Hypergraph(hyperedges: edges, numVertices: 2708, mergeDuplicates: true)
        #expect(merged.numHyperedges == unique)
        let full = try Hypergraph(hyperedges: edges, numVertices: 2708, mergeDuplicates: true, addSingletons: true)
        #expect(full.numHyperedges - merged.numHyperedges == singletons)
    }

    @Test func hyperedgeMeanAndItsAdjoint() throws {
        let h = try Hypergraph(hyperedges: [[0, 1, 2], [2, 3]], numVertices: 4, weights: [2, 1])
        let mean = HyperedgeMean(h)
        let x = Dense.random(rows: 4, cols: 2, seed: 3)
        let p = mean.apply(x)
        for j in 0..<2 {
            #expect(abs(p[0, j] - 2 * (x[0, j] + x[1, j] + x[2, j]) / 3) < 1e-6)
            #expect(abs(p[1, j] - (x[2, j] + x[3, j]) / 2) < 1e-6)
        }
        // ⟨v2e(X), G⟩ = ⟨X, v2eᵀ(G)⟩.
        let g = Dense.random(rows: 2, cols: 2, seed: 4)
        let back = mean.applyTransposed(g)
        let lhs = zip(p.values, g.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x.values, back.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(lhs - rhs) < 1e-5)
    }
}
