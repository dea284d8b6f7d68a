import GraphCore

/// Hypergraph constructions used by LightHGNN (Feng et al., ICLR 2024, §4 and Appendix) with DHG's
/// semantics: identical hyperedges merged, isolated vertices given a singleton hyperedge.
public enum HypergraphConstruction {
    /// The hypergraph of an ordinary graph, as DHG builds it for graph datasets:
    /// every edge {u, v} as a 2-hyperedge (`Hypergraph.from_graph`), plus every vertex's closed
    /// 1-hop neighbourhood {v} ∪ N(v) as a hyperedge (`add_hyperedges_from_graph_kHop(g, 1)`).
    ///
    /// ```
    /// E = { {u, v} : (u, v) ∈ A } ∪ { {v} ∪ N(v) : v ∈ V }      (duplicates merged)
    /// ```
    /// The graph is read as undirected: an entry in either direction gives the edge. A vertex
    /// with no neighbour gets the singleton {v} from its own neighbourhood.
    /// - Parameters:
    ///   - graph: a square `[numNodes × numNodes]` adjacency matrix (self-loops ignored).
    ///   - includeEdges: also add the 2-hyperedges (DHG's `from_graph` step); with `false` only
    ///     the neighbourhood hyperedges are built.
    ///   - mergeDuplicates: keep one copy of identical hyperedges (DHG does).
    /// - Throws: ``/GraphCore/GraphError`` from the hypergraph build (cannot happen for a valid
    ///   graph).
    /// - Complexity: O(nnz(A) log d_max).
    public static func closedNeighborhoods(of graph: CSRGraph, includeEdges: Bool = true,
                                           mergeDuplicates: Bool = true) throws(GraphError) -> Hypergraph {
        precondition(graph.isSquare, "closedNeighborhoods needs a square adjacency matrix")
        let n = graph.numRows
        let t = graph.transposed()
        var hyperedges: [[Int]] = []
        var neighborhoods: [[Int]] = []
        neighborhoods.reserveCapacity(n)
        for v in 0..<n {
            var set = Set<Int>([v])
            for u in graph.neighbors(of: v) { set.insert(Int(u)) }
            for u in t.neighbors(of: v) { set.insert(Int(u)) }
            let sorted = set.sorted()
            if includeEdges {
                for u in sorted where u > v { hyperedges.append([v, u]) }
            }
            neighborhoods.append(sorted)
        }
        hyperedges.append(contentsOf: neighborhoods)
        return try Hypergraph(hyperedges: hyperedges, numVertices: n, mergeDuplicates: mergeDuplicates,
                              addSingletons: true)
    }

    /// The sub-hypergraph induced on `vertices`, renumbered so that `vertices[i]` becomes vertex
    /// `i` (LightHGNN's production setting, reference `prod_train.py`).
    ///
    /// Each hyperedge is restricted to the kept vertices and kept, with its weight, if at least
    /// one member remains; the result is rebuilt, so identical restricted hyperedges are merged
    /// again (with `mergeDuplicates`) and kept vertices left in no hyperedge get a singleton
    /// (with `addSingletons`).
    /// - Parameters:
    ///   - hypergraph: the full hypergraph.
    ///   - vertices: distinct vertex ids of `hypergraph`, in their new order.
    ///   - mergeDuplicates: keep one copy of hyperedges that become identical.
    ///   - addSingletons: give every vertex left without a hyperedge a singleton one.
    /// - Throws: ``HypergraphLearningError/shapeMismatch(_:)`` for an id out of range or repeated.
    /// - Complexity: O(nnz(H) log |e|_max + |vertices|).
    public static func induced(_ hypergraph: Hypergraph, on vertices: [Int], mergeDuplicates: Bool = true,
                               addSingletons: Bool = true) throws(HypergraphLearningError) -> Hypergraph {
        var newID = [Int](repeating: -1, count: hypergraph.numVertices)
        for (i, v) in vertices.enumerated() {
            guard v >= 0 && v < hypergraph.numVertices else {
                throw .shapeMismatch("vertex \(v) is outside 0..<\(hypergraph.numVertices)")
            }
            guard newID[v] < 0 else { throw .shapeMismatch("vertex \(v) is listed twice") }
            newID[v] = i
        }
        var edges: [[Int]] = []
        var weights: [Float] = []
        let hT = hypergraph.members
        for e in 0..<hT.numRows {
            let kept = hT.neighbors(of: e).compactMap { newID[Int($0)] >= 0 ? newID[Int($0)] : nil }
            if kept.isEmpty { continue }
            edges.append(kept)
            weights.append(hypergraph.hyperedgeWeights[e])
        }
        do {
            return try Hypergraph(hyperedges: edges, numVertices: vertices.count, weights: weights,
                                  mergeDuplicates: mergeDuplicates, addSingletons: addSingletons)
        } catch {
            throw .shapeMismatch("sub-hypergraph: \(error)")
        }
    }
}
