import CMetis
import GraphCore
import Synchronization

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
    /// - Parameters:
    ///   - seed: seeds METIS (`METIS_OPTION_SEED`, after a SplitMix64 mix so that 0 and 1 differ);
    ///     same seed, same graph → same parts.
    ///   - imbalance: allowed load imbalance, e.g. 0.03 for 3% (`METIS_OPTION_UFACTOR`, ×1000).
    /// - Throws: ``PartitionError``.
    /// - Complexity: roughly O(nnz · log parts) inside METIS, plus O(nnz) to prepare the input.
    public static func partition(_ graph: CSRGraph, parts: Int, seed: Int = 0,
                                 imbalance: Double = 0.03) throws(PartitionError) -> GraphPartition {
        guard graph.isSquare else { throw .notSquare(rows: graph.numRows, columns: graph.numColumns) }
        let n = graph.numRows
        guard parts >= 1, parts <= n else { throw .invalidPartCount(parts: parts, numNodes: n) }
        if parts == 1 {
            return GraphPartition(parts: [Int32](repeating: 0, count: n), numParts: 1, graph: graph)
        }
        let input = metisInput(graph)
        guard input.nnz <= Int(Int32.max) else { throw .tooLarge(entries: input.nnz) }
        var xadj = input.rowOffsets.map { idx_t($0) }
        var adjncy = input.columnIndices.map { idx_t($0) }
        var nvtxs = idx_t(n)
        var ncon: idx_t = 1
        var nparts = idx_t(parts)
        var objval: idx_t = 0
        var part = [idx_t](repeating: 0, count: n)
        var options = [idx_t](repeating: 0, count: Int(METIS_NOPTIONS))
        METIS_SetDefaultOptions(&options)
        options[Int(METIS_OPTION_SEED.rawValue)] = metisSeed(seed)
        options[Int(METIS_OPTION_NUMBERING.rawValue)] = 0
        options[Int(METIS_OPTION_UFACTOR.rawValue)] = idx_t(max(1, (imbalance * 1000).rounded()))
        let status = metisLock.withLock { _ in
            METIS_PartGraphKway(&nvtxs, &ncon, &xadj, &adjncy, nil, nil, nil, &nparts,
                                nil, nil, &options, &objval, &part)
        }
        guard status == METIS_OK.rawValue else { throw .metis(status: status, meaning: meaning(of: status)) }
        return GraphPartition(parts: part.map { Int32($0) }, numParts: parts, graph: input)
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
