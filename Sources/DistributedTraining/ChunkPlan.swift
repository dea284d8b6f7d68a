import Distributed
import DenseMath
import GNNModels
import GraphCore
import Partitioning

/// The chunks of a GNNPipe epoch: the nodes cut into C parts (METIS k-way on the symmetrised
/// graph), relabelled so each chunk is a contiguous id range, and per chunk a compact row block
/// of the propagation operator (GNNPipe notes §2.2).
///
/// Chunk c owns new ids `chunkOffsets[c] ..< chunkOffsets[c+1]`. Its compact operator is
/// ```
/// P_c  [|c| × (|c| + |halo_c|)]:  rows = the chunk's nodes,
///                                 columns = the chunk's nodes, then its halo (sorted by new id)
/// ```
/// where halo_c = nodes outside c that some row of c reads (in-neighbours with a non-zero entry
/// of the whole operator P, self-loops of Â included in the chunk part). ``columns`` gives the
/// new id of each compact column, so a stage gathers the layer input `H[columns[c]]` and runs a
/// GCN/GCNII layer on it to get the chunk's output rows.
///
/// Staleness: processing chunks in the order 0, 1, …, C−1, the rows of c that read a column of a
/// later chunk read a historical embedding (previous epoch). ``staleFraction`` is that share of
/// the adjacency entries.
public struct ChunkPlan: Sendable {
    /// Number of chunks C.
    public let numChunks: Int
    /// Number of nodes N.
    public let numNodes: Int
    /// New id of each original node, `[N]`.
    public let newID: [Int]
    /// Original id of each new id, `[N]`.
    public let originalID: [Int32]
    /// Chunk c owns new ids `chunkOffsets[c] ..< chunkOffsets[c+1]`, `[C + 1]`.
    public let chunkOffsets: [Int]
    /// Chunk of each new id, `[N]`.
    public let chunkOfNode: [Int32]
    /// The compact operator matrix of each chunk, `[|c| × (|c| + |halo_c|)]` (the whole
    /// operator's matrix when C = 1). ``chunkOperator(_:)`` wraps it for the layers.
    public let blocks: [CSRGraph]
    /// New ids of each chunk's compact columns: the chunk's ids, then its halo in increasing order.
    public let columns: [[Int32]]
    /// The operator of the whole relabelled graph `[N × N]` (C = 1, warm-up epochs, evaluation);
    /// nil when C > 1 and the plan was built without it (the chunks' blocks cover every row).
    public let wholeOperator: GraphOperator?
    /// Number of entries of the adjacency matrix (self-loops excluded), the denominator of
    /// ``staleFraction``.
    public let adjacencyEntries: Int
    /// Adjacency entries (r, v) with v in a later chunk than r: reads of historical rows.
    public let staleEntries: Int
    /// Undirected edges between different chunks.
    public let edgeCut: Int

    /// Builds the plan from an explicit chunk assignment.
    /// - Parameters:
    ///   - adjacency: `[N × N]` adjacency in original ids, symmetric, without self-loops.
    ///   - parts: chunk of each original node, `[N]`, values in `0..<numChunks`.
    ///   - architecture: which operator to build (Â for GCN/GCNII, D⁻¹A for SAGE).
    ///   - keepsWholeOperator: keep ``wholeOperator`` when C > 1 (always kept for C = 1); without
    ///     it the plan holds one copy of the operator (the blocks) instead of two.
    /// - Throws: ``DistributedTrainingError/invalidSetup(_:)`` for a part id out of range or an
    ///   empty chunk.
    /// - Complexity: O(N + nnz · log degree).
    public init(adjacency: CSRGraph, parts: [Int32], numChunks: Int,
                architecture: GNNArchitecture, keepsWholeOperator: Bool = true) throws(DistributedTrainingError) {
        let n = adjacency.numRows
        guard adjacency.isSquare else { throw .invalidSetup("the adjacency matrix is not square") }
        guard parts.count == n else { throw .invalidSetup("\(parts.count) chunk ids for \(n) nodes") }
        guard numChunks >= 1 else { throw .invalidSetup("need at least 1 chunk, got \(numChunks)") }
        if let bad = parts.first(where: { $0 < 0 || Int($0) >= numChunks }) {
            throw .invalidSetup("chunk id \(bad) outside 0..<\(numChunks)")
        }
        let partition = GraphPartition(parts: parts, numParts: numChunks, graph: adjacency)
        if let empty = partition.emptyParts.first {
            throw .invalidSetup("chunk \(empty) of \(numChunks) is empty (\(n) nodes); use fewer chunks")
        }
        self.numChunks = numChunks
        numNodes = n
        newID = partition.newID
        chunkOffsets = partition.partOffsets
        edgeCut = partition.edgeCut
        var original = [Int32](repeating: 0, count: n)
        for (u, v) in partition.newID.enumerated() { original[v] = Int32(u) }
        originalID = original
        var chunkOf = [Int32](repeating: 0, count: n)
        for c in 0..<numChunks {
            for v in partition.partOffsets[c]..<partition.partOffsets[c + 1] { chunkOf[v] = Int32(c) }
        }
        chunkOfNode = chunkOf

        let relabelled: CSRGraph
        do { relabelled = try adjacency.permuted(newID: partition.newID) } catch {
            throw .invalidSetup("cannot relabel the graph: \(error)")
        }
        var entries = 0, stale = 0
        for r in 0..<n {
            for v in relabelled.neighbors(of: r) where Int(v) != r {
                entries += 1
                if chunkOf[Int(v)] > chunkOf[r] { stale += 1 }
            }
        }
        adjacencyEntries = entries
        staleEntries = stale
        let whole = GNNModel.graphOperator(for: architecture, adjacency: relabelled, adjacencyIsSymmetric: architecture != .sage)
        wholeOperator = numChunks == 1 || keepsWholeOperator ? whole : nil

        var ops: [CSRGraph] = []
        var cols: [[Int32]] = []
        let p = whole.matrix
        var haloIndex = [Int32](repeating: -1, count: n)
        for c in 0..<numChunks {
            let lo = chunkOffsets[c], hi = chunkOffsets[c + 1]
            if numChunks == 1 {
                ops.append(whole.matrix)
                cols.append((0..<n).map { Int32($0) })
                continue
            }
            var halo: [Int32] = []
            for r in lo..<hi {
                for v in p.neighbors(of: r) where (Int(v) < lo || Int(v) >= hi) && haloIndex[Int(v)] != Int32(c) {
                    haloIndex[Int(v)] = Int32(c)
                    halo.append(v)
                }
            }
            halo.sort()
            var local = [Int: Int32]()
            local.reserveCapacity(halo.count)
            for (k, v) in halo.enumerated() { local[Int(v)] = Int32(hi - lo + k) }
            var offsets = [0]
            var colIdx: [Int32] = []
            var weights: [Float] = []
            var row: [(Int32, Float)] = []
            for r in lo..<hi {
                row.removeAll(keepingCapacity: true)
                let start = p.rowOffsets[r]
                for (k, v) in p.neighbors(of: r).enumerated() {
                    let w = p.weights?[start + k] ?? 1
                    let j = Int(v) >= lo && Int(v) < hi ? Int32(Int(v) - lo) : local[Int(v)]!
                    row.append((j, w))
                }
                row.sort { $0.0 < $1.0 }
                for (j, w) in row { colIdx.append(j); weights.append(w) }
                offsets.append(colIdx.count)
            }
            let block: CSRGraph
            do {
                block = try CSRGraph(numRows: hi - lo, numColumns: hi - lo + halo.count, rowOffsets: offsets,
                                     columnIndices: colIdx, weights: weights)
            } catch {
                throw .invalidSetup("chunk \(c): cannot build its operator block: \(error)")
            }
            ops.append(block)
            cols.append((lo..<hi).map { Int32($0) } + halo)
        }
        blocks = ops
        columns = cols
    }

    /// Chunk `c`'s operator for the layers: ``wholeOperator`` when C = 1, else ``blocks``[c] with
    /// its transpose built now (O(nnz_c); the caller keeps it only while the chunk is processed,
    /// so a rank does not hold every chunk's transpose).
    public func chunkOperator(_ c: Int) -> GraphOperator {
        if numChunks == 1, let wholeOperator { return wholeOperator }
        return GraphOperator(blocks[c], symmetric: false)
    }

    /// Chunks by METIS k-way (``Partitioning/METISPartitioner``) with `numChunks` parts and `seed`;
    /// `numChunks == 1` is the whole graph in its original order. With a `communicator` of more
    /// than one rank, rank 0 runs METIS and broadcasts the parts (the same result every rank
    /// would compute, at one METIS run's cost instead of one per rank).
    /// - Throws: ``DistributedTrainingError/invalidSetup(_:)`` when METIS fails, C is out of
    ///   `1...N`, or a chunk is empty; ``DistributedTrainingError/mpi(_:)`` when the broadcast fails.
    public static func metis(adjacency: CSRGraph, numChunks: Int, seed: UInt64, architecture: GNNArchitecture,
                             communicator: Communicator? = nil,
                             keepsWholeOperator: Bool = true) throws(DistributedTrainingError) -> ChunkPlan {
        let parts = try sharedMETISParts(adjacency: adjacency, parts: numChunks, seed: seed, communicator: communicator,
                                         what: "chunks")
        return try ChunkPlan(adjacency: adjacency, parts: parts, numChunks: numChunks, architecture: architecture,
                             keepsWholeOperator: keepsWholeOperator)
    }

    /// METIS parts computed on rank 0 and broadcast (or computed locally without a communicator).
    /// A METIS failure on rank 0 is broadcast too (as part −1), so every rank throws.
    static func sharedMETISParts(adjacency: CSRGraph, parts numParts: Int, seed: UInt64, communicator: Communicator?,
                                 what: String) throws(DistributedTrainingError) -> [Int32] {
        let distributed = communicator.map { $0.size > 1 } ?? false
        var parts = [Int32](repeating: -1, count: adjacency.numNodes)
        var failure: String?
        if !distributed || communicator!.rank == 0 {
            do {
                parts = try METISPartitioner.partition(adjacency, parts: numParts, seed: Int(truncatingIfNeeded: seed)).parts
            } catch {
                failure = "cannot cut the graph into \(numParts) \(what): \(error)"
                if !distributed { throw .invalidSetup(failure!) }
            }
        }
        if distributed, let communicator {
            do { try communicator.broadcast(&parts, root: 0) } catch { throw .mpi(error) }
        }
        if let failure { throw .invalidSetup(failure) }
        if parts.first == -1 { throw .invalidSetup("rank 0 could not cut the graph into \(numParts) \(what)") }
        return parts
    }

    /// Number of nodes of chunk `c`.
    public func size(of c: Int) -> Int { chunkOffsets[c + 1] - chunkOffsets[c] }

    /// Halo size of each chunk, `[C]`.
    public var haloSizes: [Int] { (0..<numChunks).map { columns[$0].count - size(of: $0) } }

    /// Sizes of the chunks, `[C]`.
    public var chunkSizes: [Int] { (0..<numChunks).map(size(of:)) }

    /// Share of adjacency entries that read a later chunk's row, i.e. a historical embedding
    /// (`staleEntries / adjacencyEntries`; 0 without edges).
    public var staleFraction: Double { adjacencyEntries > 0 ? Double(staleEntries) / Double(adjacencyEntries) : 0 }

    /// Chunk of each original node, `[N]`.
    public var chunkOfOriginal: [Int32] { newID.map { chunkOfNode[$0] } }
}
