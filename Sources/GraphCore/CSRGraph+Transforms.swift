extension CSRGraph {
    /// The transpose Aᵀ, `[numColumns × numRows]`, rows sorted. Counting sort by column.
    /// - Complexity: O(numRows + numColumns + nnz).
    public func transposed() -> CSRGraph {
        let n = numColumns
        var offsets = [Int](repeating: 0, count: n + 1)
        for v in columnIndices { offsets[Int(v) + 1] += 1 }
        for i in 0..<n { offsets[i + 1] += offsets[i] }
        var cols = [Int32](repeating: 0, count: nnz)
        var outWeights: [Float]? = weights == nil ? nil : [Float](repeating: 0, count: nnz)
        var next = offsets
        columnIndices.withUnsafeBufferPointer { ci in
            cols.withUnsafeMutableBufferPointer { out in
                for u in 0..<numRows {
                    for e in rowOffsets[u]..<rowOffsets[u + 1] {
                        let v = Int(ci[e])
                        let slot = next[v]
                        next[v] = slot + 1
                        out[slot] = Int32(u)
                        if let w = weights { outWeights![slot] = w[e] }
                    }
                }
            }
        }
        return CSRGraph(unchecked: n, numRows, offsets, cols, outWeights)
    }

    /// The subgraph induced by `nodes`: node `nodes[i]` becomes node `i`, and only edges with both
    /// ends in `nodes` are kept. Rows are re-sorted.
    /// - Throws: ``GraphError/nodeOutOfRange(node:numNodes:)`` or, for a repeated node,
    ///   ``GraphError/shapeMismatch(_:)``.
    /// - Complexity: O(numNodes + Σ degree(nodes) · log degree).
    public func inducedSubgraph(nodes: [Int]) throws(GraphError) -> CSRGraph {
        let n = numNodes
        var newID = [Int32](repeating: -1, count: n)
        for (i, u) in nodes.enumerated() {
            guard u >= 0, u < n else { throw .nodeOutOfRange(node: u, numNodes: n) }
            guard newID[u] < 0 else { throw .shapeMismatch("node \(u) listed twice in the induced subgraph") }
            newID[u] = Int32(i)
        }
        var offsets = [Int](repeating: 0, count: nodes.count + 1)
        var cols: [Int32] = []
        var outWeights: [Float]? = weights == nil ? nil : []
        var row: [(Int32, Float)] = []
        for (i, u) in nodes.enumerated() {
            row.removeAll(keepingCapacity: true)
            for e in rowOffsets[u]..<rowOffsets[u + 1] {
                let v = newID[Int(columnIndices[e])]
                if v >= 0 { row.append((v, weights?[e] ?? 1)) }
            }
            row.sort { $0.0 < $1.0 }
            for (v, w) in row {
                cols.append(v)
                outWeights?.append(w)
            }
            offsets[i + 1] = cols.count
        }
        return CSRGraph(unchecked: nodes.count, nodes.count, offsets, cols, outWeights)
    }

    /// The graph relabelled by a permutation: old node `u` becomes `newID[u]`.
    /// - Throws: ``GraphError/shapeMismatch(_:)`` if `newID` is not a permutation of `0..<numNodes`.
    /// - Complexity: O(numNodes + nnz · log degree).
    public func permuted(newID: [Int]) throws(GraphError) -> CSRGraph {
        let n = numNodes
        guard newID.count == n else { throw .shapeMismatch("permutation has \(newID.count) entries for \(n) nodes") }
        var oldOf = [Int](repeating: -1, count: n)
        for (u, v) in newID.enumerated() {
            guard v >= 0, v < n, oldOf[v] < 0 else { throw .shapeMismatch("not a permutation of 0..<\(n)") }
            oldOf[v] = u
        }
        var offsets = [Int](repeating: 0, count: n + 1)
        for v in 0..<n { offsets[v + 1] = offsets[v] + degree(of: oldOf[v]) }
        var cols = [Int32](repeating: 0, count: nnz)
        var outWeights: [Float]? = weights == nil ? nil : [Float](repeating: 0, count: nnz)
        var row: [(Int32, Float)] = []
        for v in 0..<n {
            let u = oldOf[v]
            row.removeAll(keepingCapacity: true)
            for e in rowOffsets[u]..<rowOffsets[u + 1] {
                row.append((Int32(newID[Int(columnIndices[e])]), weights?[e] ?? 1))
            }
            row.sort { $0.0 < $1.0 }
            for (k, (c, w)) in row.enumerated() {
                cols[offsets[v] + k] = c
                outWeights?[offsets[v] + k] = w
            }
        }
        return CSRGraph(unchecked: n, n, offsets, cols, outWeights)
    }

    /// The graph with every self-loop `(u, u)` removed.
    public func removingSelfLoops() -> CSRGraph {
        var offsets = [Int](repeating: 0, count: numRows + 1)
        var cols: [Int32] = []
        cols.reserveCapacity(nnz)
        var outWeights: [Float]? = weights == nil ? nil : []
        for u in 0..<numRows {
            for e in rowOffsets[u]..<rowOffsets[u + 1] where Int(columnIndices[e]) != u {
                cols.append(columnIndices[e])
                if let w = weights { outWeights!.append(w[e]) }
            }
            offsets[u + 1] = cols.count
        }
        return CSRGraph(unchecked: numRows, numColumns, offsets, cols, outWeights)
    }
}
