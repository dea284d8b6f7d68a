import CMetis
import GraphCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// GKlib keeps METIS's random state in process globals, so concurrent calls would interfere
/// (and seeds would stop reproducing): every call into METIS holds this lock.
private let metisLock = Mutex<Void>(())

/// k-way graph partitioning with METIS 5 (Karypis & Kumar, SIAM J. Sci. Comput. 1998),
/// minimising the edge cut under a balance constraint.
public enum METISPartitioner {
    /// Cuts `graph` into `parts` parts with `METIS_PartGraphKway`.
    ///
    /// The graph is symmetrised and stripped of self-loops first (METIS requires both); edge
    /// weights are ignored. `parts == 1` returns the trivial partition without calling METIS
    /// (libmetis 5.1.0 divides by zero there).
    ///
    /// Isolated vertices (no edge to another vertex) never reach METIS: libmetis 5.1.0 can spin
    /// for minutes in its initial bisection on graphs whose vertices are nearly all isolated
    /// (a sparse id space such as one edge `42 4967596`). METIS cuts only the subgraph of
    /// vertices that have edges; the isolated vertices are then handed out in id order to the
    /// smallest parts (water-filling, ties to the lower part id) so the part sizes stay as even
    /// as the cut allows. They add nothing to the edge cut. When fewer vertices have edges than
    /// there are parts, METIS is not called at all: they all go to part 0 (no cut) and the
    /// isolated vertices fill the parts to even sizes. The result is deterministic for a seed.
    ///
    /// No part is left empty: METIS k-way can leave parts without a vertex when they would hold
    /// only a few each (e.g. 2 parts of a 2-vertex graph); each empty part then takes the vertex
    /// of the largest part whose move raises the edge cut least
    /// (``GraphPartition/verticesMovedToEmptyParts`` counts them; `fillEmptyParts`).
    /// - Parameters:
    ///   - graph: a square adjacency matrix; it is symmetrised and its self-loops dropped first.
    ///   - parts: the number of parts k, at least 1.
    ///   - seed: seeds METIS (`METIS_OPTION_SEED`, after a SplitMix64 mix so that 0 and 1 differ);
    ///     same seed, same graph → same parts.
    ///   - imbalance: allowed load imbalance, e.g. 0.03 for 3% (`METIS_OPTION_UFACTOR`, ×1000).
    ///   - vertexWeights: balance the parts' total weight instead of their vertex counts
    ///     (METIS's `vwgt`; e.g. degree + 1 to balance the work of a sparse product), `[n × constraints]`
    ///     vertex-major, each ≥ 1. Isolated vertices then fill the lightest parts by the last
    ///     constraint's weight.
    ///   - constraints: weights per vertex (METIS's `ncon`): with 2 or more, METIS keeps every
    ///     constraint's part totals within `imbalance` at once (multi-constraint partitioning,
    ///     Karypis & Kumar, SC 1998), e.g. `(degree + 1, 1)` for even work and even rows.
    /// - Throws: ``PartitionError``.
    /// - Complexity: roughly O(nnz · log parts) inside METIS, plus O(nnz) to prepare the input.
    public static func partition(_ graph: CSRGraph, parts: Int, seed: Int = 0, imbalance: Double = 0.03,
                                 vertexWeights: [Int32]? = nil, constraints: Int = 1) throws(PartitionError) -> GraphPartition {
        guard graph.isSquare else { throw .notSquare(rows: graph.numRows, columns: graph.numColumns) }
        let n = graph.numRows
        guard parts >= 1, parts <= n else { throw .invalidPartCount(parts: parts, numNodes: n) }
        if let w = vertexWeights {
            precondition(constraints >= 1 && w.count == n * constraints && w.allSatisfy { $0 >= 1 },
                         "METISPartitioner: \(constraints) vertex weights ≥ 1 per vertex")
        } else {
            precondition(constraints == 1, "METISPartitioner: constraints without vertex weights")
        }
        if parts == 1 {
            return GraphPartition(parts: [Int32](repeating: 0, count: n), numParts: 1, graph: graph)
        }
        let input = metisInput(graph)
        guard input.nnz <= Int(Int32.max) else { throw .tooLarge(entries: input.nnz) }
        let connected = (0..<n).filter { input.rowOffsets[$0 + 1] > input.rowOffsets[$0] }
        var parts32 = [Int32](repeating: -1, count: n)
        if connected.count == n {
            parts32 = try metisParts(input, parts: parts, seed: seed, imbalance: imbalance, weights: vertexWeights,
                                     constraints: constraints)
        } else if connected.count >= parts {
            let (subgraph, _) = compacted(input, keeping: connected)
            let subParts = try metisParts(subgraph, parts: parts, seed: seed, imbalance: imbalance,
                                          weights: vertexWeights.map { w in connected.flatMap { w[($0 * constraints)..<(($0 + 1) * constraints)] } },
                                          constraints: constraints)
            for (i, u) in connected.enumerated() { parts32[u] = subParts[i] }
        } else {
            for u in connected { parts32[u] = 0 }
        }
        spreadIsolated(&parts32, numParts: parts, weights: vertexWeights, constraints: constraints)
        let moved = fillEmptyParts(&parts32, numParts: parts, graph: input, weights: vertexWeights, constraints: constraints)
        var result = GraphPartition(parts: parts32, numParts: parts, graph: input)
        result.verticesMovedToEmptyParts = moved
        return result
    }

    /// `METIS_PartGraphKway` on a symmetric, loop-free graph with `parts >= 2`.
    private static func metisParts(_ input: CSRGraph, parts: Int, seed: Int, imbalance: Double,
                                   weights: [Int32]?, constraints: Int) throws(PartitionError) -> [Int32] {
        let n = input.numRows
        var xadj = input.rowOffsets.map { idx_t($0) }
        var adjncy = input.columnIndices.map { idx_t($0) }
        var nvtxs = idx_t(n)
        var ncon = idx_t(constraints)
        var nparts = idx_t(parts)
        var objval: idx_t = 0
        var part = [idx_t](repeating: 0, count: n)
        var options = [idx_t](repeating: 0, count: Int(METIS_NOPTIONS))
        METIS_SetDefaultOptions(&options)
        options[Int(METIS_OPTION_SEED.rawValue)] = metisSeed(seed)
        options[Int(METIS_OPTION_NUMBERING.rawValue)] = 0
        options[Int(METIS_OPTION_UFACTOR.rawValue)] = idx_t(max(1, (imbalance * 1000).rounded()))
        var vwgt = weights?.map { idx_t($0) }
        let status = metisLock.withLock { _ in
            withStandardOutputSilenced {
                if vwgt != nil {
                    return METIS_PartGraphKway(&nvtxs, &ncon, &xadj, &adjncy, &vwgt!, nil, nil, &nparts,
                                               nil, nil, &options, &objval, &part)
                }
                return METIS_PartGraphKway(&nvtxs, &ncon, &xadj, &adjncy, nil, nil, nil, &nparts,
                                           nil, nil, &options, &objval, &part)
            }
        }
        guard status == METIS_OK.rawValue else { throw .metis(status: status, meaning: meaning(of: status)) }
        return part.map { Int32($0) }
    }

    /// Runs `body` with the process's standard output sent to /dev/null: libmetis 5.1.0 prints
    /// notes such as `***Cannot bisect a graph with 0 vertices!` with printf when parts hold
    /// very few vertices (it still returns a valid cut), which would land in a tool's table or
    /// a piped output. Callers hold `metisLock`; anything another thread prints to standard
    /// output meanwhile is lost too (the tools print nothing while METIS runs).
    /// (`fflush(nil)` flushes every stream: Swift 6 refuses the global `stdout`.)
    private static func withStandardOutputSilenced<T>(_ body: () -> T) -> T {
        fflush(nil)
        let saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY)
        guard saved >= 0, null >= 0 else {
            if saved >= 0 { close(saved) }
            if null >= 0 { close(null) }
            return body()
        }
        dup2(null, STDOUT_FILENO)
        close(null)
        defer {
            fflush(nil)
            dup2(saved, STDOUT_FILENO)
            close(saved)
        }
        return body()
    }

    /// The subgraph induced by `vertices` (ascending), renumbered `0..<vertices.count`, and the
    /// new id of every old vertex (-1 when dropped). - Complexity: O(n + nnz).
    static func compacted(_ graph: CSRGraph, keeping vertices: [Int]) -> (CSRGraph, [Int32]) {
        var newID = [Int32](repeating: -1, count: graph.numRows)
        for (i, u) in vertices.enumerated() { newID[u] = Int32(i) }
        var offsets = [Int](repeating: 0, count: vertices.count + 1)
        var columns: [Int32] = []
        columns.reserveCapacity(graph.nnz)
        for (i, u) in vertices.enumerated() {
            for v in graph.neighbors(of: u) where newID[Int(v)] >= 0 { columns.append(newID[Int(v)]) }
            offsets[i + 1] = columns.count
        }
        // Offsets and columns come from a valid CSR graph restricted to kept rows and columns.
        let sub = try! CSRGraph(numRows: vertices.count, numColumns: vertices.count,
                                rowOffsets: offsets, columnIndices: columns)
        return (sub, newID)
    }

    /// Gives every vertex still at part -1 (the isolated ones) a part, in id order, filling the
    /// smallest parts first: the parts end as even as the already placed vertices allow.
    /// Water-filling: parts below a common level `L` are raised to `L` (the lowest part ids get
    /// one more when the count does not divide), parts above it get none. With `weights`, a
    /// part's size is the weight of its placed vertices and each isolated vertex counts 1 (an
    /// isolated vertex's work, its self-loop, whatever weight the caller gave it); with several
    /// `constraints` (weights `[n × constraints]`), the last constraint's weights.
    /// - Complexity: O(n + parts · log parts).
    static func spreadIsolated(_ parts: inout [Int32], numParts: Int, weights: [Int32]? = nil, constraints: Int = 1) {
        var sizes = [Int](repeating: 0, count: numParts)
        var isolated = 0
        for (u, p) in parts.enumerated() {
            if p >= 0 { sizes[Int(p)] += weights.map { Int($0[u * constraints + constraints - 1]) } ?? 1 } else { isolated += 1 }
        }
        guard isolated > 0 else { return }
        // Find the level: the smallest L with Σ max(0, L − size) ≥ isolated.
        let order = (0..<numParts).sorted { (sizes[$0], $0) < (sizes[$1], $1) }
        var filled = 0, level = sizes[order[0]], raised = 1
        while true {
            let next = raised < numParts ? sizes[order[raised]] : Int.max
            let room = next == Int.max ? Int.max : (next - level) * raised
            if isolated - filled <= room {
                level += (isolated - filled) / raised
                filled += ((isolated - filled) / raised) * raised
                break
            }
            filled += room
            level = next
            raised += 1
        }
        var quota = [Int](repeating: 0, count: numParts)
        for i in 0..<raised { quota[order[i]] = level - sizes[order[i]] }
        // The remainder, one each, to the raised parts with the lowest ids.
        for p in order[0..<raised].sorted().prefix(isolated - filled) { quota[p] += 1 }
        var p = 0
        for u in parts.indices where parts[u] < 0 {
            while quota[p] == 0 { p += 1 }
            parts[u] = Int32(p)
            quota[p] -= 1
        }
    }

    /// METIS 5.1 seeds the C library's `srand`, for which seeds 0 and 1 are the same stream; a
    /// SplitMix64 mix maps user seeds to positive 31-bit seeds that differ from each other.
    static func metisSeed(_ seed: Int) -> idx_t {
        var z = UInt64(bitPattern: Int64(seed)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return idx_t(z % UInt64(Int32.max - 1)) + 1
    }

    /// The symmetric, loop-free graph METIS needs.
    private static func metisInput(_ graph: CSRGraph) -> CSRGraph {
        var g = graph
        if !g.isSymmetricStructure {
            // A ∪ Aᵀ: rebuild from both directions.
            var src: [Int32] = [], dst: [Int32] = []
            src.reserveCapacity(g.nnz)
            dst.reserveCapacity(g.nnz)
            for u in 0..<g.numRows {
                for v in g.neighbors(of: u) { src.append(Int32(u)); dst.append(v) }
            }
            // Ids come from a valid CSR graph, so neither call can fail.
            let list = try! EdgeList(sources: src, targets: dst, numNodes: g.numRows)
            g = try! GraphBuilder.build(list, options: GraphBuildOptions(symmetrize: true, duplicates: .max, selfLoops: .drop))
        }
        return g.hasSelfLoops ? g.removingSelfLoops().withWeights(nil) : g.withWeights(nil)
    }

    private static func meaning(of status: Int32) -> String {
        switch status {
        case METIS_ERROR_INPUT.rawValue: "erroneous input or options"
        case METIS_ERROR_MEMORY.rawValue: "out of memory"
        default: "unspecified METIS error"
        }
    }
}
