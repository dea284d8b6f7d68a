import DenseMath

/// Column standardisation of a `[rows × cols]` matrix, as `sklearn.preprocessing.scale`.
public enum ColumnStandardization {
    /// Rows summed per block; blocks are combined in order, so results do not depend on threads.
    static let blockSize = 1024

    /// Replaces every column `x` by `(x − mean(x)) / std(x)`, with the population standard
    /// deviation (ddof 0); a constant column is only centred. Means and variances are summed in
    /// `Double` over fixed blocks of rows (two passes), so the result is the same for any
    /// `threads`.
    /// - Complexity: O(rows · cols).
    public static func standardize(_ m: inout Matrix, threads: Int = Parallel.defaultThreadCount) {
        let rows = m.rows, cols = m.cols
        if rows == 0 || cols == 0 { return }
        let blocks = (rows + blockSize - 1) / blockSize
        let mean = columnSums(m, blocks: blocks, threads: threads, center: nil).map { $0 / Double(rows) }
        let variance = columnSums(m, blocks: blocks, threads: threads, center: mean).map { $0 / Double(rows) }
        apply(&m, mean: mean, variance: variance, threads: threads)
    }

    /// `x ← (x − mean) / √variance` per column (a zero or non-finite deviation only centres).
    static func apply(_ m: inout Matrix, mean: [Double], variance: [Double], threads: Int) {
        let rows = m.rows, cols = m.cols
        let shift = mean.map { Float($0) }
        let scale = variance.map { v -> Float in
            let sd = v.squareRoot()
            return sd > 0 && sd.isFinite ? Float(1 / sd) : 1
        }
        m.values.withUnsafeMutableBufferPointer { values in
            Parallel.forEachRange(total: rows, count: threads) { range in
                for i in range {
                    for j in 0..<cols { values[i * cols + j] = (values[i * cols + j] - shift[j]) * scale[j] }
                }
            }
        }
    }

    /// Per-column Σ x (or Σ (x − center)² when `center` is given), `[cols]`.
    static func columnSums(_ m: Matrix, blocks: Int, threads: Int, center: [Double]?) -> [Double] {
        let partial = blockSums(m, blocks: blocks, threads: threads, center: center)
        var total = [Double](repeating: 0, count: m.cols)
        addBlocks(partial, cols: m.cols, into: &total)
        return total
    }

    /// `total[j] += partial[b][j]` for the blocks b in order (the fixed order of the sums).
    static func addBlocks(_ partial: [Double], cols: Int, into total: inout [Double]) {
        guard cols > 0 else { return }
        for b in 0..<(partial.count / cols) {
            for j in 0..<cols { total[j] += partial[b * cols + j] }
        }
    }

    /// Per-block column sums, `[blocks × cols]`: block b sums rows `b·blockSize ..<` in order.
    static func blockSums(_ m: Matrix, blocks: Int, threads: Int, center: [Double]?) -> [Double] {
        let rows = m.rows, cols = m.cols
        var partial = [Double](repeating: 0, count: blocks * cols)
        m.values.withUnsafeBufferPointer { values in
            partial.withUnsafeMutableBufferPointer { out in
                Parallel.forEachRange(total: blocks, count: threads) { range in
                    for b in range {
                        let sums = out.baseAddress! + b * cols
                        for i in (b * blockSize)..<min(rows, (b + 1) * blockSize) {
                            for j in 0..<cols {
                                let x = Double(values[i * cols + j])
                                if let center {
                                    let d = x - center[j]
                                    sums[j] += d * d
                                } else {
                                    sums[j] += x
                                }
                            }
                        }
                    }
                }
            }
        }
        return partial
    }
}
