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
            for j in 0..<c {
                mean[j] = Double(runningMean.value.values[j])
                invStd[j] = 1 / (Double(runningVariance.value.values[j]) + Double(epsilon)).squareRoot()
            }
        }
        var xhat = Matrix(rows: n, cols: c)
        var y = Matrix(rows: n, cols: c)
        for i in 0..<n {
            for j in 0..<c {
                let k = i * c + j
                let h = Float((Double(x.values[k]) - mean[j]) * invStd[j])
                xhat.values[k] = h
                y.values[k] = scale.value.values[j] * h + shift.value.values[j]
            }
        }
        if context.isTraining {
            normalized = xhat
            inverseStd = invStd
        } else {
            releaseCaches()
        }
        return y
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
