import GNNModels
import GraphCore

/// What member g of a stage group owns, reads and exchanges, for every stage of lane g (the
/// ranks `(s, g)` hold the same rows for their own layers).
///
/// **Local rows.** The own nodes (part g) come first, chunk by chunk, ascending original id within a
/// chunk; then the remote nodes this member reads (its halo B_g), ascending original id. A
/// layer's tables are indexed by these local rows.
///
/// **Chunk blocks.** For chunk c, the operator rows of the own nodes in c over the columns they read,
/// ascending original id (so every row sums in the whole operator's order):
/// ```
/// P_c   [|own ∩ c| × |cols_c|]        GCN, GCNII (rectangular row block)
///       [|cols_c| × |cols_c|]         SAGE: rows of cols outside own ∩ c are empty; the layer's
///                                     outputs are taken at ``ChunkBlock/outputPositions``
/// ```
/// **Slots.** A row gets a row in the history table (``historySlot``) when some chunk reads it
/// from history, and one in the pending-gradient table (``pendingSlot``) when a gradient can
/// wait for it: with the fixed order 0 … C−1, an own row of chunk k has history when a chunk
/// before k reads it, and pending gradients when a chunk after k reads it (fresh), or, with
/// deferred stale gradients, a chunk before k; with shuffled orders every row another chunk reads
/// has both. A remote row of chunk k follows the same rule over this member's reader chunks
/// (history when one comes before k; pending when one comes at or after k, or, deferred, before
/// it), and always has pending rows when passes without chunks train (C = 1, warm-up epochs), whose
/// every read is fresh. On a graph with large halos the remote rows are most of a table: giving
/// them only the rows the order uses keeps a hybrid member's tables near its own share.
///
/// **Readers.** For every peer q: the own rows q reads and the chunks of q that read each, and
/// the remote rows of q this member reads with its own reader chunks. ``exchangeLists(order:deferred:)``
/// turns them into the rows each step sends and receives.
///
/// Built from the whole operator and the decomposition alone, so every member derives every
/// other member's lists without communicating.
public struct RankPlan: Sendable {
    /// This member g.
    public let member: Int
    /// Group size G.
    public let groupSize: Int
    /// Number of chunks C.
    public let numChunks: Int
    /// Original id of every local row: own rows, then remote rows, `[localCount]`.
    public let localOriginal: [Int32]
    /// Own rows of chunk c are local rows `ownOffsets[c] ..< ownOffsets[c+1]`, `[C + 1]`.
    public let ownOffsets: [Int]
    /// Chunk of every local row, `[localCount]`.
    public let localChunk: [Int32]
    /// Part (owning member) of every local row, `[localCount]`.
    public let localOwner: [Int32]
    /// Row of each local row in the history table, −1 for rows never read from history, `[localCount]`.
    public let historySlot: [Int32]
    /// Number of history rows (own rows with history, then remote rows with history).
    public let historySlotCount: Int
    /// Own rows with a history row, ascending local row (what the epoch's end updates).
    public let ownHistoryRows: [Int32]
    /// Row of each local row in the pending-gradient table, −1 for rows no gradient waits for,
    /// `[localCount]`.
    public let pendingSlot: [Int32]
    /// Number of pending-gradient rows (own rows with pending rows, then remote rows with them).
    public let pendingSlotCount: Int
    /// Own rows of each chunk with a pending-gradient row, ascending local row, `[C][…]`.
    public let pendingRows: [[Int32]]
    /// The operator block of each chunk.
    public let blocks: [ChunkBlock]
    /// One block over all own rows (epochs without chunking); nil unless asked for or C = 1.
    public let whole: ChunkBlock?
    /// Per peer q: own rows q reads, with q's reader chunks.
    let sendCandidates: [ReadSet]
    /// Per peer q: q's rows this member reads, with this member's reader chunks.
    let receiveCandidates: [ReadSet]

    /// Number of own rows.
    public var ownCount: Int { ownOffsets[numChunks] }
    /// Number of local rows (own + remote).
    public var localCount: Int { localOriginal.count }
    /// Number of remote rows |B_g|.
    public var remoteCount: Int { localCount - ownCount }
    /// Own rows of chunk `c` as a local-row range.
    public func ownRows(ofChunk c: Int) -> Range<Int> { ownOffsets[c]..<ownOffsets[c + 1] }
    /// Original ids of the own rows, `[ownCount]`.
    public var ownOriginal: ArraySlice<Int32> { localOriginal[0..<ownCount] }

    /// The plan of member `member` of `decomposition`'s parts over `graphOperator` (`[N × N]`,
    /// rows with ascending columns).
    /// - Parameters:
    ///   - graphOperator: the propagation matrix of the model.
    ///   - d: the parts and chunks.
    ///   - g: the member (part) whose plan is built.
    ///   - squareBlocks: build square blocks (SAGE) instead of row blocks.
    ///   - keepsWhole: also build ``whole`` when C > 1 (warm-up epochs).
    ///   - fixedOrder: every epoch runs the chunks in the order 0 … C−1 (else any order).
    ///   - deferred: gradients of historical reads are deferred (else dropped).
    /// - Complexity: O(N + nnz · log) time; the readers take O(cut entries) memory.
    public init(graphOperator: GraphOperator, decomposition d: Decomposition, member g: Int,
                squareBlocks: Bool, keepsWhole: Bool, fixedOrder: Bool = true, deferred: Bool = false) {
        let p = graphOperator.matrix
        let n = d.numNodes, numChunks = d.numChunks, groupSize = d.numParts
        precondition(p.numRows == n && p.numColumns == n, "RankPlan: operator and decomposition sizes differ")
        let me = Int32(g)
        // Own rows, chunk-major (a stable counting sort keeps ascending ids within a chunk).
        var offsets = [Int](repeating: 0, count: numChunks + 1)
        for v in 0..<n where d.part[v] == me { offsets[Int(d.chunk[v]) + 1] += 1 }
        for c in 0..<numChunks { offsets[c + 1] += offsets[c] }
        var next = offsets
        var own = [Int32](repeating: 0, count: offsets[numChunks])
        for v in 0..<n where d.part[v] == me {
            own[next[Int(d.chunk[v])]] = Int32(v)
            next[Int(d.chunk[v])] += 1
        }
        var local = [Int32](repeating: -1, count: n)
        for (i, v) in own.enumerated() { local[Int(v)] = Int32(i) }

        // One pass over every operator row: remote rows I read, and who reads what across parts.
        var remote: [Int32] = []
        // The smallest and largest chunk other than its own that reads each own row.
        var firstReader = [Int32](repeating: Int32.max, count: own.count), lastReader = [Int32](repeating: -1, count: own.count)
        // The same over this member's chunks for each remote row, by original id, `[N]`.
        var remoteFirst = [Int32](repeating: Int32.max, count: n), remoteLast = [Int32](repeating: -1, count: n)
        var sendPairs = [[UInt64]](repeating: [], count: groupSize)     // (own original id, reader chunk) per reader
        var receivePairs = [[UInt64]](repeating: [], count: groupSize)  // (remote original id, my chunk) per owner
        p.rowOffsets.withUnsafeBufferPointer { rowOffsets in
            p.columnIndices.withUnsafeBufferPointer { columns in
                for v in 0..<n {
                    let pv = d.part[v], cv = d.chunk[v]
                    for e in rowOffsets[v]..<rowOffsets[v + 1] {
                        let u = Int(columns[e])
                        let pu = d.part[u]
                        if pu == me {
                            if cv != d.chunk[u] {
                                let i = Int(local[u])
                                firstReader[i] = min(firstReader[i], cv)
                                lastReader[i] = max(lastReader[i], cv)
                            }
                            if pv != me { sendPairs[Int(pv)].append(UInt64(u) << 32 | UInt64(cv)) }
                        } else if pv == me {
                            if local[u] == -1 { local[u] = -2; remote.append(Int32(u)) }
                            remoteFirst[u] = min(remoteFirst[u], cv)
                            remoteLast[u] = max(remoteLast[u], cv)
                            receivePairs[Int(pu)].append(UInt64(u) << 32 | UInt64(cv))
                        }
                    }
                }
            }
        }
        remote.sort()
        for (j, u) in remote.enumerated() { local[Int(u)] = Int32(own.count + j) }
        let localOriginal = own + remote
        let localCount = localOriginal.count

        var historySlot = [Int32](repeating: -1, count: localCount), pendingSlot = historySlot
        var ownHistoryRows: [Int32] = [], pendingRows = [[Int32]](repeating: [], count: numChunks)
        var nextHistory: Int32 = 0, nextPending: Int32 = 0
        for c in 0..<numChunks {
            for i in offsets[c]..<offsets[c + 1] where lastReader[i] >= 0 {
                let earlier = !fixedOrder || firstReader[i] < Int32(c), later = !fixedOrder || lastReader[i] > Int32(c)
                if earlier {
                    historySlot[i] = nextHistory
                    nextHistory += 1
                    ownHistoryRows.append(Int32(i))
                }
                if later || (deferred && earlier) {
                    pendingSlot[i] = nextPending
                    nextPending += 1
                    pendingRows[c].append(Int32(i))
                }
            }
        }
        let unchunkedTraining = numChunks == 1 || keepsWhole
        for i in own.count..<localCount {
            let u = Int(localOriginal[i]), k = d.chunk[u]
            let earlier = !fixedOrder || remoteFirst[u] < k, later = !fixedOrder || remoteLast[u] >= k
            if earlier {
                historySlot[i] = nextHistory
                nextHistory += 1
            }
            if unchunkedTraining || later || (deferred && earlier) {
                pendingSlot[i] = nextPending
                nextPending += 1
            }
        }

        member = g
        self.groupSize = groupSize
        self.numChunks = numChunks
        self.localOriginal = localOriginal
        ownOffsets = offsets
        localChunk = localOriginal.map { d.chunk[Int($0)] }
        localOwner = localOriginal.map { d.part[Int($0)] }
        self.historySlot = historySlot
        historySlotCount = Int(nextHistory)
        self.ownHistoryRows = ownHistoryRows
        self.pendingSlot = pendingSlot
        pendingSlotCount = Int(nextPending)
        self.pendingRows = pendingRows
        sendCandidates = sendPairs.map { ReadSet(pairs: $0, local: local) }
        receiveCandidates = receivePairs.map { ReadSet(pairs: $0, local: local) }

        let symmetricWhole = groupSize == 1 && numChunks == 1 && graphOperator.isSymmetric
        var scratch = [Int32](repeating: -1, count: localCount)
        blocks = (0..<numChunks).map { c in
            ChunkBlock(rows: offsets[c]..<offsets[c + 1], operator: p, localOriginal: localOriginal, local: local,
                       square: squareBlocks, symmetric: symmetricWhole, scratch: &scratch)
        }
        whole = numChunks == 1 ? blocks[0]
            : keepsWhole ? ChunkBlock(rows: 0..<own.count, operator: p, localOriginal: localOriginal, local: local,
                                      square: squareBlocks, symmetric: false, scratch: &scratch) : nil
    }
}

/// One chunk's rows of the operator over the local rows they read (see ``RankPlan``).
public struct ChunkBlock: Sendable {
    /// The own rows (local rows) this block computes.
    public let rows: Range<Int>
    /// Local rows of the columns, ascending original id.
    public let columns: [Int32]
    /// Original ids of the columns (dropout masks and the like are keyed by them).
    public let columnOriginal: [Int32]
    /// The block `[rows.count × columns.count]`, or square `[columns.count × columns.count]`.
    public let matrix: CSRGraph
    /// For a square block: where each own row sits among the columns; nil for a row block.
    public let outputPositions: [Int]?
    /// Whether the block is the whole symmetric operator (its transpose is itself).
    public let isSymmetric: Bool

    init(rows: Range<Int>, operator p: CSRGraph, localOriginal: [Int32], local: [Int32], square: Bool,
         symmetric: Bool, scratch position: inout [Int32]) {
        // Columns: every local row some row of the block reads (and, square, the rows themselves).
        var columns: [Int32] = []
        for i in rows {
            let v = Int(localOriginal[i])
            if square, position[i] < 0 { position[i] = 0; columns.append(Int32(i)) }
            for e in p.rowOffsets[v]..<p.rowOffsets[v + 1] {
                let u = Int(local[Int(p.columnIndices[e])])
                if position[u] < 0 { position[u] = 0; columns.append(Int32(u)) }
            }
        }
        columns.sort { localOriginal[Int($0)] < localOriginal[Int($1)] }
        for (k, u) in columns.enumerated() { position[Int(u)] = Int32(k) }
        var offsets = [0]
        var indices: [Int32] = []
        var weights: [Float] = []
        offsets.reserveCapacity((square ? columns.count : rows.count) + 1)
        func appendRow(_ i: Int) {
            let v = Int(localOriginal[i])
            for e in p.rowOffsets[v]..<p.rowOffsets[v + 1] {
                indices.append(position[Int(local[Int(p.columnIndices[e])])])
                weights.append(p.weights?[e] ?? 1)
            }
            offsets.append(indices.count)
        }
        if square {
            for u in columns {
                if rows.contains(Int(u)) { appendRow(Int(u)) } else { offsets.append(indices.count) }
            }
            outputPositions = rows.map { Int(position[$0]) }
        } else {
            for i in rows { appendRow(i) }
            outputPositions = nil
        }
        for u in columns { position[Int(u)] = -1 }
        self.rows = rows
        self.columns = columns
        columnOriginal = columns.map { localOriginal[Int($0)] }
        matrix = CSRGraph(unchecked: offsets.count - 1, columns.count, offsets, indices, p.weights == nil ? nil : weights)
        isSymmetric = symmetric
    }

    /// The block as a layer operator (the transpose is built now unless symmetric: O(nnz)).
    public func graphOperator() -> GraphOperator {
        GraphOperator(matrix, symmetric: isSymmetric ? true : false)
    }
}

/// Rows read across a part boundary, each with the chunks that read it.
struct ReadSet: Sendable {
    /// Local rows, ascending original id.
    var rows: [Int32] = []
    /// Readers of `rows[i]`: `chunks[readerOffsets[i] ..< readerOffsets[i+1]]`, ascending.
    var readerOffsets: [Int] = [0]
    var chunks: [Int32] = []

    /// From `(original id << 32 | reader chunk)` pairs; `local` maps original ids to local rows.
    init(pairs: [UInt64], local: [Int32]) {
        var sorted = pairs
        sorted.sort()
        var last = UInt64.max, lastNode = -1
        for key in sorted where key != last {
            let u = Int(key >> 32)
            if u != lastNode {
                rows.append(local[u])
                readerOffsets.append(readerOffsets[readerOffsets.count - 1])
                lastNode = u
            }
            chunks.append(Int32(truncatingIfNeeded: key & 0xFFFF_FFFF))
            readerOffsets[readerOffsets.count - 1] += 1
            last = key
        }
    }
}
