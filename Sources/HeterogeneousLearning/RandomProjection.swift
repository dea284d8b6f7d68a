import DenseMath

/// Seeded random matrices for RpHGNN's random projection squashing and random input features.
///
/// Every matrix is a function of `(seed, stream)` only: row `i` is drawn from
/// `SplitMix64(seed: mix(seed + stream), stream: i)`, so the result does not depend on the
/// thread count or on the order in which matrices are requested.
public enum RandomProjection {
    /// The sparse random projection matrix of Achlioptas (JCSS 2003, eq. 2) with s = 3, as
    /// RpHGNN's `sp_3.0` kernel:
    /// ```
    /// R[i, j] = +√3  with probability 1/6
    ///            0   with probability 2/3
    ///           −√3  with probability 1/6
    /// ```
    /// Shape `[rows × cols]` (input width × projected width), row-major.
    /// - Complexity: O(rows · cols).
    public static func sparseSign(rows: Int, cols: Int, seed: UInt64, stream: UInt64,
                                  threads: Int = Parallel.defaultThreadCount) -> Matrix {
        var r = Matrix(rows: rows, cols: cols)
        fillSparseSign(&r, seed: seed, stream: stream, threads: threads)
        return r
    }

    /// Overwrites every entry of `r` with ``sparseSign(rows:cols:seed:stream:threads:)``'s
    /// matrix of the same shape.
    public static func fillSparseSign(_ r: inout Matrix, seed: UInt64, stream: UInt64,
                                      threads: Int = Parallel.defaultThreadCount) {
        let scale = Float(3).squareRoot()
        let rowSeed = SplitMix64.mix(seed &+ SplitMix64.mix(stream))
        let (rows, cols) = (r.rows, r.cols)
        r.values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            Parallel.forEachRange(total: rows, count: rows * cols < 1 << 16 ? 1 : threads) { range in
                for i in range {
                    var rng = SplitMix64(seed: rowSeed, stream: UInt64(i))
                    let row = base + i * cols
                    for j in 0..<cols {
                        switch rng.nextInt(below: 6) {
                        case 0: row[j] = scale
                        case 1: row[j] = -scale
                        default: row[j] = 0
                        }
                    }
                }
            }
        }
    }

    /// Random features for a node type without features, as RpHGNN's reference code draws them:
    /// ```
    /// X[u, j] ~ N(0, 1) / √dim
    /// ```
    /// Row `u` (node `u`) comes from its own stream, so node features do not depend on how many
    /// nodes there are or on threads. Shape `[count × dim]`.
    public static func gaussianFeatures(count: Int, dim: Int, seed: UInt64, stream: UInt64) -> Matrix {
        let rowSeed = SplitMix64.mix(seed &+ SplitMix64.mix(stream))
        let scale = 1 / Float(dim).squareRoot()
        var x = Matrix(rows: count, cols: dim)
        for u in 0..<count {
            var rng = SplitMix64(seed: rowSeed, stream: UInt64(u))
            for j in 0..<dim { x.values[u * dim + j] = rng.nextGaussian() * scale }
        }
        return x
    }
}
