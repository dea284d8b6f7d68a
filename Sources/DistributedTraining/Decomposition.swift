import GraphCore
import MessagePassing
import Partitioning

/// The two cuts of a graph that distributed training uses: G **parts** (which rank of a stage
/// group owns a node, for all of that stage's layers) and C **chunks** (the pieces that flow
/// through the pipeline; a neighbour in a later chunk is read from history).
///
/// ```
/// parts:   METIS k-way with G parts                              (G = 1: every node in part 0)
/// chunks:  METIS k-way with C parts on each part's induced subgraph; chunk c is the union over
///          the parts of their c-th sub-chunk                     (G = 1: METIS with C parts on the
///          whole graph; C = 1: every node in chunk 0)
/// ```
/// Both cuts balance two weights per node u at once (METIS multi-constraint): `degree(u) + 1`,
/// the entries of its operator row, and 1, its row. Entries alone give parts and chunks even
/// shares of the sparse products, but not of the rows: on R-MAT 2^20 (38% isolated nodes) an
/// entry-balanced 2-way cut gave one part 70% of the rows, and rows are what a rank's tables,
/// features and activations hold. Nodes alone fail the other way: a node-balanced chunk of a
/// power-law graph can hold half the edges, and its gathered rows and operator block set every
/// stage's peak memory and the pipeline's slowest step.
/// Nesting the chunks inside the parts gives every rank of a group a METIS-compact share of
/// every chunk, so the group's ranks work in step. Both degenerate cases are exactly the cut
/// of the pure modes: G = 1 is GNNPipe's chunking, C = 1 graph parallelism's partition.
public struct Decomposition: Sendable, Equatable {
    /// Number of nodes N.
    public let numNodes: Int
    /// Number of parts G.
    public let numParts: Int
    /// Number of chunks C.
    public let numChunks: Int
    /// Part of each node, `[N]`, values in `0 ..< G`.
    public let part: [Int32]
    /// Chunk of each node, `[N]`, values in `0 ..< C`.
    public let chunk: [Int32]
    /// Nodes that ``metis(adjacency:parts:chunks:seed:communicator:)`` moved into parts METIS
    /// had left empty (``/Partitioning/METISPartitioner`` fills them; 0 for explicit assignments).
    public private(set) var nodesMovedToEmptyParts = 0
    /// Nodes moved into chunks (or sub-chunks of a part) METIS had left empty, as for parts.
    public private(set) var nodesMovedToEmptyChunks = 0

    /// A decomposition from explicit assignments.
    /// - Throws: ``DistributedTrainingError/invalidSetup(_:)`` for an id out of range,
    ///   ``DistributedTrainingError/emptyParts(empty:parts:numNodes:)`` or
    ///   ``DistributedTrainingError/emptyChunks(empty:chunks:numNodes:)``.
    public init(part: [Int32], numParts: Int, chunk: [Int32], numChunks: Int) throws(DistributedTrainingError) {
        let n = part.count
        guard chunk.count == n else { throw .invalidSetup("\(part.count) part ids but \(chunk.count) chunk ids") }
        guard numParts >= 1, numChunks >= 1 else { throw .invalidSetup("need at least one part and one chunk") }
        var partSize = [Int](repeating: 0, count: numParts), chunkSize = [Int](repeating: 0, count: numChunks)
        for v in 0..<n {
            guard part[v] >= 0 && Int(part[v]) < numParts else { throw .invalidSetup("node \(v) in part \(part[v]), expected 0..<\(numParts)") }
            guard chunk[v] >= 0 && Int(chunk[v]) < numChunks else { throw .invalidSetup("node \(v) in chunk \(chunk[v]), expected 0..<\(numChunks)") }
            partSize[Int(part[v])] += 1
            chunkSize[Int(chunk[v])] += 1
        }
        let emptyParts = partSize.filter { $0 == 0 }.count
        if emptyParts > 0 { throw .emptyParts(empty: emptyParts, parts: numParts, numNodes: n) }
        let emptyChunks = chunkSize.filter { $0 == 0 }.count
        if emptyChunks > 0 { throw .emptyChunks(empty: emptyChunks, chunks: numChunks, numNodes: n) }
        numNodes = n
        self.numParts = numParts
        self.numChunks = numChunks
        self.part = part
        self.chunk = chunk
    }

    /// Parts and nested chunks by METIS (see the type), with `seed` for every METIS call. With a
    /// communicator of more than one rank, rank 0 runs METIS and broadcasts both assignments
    /// (the same result every rank would compute, at one rank's cost; a METIS failure on rank 0
    /// reaches every rank as the same error).
    /// - Parameters:
    ///   - adjacency: `[N × N]`, symmetric, without self-loops.
    ///   - parts: G, the METIS parts (ranks that split a stage's rows).
    ///   - chunks: C, the chunks each part is cut into.
    ///   - seed: seeds METIS.
    ///   - communicator: when given, rank 0 runs METIS and the others receive its result.
    /// - Throws: ``DistributedTrainingError``.
    public static func metis(adjacency: CSRGraph, parts: Int, chunks: Int, seed: UInt64,
                             communicator: (any Communicating)? = nil) throws(DistributedTrainingError) -> Decomposition {
        let n = adjacency.numRows
        guard parts >= 1 && parts <= n else { throw .invalidSetup("cannot cut \(n) nodes into \(parts) parts") }
        guard chunks >= 1 && chunks <= n else { throw .invalidSetup("cannot cut \(n) nodes into \(chunks) chunks") }
        let distributed = (communicator?.size ?? 1) > 1
        // Parts, chunks, then the two counts of nodes moved into empty parts and chunks.
        var assignment = [Int32](repeating: -1, count: 2 * n + 2)
        var failure: String?
        if !distributed || communicator!.rank == 0 {
            do throws(PartitionError) {
                let (p, c, moved) = try cut(adjacency, parts: parts, chunks: chunks, seed: seed)
                assignment = p + c + [Int32(moved.parts), Int32(moved.chunks)]
            } catch {
                failure = "cannot cut the graph into \(parts) parts and \(chunks) chunks: \(error)"
            }
        }
        if distributed, let communicator {
            try communicating { () throws(CommunicationError) in try communicator.broadcast(&assignment, root: 0) }
        }
        if let failure { throw .invalidSetup(failure) }
        if assignment.first == -1 { throw .invalidSetup("rank 0 could not cut the graph into \(parts) parts and \(chunks) chunks") }
        var decomposition = try Decomposition(part: Array(assignment[0..<n]), numParts: parts,
                                              chunk: Array(assignment[n..<(2 * n)]), numChunks: chunks)
        decomposition.nodesMovedToEmptyParts = Int(assignment[2 * n])
        decomposition.nodesMovedToEmptyChunks = Int(assignment[2 * n + 1])
        return decomposition
    }

    /// The first weight each cut balances: `degree(u) + 1` per node u, the stored entries of its
    /// operator row (neighbours plus the self-loop), capped at `Int32.max`. `[numNodes]`.
    public static func workWeights(_ adjacency: CSRGraph) -> [Int32] {
        (0..<adjacency.numRows).map { Int32(min(Int(Int32.max), adjacency.degree(of: $0) + 1)) }
    }

    /// The weights each cut balances, `(degree(u) + 1, 1)` per node u: `[numNodes × 2]`,
    /// node-major (METIS's `vwgt` with `ncon = 2`).
    public static func balanceWeights(_ adjacency: CSRGraph) -> [Int32] {
        workWeights(adjacency).flatMap { [$0, 1] }
    }

    /// Constraints per node in ``balanceWeights(_:)``.
    public static let balanceConstraints = 2

    private static func cut(_ adjacency: CSRGraph, parts: Int, chunks: Int, seed: UInt64)
        throws(PartitionError) -> (part: [Int32], chunk: [Int32], moved: (parts: Int, chunks: Int)) {
        let n = adjacency.numRows
        let s = Int(truncatingIfNeeded: seed)
        let work = balanceWeights(adjacency), k = balanceConstraints
        let partCut = try METISPartitioner.partition(adjacency, parts: parts, seed: s, vertexWeights: work, constraints: k)
        let part = partCut.parts, movedParts = partCut.verticesMovedToEmptyParts
        guard chunks > 1 else { return (part, [Int32](repeating: 0, count: n), (movedParts, 0)) }
        guard parts > 1 else {
            let chunkCut = try METISPartitioner.partition(adjacency, parts: chunks, seed: s, vertexWeights: work, constraints: k)
            return (part, chunkCut.parts, (movedParts, chunkCut.verticesMovedToEmptyParts))
        }
        // The members of every part in id order, in one pass (not one scan of all nodes per part).
        var members = [[Int]](repeating: [], count: parts)
        for v in 0..<n { members[Int(part[v])].append(v) }
        var chunk = [Int32](repeating: 0, count: n), movedChunks = 0
        for p in 0..<parts {
            // A part smaller than C cannot give every chunk a node; METIS needs C ≤ |part|.
            let count = min(chunks, members[p].count)
            guard count > 1 else { continue }
            let sub: CSRGraph
            do { sub = try adjacency.inducedSubgraph(nodes: members[p]) } catch {
                throw .metis(status: -1, meaning: "induced subgraph of part \(p): \(error)")
            }
            let subCut = try METISPartitioner.partition(sub, parts: count, seed: s,
                                                        vertexWeights: members[p].flatMap { work[($0 * k)..<(($0 + 1) * k)] },
                                                        constraints: k)
            for (i, v) in members[p].enumerated() { chunk[v] = subCut.parts[i] }
            movedChunks += subCut.verticesMovedToEmptyParts
        }
        return (part, chunk, (movedParts, movedChunks))
    }

    /// Nodes per part, `[G]`.
    public var partSizes: [Int] { sizes(part, numParts) }
    /// Nodes per chunk, `[C]`.
    public var chunkSizes: [Int] { sizes(chunk, numChunks) }

    private func sizes(_ ids: [Int32], _ k: Int) -> [Int] {
        var s = [Int](repeating: 0, count: k)
        for i in ids { s[Int(i)] += 1 }
        return s
    }

    /// How much a chunk order reads from history on `adjacency`: adjacency entries (v, u),
    /// self-loops excluded, where u's chunk comes after v's in `order` (default 0, 1, …, C−1),
    /// over all entries.
    public func staleFraction(adjacency: CSRGraph, order: [Int]? = nil) -> (staleEntries: Int, entries: Int, fraction: Double) {
        var position = Array(0..<numChunks)
        if let order { for (i, c) in order.enumerated() { position[c] = i } }
        var stale = 0, entries = 0
        for v in 0..<adjacency.numRows {
            let pv = position[Int(chunk[v])]
            for u in adjacency.neighbors(of: v) where Int(u) != v {
                entries += 1
                if position[Int(chunk[Int(u)])] > pv { stale += 1 }
            }
        }
        return (stale, entries, entries > 0 ? Double(stale) / Double(entries) : 0)
    }

    /// Halo of each chunk on `adjacency`: the nodes outside the chunk that its nodes read, `[C]`.
    public func chunkHaloSizes(adjacency: CSRGraph) -> [Int] {
        GraphPartition(parts: chunk, numParts: numChunks, graph: adjacency).haloSizes(in: adjacency)
    }

    /// Halo of each part (the rows a group rank receives per layer without chunking), `[G]`.
    public func partHaloSizes(adjacency: CSRGraph) -> [Int] {
        GraphPartition(parts: part, numParts: numParts, graph: adjacency).haloSizes(in: adjacency)
    }
}
