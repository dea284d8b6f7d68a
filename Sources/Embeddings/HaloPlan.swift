import GraphCore
import MessagePassing

/// Which rows of other ranks a rank's rows point to, and its graph with extended column
/// indices (``HaloProduct``): built from the rank's rows alone, plus one exchange that tells
/// each owner which of its rows to send.
struct HaloPlan {
    /// Global ids of the halo nodes, ascending (so grouped by owner in rank order).
    let haloNodes: [Int32]
    /// Per rank q, the first halo index of q's nodes, `[size + 1]`.
    let haloStart: [Int]
    /// The rows with columns renumbered: own node v → `v − own.lowerBound`, halo node →
    /// `rows + its halo index`. `[rows × (rows + halo)]`, same entry order and weights.
    let extended: CSRGraph
    let partition: RowPartition

    /// Marks the columns outside `own` in a bitmap (n bits), ranks them with prefix popcounts
    /// and renumbers the columns (in place when `rows` holds the only reference to them):
    /// O(n/64 + nnz) time, n/8 + n/16 bytes.
    init(rows: consuming CSRGraph, own: Range<Int>, partition: RowPartition) {
        self.partition = partition
        let n = partition.numRows
        let words = (n + 63) / 64
        var bits = [UInt64](repeating: 0, count: words)
        for c in rows.columnIndices {
            let v = Int(c)
            if !own.contains(v) { bits[v >> 6] |= 1 << UInt64(v & 63) }
        }
        var before = [Int32](repeating: 0, count: words)  // halo nodes in earlier words
        var count: Int32 = 0
        var halo: [Int32] = []
        for w in 0..<words {
            before[w] = count
            var word = bits[w]
            count += Int32(word.nonzeroBitCount)
            while word != 0 {
                halo.append(Int32(w * 64 + word.trailingZeroBitCount))
                word &= word - 1
            }
        }
        haloNodes = halo
        var starts = [0]
        var i = 0
        for q in 0..<partition.parts {
            let end = partition.rows(of: q).upperBound
            while i < halo.count && Int(halo[i]) < end { i += 1 }
            starts.append(i)
        }
        haloStart = starts
        let m = own.count, lo = own.lowerBound
        let (offsets, weights) = (rows.rowOffsets, rows.weights)
        var columns = rows.columnIndices
        rows = CSRGraph(emptyWithNodes: 0)  // renumber the columns in place when this was the last reference
        columns.withUnsafeMutableBufferPointer { all in
            for i in all.indices {
                let v = Int(all[i])
                if own.contains(v) { all[i] = Int32(v - lo); continue }
                let below = bits[v >> 6] & ((1 << UInt64(v & 63)) - 1)
                all[i] = Int32(m) + before[v >> 6] + Int32(below.nonzeroBitCount)
            }
        }
        extended = CSRGraph(unchecked: m, m + halo.count, offsets, columns, weights)
    }

    /// Per peer, the own rows (local indices) it needs: each rank sends every owner the list of
    /// its halo nodes there (row counts in one all-gather, then one exchange of indices).
    func sendRows(communicator: any Communicating) throws(EmbeddingError) -> [[Int32]] {
        let (rank, size) = (communicator.rank, communicator.size)
        let wanted = (0..<size).map { Int64(haloStart[$0 + 1] - haloStart[$0]) }
        let all: [Int64] = try communicating { () throws(CommunicationError) in try communicator.allGather(wanted) }
        let incoming = (0..<size).map { q in Int(all[q * size + rank]) }  // rows q wants from me
        var lists = (0..<size).map { [Int32](repeating: 0, count: incoming[$0]) }
        let lo = Int32(partition.rows(of: rank).lowerBound)
        let exchange = HaloExchange(communicator: communicator)
        // Indices travel as Float bit patterns (copied, never computed with).
        try communicating { () throws(CommunicationError) in
            try exchange.exchange(width: 1, tag: 4, sendRows: wanted.map { Int($0) }, receiveRows: incoming, pack: { q, out in
                let base = Int32(partition.rows(of: q).lowerBound)
                for i in haloStart[q]..<haloStart[q + 1] {
                    out[i - haloStart[q]] = Float(bitPattern: UInt32(bitPattern: haloNodes[i] - base))
                }
            }, unpack: { q, src in
                for i in 0..<incoming[q] { lists[q][i] = Int32(bitPattern: src[i].bitPattern) }
            }, label: "fastrp halo lists")
        }
        _ = lo
        return lists
    }
}
