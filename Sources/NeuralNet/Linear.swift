import DenseMath

/// Fully connected layer `Y = X·W + b` (GEMM through OpenBLAS).
///
/// ```
/// forward:   Y = X W + 1 bᵀ
/// backward:  ∂W += Xᵀ ∂Y,   ∂b += Σ_rows ∂Y,   ∂X = ∂Y Wᵀ
/// ```
/// Shapes: `X` `[numRows × inDim]`, `W` `[inDim × outDim]`, `b` `[1 × outDim]`,
/// `Y` `[numRows × outDim]`. W starts Glorot-uniform, b at zero (PyG's `Linear` defaults).
/// - Complexity: O(numRows · inDim · outDim) per pass.
public final class Linear: Layer {
    public let kind = "linear"
    public var retainsOutput: Bool { false }
    /// Weight `[inDim × outDim]`.
    public let weight: Parameter
    /// Bias `[1 × outDim]`, or `nil` without bias.
    public let bias: Parameter?
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    private var input: Matrix?

    /// A layer with Glorot-uniform weights drawn from `rng`.
    public init(inputDim: Int, outputDim: Int, bias: Bool = true, rng: inout SplitMix64) {
        weight = Parameter(name: "weight", value: Initialization.glorotUniform(fanIn: inputDim, fanOut: outputDim, rng: &rng))
        self.bias = bias ? Parameter(name: "bias", value: Matrix(rows: 1, cols: outputDim)) : nil
    }

    /// Input width.
    public var inputDim: Int { weight.value.rows }
    /// Output width.
    public var outputDim: Int { weight.value.cols }

    public func forward(_ x: Matrix, context: LayerContext) -> Matrix {
        precondition(x.cols == inputDim, "Linear: input has \(x.cols) columns, expected \(inputDim)")
        var y = context.pool.take(rows: x.rows, cols: outputDim)
        BLAS.gemm(x, weight.value, into: &y, threads: context.threads)
        if let bias { Kernels.addRowVector(bias.value.values, to: &y, threads: context.threads) }
        input = context.isTraining ? x : nil
        return y
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        guard let x = input else { preconditionFailure("Linear.backward without a training forward") }
        input = nil
        BLAS.gemm(x, transposeA: true, dy, beta: 1, into: &weight.gradient, threads: context.threads)
        if let bias { Kernels.addColumnSums(of: dy, to: &bias.gradient.values, threads: context.threads) }
        context.pool.recycle(x)
        guard needsInputGradient else { return nil }
        var dx = context.pool.take(rows: dy.rows, cols: inputDim)
        BLAS.gemm(dy, weight.value, transposeB: true, into: &dx, threads: context.threads)
        return dx
    }

    public func releaseCaches() { input = nil }
}
