/// A hypergraph with `numVertices` vertices and `numHyperedges` weighted hyperedges.
///
/// Stored as the incidence matrix H `[numVertices × numHyperedges]` in CSR (row v lists the
/// hyperedges containing v) and its transpose Hᵀ `[numHyperedges × numVertices]` (row e lists
/// the members of e), plus one weight per hyperedge (the diagonal of W in HGNN, Feng et al. 2019).
public struct Hypergraph: Sendable, Equatable {
    /// Incidence H, vertex → hyperedges.
    public let incidence: CSRGraph
    /// Hᵀ, hyperedge → member vertices.
    public let members: CSRGraph
    /// Hyperedge weights, `[numHyperedges]`.
    public let hyperedgeWeights: [Float]

    /// Number of vertices.
    public var numVertices: Int { incidence.numRows }
    /// Number of hyperedges.
    public var numHyperedges: Int { members.numRows }

    /// Vertex degrees d(v) = Σₑ w(e) h(v, e), `[numVertices]`.
    public func vertexDegrees() -> [Float] {
        (0..<numVertices).map { v in
            var s: Float = 0
            for e in incidence.neighbors(of: v) { s += hyperedgeWeights[Int(e)] }
            return s
        }
    }

    /// Hyperedge degrees δ(e) = |e|, `[numHyperedges]`.
    public func hyperedgeDegrees() -> [Int] { members.degrees() }

    /// Builds a hypergraph from member lists.
    ///
    /// Members repeated inside one hyperedge are counted once. Empty hyperedges are dropped.
    /// - Parameters:
    ///   - hyperedges: each hyperedge's member vertex ids.
    ///   - numVertices: vertex count; every id must be in `0..<numVertices`.
    ///   - weights: one weight per input hyperedge (default 1).
    ///   - mergeDuplicates: keep one copy of hyperedges with the same member set (DHG does);
    ///     the kept copy has the first copy's weight.
    ///   - addSingletons: give every vertex in no hyperedge a singleton hyperedge `{v}` (DHG's
    ///     HGNN setting), weight 1.
    /// - Throws: ``GraphError/nodeOutOfRange(node:numNodes:)``, ``GraphError/shapeMismatch(_:)``,
    ///   ``GraphError/invalidWeight(edge:weight:)``.
    public init(hyperedges: [[Int]], numVertices: Int, weights: [Float]? = nil,
                mergeDuplicates: Bool = false, addSingletons: Bool = false) throws(GraphError) {
        if let w = weights, w.count != hyperedges.count {
            throw .shapeMismatch("\(w.count) weights for \(hyperedges.count) hyperedges")
        }
        var seen: [[Int]: Int] = [:]
        // Hᵀ in CSR directly: the singletons below are one entry each, not one array each.
        var offsets = [0]
        var cols: [Int32] = []
        var outWeights: [Float] = []
        for (i, edge) in hyperedges.enumerated() {
            for v in edge where v < 0 || v >= numVertices { throw .nodeOutOfRange(node: v, numNodes: numVertices) }
            let w = weights?[i] ?? 1
            guard w.isFinite && w >= 0 else { throw .invalidWeight(edge: i, weight: w) }
            let set = Array(Set(edge)).sorted()
            if set.isEmpty { continue }
            if mergeDuplicates {
                if seen[set] != nil { continue }
                seen[set] = outWeights.count
            }
            cols.append(contentsOf: set.lazy.map { Int32($0) })
            offsets.append(cols.count)
            outWeights.append(w)
        }
        if addSingletons {
            var covered = [Bool](repeating: false, count: numVertices)
            for v in cols { covered[Int(v)] = true }
            for v in 0..<numVertices where !covered[v] {
                cols.append(Int32(v))
                offsets.append(cols.count)
                outWeights.append(1)
            }
        }
        let hT = CSRGraph(unchecked: outWeights.count, numVertices, offsets, cols, nil)
        self.members = hT
        self.incidence = hT.transposed()
        self.hyperedgeWeights = outWeights
    }
}
