import DenseMath
import NeuralNet

/// Graph convolution (Kipf & Welling, ICLR 2017, eq. 2): `H′ = Â H W + b` with the context's
/// operator Â = D̃^-1/2 (A + I) D̃^-1/2.
///
/// ```
/// forward:   H′ = Â (H W) + b          (outDim ≤ inDim: transform first, as PyG's GCNConv)
///            H′ = (Â H) W + b          (outDim > inDim: aggregate first, narrower SpMM)
/// backward:  G = Âᵀ ∂H′,  ∂W += Hᵀ G,  ∂H = G Wᵀ           (transform first)
///            ∂W += (ÂH)ᵀ ∂H′,  ∂H = Âᵀ (∂H′ Wᵀ)            (aggregate first)
///            ∂b += Σ_rows ∂H′
/// ```
/// Shapes: H `[numNodes × inDim]`, W `[inDim × outDim]` (Glorot uniform), b `[1 × outDim]`
/// (zero), H′ `[numNodes × outDim]`; with a rectangular row-block operator H′ has the
/// operator's row count. No activation: models add ``/NeuralNet/ReLU``.
/// - Complexity: O(numNodes · inDim · outDim + nnz(Â) · min(inDim, outDim)) per pass.
public final class GCNLayer: Layer {
    public let kind = "gcn"
    public var retainsInput: Bool { transformsFirst }
    public var retainsOutput: Bool { false }
    /// W `[inDim × outDim]`.
    public let weight: Parameter
    /// b `[1 × outDim]`.
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }

    private var cachedInput: Matrix?       // H (transform first)
    private var cachedAggregate: Matrix?   // ÂH (aggregate first)

    /// A layer with Glorot-uniform W drawn from `rng` and zero bias.
    public init(inputDim: Int, outputDim: Int, rng: inout SplitMix64) {
        weight = Parameter(name: "weight", value: Initialization.glorotUniform(fanIn: inputDim, fanOut: outputDim, rng: &rng))
        bias = Parameter(name: "bias", value: Matrix(rows: 1, cols: outputDim))
    }

    /// Input width.
    public var inputDim: Int { weight.value.rows }
    /// Output width.
    public var outputDim: Int { weight.value.cols }
    var transformsFirst: Bool { outputDim <= inputDim }

    public func forward(_ h: Matrix, context: LayerContext) -> Matrix {
        let ctx = context.asGraphContext("GCNLayer")
        precondition(h.cols == inputDim, "GCNLayer: input has \(h.cols) columns, expected \(inputDim)")
        precondition(h.rows == ctx.graph.inputRows, "GCNLayer: input has \(h.rows) rows, the operator \(ctx.graph.inputRows) columns")
        let rows = ctx.graph.outputRows
        var y = ctx.pool.take(rows: rows, cols: outputDim)
        if transformsFirst {
            var z = ctx.pool.take(rows: h.rows, cols: outputDim)
            BLAS.gemm(h, weight.value, into: &z, threads: ctx.threads)
            ctx.graph.propagate(z, into: &y, threads: ctx.threads)
            ctx.pool.recycle(z)
            cachedInput = ctx.isTraining ? h : nil
        } else {
            var p = ctx.pool.take(rows: rows, cols: inputDim)
            ctx.graph.propagate(h, into: &p, threads: ctx.threads)
            BLAS.gemm(p, weight.value, into: &y, threads: ctx.threads)
            cachedAggregate = ctx.isTraining ? p : nil
        }
        Kernels.addRowVector(bias.value.values, to: &y, threads: ctx.threads)
        return y
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        let ctx = context.asGraphContext("GCNLayer")
        Kernels.addColumnSums(of: dy, to: &bias.gradient.values, threads: ctx.threads)
        if transformsFirst {
            guard let h = cachedInput else { preconditionFailure("GCNLayer.backward without a training forward") }
            cachedInput = nil
            var g = ctx.pool.take(rows: ctx.graph.inputRows, cols: outputDim)
            ctx.graph.propagateTransposed(dy, into: &g, threads: ctx.threads)
            BLAS.gemm(h, transposeA: true, g, beta: 1, into: &weight.gradient, threads: ctx.threads)
            ctx.pool.recycle(h)
            defer { ctx.pool.recycle(g) }
            guard needsInputGradient else { return nil }
            var dh = ctx.pool.take(rows: g.rows, cols: inputDim)
            BLAS.gemm(g, weight.value, transposeB: true, into: &dh, threads: ctx.threads)
            return dh
        } else {
            guard let p = cachedAggregate else { preconditionFailure("GCNLayer.backward without a training forward") }
            cachedAggregate = nil
            BLAS.gemm(p, transposeA: true, dy, beta: 1, into: &weight.gradient, threads: ctx.threads)
            ctx.pool.recycle(p)
            guard needsInputGradient else { return nil }
            var t = ctx.pool.take(rows: dy.rows, cols: inputDim)
            BLAS.gemm(dy, weight.value, transposeB: true, into: &t, threads: ctx.threads)
            var dh = ctx.pool.take(rows: ctx.graph.inputRows, cols: inputDim)
            ctx.graph.propagateTransposed(t, into: &dh, threads: ctx.threads)
            ctx.pool.recycle(t)
            return dh
        }
    }

    public func releaseCaches() {
        cachedInput = nil
        cachedAggregate = nil
    }
}
