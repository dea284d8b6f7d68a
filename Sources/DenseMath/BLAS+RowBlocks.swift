import COpenBLAS

extension BLAS {
    /// `C = α · op(A) · op(B) + β · C` with the rows of C split into up to `threads` contiguous
    /// blocks, each computed by one `cblas_sgemm` call on its own thread
    /// (``Parallel/forEachRange(total:count:_:)``).
    ///
    /// With OpenBLAS itself at one thread (``setThreadCount(_:)``) the callers' worker threads do
    /// all the work, so no second, spinning thread pool competes with SpMM and element-wise loops
    /// for the cores. Products below 2¹⁸ multiply-adds, or with fewer than 16 rows per block, run
    /// as one call. For a fixed `threads` the result is deterministic.
    ///
    /// Shapes: as ``gemm(_:transposeA:_:transposeB:alpha:beta:into:)``.
    /// - Complexity: O(m · n · k).
    public static func gemm(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0, into c: inout Matrix, threads: Int
    ) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        let parts = min(max(1, threads), m / 16)
        if parts <= 1 || m * n * k < (1 << 18) {
            gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &c)
            return
        }
        precondition(k == (transposeB ? b.cols : b.rows), "gemm: inner dimensions differ")
        precondition(c.rows == m && c.cols == n, "gemm: output is \(c.rows)×\(c.cols), expected \(m)×\(n)")
        let lda = Int32(a.cols), ldb = Int32(b.cols), ldc = Int32(n)
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    let ap = pa.baseAddress!, bp = pb.baseAddress!, cp = pc.baseAddress!
                    Parallel.forEachRange(total: m, count: parts) { rows in
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
