import GNNModels
import GraphCore
import Partitioning

/// What one rank of graph-parallel training owns and exchanges: its partition's nodes, their
/// halo, the local row block of the propagation operator and the halo send/receive lists per
/// neighbour rank.
///
/// Built from the whole graph and the partition alone, so every rank derives every other rank's
/// lists without communicating (the lists of rank q towards rank p are exactly p's lists from q).
///
/// Local row order: the **local rows** are own ∪ halo nodes sorted by global id, so each row of
/// the local operator keeps the column order of the global operator and the forward SpMM sums in
/// the same order as a single process (bit-identical forward for any rank count).
///
/// ```
/// own_p   = { v : part(v) = p }                      (ascending global id)
/// halo_p  = { u : P[v, u] ≠ 0 for some v ∈ own_p, part(u) ≠ p }   = B_p
/// local_p = sort(own_p ∪ halo_p)
/// P_p     = P[own_p, local_p]      [|own_p| × |local_p|]     (GCN, GCNII)
///           P[local_p, local_p] with halo rows empty   [|local_p| × |local_p|]  (SAGE: square
///           for its self term; the halo rows' outputs are discarded)
/// ```
/// With a symmetric adjacency the halo equals ``Partitioning/GraphPartition/haloSizes(in:)``.
public struct GraphParallelPlan: Sendable {
    /// This rank (= the part it owns).
    public let rank: Int
    /// Number of ranks (= parts).
    public let size: Int
    /// Global ids of the own nodes, ascending, `[ownCount]`.
    public let ownNodes: [Int32]
    /// Global ids of the local rows (own and halo), ascending, `[localCount]`.
    public let localNodes: [Int32]
    /// Position of own node `i` among the local rows, `[ownCount]`.
    public let ownPositions: [Int]
    /// Ranks this rank exchanges halo rows with, ascending (empty for one rank).
    public let peers: [Int]
    /// Per peer rank q (indexed by rank, empty for non-peers): indices into the own rows of the
    /// nodes in q's halo, ascending global id. Forward sends these rows to q; backward receives
    /// their gradient from q.
    public let sendRows: [[Int]]
    /// Per peer rank q: positions among the local rows of the halo nodes owned by q, ascending
    /// global id. Forward receives these rows from q; backward sends their gradient to q.
    public let receivePositions: [[Int]]
    /// The local operator (see the type's discussion).
    public let localOperator: GraphOperator
    /// Halo size |B_p| of every part, `[size]` (the Σ_p |B_p| of the analytic volume).
    public let haloSizes: [Int]

    /// Number of own nodes.
    public var ownCount: Int { ownNodes.count }
    /// Number of local rows (own + halo).
    public var localCount: Int { localNodes.count }
    /// Number of halo nodes |B_rank|.
    public var haloCount: Int { localNodes.count - ownNodes.count }

    /// The plan of `rank` for the partition `parts` (part of each node, values in `0..<size`)
    /// of the global operator `globalOperator` (`[numNodes × numNodes]`).
    /// - Parameter squareLocalOperator: build the square `[local × local]` operator (SAGE)
    ///   instead of the rectangular `[own × local]` one.
    /// - Throws: ``DistributedTrainingError/invalidSetup(_:)`` when a part is empty or the
    ///   part ids do not fit.
    /// - Complexity: O(numNodes + nnz + size).
    public init(rank: Int, size: Int, parts: [Int32], globalOperator: GraphOperator,
                squareLocalOperator: Bool) throws(DistributedTrainingError) {
        let p = globalOperator.matrix
        guard p.isSquare, parts.count == p.numRows else {
            throw .invalidSetup("graph-parallel plan: \(parts.count) part ids for a \(p.numRows)×\(p.numColumns) operator")
        }
        guard rank >= 0 && rank < size else { throw .invalidSetup("graph-parallel plan: rank \(rank) outside 0..<\(size)") }
        let n = p.numRows
        var members = [[Int32]](repeating: [], count: size)
        for v in 0..<n {
            let q = Int(parts[v])
            guard q >= 0 && q < size else { throw .invalidSetup("graph-parallel plan: node \(v) in part \(q), expected 0..<\(size)") }
            members[q].append(Int32(v))
        }
        if let empty = members.firstIndex(where: \.isEmpty) {
            throw .invalidSetup("METIS left part \(empty) of \(size) empty (\(n) nodes); run with fewer ranks")
        }
        // Halo of every part (needed for the analytic volume) and this rank's send lists:
        // stamp[u] = last part whose rows listed u.
        var stamp = [Int32](repeating: -1, count: n)
        var halos = [Int](repeating: 0, count: size)
        var sendNodes = [[Int32]](repeating: [], count: size)
        var ownHalo: [Int32] = []
        p.rowOffsets.withUnsafeBufferPointer { offsets in
            p.columnIndices.withUnsafeBufferPointer { cols in
                for q in 0..<size {
                    for v in members[q] {
                        for e in offsets[Int(v)]..<offsets[Int(v) + 1] {
                            let u = Int(cols[e])
                            let owner = Int(parts[u])
                            guard owner != q, stamp[u] != Int32(q) else { continue }
                            stamp[u] = Int32(q)
                            halos[q] += 1
                            if q == rank { ownHalo.append(Int32(u)) }
                            if owner == rank { sendNodes[q].append(Int32(u)) }
                        }
                    }
                }
            }
        }
        let own = members[rank]
        let local = (own + ownHalo).sorted()
        var localIndex = [Int32](repeating: -1, count: n)
        for (i, u) in local.enumerated() { localIndex[Int(u)] = Int32(i) }
        var ownIndex = [Int32](repeating: -1, count: n)
        for (i, u) in own.enumerated() { ownIndex[Int(u)] = Int32(i) }

        var send = [[Int]](repeating: [], count: size)
        var receive = [[Int]](repeating: [], count: size)
        for q in 0..<size where q != rank {
            send[q] = sendNodes[q].sorted().map { Int(ownIndex[Int($0)]) }
        }
        for u in ownHalo.sorted() { receive[Int(parts[Int(u)])].append(Int(localIndex[Int(u)])) }

        // Rows of the global operator for the own nodes, columns renumbered to local rows; the
        // renumbering is monotone, so every row stays sorted.
        var offsets = [0]
        var columns: [Int32] = []
        var weights: [Float]? = p.weights == nil ? nil : []
        let outputNodes = squareLocalOperator ? local : own
        offsets.reserveCapacity(outputNodes.count + 1)
        for v in outputNodes {
            if parts[Int(v)] == Int32(rank) {
                for e in p.rowOffsets[Int(v)]..<p.rowOffsets[Int(v) + 1] {
                    columns.append(localIndex[Int(p.columnIndices[e])])
                    weights?.append(p.weights![e])
                }
            }
            offsets.append(columns.count)
        }
        let block: CSRGraph
        do {
            block = try CSRGraph(numRows: outputNodes.count, numColumns: local.count, rowOffsets: offsets,
                                 columnIndices: columns, weights: weights)
        } catch {
            throw .invalidSetup("graph-parallel plan: cannot build the local operator of rank \(rank): \(error)")
        }
        self.rank = rank
        self.size = size
        ownNodes = own
        localNodes = local
        ownPositions = own.map { Int(localIndex[Int($0)]) }
        peers = (0..<size).filter { $0 != rank && (!send[$0].isEmpty || !receive[$0].isEmpty) }
        sendRows = send
        receivePositions = receive
        // One rank: the block is the whole (symmetric for GCN) operator; keep its symmetry flag
        // so the backward SpMM is the same as a single process's.
        localOperator = size == 1 && globalOperator.isSymmetric
            ? GraphOperator(block, symmetric: true) : GraphOperator(block)
        haloSizes = halos
    }
}
