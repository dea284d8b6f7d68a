import DenseMath

/// Inverted dropout (Srivastava et al., JMLR 2014) with seeded, per-row masks.
///
/// ```
/// training:   y = x ⊙ m / (1 − p),   m[i, j] ~ Bernoulli(1 − p)
/// evaluation: y = x
/// backward:   ∂x = ∂y ⊙ m / (1 − p)
/// ```
/// The mask of global row `r` at step `t` comes from `SplitMix64(seed: mix(seed + t), stream: r)`
/// (32 random bits per entry, kept when the bits are ≥ p·2³²), so it does not depend on the
/// thread count or on which rank or chunk computes the row (``LayerContext/rowOffset``, or
/// ``LayerContext/rowIndices`` for gathered rows).
/// Shapes: `[numRows × dim]`, unchanged.
public final class Dropout: Layer {
    public let kind = "dropout"
    public var retainsInput: Bool { false }
    public var retainsOutput: Bool { false }
    public let parameters: [Parameter] = []
    /// Drop probability p, `0 ≤ p < 1`.
    public let probability: Float
    /// Seed of this layer's masks.
    public let seed: UInt64
    private var mask: [UInt8]?

    /// - Precondition: `0 ≤ probability < 1`.
    public init(probability: Float, seed: UInt64) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
        self.seed = seed
    }

    public func forward(_ x: Matrix, context: LayerContext) -> Matrix {
        guard context.isTraining, probability > 0 else {
            mask = nil
            return x
        }
        let rows = x.rows, cols = x.cols
        var y = context.pool.take(rows: rows, cols: cols)
        var m = mask ?? []
        mask = nil  // unique reference: the writes below stay in place
        if m.count != rows * cols { m = [UInt8](repeating: 0, count: rows * cols) }
        let threshold = UInt64((Double(probability) * 4_294_967_296.0).rounded())
        let scale = 1 / (1 - probability)
        let stepSeed = SplitMix64.mix(seed &+ UInt64(truncatingIfNeeded: context.step))
        let rowOffset = context.rowOffset
        let rowIndices = context.rowIndices
        precondition(rowIndices == nil || rowIndices!.count == rows, "Dropout: rowIndices has \(rowIndices!.count) entries for \(rows) rows")
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                m.withUnsafeMutableBufferPointer { ms in
                    let xp = xs.baseAddress!, yp = ys.baseAddress!, mp = ms.baseAddress!
                    Kernels.forEachRow(rows: rows, work: cols, threads: context.threads) { range in
                        for i in range {
                            let globalRow = rowIndices.map { Int($0[i]) } ?? rowOffset + i
                            var rng = SplitMix64(seed: stepSeed, stream: UInt64(globalRow))
                            let base = i * cols
                            // Mask first (branch-free keep = bits ≥ threshold, from the sign of
                            // bits − threshold), then one vectorisable multiply over the row.
                            var j = 0
                            while j < cols {
                                let bits = rng.next()
                                mp[base + j] = UInt8(truncatingIfNeeded: 1 &- (((bits & 0xFFFF_FFFF) &- threshold) >> 63))
                                if j + 1 < cols {
                                    mp[base + j + 1] = UInt8(truncatingIfNeeded: 1 &- (((bits >> 32) &- threshold) >> 63))
                                }
                                j += 2
                            }
                            for k in base..<(base + cols) { yp[k] = xp[k] * (Float(mp[k]) * scale) }
                        }
                    }
                }
            }
        }
        mask = m
        return y
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        guard needsInputGradient else {
            return nil
        }
        guard context.isTraining, probability > 0 else { return dy }
        guard let m = mask else { preconditionFailure("Dropout.backward without a training forward") }
        precondition(m.count == dy.values.count, "Dropout.backward: gradient shape differs from the forward input")
        let scale = 1 / (1 - probability)
        var dx = context.pool.take(rows: dy.rows, cols: dy.cols)
        dy.values.withUnsafeBufferPointer { gs in
            m.withUnsafeBufferPointer { ms in
                dx.values.withUnsafeMutableBufferPointer { ds in
                    let gp = gs.baseAddress, mp = ms.baseAddress, dp = ds.baseAddress
                    Kernels.forEach(count: ds.count, threads: context.threads) { r in
                        guard let gp, let mp, let dp else { return }
                        for i in r { dp[i] = gp[i] * (Float(mp[i]) * scale) }
                    }
                }
            }
        }
        return dx
    }

    /// Keeps the mask storage for reuse; it is rewritten by the next training forward.
    public func releaseCaches() {}
}
