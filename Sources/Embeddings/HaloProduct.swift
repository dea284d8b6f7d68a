import DenseMath
import Dispatch
import GraphCore
import GraphKernels
import MessagePassing

/// The halo side of a distributed FastRP rank: which rows it fetches from which peer, the
/// column-blocked product `A · X` over its own and fetched rows, and the reductions over all
/// ranks. Exchanges go through ``MessagePassing/HaloExchange`` (the machinery graph-parallel
/// training uses): one exchange per column block, halo rows unpacked in rank order.
///
/// Rows: the rank owns `localRows` rows; its graph's columns are extended indices
/// (`0 ..< localRows` own rows, `localRows + i` the i-th halo node, halo nodes ascending, so
/// grouped by owner: peer q's rows are `haloStart[q] ..< haloStart[q + 1]`).
final class HaloProduct {
    let exchange: HaloExchange
    /// Own rows `[localRows × (localRows + halo)]`, extended columns.
    let graph: CSRGraph
    let localRows: Int
    let dim: Int
    /// Columns per exchange and product block (the same on every rank).
    let blockWidth: Int
    /// Per peer, the own (local) rows it needs, ascending.
    let sendRows: [[Int32]]
    /// Per peer, the first halo index of its rows, `[size + 1]`.
    let haloStart: [Int]
    /// `[halo × blockWidth]`: the fetched rows of the current block.
    private var haloBlock: [Float]

    /// Seconds blocked in halo waits, bytes sent + received per ``multiply`` call, and the
    /// seconds of the products themselves.
    private(set) var exchangeSeconds = 0.0
    private(set) var stepBytes: [Int64] = []
    private(set) var computeSeconds = 0.0

    init(communicator: any Communicating, graph: CSRGraph, dim: Int, blockWidth: Int, sendRows: [[Int32]], haloStart: [Int]) {
        exchange = HaloExchange(communicator: communicator)
        self.graph = graph
        localRows = graph.numRows
        self.dim = dim
        self.blockWidth = blockWidth
        self.sendRows = sendRows
        self.haloStart = haloStart
        haloBlock = [Float](repeating: 0, count: max(1, haloStart.last! * blockWidth))
    }

    var communicator: any Communicating { exchange.communicator }
    var haloCount: Int { haloStart.last! }
    var receiveCounts: [Int] { (0..<communicator.size).map { haloStart[$0 + 1] - haloStart[$0] } }

    /// Sends `values[localRow]` of the rows each peer needs and returns the halo rows' values,
    /// `[halo × width]` (one exchange; used for the halo's `degree^β`).
    func fetch(_ values: [Float], width: Int) throws(EmbeddingError) -> [Float] {
        var out = [Float](repeating: 0, count: haloCount * width)
        var failure: CommunicationError? = nil
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                do throws(CommunicationError) {
                    try exchange.exchange(width: width, tag: 2, sendRows: sendRows.map(\.count), receiveRows: receiveCounts, pack: { q, buffer in
                        for (i, r) in sendRows[q].enumerated() {
                            (buffer + i * width).update(from: src.baseAddress! + Int(r) * width, count: width)
                        }
                    }, unpack: { q, buffer in
                        (dst.baseAddress! + haloStart[q] * width).update(from: buffer, count: (haloStart[q + 1] - haloStart[q]) * width)
                    }, label: "fastrp halo values")
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw .communication(failure.description) }
        return out
    }

    /// `y = A · [x; halo rows of x]` for `x` `[localRows × dim]`, `y` `[localRows × dim]`:
    /// for each block of ``blockWidth`` columns, the peers' rows of that block are fetched, then
    /// every row is summed over its entries in stored order by
    /// `SpMM.multiplyColumnBlock` (the full product's operations, per value), so each value is
    /// the one a single process computes.
    func multiply(_ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, threads: Int) throws(EmbeddingError) {
        let before = communicator.traffic
        let waitBefore = exchange.waitNanoseconds
        let clock = DispatchTime.now().uptimeNanoseconds
        let (dim, m) = (dim, localRows)
        for c0 in stride(from: 0, to: dim, by: blockWidth) {
            let w = min(blockWidth, dim - c0)
            var failure: CommunicationError? = nil
            haloBlock.withUnsafeMutableBufferPointer { halo in
                let h = halo.baseAddress!
                do throws(CommunicationError) {
                    try exchange.exchange(width: w, tag: 1, sendRows: sendRows.map(\.count), receiveRows: receiveCounts, pack: { q, buffer in
                        for (i, r) in sendRows[q].enumerated() {
                            (buffer + i * w).update(from: x + Int(r) * dim + c0, count: w)
                        }
                    }, unpack: { q, buffer in
                        (h + haloStart[q] * w).update(from: buffer, count: (haloStart[q + 1] - haloStart[q]) * w)
                    }, label: "fastrp halo block \(c0)")
                } catch {
                    failure = error
                    return
                }
                SpMM.multiplyColumnBlock(offsets: graph.rowOffsets, columns: graph.columnIndices, weights: graph.weights,
                                         ownRows: m, x: x, xStride: dim, halo: h, y: y, yStride: dim, c0: c0, width: w,
                                         threads: threads)
            }
            if let failure { throw .communication(failure.description) }
        }
        let waited = Double(exchange.waitNanoseconds - waitBefore) / 1e9
        exchangeSeconds += waited
        computeSeconds += Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9 - waited
        let moved = communicator.traffic.since(before)
        stepBytes.append(moved.bytesSent + moved.bytesReceived)
    }

    // MARK: - Column standardisation over all ranks

    /// ``ColumnStandardization/standardize(_:threads:)`` of the matrix stacked from every rank's
    /// rows, on this rank's rows `m` (starting at global row `firstRow`, a multiple of the
    /// 1,024-row block). Each rank sums its blocks as one process does; the running column
    /// totals then pass from rank 0 to rank 1 to … (each adds its blocks in order), so every
    /// `Double` addition happens in the one-process order, and the last rank broadcasts them.
    func standardize(_ m: inout Matrix, firstRow: Int, threads: Int) throws(EmbeddingError) {
        precondition(m.rows == 0 || firstRow % ColumnStandardization.blockSize == 0,
                     "distributed standardisation needs rank bounds on 1,024-row blocks")
        let cols = m.cols
        var rows = [Int64(m.rows)]
        try communicating { () throws(CommunicationError) in try communicator.allReduceSum(&rows) }
        let total = Double(rows[0])
        if total == 0 || cols == 0 { return }
        let blocks = (m.rows + ColumnStandardization.blockSize - 1) / ColumnStandardization.blockSize
        let sums = try chainSum(ColumnStandardization.blockSums(m, blocks: blocks, threads: threads, center: nil), cols: cols)
        let mean = sums.map { $0 / total }
        let squares = try chainSum(ColumnStandardization.blockSums(m, blocks: blocks, threads: threads, center: mean), cols: cols)
        ColumnStandardization.apply(&m, mean: mean, variance: squares.map { $0 / total }, threads: threads)
    }

    /// Σ over all ranks' blocks in rank order, then block order, `[cols]`, on every rank.
    func chainSum(_ partial: [Double], cols: Int) throws(EmbeddingError) -> [Double] {
        let (rank, size) = (communicator.rank, communicator.size)
        var total = [Double](repeating: 0, count: cols)
        let buffer = MessageBuffer(capacity: 2 * cols)  // a Double's bits in two Float slots
        try communicating { () throws(CommunicationError) in
            if rank > 0 {
                try communicator.waitAll([communicator.irecv(buffer, count: 2 * cols, from: rank - 1, tag: 3)])
                total.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: buffer.pointer, count: 8 * cols)) }
            }
            ColumnStandardization.addBlocks(partial, cols: cols, into: &total)
            if rank + 1 < size {
                total.withUnsafeBytes { UnsafeMutableRawPointer(buffer.pointer).copyMemory(from: $0.baseAddress!, byteCount: 8 * cols) }
                try communicator.waitAll([communicator.isend(buffer, count: 2 * cols, to: rank + 1, tag: 3)])
            }
            try communicator.broadcast(&total, root: size - 1)
        }
        return total
    }
}

/// Runs a communication step, turning its error into ``EmbeddingError/communication(_:)``.
func communicating<T>(_ body: () throws(CommunicationError) -> T) throws(EmbeddingError) -> T {
    do { return try body() } catch { throw .communication(error.description) }
}
