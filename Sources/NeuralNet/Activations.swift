import DenseMath
import Foundation

/// Rectified linear unit, element-wise `y = max(x, 0)`.
///
/// Backward: `∂x = ∂y ⊙ [y > 0]`. Shapes: any `[numRows × dim]`, unchanged.
public final class ReLU: Layer {
    public let kind = "relu"
    public var retainsInput: Bool { false }
    public let parameters: [Parameter] = []
    private var output: Matrix?

    public init() {}

    public func forward(_ x: Matrix, context: LayerContext) -> Matrix {
        var y = context.pool.take(rows: x.rows, cols: x.cols)
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                let xp = xs.baseAddress, yp = ys.baseAddress
                Kernels.forEach(count: xs.count, threads: context.threads) { r in
                    guard let xp, let yp else { return }
                    for i in r { yp[i] = max(xp[i], 0) }
                }
            }
        }
        output = context.isTraining ? y : nil
        return y
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        guard let y = output else { preconditionFailure("ReLU.backward without a training forward") }
        output = nil
        guard needsInputGradient else { return nil }
        var dx = context.pool.take(rows: dy.rows, cols: dy.cols)
        y.values.withUnsafeBufferPointer { ys in
            dy.values.withUnsafeBufferPointer { gs in
                dx.values.withUnsafeMutableBufferPointer { ds in
                    let yp = ys.baseAddress, gp = gs.baseAddress, dp = ds.baseAddress
                    Kernels.forEach(count: ds.count, threads: context.threads) { r in
                        guard let yp, let gp, let dp else { return }
                        for i in r { dp[i] = yp[i] > 0 ? gp[i] : 0 }
                    }
                }
            }
        }
        context.pool.recycle(y)
        return dx
    }

    public func releaseCaches() { output = nil }
}

/// Parametric ReLU (He et al., ICCV 2015, eq. 1): `y = x` for `x > 0`, else `y = a_c · x`.
///
/// ```
/// ∂x = ∂y ⊙ (x > 0 ? 1 : a_c),   ∂a_c += Σ_{i: x[i,c] ≤ 0} ∂y[i,c] · x[i,c]
/// ```
/// One slope shared by all columns (`channels == 1`, PyTorch's default) or one per column.
/// Slopes start at 0.25. Shapes: `[numRows × dim]`, unchanged; slope `[1 × channels]`.
public final class PReLU: Layer {
    public let kind = "prelu"
    /// Slopes `[1 × channels]`.
    public let slope: Parameter
    public var parameters: [Parameter] { [slope] }
    private var input: Matrix?

    /// - Parameters:
    ///   - channels: 1 for a shared slope, or the input's column count.
    ///   - initialSlope: the starting value of every slope.
    public init(channels: Int = 1, initialSlope: Float = 0.25) {
        precondition(channels >= 1, "PReLU needs at least one channel")
        slope = Parameter(name: "slope", value: Matrix(rows: 1, cols: channels, repeating: initialSlope))
    }

    private func slopeIndex(_ j: Int) -> Int { slope.value.cols == 1 ? 0 : j }

    public func forward(_ x: Matrix, context: LayerContext) -> Matrix {
        precondition(slope.value.cols == 1 || slope.value.cols == x.cols, "PReLU: \(slope.value.cols) slopes for \(x.cols) columns")
        var y = Kernels.uninitializedMatrix(rows: x.rows, cols: x.cols)
        let a = slope.value.values, cols = x.cols, shared = slope.value.cols == 1
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                let xp = xs.baseAddress, yp = ys.baseAddress
                Kernels.forEachRow(rows: x.rows, work: cols, threads: context.threads) { rows in
                    guard let xp, let yp else { return }
                    for i in rows {
                        for j in 0..<cols {
                            let v = xp[i * cols + j]
                            yp[i * cols + j] = v > 0 ? v : a[shared ? 0 : j] * v
                        }
                    }
                }
            }
        }
        input = context.isTraining ? x : nil
        return y
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        guard let x = input else { preconditionFailure("PReLU.backward without a training forward") }
        input = nil
        let cols = x.cols
        var slopeGrad = [Double](repeating: 0, count: slope.value.cols)
        for i in 0..<x.rows {
            for j in 0..<cols where x[i, j] <= 0 {
                slopeGrad[slopeIndex(j)] += Double(dy[i, j]) * Double(x[i, j])
            }
        }
        for c in slopeGrad.indices { slope.gradient.values[c] += Float(slopeGrad[c]) }
        guard needsInputGradient else { return nil }
        var dx = Matrix(rows: dy.rows, cols: cols)
        let a = slope.value.values, shared = slope.value.cols == 1
        for i in 0..<x.rows {
            for j in 0..<cols {
                let k = i * cols + j
                dx.values[k] = x.values[k] > 0 ? dy.values[k] : a[shared ? 0 : j] * dy.values[k]
            }
        }
        return dx
    }

    public func releaseCaches() { input = nil }
}

/// Exponential linear unit (Clevert et al., ICLR 2016): `y = x` for `x > 0`, else
/// `y = α (eˣ − 1)`.
///
/// Backward: `∂x = ∂y ⊙ (x > 0 ? 1 : y + α)`. Shapes: `[numRows × dim]`, unchanged.
public final class ELU: Layer {
    public let kind = "elu"
    public let parameters: [Parameter] = []
    /// α, the saturation value for large negative inputs (default 1).
    public let alpha: Float
    private var input: Matrix?
    private var output: Matrix?

    public init(alpha: Float = 1) { self.alpha = alpha }

    public func forward(_ x: Matrix, context: LayerContext) -> Matrix {
        var y = Kernels.uninitializedMatrix(rows: x.rows, cols: x.cols)
        let alpha = self.alpha
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                let xp = xs.baseAddress, yp = ys.baseAddress
                Kernels.forEach(count: xs.count, threads: context.threads) { r in
                    guard let xp, let yp else { return }
                    for i in r { yp[i] = xp[i] > 0 ? xp[i] : alpha * (Foundation.exp(xp[i]) - 1) }
                }
            }
        }
        input = context.isTraining ? x : nil
        output = context.isTraining ? y : nil
        return y
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        guard let x = input, let y = output else { preconditionFailure("ELU.backward without a training forward") }
        releaseCaches()
        guard needsInputGradient else { return nil }
        var dx = Kernels.uninitializedMatrix(rows: dy.rows, cols: dy.cols)
        for k in dx.values.indices {
            dx.values[k] = x.values[k] > 0 ? dy.values[k] : dy.values[k] * (y.values[k] + alpha)
        }
        return dx
    }

    public func releaseCaches() {
        input = nil
        output = nil
    }
}
