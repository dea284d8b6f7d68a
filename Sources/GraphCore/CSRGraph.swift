/// A sparse matrix in compressed sparse row (CSR) form; for a graph, its adjacency matrix A.
///
/// Row `u` lists the out-neighbours of `u` in `columnIndices[rowOffsets[u] ..< rowOffsets[u+1]]`,
/// sorted ascending, with matching optional `weights`. Row offsets are 64-bit (`Int`), column
/// indices 32-bit (`Int32`). A graph is square (`numRows == numColumns == numNodes`); relations of
/// a heterogeneous graph and hypergraph incidence matrices are rectangular.
///
/// Invariants (checked by ``init(numRows:numColumns:rowOffsets:columnIndices:weights:)``):
/// `rowOffsets.count == numRows + 1`, `rowOffsets[0] == 0`, offsets non-decreasing,
/// `rowOffsets[numRows] == columnIndices.count`, every column in `0..<numColumns`, and columns
/// strictly increasing within a row (no duplicate entries).
public struct CSRGraph: Sendable, Equatable {
    /// Number of rows (source nodes).
    public let numRows: Int
    /// Number of columns (target nodes).
    public let numColumns: Int
    /// Start of each row in ``columnIndices``, `[numRows + 1]`.
    public let rowOffsets: [Int]
    /// Column (neighbour) of each stored entry, `[nnz]`.
    public let columnIndices: [Int32]
    /// Weight of each stored entry, `[nnz]`; `nil` means every weight is 1.
    public let weights: [Float]?

    /// A CSR matrix from its arrays, checking every invariant listed on the type.
    /// - Throws: ``GraphError/shapeMismatch(_:)`` or ``GraphError/nodeOutOfRange(node:numNodes:)``
    ///   when an invariant fails; ``GraphError/invalidWeight(edge:weight:)`` for NaN, infinite or
    ///   negative weights.
    /// - Complexity: O(numRows + nnz).
    public init(numRows: Int, numColumns: Int, rowOffsets: [Int], columnIndices: [Int32],
                weights: [Float]? = nil) throws(GraphError) {
        guard numRows >= 0, numColumns >= 0 else { throw .shapeMismatch("negative dimensions") }
        guard numColumns <= Int(Int32.max) + 1 else { throw .tooLarge("\(numColumns) columns exceed 32-bit indices") }
        guard rowOffsets.count == numRows + 1, rowOffsets.first == 0, rowOffsets.last == columnIndices.count else {
            throw .shapeMismatch("row offsets do not describe \(numRows) rows over \(columnIndices.count) entries")
        }
        if let w = weights, w.count != columnIndices.count {
            throw .shapeMismatch("\(w.count) weights for \(columnIndices.count) entries")
        }
        for u in 0..<numRows where rowOffsets[u] > rowOffsets[u + 1] {
            throw .shapeMismatch("row offsets decrease at row \(u)")
        }
        for u in 0..<numRows {
            let lo = rowOffsets[u], hi = rowOffsets[u + 1]
            var previous = -1
            for e in lo..<hi {
                let v = Int(columnIndices[e])
                guard v >= 0, v < numColumns else { throw .nodeOutOfRange(node: v, numNodes: numColumns) }
                guard v > previous else { throw .shapeMismatch("row \(u) is not strictly sorted at entry \(e)") }
                previous = v
                if let w = weights?[e], !(w.isFinite && w >= 0) { throw .invalidWeight(edge: e, weight: w) }
            }
        }
        self.init(unchecked: numRows, numColumns, rowOffsets, columnIndices, weights)
    }

    /// Wraps arrays already known to satisfy the invariants (kernels and builders in this package).
    package init(unchecked numRows: Int, _ numColumns: Int, _ rowOffsets: [Int], _ columnIndices: [Int32],
                 _ weights: [Float]?) {
        self.numRows = numRows
        self.numColumns = numColumns
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.weights = weights
    }

    /// An empty square graph on `numNodes` nodes.
    public init(emptyWithNodes numNodes: Int) {
        self.init(unchecked: numNodes, numNodes, [Int](repeating: 0, count: numNodes + 1), [], nil)
    }

    /// Number of nodes of a square graph.
    /// - Precondition: `numRows == numColumns`.
    public var numNodes: Int {
        precondition(numRows == numColumns, "numNodes asked of a rectangular \(numRows)×\(numColumns) CSR matrix")
        return numRows
    }

    /// Number of stored entries (directed edges; an undirected edge counts twice).
    public var nnz: Int { columnIndices.count }

    /// Whether the matrix is square.
    public var isSquare: Bool { numRows == numColumns }

    /// Out-degree (row length) of node `u`.
    @inlinable
    public func degree(of u: Int) -> Int { rowOffsets[u + 1] - rowOffsets[u] }

    /// Out-neighbours of `u`, ascending.
    public func neighbors(of u: Int) -> ArraySlice<Int32> {
        columnIndices[rowOffsets[u]..<rowOffsets[u + 1]]
    }

    /// Weights of the out-edges of `u`, aligned with ``neighbors(of:)``; all 1 when unweighted.
    public func edgeWeights(of u: Int) -> [Float] {
        if let w = weights { return Array(w[rowOffsets[u]..<rowOffsets[u + 1]]) }
        return [Float](repeating: 1, count: degree(of: u))
    }

    /// The storage index of entry `(u, v)`, or `nil` when absent. O(log degree(u)).
    public func entryIndex(from u: Int, to v: Int) -> Int? {
        var lo = rowOffsets[u], hi = rowOffsets[u + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = Int(columnIndices[mid])
            if c == v { return mid }
            if c < v { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// The weight of entry `(u, v)`, or 0 when absent. O(log degree(u)).
    public func weight(from u: Int, to v: Int) -> Float {
        guard let e = entryIndex(from: u, to: v) else { return 0 }
        return weights?[e] ?? 1
    }

    /// Out-degree of every row, `[numRows]`.
    public func degrees() -> [Int] {
        (0..<numRows).map { rowOffsets[$0 + 1] - rowOffsets[$0] }
    }

    /// Row sums of the weights, `[numRows]` (out-degree when unweighted). Summed in Double,
    /// in stored order.
    public func weightedDegrees() -> [Float] {
        guard let w = weights else { return degrees().map { Float($0) } }
        return (0..<numRows).map { u in
            var s = 0.0
            for e in rowOffsets[u]..<rowOffsets[u + 1] { s += Double(w[e]) }
            return Float(s)
        }
    }

    /// In-degree (column count) of every column, `[numColumns]`.
    public func inDegrees() -> [Int] {
        var counts = [Int](repeating: 0, count: numColumns)
        for v in columnIndices { counts[Int(v)] += 1 }
        return counts
    }

    /// The same structure with new entry weights `[nnz]` (`nil` = unweighted).
    /// - Precondition: `weights?.count == nnz`.
    public func withWeights(_ newWeights: [Float]?) -> CSRGraph {
        if let w = newWeights { precondition(w.count == nnz, "withWeights: \(w.count) weights for \(nnz) entries") }
        return CSRGraph(unchecked: numRows, numColumns, rowOffsets, columnIndices, newWeights)
    }

    /// Whether the graph has an entry `(u, u)`.
    public var hasSelfLoops: Bool {
        guard isSquare else { return false }
        for u in 0..<numRows where entryIndex(from: u, to: u) != nil { return true }
        return false
    }

    /// Whether A equals Aᵀ in structure and weights.
    public var isSymmetric: Bool { isSquare && transposed() == self }
}
