import COpenBLAS

extension BLAS {
    /// `C = α · op(A) · op(B) + β · C` with the rows of C cut into blocks that depend only on the
    /// shape, each block computed by its own `cblas_sgemm` call; the blocks are shared out over
    /// up to `threads` threads (``Parallel/forEachRange(total:count:_:)``).
    ///
    /// The result is bit-identical for any `threads`: OpenBLAS picks its kernel from the shape of
    /// each call (0.3.21 has small-matrix and "direct" SGEMM paths chosen by m·n·k), so cutting
    /// the same product into a different number of row blocks can round differently. Here the
    /// cut is ``rowBlockBounds(m:n:k:)`` for every thread count, including 1.
    ///
    /// With OpenBLAS itself at one thread (``setThreadCount(_:)``, as the CLIs do) the callers'
    /// worker threads do all the work, so no second, spinning thread pool competes with SpMM and
    /// element-wise loops for the cores; bit-identity across `threads` assumes that OpenBLAS
    /// thread count stays fixed.
    ///
    /// Shapes: as ``gemm(_:transposeA:_:transposeB:alpha:beta:into:)``.
    /// - Complexity: O(m · n · k), plus one packing of op(B) (O(k · n)) per block.
    public static func gemm(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0, into c: inout Matrix, threads: Int
    ) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        let bounds = rowBlockBounds(m: m, n: n, k: k)
        if bounds.count <= 2 {
            gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &c)
            return
        }
        precondition(k == (transposeB ? b.cols : b.rows), "gemm: inner dimensions differ")
        precondition(c.rows == m && c.cols == n, "gemm: output is \(c.rows)×\(c.cols), expected \(m)×\(n)")
        let lda = Int32(a.cols), ldb = Int32(b.cols), ldc = Int32(n)
        let blocks = bounds.count - 1
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    let ap = pa.baseAddress!, bp = pb.baseAddress!, cp = pc.baseAddress!
                    Parallel.forEachRange(total: blocks, count: threads) { blockRange in
                        for block in blockRange {
                            let rows = bounds[block]..<bounds[block + 1]
                            // Rows r of op(A): row r of A, or column r of A when transposed.
                            let aBlock = transposeA ? ap + rows.lowerBound : ap + rows.lowerBound * a.cols
                            cblas_sgemm(
                                CblasRowMajor,
                                transposeA ? CblasTrans : CblasNoTrans,
                                transposeB ? CblasTrans : CblasNoTrans,
                                Int32(rows.count), Int32(n), Int32(k), alpha,
                                aBlock, lda, bp, ldb,
                                beta, cp + rows.lowerBound * n, ldc)
                        }
                    }
                }
            }
        }
    }

    /// Products below this many multiply-adds run as one call.
    static let rowBlockMinimumWork = 1 << 20
    /// Fewest rows of C in a block. Every block repacks op(B) and re-enters OpenBLAS's driver;
    /// on OpenBLAS 0.3.21 (AVX-512) blocks of 64–192 rows made `Xᵀ·∂Y` weight gradients up to
    /// 2× slower than one call, and GCN on Cora took ~6 % more CPU time with 256-row blocks.
    static let rowBlockMinimumRows = 384
    /// An op(B) of more than this many entries (4 MiB) does not stay in cache, so packing it
    /// once per block costs more; such products get blocks of ``rowBlockMinimumRowsLargeB``.
    static let rowBlockLargeB = 1 << 20
    /// Fewest rows of C in a block when op(B) is large.
    static let rowBlockMinimumRowsLargeB = 512
    /// Most blocks; block counts are powers of two so they share out evenly over 2, 4, 8 or 16
    /// threads.
    static let rowBlockMaximumCount = 16

    /// The row blocks of C that ``gemm(_:transposeA:_:transposeB:alpha:beta:into:threads:)``
    /// computes, one `cblas_sgemm` call each: ascending bounds, first 0, last `m`; block `p` is
    /// rows `bounds[p] ..< bounds[p+1]`.
    ///
    /// A function of the shape only (op(A) `[m × k]`, op(B) `[k × n]`), never of the thread
    /// count. The block count is the largest power of two up to 16 that leaves every block at
    /// least 2²⁰ multiply-adds and at least 384 rows (512 when op(B) has more than 2²⁰ entries).
    /// Interior bounds are `⌊m·p/count⌋` rounded down to a multiple of 16 (the SGEMM kernels' row
    /// unrolling), so every block is within 16 rows of m / count.
    /// - Complexity: O(number of blocks).
    public static func rowBlockBounds(m: Int, n: Int, k: Int) -> [Int] {
        guard m > 0, n > 0, k > 0 else { return [0, max(m, 0)] }
        let bSize = n.multipliedReportingOverflow(by: k)
        let work = bSize.partialValue.multipliedReportingOverflow(by: m)
        let total = bSize.overflow || work.overflow ? Int.max : work.partialValue
        let largeB = bSize.overflow || bSize.partialValue > rowBlockLargeB
        let minimumRows = largeB ? rowBlockMinimumRowsLargeB : rowBlockMinimumRows
        var count = 1
        while count * 2 <= rowBlockMaximumCount && m / (count * 2) >= minimumRows
            && total / (count * 2) >= rowBlockMinimumWork {
            count *= 2
        }
        if count == 1 { return [0, m] }
        // Interior bounds at multiples of 16; blocks hold ≥ 384 rows, so none is empty.
        return (0...count).map { p in p == count ? m : (m * p / count) / 16 * 16 }
    }
}
