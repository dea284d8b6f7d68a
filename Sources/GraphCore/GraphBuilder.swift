/// What to do when the same directed edge `(u, v)` appears more than once.
public enum DuplicateEdgePolicy: String, Sendable, CaseIterable {
    /// Keep one entry whose weight is the largest of the copies (default). Idempotent, so an
    /// undirected edge listed in both directions keeps its weight after symmetrisation.
    case max
    /// Keep one entry whose weight is the sum of the copies (multigraph counts).
    case sum
    /// Keep the first copy's weight, in input order.
    case first
    /// Throw ``GraphError/duplicateEdge(source:target:)``.
    case reject
}

/// What to do with self-loops `(u, u)`.
public enum SelfLoopPolicy: String, Sendable, CaseIterable {
    /// Drop them (default). Methods that need A + I add the identity themselves.
    case drop
    /// Keep them as ordinary entries.
    case keep
    /// Throw ``GraphError/selfLoop(node:)``.
    case reject
}

/// Options for turning an ``EdgeList`` into a ``CSRGraph``.
public struct GraphBuildOptions: Sendable, Equatable {
    /// Add `(v, u)` for every `(u, v)` (undirected graph). Default `true`.
    public var symmetrize: Bool
    /// Merging rule for repeated edges. Default ``DuplicateEdgePolicy/max``.
    public var duplicates: DuplicateEdgePolicy
    /// Self-loop rule. Default ``SelfLoopPolicy/drop``.
    public var selfLoops: SelfLoopPolicy

    public init(symmetrize: Bool = true, duplicates: DuplicateEdgePolicy = .max, selfLoops: SelfLoopPolicy = .drop) {
        self.symmetrize = symmetrize
        self.duplicates = duplicates
        self.selfLoops = selfLoops
    }

    /// Undirected, duplicates merged by max, self-loops dropped.
    public static let undirected = GraphBuildOptions()
    /// Directed: edges kept as listed, duplicates merged by max, self-loops dropped.
    public static let directed = GraphBuildOptions(symmetrize: false)
}

/// Builds CSR graphs from edge lists.
public enum GraphBuilder {
    /// Builds the adjacency matrix of `edges` under `options`.
    ///
    /// Two stable counting sorts (by target, then by source) leave every row sorted by column in
    /// O(numNodes + numEdges) time; duplicates are then adjacent and merged by the policy. With
    /// ``DuplicateEdgePolicy/reject`` and symmetrisation, an edge listed in both directions counts
    /// as a duplicate.
    ///
    /// - Returns: a square CSR graph `[numNodes × numNodes]`; weights are kept only if the list
    ///   had them.
    /// - Throws: ``GraphError/duplicateEdge(source:target:)`` or ``GraphError/selfLoop(node:)``
    ///   under the rejecting policies; ``GraphError/tooLarge(_:)`` past 64-bit offsets.
    /// - Complexity: O(numNodes + numEdges) time, about 3 × (numEdges × 12 bytes) extra memory.
    public static func build(_ edges: EdgeList, options: GraphBuildOptions = .undirected) throws(GraphError) -> CSRGraph {
        let n = edges.numNodes
        let m = edges.count
        let weighted = edges.weights != nil
        // Gather directed entries, applying the self-loop policy and symmetrisation.
        var selfLoopCount = 0
        for i in 0..<m where edges.sources[i] == edges.targets[i] {
            if options.selfLoops == .reject { throw .selfLoop(node: Int(edges.sources[i])) }
            selfLoopCount += 1
        }
        let keptLoops = options.selfLoops == .keep ? selfLoopCount : 0
        let nonLoops = m - selfLoopCount
        let count = (options.symmetrize ? 2 * nonLoops : nonLoops) + keptLoops

        // Pass 1: counting sort by target into (src, dst, w) buffers.
        var colStart = [Int](repeating: 0, count: n + 1)
        var src1 = [Int32](repeating: 0, count: count)
        var dst1 = [Int32](repeating: 0, count: count)
        var w1 = [Float](repeating: 0, count: weighted ? count : 0)
        edges.sources.withUnsafeBufferPointer { s in
            edges.targets.withUnsafeBufferPointer { t in
                let keepLoops = options.selfLoops == .keep
                func forEachEntry(_ body: (Int32, Int32, Int) -> Void) {
                    for i in 0..<m {
                        let u = s[i], v = t[i]
                        if u == v {
                            if keepLoops { body(u, v, i) }
                        } else {
                            body(u, v, i)
                            if options.symmetrize { body(v, u, i) }
                        }
                    }
                }
                forEachEntry { _, v, _ in colStart[Int(v) + 1] += 1 }
                for i in 0..<n { colStart[i + 1] += colStart[i] }
                var next = colStart
                src1.withUnsafeMutableBufferPointer { ps in
                    dst1.withUnsafeMutableBufferPointer { pd in
                        w1.withUnsafeMutableBufferPointer { pw in
                            let inW = edges.weights
                            forEachEntry { u, v, i in
                                let slot = next[Int(v)]
                                next[Int(v)] = slot + 1
                                ps[slot] = u
                                pd[slot] = v
                                if let inW { pw[slot] = inW[i] }
                            }
                        }
                    }
                }
            }
        }
        // Pass 2: stable counting sort by source; columns come out ascending within each row.
        var rowStart = [Int](repeating: 0, count: n + 1)
        for u in src1 { rowStart[Int(u) + 1] += 1 }
        for i in 0..<n { rowStart[i + 1] += rowStart[i] }
        var cols = [Int32](repeating: 0, count: count)
        var w2 = [Float](repeating: 0, count: weighted ? count : 0)
        do {
            var next = rowStart
            src1.withUnsafeBufferPointer { ps in
                dst1.withUnsafeBufferPointer { pd in
                    cols.withUnsafeMutableBufferPointer { pc in
                        for k in 0..<count {
                            let u = Int(ps[k])
                            let slot = next[u]
                            next[u] = slot + 1
                            pc[slot] = pd[k]
                            if weighted { w2[slot] = w1[k] }
                        }
                    }
                }
            }
        }
        src1 = []; dst1 = []; w1 = []
        // Merge adjacent duplicates in place.
        var offsets = [Int](repeating: 0, count: n + 1)
        var out = 0
        for u in 0..<n {
            let lo = rowStart[u], hi = rowStart[u + 1]
            var e = lo
            while e < hi {
                let v = cols[e]
                var w: Float = weighted ? w2[e] : 1
                var f = e + 1
                while f < hi && cols[f] == v {
                    if options.duplicates == .reject { throw .duplicateEdge(source: u, target: Int(v)) }
                    if weighted {
                        switch options.duplicates {
                        case .max: w = Swift.max(w, w2[f])
                        case .sum: w += w2[f]
                        case .first, .reject: break // both sorts are stable: copies stay in input order
                        }
                    }
                    f += 1
                }
                cols[out] = v
                if weighted { w2[out] = w }
                out += 1
                e = f
            }
            offsets[u + 1] = out
        }
        cols.removeLast(count - out)
        if weighted { w2.removeLast(count - out) }
        return CSRGraph(unchecked: n, n, offsets, cols, weighted ? w2 : nil)
    }
}
