import DenseMath

/// One graph layer's input rows on one rank, fresh and historical, and the gradients waiting
/// for their chunk: the pipelined semantics of GNNPipe (notes §2.4–2.5) in one place.
///
/// Over the local rows of a ``RankPlan`` (own rows, then remote rows), with positions in the
/// epoch's chunk order:
/// ```
/// read rule     chunk at position i reads row u:   fresh[u]                  if pos(c(u)) ≤ i
///                                                  history[historySlot(u)]   if pos(c(u)) > i   (historical)
/// write         the forward of chunk c at this layer writes fresh[own rows of c] first
/// advance       at the epoch's end, for own boundary rows:
///               history ← fresh, or history ← m·history + (1 − m)·fresh (momentum m, once
///               a chunked epoch has run)
/// gradient      ∂ of a read of row u by chunk c at position i goes to:
///                 ∂X_c (the chunk's own input gradient)   if u is an own row of c
///                 pending[pendingSlot(u)]                  if read fresh (pos(c(u)) < i, or
///                                                          u remote), or historical and deferred
///                 nowhere (dropped)                        if historical and not deferred
///               and pending[pendingSlot(u)] of own rows is added to ∂X when u's chunk runs backward —
///               this epoch for fresh reads (later chunks run backward first), next epoch for
///               deferred historical ones (earlier chunks run backward after u's chunk).
/// ```
/// Remote rows' fresh and historical values arrive from their owners (``ExchangeLists``);
/// their pending gradients go back to the owner at u's chunk's backward step. Nothing per chunk
/// is kept: a chunk's re-materialisation before backward gathers the same values again.
/// Memory: `(local + pending rows) × d` floats, plus `history rows × d` when C > 1 (``RankPlan``
/// gives a row a history or pending row only where the order can need it). Without chunks
/// nothing reads a layer's rows after that layer's gather, so the fresh rows are dropped then
/// (``releaseFresh()``) instead of being kept next to the layer's own activations.
final class HistoryTable {
    /// Row width d.
    let width: Int
    /// `[localCount × d]`: this epoch's rows (also the evaluation pass's scratch); empty between
    /// passes when unchunked.
    var fresh: Matrix
    /// Whether the fresh rows live through the epoch (with chunks).
    let keepsFresh: Bool
    private let localCount: Int
    /// `[historySlotCount × d]`: what historical reads see; nil without chunks.
    var history: Matrix?
    /// `[pendingSlotCount × d]`: gradients waiting for their chunk's backward (or their owner).
    var pending: Matrix
    /// Whether a chunked epoch has run (momentum smooths from then on).
    var smoothedReady = false

    init(plan: RankPlan, width: Int, chunked: Bool) {
        self.width = width
        keepsFresh = chunked
        localCount = plan.localCount
        fresh = Matrix(rows: chunked ? plan.localCount : 0, cols: width)
        history = chunked ? Matrix(rows: plan.historySlotCount, cols: width) : nil
        pending = Matrix(rows: plan.pendingSlotCount, cols: width)
    }

    /// Bytes of the fresh (its size during a pass), historical and pending rows.
    var bytes: Int64 { Int64(4 * width) * Int64(localCount + (history?.rows ?? 0) + pending.rows) }

    /// Writes `rows` (the chunk's own rows, in local order from `first`) into the fresh table.
    func writeFresh(_ rows: Matrix, first: Int) {
        precondition(rows.cols == width, "HistoryTable: \(rows.cols) columns written to a table of width \(width)")
        if fresh.rows != localCount { fresh = Matrix(rows: localCount, cols: width) }
        rows.values.withUnsafeBufferPointer { src in
            fresh.values.withUnsafeMutableBufferPointer { dst in
                if let base = src.baseAddress { dst.baseAddress!.advanced(by: first * width).update(from: base, count: src.count) }
            }
        }
    }

    /// Drops the fresh rows of an unchunked table (nothing reads them before the next write).
    func releaseFresh() {
        if !keepsFresh { fresh = Matrix(rows: 0, cols: width) }
    }

    /// `[columns.count × d]` for a chunk at `position` under the read rule (`positions` = nil:
    /// every read fresh, as in evaluation and unchunked epochs).
    func gather(_ columns: [Int32], plan: RankPlan, position: Int, positions: [Int]?, into g: inout Matrix) {
        let d = width
        fresh.values.withUnsafeBufferPointer { current in
            g.values.withUnsafeMutableBufferPointer { out in
                let o = out.baseAddress!, f = current.baseAddress!
                if let positions, let history {
                    history.values.withUnsafeBufferPointer { past in
                        let h = past.baseAddress!
                        for (i, u) in columns.enumerated() {
                            let row = Int(u)
                            let source = positions[Int(plan.localChunk[row])] > position
                                ? h.advanced(by: Int(plan.historySlot[row]) * d) : f.advanced(by: row * d)
                            o.advanced(by: i * d).update(from: source, count: d)
                        }
                    }
                } else {
                    for (i, u) in columns.enumerated() {
                        o.advanced(by: i * d).update(from: f.advanced(by: Int(u) * d), count: d)
                    }
                }
            }
        }
    }

    /// Sends the gradient `dg` of gathered `columns` where the rule says: rows of `ownRows` into
    /// `dx` (`[ownRows.count × d]`), the others into pending (or nowhere). `positions` = nil:
    /// one unchunked pass (every read fresh).
    func route(_ dg: Matrix, columns: [Int32], ownRows: Range<Int>, plan: RankPlan, position: Int, positions: [Int]?,
               deferred: Bool, into dx: inout Matrix) {
        let d = width
        dg.values.withUnsafeBufferPointer { src in
            dx.values.withUnsafeMutableBufferPointer { own in
                pending.values.withUnsafeMutableBufferPointer { wait in
                    for (i, u) in columns.enumerated() {
                        let row = Int(u)
                        let g = src.baseAddress!.advanced(by: i * d)
                        let target: UnsafeMutablePointer<Float>
                        if ownRows.contains(row) {
                            target = own.baseAddress!.advanced(by: (row - ownRows.lowerBound) * d)
                        } else {
                            if let positions, positions[Int(plan.localChunk[row])] > position, !deferred { continue }
                            target = wait.baseAddress!.advanced(by: Int(plan.pendingSlot[row]) * d)
                        }
                        for e in 0..<d { target[e] += g[e] }
                    }
                }
            }
        }
    }

    /// Adds the pending gradients of `rows` (own boundary rows of the chunk running backward,
    /// local rows from `first`) to `dx` and clears them.
    func consumePending(_ rows: [Int32], first: Int, plan: RankPlan, into dx: inout Matrix) {
        let d = width
        pending.values.withUnsafeMutableBufferPointer { wait in
            dx.values.withUnsafeMutableBufferPointer { out in
                for u in rows {
                    let src = wait.baseAddress!.advanced(by: Int(plan.pendingSlot[Int(u)]) * d)
                    let dst = out.baseAddress!.advanced(by: (Int(u) - first) * d)
                    for e in 0..<d { dst[e] += src[e]; src[e] = 0 }
                }
            }
        }
    }

    /// The epoch's end: own boundary rows' history from this epoch's fresh rows (with momentum
    /// `m` once a chunked epoch ran). `chunked`: whether this epoch read history.
    func advance(plan: RankPlan, momentum m: Float, chunked: Bool) {
        guard history != nil else { return }
        let d = width
        let smooth = m > 0 && smoothedReady
        fresh.values.withUnsafeBufferPointer { src in
            history!.values.withUnsafeMutableBufferPointer { dst in
                for u in plan.ownHistoryRows {
                    let base = dst.baseAddress!.advanced(by: Int(plan.historySlot[Int(u)]) * d)
                    let row = src.baseAddress!.advanced(by: Int(u) * d)
                    if smooth {
                        for e in 0..<d { base[e] = m * base[e] + (1 - m) * row[e] }
                    } else {
                        base.update(from: row, count: d)
                    }
                }
            }
        }
        if chunked && m > 0 { smoothedReady = true }
    }

    /// Packs `rows` of the fresh table (`fromHistory`: of the history, by slot) into `out`.
    func pack(_ rows: [Int32], plan: RankPlan, fromHistory: Bool, into out: UnsafeMutablePointer<Float>) {
        let d = width
        let table = fromHistory ? history! : fresh
        table.values.withUnsafeBufferPointer { src in
            for (k, u) in rows.enumerated() {
                let r = fromHistory ? Int(plan.historySlot[Int(u)]) : Int(u)
                out.advanced(by: k * d).update(from: src.baseAddress!.advanced(by: r * d), count: d)
            }
        }
    }

    /// Writes received rows into the fresh table (`intoHistory`: the history, by slot).
    func unpack(_ rows: [Int32], plan: RankPlan, intoHistory: Bool, from src: UnsafePointer<Float>) {
        let d = width
        func write(_ m: inout Matrix) {
            m.values.withUnsafeMutableBufferPointer { dst in
                for (k, u) in rows.enumerated() {
                    let r = intoHistory ? Int(plan.historySlot[Int(u)]) : Int(u)
                    dst.baseAddress!.advanced(by: r * d).update(from: src.advanced(by: k * d), count: d)
                }
            }
        }
        if intoHistory { write(&history!) } else { write(&fresh) }
    }

    /// Packs the pending gradients of `rows` into `out` and clears them (they leave for their owner).
    func takePending(_ rows: [Int32], plan: RankPlan, into out: UnsafeMutablePointer<Float>) {
        let d = width
        pending.values.withUnsafeMutableBufferPointer { wait in
            for (k, u) in rows.enumerated() {
                let src = wait.baseAddress!.advanced(by: Int(plan.pendingSlot[Int(u)]) * d)
                out.advanced(by: k * d).update(from: src, count: d)
                src.update(repeating: 0, count: d)
            }
        }
    }
}
