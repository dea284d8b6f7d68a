import DenseMath

/// Batch normalisation over rows (Ioffe & Szegedy, ICML 2015, Algorithm 1), per column.
///
/// ```
/// training:   μ_c = mean_i x[i,c],  σ²_c = mean_i (x[i,c] − μ_c)²   (biased)
///             y = γ_c (x − μ_c) / sqrt(σ²_c + ε) + β_c
///             running ← (1 − momentum)·running + momentum·batch   (variance unbiased, N/(N−1))
/// evaluation: y = γ_c (x − runningMean_c) / sqrt(runningVar_c + ε) + β_c
/// backward:   ∂x = (γ / (N·sqrt(σ² + ε))) · (N ∂y − Σ∂y − x̂ Σ(∂y ⊙ x̂))
/// ```
/// Defaults match PyTorch's `BatchNorm1d` (ε = 1e-5, momentum 0.1, γ = 1, β = 0).
/// Shapes: `[numRows × channels]`, unchanged; γ, β and running statistics `[1 × channels]`.
public final class BatchNorm1d: Layer {
    public let kind = "batchnorm"
    /// Scale γ `[1 × channels]`.
    public let scale: Parameter
    /// Shift β `[1 × channels]`.
    public let shift: Parameter
    /// Running mean `[1 × channels]` (state, not trained).
    public let runningMean: Parameter
    /// Running variance `[1 × channels]` (state, not trained).
    public let runningVariance: Parameter
    /// ε added to the variance.
    public let epsilon: Float
    /// Weight of the batch statistics in the running averages.
    public let momentum: Float
    public var parameters: [Parameter] { [scale, shift] }
    public var buffers: [Parameter] { [runningMean, runningVariance] }

    private var normalized: Matrix?
    private var inverseStd: [Double] = []

    /// A layer over `channels` columns with γ = 1, β = 0, running mean 0 and variance 1.
    public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        scale = Parameter(name: "scale", value: Matrix(rows: 1, cols: channels, repeating: 1))
        shift = Parameter(name: "shift", value: Matrix(rows: 1, cols: channels))
        runningMean = Parameter(name: "running_mean", value: Matrix(rows: 1, cols: channels))
        runningVariance = Parameter(name: "running_var", value: Matrix(rows: 1, cols: channels, repeating: 1))
        self.epsilon = epsilon
        self.momentum = momentum
    }

    public func forward(_ x: Matrix, context: LayerContext) -> Matrix {
        let n = x.rows, c = x.cols
        precondition(c == scale.value.cols, "BatchNorm1d: input has \(c) columns, expected \(scale.value.cols)")
        var mean = [Double](repeating: 0, count: c)
        var invStd = [Double](repeating: 0, count: c)
        if context.isTraining {
            precondition(n > 1, "BatchNorm1d needs more than one row in training mode")
            var variance = [Double](repeating: 0, count: c)
            for i in 0..<n { for j in 0..<c { mean[j] += Double(x.values[i * c + j]) } }
            for j in 0..<c { mean[j] /= Double(n) }
            for i in 0..<n {
                for j in 0..<c {
                    let d = Double(x.values[i * c + j]) - mean[j]
                    variance[j] += d * d
                }
            }
            let m = Double(momentum)
            for j in 0..<c {
                variance[j] /= Double(n)
                invStd[j] = 1 / (variance[j] + Double(epsilon)).squareRoot()
                runningMean.value.values[j] = Float((1 - m) * Double(runningMean.value.values[j]) + m * mean[j])
                let unbiased = variance[j] * Double(n) / Double(n - 1)
                runningVariance.value.values[j] = Float((1 - m) * Double(runningVariance.value.values[j]) + m * unbiased)
            }
        } else {
            (mean, invStd) = runningStatistics()
        }
        var y = context.pool.take(rows: n, cols: c)
        if context.isTraining {
            var xhat = Matrix(rows: n, cols: c)
            xhat.values.withUnsafeMutableBufferPointer { h in
                normalize(x, into: &y, normalized: h.baseAddress, mean: mean, invStd: invStd, rectify: false,
                          threads: context.threads)
            }
            normalized = xhat
            inverseStd = invStd
        } else {
            normalize(x, into: &y, normalized: nil, mean: mean, invStd: invStd, rectify: false, threads: context.threads)
            releaseCaches()
        }
        return y
    }

    /// Evaluation-mode forward in place: `x ← BN(x)`, or `x ← BN(ReLU(x))` with `rectifyingFirst`,
    /// bit-identical to ``ReLU`` followed by ``forward(_:context:)`` in evaluation mode but with
    /// one pass and no allocation (the inference path of a Linear → ReLU → BatchNorm block).
    /// Shapes: `[numRows × channels]`.
    public func normalizeForInference(_ x: inout Matrix, rectifyingFirst: Bool, threads: Int) {
        precondition(x.cols == scale.value.cols, "BatchNorm1d: input has \(x.cols) columns, expected \(scale.value.cols)")
        let (mean, invStd) = runningStatistics()
        let rows = x.rows
        x.values.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            normalizeRows(base, into: base, normalized: nil, rows: rows, mean: mean, invStd: invStd,
                          rectify: rectifyingFirst, threads: threads)
        }
    }

    private func runningStatistics() -> (mean: [Double], invStd: [Double]) {
        let c = scale.value.cols
        var mean = [Double](repeating: 0, count: c), invStd = [Double](repeating: 0, count: c)
        for j in 0..<c {
            mean[j] = Double(runningMean.value.values[j])
            invStd[j] = 1 / (Double(runningVariance.value.values[j]) + Double(epsilon)).squareRoot()
        }
        return (mean, invStd)
    }

    /// y = γ · Float((x − μ) · invStd) + β per element (x̂ = the Float in the middle), over rows
    /// in parallel; `rectify` applies max(x, 0) to x first.
    private func normalize(_ x: Matrix, into y: inout Matrix, normalized xhat: UnsafeMutablePointer<Float>?,
                           mean: [Double], invStd: [Double], rectify: Bool, threads: Int) {
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                guard let xp = xs.baseAddress, let yp = ys.baseAddress else { return }
                normalizeRows(xp, into: yp, normalized: xhat, rows: x.rows, mean: mean, invStd: invStd,
                              rectify: rectify, threads: threads)
            }
        }
    }

    /// The element loop of ``normalize(_:into:normalized:mean:invStd:rectify:threads:)``; `x` and
    /// `y` may be the same buffer (each element is read before it is written).
    private func normalizeRows(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                               normalized xhat: UnsafeMutablePointer<Float>?, rows: Int, mean: [Double],
                               invStd: [Double], rectify: Bool, threads: Int) {
        let c = scale.value.cols
        precondition(xhat == nil || !rectify, "x̂ is kept in training only, where ReLU is its own layer")
        // Per-channel constants behind raw pointers, so the row loops vectorise.
        let centre = mean + invStd, affine = scale.value.values + shift.value.values
        centre.withUnsafeBufferPointer { cs in
            affine.withUnsafeBufferPointer { fs in
                guard let m = cs.baseAddress, let g = fs.baseAddress else { return }
                let s = m + c, b = g + c
                Kernels.forEachRow(rows: rows, work: c, threads: threads) { range in
                    for i in range {
                        let xr = x + i * c, yr = y + i * c
                        if let xhat {
                            let hr = xhat + i * c
                            for j in 0..<c {
                                let h = Float((Double(xr[j]) - m[j]) * s[j])
                                hr[j] = h
                                yr[j] = g[j] * h + b[j]
                            }
                        } else if rectify {
                            for j in 0..<c {
                                let h = Float((Double(max(xr[j], 0)) - m[j]) * s[j])
                                yr[j] = g[j] * h + b[j]
                            }
                        } else {
                            for j in 0..<c {
                                let h = Float((Double(xr[j]) - m[j]) * s[j])
                                yr[j] = g[j] * h + b[j]
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        guard let xhat = normalized else { preconditionFailure("BatchNorm1d.backward without a training forward") }
        let invStd = inverseStd
        releaseCaches()
        let n = dy.rows, c = dy.cols
        var sumDy = [Double](repeating: 0, count: c)
        var sumDyXhat = [Double](repeating: 0, count: c)
        for i in 0..<n {
            for j in 0..<c {
                let k = i * c + j
                sumDy[j] += Double(dy.values[k])
                sumDyXhat[j] += Double(dy.values[k]) * Double(xhat.values[k])
            }
        }
        for j in 0..<c {
            shift.gradient.values[j] += Float(sumDy[j])
            scale.gradient.values[j] += Float(sumDyXhat[j])
        }
        guard needsInputGradient else { return nil }
        var dx = Matrix(rows: n, cols: c)
        let nd = Double(n)
        for i in 0..<n {
            for j in 0..<c {
                let k = i * c + j
                let g = Double(scale.value.values[j])
                let v = g * invStd[j] / nd * (nd * Double(dy.values[k]) - sumDy[j] - Double(xhat.values[k]) * sumDyXhat[j])
                dx.values[k] = Float(v)
            }
        }
        return dx
    }

    public func releaseCaches() {
        normalized = nil
        inverseStd = []
    }
}
