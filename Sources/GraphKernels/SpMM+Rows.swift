import DenseMath
import GraphCore

extension SpMM {
    /// Computes `A · X` one row at a time and hands each row to `body`, so a caller can fuse
    /// scaling, normalisation or accumulation into the product without storing `A · X`.
    ///
    /// ```
    /// row(u) = Σ_{e in row u} w_e · X[col_e, :]     (unweighted entries count as 1)
    /// ```
    /// `body(u, row)` is called once per row with a scratch buffer of `X.cols` values that it may
    /// read and overwrite; the buffer is reused for the next row. Rows are split into
    /// degree-balanced ranges, one per thread, each visited in ascending order. Every row is
    /// summed over its entries in stored order, so the values do not depend on `threads`.
    /// `body` runs concurrently for different rows: it may only write state owned by row `u`.
    ///
    /// Shapes: `A` `[numRows × numColumns]` CSR, `X` `[numColumns × dim]` row-major.
    /// - Complexity: O(nnz · dim).
    public static func forEachProductRow(_ a: CSRGraph, _ x: Matrix, threads: Int = Parallel.defaultThreadCount,
                                         _ body: (Int, UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(x.rows == a.numColumns, "SpMM: X has \(x.rows) rows, A has \(a.numColumns) columns")
        let dim = x.cols
        if a.numRows == 0 { return }
        let bounds = Parallel.balancedBounds(offsets: a.rowOffsets, parts: threads)
        a.rowOffsets.withUnsafeBufferPointer { offsets in
            a.columnIndices.withUnsafeBufferPointer { cols in
                x.values.withUnsafeBufferPointer { xs in
                    a.weights.withOptionalBuffer { ws in
                        Parallel.forEachRange(bounds: bounds) { rows in
                            let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(dim, 1))
                            defer { scratch.deallocate() }
                            gatherRows(rows, offsets: offsets, cols: cols, weights: ws, x: xs.baseAddress,
                                       dim: dim, scratch: scratch, body)
                        }
                    }
                }
            }
        }
    }

    private static func gatherRows(_ rows: Range<Int>, offsets: UnsafeBufferPointer<Int>, cols: UnsafeBufferPointer<Int32>,
                                   weights: UnsafeBufferPointer<Float>?, x: UnsafePointer<Float>?, dim: Int,
                                   scratch: UnsafeMutableBufferPointer<Float>,
                                   _ body: (Int, UnsafeMutableBufferPointer<Float>) -> Void) {
        let out = scratch.baseAddress!
        let kernel = x.map { RowKernel(offsets: offsets, cols: cols, weights: weights, x: $0, dim: dim) }
        let end = kernel?.prefetchEnd(for: rows) ?? 0
        for u in rows {
            out.initialize(repeating: 0, count: dim)
            kernel?.accumulateRow(u, into: out, prefetchEnd: end)
            body(u, scratch)
        }
    }
}
