import GraphCore

/// An assignment of nodes to `numParts` parts, with the relabelling that makes each part a
/// contiguous id range.
public struct GraphPartition: Sendable, Equatable {
    /// Part of each node, `[numNodes]`, values in `0..<numParts`.
    public let parts: [Int32]
    /// Number of parts.
    public let numParts: Int
    /// Number of undirected edges whose ends lie in different parts (self-loops ignored; for a
    /// directed input, edges of the symmetrised graph).
    public let edgeCut: Int
    /// New id of each old node: parts are laid out in order, nodes within a part keep their
    /// relative order. `[numNodes]`.
    public let newID: [Int]
    /// Number of undirected edges (self-loops excluded) of the graph the cut was measured on:
    /// the denominator of the cut fraction.
    public let numEdges: Int
    /// Part `p` owns new ids `partOffsets[p] ..< partOffsets[p+1]`. `[numParts + 1]`.
    public let partOffsets: [Int]

    /// A partition from part ids; computes the cut on `graph` and the contiguous relabelling.
    public init(parts: [Int32], numParts: Int, graph: CSRGraph) {
        precondition(parts.count == graph.numRows, "one part id per node")
        self.parts = parts
        self.numParts = numParts
        var offsets = [Int](repeating: 0, count: numParts + 1)
        for p in parts { offsets[Int(p) + 1] += 1 }
        for p in 0..<numParts { offsets[p + 1] += offsets[p] }
        var next = offsets
        var ids = [Int](repeating: 0, count: parts.count)
        for (u, p) in parts.enumerated() {
            ids[u] = next[Int(p)]
            next[Int(p)] += 1
        }
        self.newID = ids
        self.partOffsets = offsets
        var cut = 0, edges = 0
        for u in 0..<graph.numRows {
            for v in graph.neighbors(of: u) where Int(v) != u {
                edges += 1
                if parts[Int(v)] != parts[u] { cut += 1 }
            }
        }
        // Each undirected edge is stored in both directions of a symmetric graph.
        let symmetric = graph.isSymmetricStructure
        self.edgeCut = symmetric ? cut / 2 : cut
        self.numEdges = symmetric ? edges / 2 : edges
    }

    /// Number of nodes in each part, `[numParts]`.
    public var partSizes: [Int] { (0..<numParts).map { partOffsets[$0 + 1] - partOffsets[$0] } }

    /// Vertices that ``METISPartitioner/partition(_:parts:seed:imbalance:vertexWeights:constraints:)``
    /// moved into parts METIS had left empty (one per such part; 0 for any other partition).
    public internal(set) var verticesMovedToEmptyParts = 0

    /// Parts that received no node (an assignment given by hand can leave parts empty;
    /// ``METISPartitioner`` never does).
    public var emptyParts: [Int] { (0..<numParts).filter { partOffsets[$0 + 1] == partOffsets[$0] } }

    /// Fraction of ``numEdges`` that the cut crosses (0 when there are no edges).
    public var cutFraction: Double { numEdges > 0 ? Double(edgeCut) / Double(numEdges) : 0 }

    /// Largest part size over the mean part size (1 = perfectly balanced).
    public var imbalance: Double {
        let sizes = partSizes
        guard let maxSize = sizes.max(), !parts.isEmpty else { return 1 }
        return Double(maxSize) * Double(numParts) / Double(parts.count)
    }

    /// Halo size of each part: the number of distinct nodes outside the part that some node in
    /// the part has as an out-neighbour in `graph` (the rows a graph-parallel worker owning the
    /// part must receive from other workers before each layer).
    /// - Complexity: O(numNodes + nnz): the nodes are visited part by part (in the order of
    /// ``newID``), so one `lastSeen` mark per node suffices.
    public func haloSizes(in graph: CSRGraph) -> [Int] {
        var halo = [Int](repeating: 0, count: numParts)
        var lastSeen = [Int32](repeating: -1, count: graph.numColumns)
        var byPart = [Int](repeating: 0, count: parts.count)
        for u in parts.indices { byPart[newID[u]] = u }
        for u in byPart {
            let p = parts[u]
            for v in graph.neighbors(of: u) where parts[Int(v)] != p && lastSeen[Int(v)] != p {
                lastSeen[Int(v)] = p
                halo[Int(p)] += 1
            }
        }
        return halo
    }
}

extension CSRGraph {
    /// Whether the sparsity pattern is symmetric (weights ignored).
    var isSymmetricStructure: Bool {
        guard isSquare else { return false }
        let t = transposed()
        return t.rowOffsets == rowOffsets && t.columnIndices == columnIndices
    }
}
