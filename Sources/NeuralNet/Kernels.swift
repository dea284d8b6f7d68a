import DenseMath

/// Row-parallel helpers shared by the layers. Work is split into ranges that do not depend on
/// the thread count where a reduction is involved, so results are identical for any `threads`.
public enum Kernels {
    /// Below this many elements a loop runs on the calling thread (dispatch costs more).
    public static let parallelThreshold = 1 << 15

    /// Runs `body` over `0..<count` split into up to `threads` contiguous ranges. The body must
    /// write only to its own range.
    @inlinable
    public static func forEach(count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        if count < parallelThreshold || threads <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        Parallel.forEachRange(total: count, count: threads, body)
    }

    /// Runs `body` over the rows `0..<rows` of a `[rows × work]` loop, split into up to `threads`
    /// contiguous row ranges when `rows · work` reaches ``parallelThreshold`` elements (the work,
    /// not the row count, decides). The body must write only to its own rows.
    @inlinable
    public static func forEachRow(rows: Int, work: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        if rows <= 0 { return }
        if rows < 2 || threads <= 1 || rows * max(work, 1) < parallelThreshold {
            body(0..<rows)
            return
        }
        Parallel.forEachRange(total: rows, count: threads, body)
    }

    /// Adds the column sums of `m` to `sums` (`[m.cols]`).
    ///
    /// Rows are summed in Double over 64 fixed row blocks, whose partial sums are then added in
    /// block order, so the result is the same for any thread count.
    /// - Complexity: O(rows · cols).
    public static func addColumnSums(of m: Matrix, to sums: inout [Float], threads: Int) {
        precondition(sums.count == m.cols, "column sums: \(sums.count) slots for \(m.cols) columns")
        let cols = m.cols, rows = m.rows
        if rows == 0 || cols == 0 { return }
        let blocks = min(64, rows)
        var partial = [Double](repeating: 0, count: blocks * cols)
        m.values.withUnsafeBufferPointer { src in
            partial.withUnsafeMutableBufferPointer { part in
                let s = src.baseAddress!, p = part.baseAddress!
                let work = rows * cols
                Parallel.forEachRange(total: blocks, count: work < parallelThreshold ? 1 : threads) { blockRange in
                    for b in blockRange {
                        let acc = p + b * cols
                        for i in (rows * b / blocks)..<(rows * (b + 1) / blocks) {
                            let row = s + i * cols
                            for j in 0..<cols { acc[j] += Double(row[j]) }
                        }
                    }
                }
            }
        }
        for j in 0..<cols {
            var total = 0.0
            for b in 0..<blocks { total += partial[b * cols + j] }
            sums[j] += Float(total)
        }
    }

    /// `y = a·x + b·y` element-wise over equal-shaped matrices.
    public static func axpby(_ a: Float, _ x: Matrix, _ b: Float, _ y: inout Matrix, threads: Int) {
        precondition(x.rows == y.rows && x.cols == y.cols, "axpby: shapes differ")
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                let xp = xs.baseAddress, yp = ys.baseAddress
                forEach(count: xs.count, threads: threads) { r in
                    guard let xp, let yp else { return }
                    for i in r { yp[i] = a * xp[i] + b * yp[i] }
                }
            }
        }
    }

    /// `y *= a` element-wise.
    public static func scale(_ y: inout Matrix, by a: Float, threads: Int) {
        y.values.withUnsafeMutableBufferPointer { ys in
            let yp = ys.baseAddress
            forEach(count: ys.count, threads: threads) { r in
                guard let yp else { return }
                for i in r { yp[i] *= a }
            }
        }
    }

    /// Adds `bias` (`[cols]`) to every row of `m`.
    public static func addRowVector(_ bias: [Float], to m: inout Matrix, threads: Int) {
        precondition(bias.count == m.cols, "bias has \(bias.count) entries for \(m.cols) columns")
        let cols = m.cols
        bias.withUnsafeBufferPointer { bs in
            m.values.withUnsafeMutableBufferPointer { ms in
                let b = bs.baseAddress, mp = ms.baseAddress
                forEachRow(rows: m.rows, work: cols, threads: threads) { rows in
                    guard let b, let mp else { return }
                    for i in rows {
                        let row = mp + i * cols
                        for j in 0..<cols { row[j] += b[j] }
                    }
                }
            }
        }
    }
}

extension Kernels {
    /// Copies `src` into `dst` (same shape), keeping `dst`'s storage.
    public static func copy(_ src: Matrix, into dst: inout Matrix) {
        precondition(src.rows == dst.rows && src.cols == dst.cols, "copy: shapes differ")
        src.values.withUnsafeBufferPointer { s in
            dst.values.withUnsafeMutableBufferPointer { d in
                guard let sp = s.baseAddress, let dp = d.baseAddress else { return }
                dp.update(from: sp, count: s.count)
            }
        }
    }
}

extension Kernels {
    /// A `[rows × cols]` matrix for outputs that the caller overwrites entirely (GEMM with β = 0,
    /// SpMM without accumulation, element-wise maps): below 4 MiB its entries are left unset (no
    /// zero-fill pass; small buffers are reused by malloc); from 4 MiB on it is
    /// `Matrix(rows:cols:)`, whose storage is advised to use huge pages, which SpMM's row gathers
    /// need. Never read an entry before writing it.
    public static func uninitializedMatrix(rows: Int, cols: Int) -> Matrix {
        let count = rows * cols
        // Empty: Matrix's own `[]` (see DenseMath's HugePages on the shared empty storage).
        if count == 0 || count * MemoryLayout<Float>.stride >= 4 << 20 { return Matrix(rows: rows, cols: cols) }
        let values = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        return Matrix(rows: rows, cols: cols, values: values)
    }
}
