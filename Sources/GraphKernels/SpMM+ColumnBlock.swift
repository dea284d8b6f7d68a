import CPrefetch
import DenseMath

extension SpMM {
    /// One column block of `Y = A · [X; H]` on raw CSR arrays, for a rank of a distributed
    /// product whose columns index its own rows (`< ownRows`, rows of X) and then fetched rows
    /// (rows of H):
    ///
    /// ```
    /// Y[u, c₀ ..< c₀+w] = Σ_{e in row u} w_e · src(col_e)[0 ..< w]
    /// src(v) = X[v, c₀ ...]   (v < ownRows, row stride xStride)
    ///        = H[v − ownRows, 0 ...]   (else, row stride w)
    /// ```
    /// Each output value gets the same operations in the same order as in
    /// ``multiply(_:_:threads:)`` (`y + w·x` per entry in stored order, no fused multiply-add),
    /// so a row computed block by block equals the row computed at once, bit for bit. Rows are
    /// split into degree-balanced ranges, one per thread; source rows are prefetched a few
    /// entries ahead as in the full product.
    ///
    /// Shapes: `offsets` `[rows + 1]`, `columns`/`weights` `[nnz]`; `y` rows have stride `yStride`
    /// and the block starts at column `c0` of X and Y.
    /// - Complexity: O(nnz · w).
    public static func multiplyColumnBlock(offsets: [Int], columns: [Int32], weights: [Float]?, ownRows: Int,
                                           x: UnsafePointer<Float>, xStride: Int, halo: UnsafePointer<Float>,
                                           y: UnsafeMutablePointer<Float>, yStride: Int, c0: Int, width w: Int,
                                           threads: Int) {
        let rows = offsets.count - 1
        if rows == 0 || w == 0 { return }
        let bounds = Parallel.balancedBounds(offsets: offsets, parts: threads)
        let distance = RowKernel.prefetchDistance
        offsets.withUnsafeBufferPointer { offsets in
            columns.withUnsafeBufferPointer { columns in
                weights.withOptionalBuffer { weights in
                    Parallel.forEachRange(bounds: bounds) { range in
                        @inline(__always) func source(_ v: Int) -> UnsafePointer<Float> {
                            v < ownRows ? x + v * xStride + c0 : halo + (v - ownRows) * w
                        }
                        let prefetchEnd = offsets[range.upperBound] - distance
                        for u in range {
                            let out = y + u * yStride + c0
                            out.initialize(repeating: 0, count: w)
                            let raw = UnsafeMutableRawPointer(out)
                            for e in offsets[u]..<offsets[u + 1] {
                                if e < prefetchEnd { cprefetch_read(source(Int(columns[e + distance])), w * 4) }
                                let s: Float = weights?[e] ?? 1
                                let src = source(Int(columns[e]))
                                let rawSrc = UnsafeRawPointer(src)
                                let sv = SIMD8<Float>(repeating: s)
                                var j = 0
                                while j + 8 <= w {
                                    let a = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                                    let b = rawSrc.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                                    raw.storeBytes(of: a + sv * b, toByteOffset: j * 4, as: SIMD8<Float>.self)
                                    j += 8
                                }
                                while j < w { out[j] += s * src[j]; j += 1 }
                            }
                        }
                    }
                }
            }
        }
    }
}
