import DenseMath
import NeuralNet

/// GraphSAGE layer with mean aggregation (Hamilton, Ying & Leskovec, NeurIPS 2017, Algorithm 1
/// with the mean aggregator; PyG's `SAGEConv` form with separate neighbour and root weights).
///
/// ```
/// H′ = (P H) W_neigh + H W_self + b,      P = D⁻¹A (mean over in-neighbours)
/// backward (aggregate first):   ∂W_neigh += (PH)ᵀ ∂H′,   ∂H = Pᵀ(∂H′ W_neighᵀ) + ∂H′ W_selfᵀ
/// backward (transform first):   G = Pᵀ ∂H′,  ∂W_neigh += Hᵀ G,  ∂H = G W_neighᵀ + ∂H′ W_selfᵀ
///                               ∂W_self += Hᵀ ∂H′,  ∂b += Σ_rows ∂H′
/// ```
/// P is not symmetric, so the backward pass uses the operator's stored transpose.
/// Shapes: H `[numNodes × inDim]`, W_neigh and W_self `[inDim × outDim]` (Glorot uniform),
/// b `[1 × outDim]` (zero), H′ `[numNodes × outDim]`. No activation and no output L2
/// normalisation.
/// - Complexity: O(numNodes · inDim · outDim + nnz(P) · min(inDim, outDim)) per pass.
public final class SAGELayer: Layer {
    public let kind = "sage"
    public var retainsOutput: Bool { false }
    /// W_neigh `[inDim × outDim]`, applied to the neighbour mean.
    public let neighborWeight: Parameter
    /// W_self `[inDim × outDim]`, applied to the node's own features.
    public let selfWeight: Parameter
    /// b `[1 × outDim]`.
    public let bias: Parameter
    public var parameters: [Parameter] { [neighborWeight, selfWeight, bias] }

    private var cachedInput: Matrix?
    private var cachedAggregate: Matrix?

    /// A layer with Glorot-uniform weights drawn from `rng` (neighbour weight first) and zero bias.
    public init(inputDim: Int, outputDim: Int, rng: inout SplitMix64) {
        neighborWeight = Parameter(name: "neighbor_weight", value: Initialization.glorotUniform(fanIn: inputDim, fanOut: outputDim, rng: &rng))
        selfWeight = Parameter(name: "self_weight", value: Initialization.glorotUniform(fanIn: inputDim, fanOut: outputDim, rng: &rng))
        bias = Parameter(name: "bias", value: Matrix(rows: 1, cols: outputDim))
    }

    /// Input width.
    public var inputDim: Int { selfWeight.value.rows }
    /// Output width.
    public var outputDim: Int { selfWeight.value.cols }
    var transformsFirst: Bool { outputDim <= inputDim }

    public func forward(_ h: Matrix, context: LayerContext) -> Matrix {
        let ctx = context.asGraphContext("SAGELayer")
        precondition(h.cols == inputDim, "SAGELayer: input has \(h.cols) columns, expected \(inputDim)")
        precondition(ctx.graph.outputRows == ctx.graph.inputRows && h.rows == ctx.graph.inputRows,
                     "SAGELayer: input has \(h.rows) rows; it needs a square operator of that size")
        var y = ctx.pool.take(rows: h.rows, cols: outputDim)
        if transformsFirst {
            var z = ctx.pool.take(rows: h.rows, cols: outputDim)
            BLAS.gemm(h, neighborWeight.value, into: &z, threads: ctx.threads)
            ctx.graph.propagate(z, into: &y, threads: ctx.threads)
            ctx.pool.recycle(z)
        } else {
            var p = ctx.pool.take(rows: h.rows, cols: inputDim)
            ctx.graph.propagate(h, into: &p, threads: ctx.threads)
            BLAS.gemm(p, neighborWeight.value, into: &y, threads: ctx.threads)
            cachedAggregate = ctx.isTraining ? p : nil
        }
        BLAS.gemm(h, selfWeight.value, beta: 1, into: &y, threads: ctx.threads)
        Kernels.addRowVector(bias.value.values, to: &y, threads: ctx.threads)
        cachedInput = ctx.isTraining ? h : nil
        return y
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        let ctx = context.asGraphContext("SAGELayer")
        guard let h = cachedInput else { preconditionFailure("SAGELayer.backward without a training forward") }
        cachedInput = nil
        defer { ctx.pool.recycle(h) }
        Kernels.addColumnSums(of: dy, to: &bias.gradient.values, threads: ctx.threads)
        BLAS.gemm(h, transposeA: true, dy, beta: 1, into: &selfWeight.gradient, threads: ctx.threads)
        var dh: Matrix
        if transformsFirst {
            var g = ctx.pool.take(rows: dy.rows, cols: outputDim)
            ctx.graph.propagateTransposed(dy, into: &g, threads: ctx.threads)
            BLAS.gemm(h, transposeA: true, g, beta: 1, into: &neighborWeight.gradient, threads: ctx.threads)
            defer { ctx.pool.recycle(g) }
            guard needsInputGradient else { return nil }
            dh = ctx.pool.take(rows: dy.rows, cols: inputDim)
            BLAS.gemm(g, neighborWeight.value, transposeB: true, into: &dh, threads: ctx.threads)
        } else {
            guard let p = cachedAggregate else { preconditionFailure("SAGELayer.backward without a training forward") }
            cachedAggregate = nil
            BLAS.gemm(p, transposeA: true, dy, beta: 1, into: &neighborWeight.gradient, threads: ctx.threads)
            ctx.pool.recycle(p)
            guard needsInputGradient else { return nil }
            var t = ctx.pool.take(rows: dy.rows, cols: inputDim)
            BLAS.gemm(dy, neighborWeight.value, transposeB: true, into: &t, threads: ctx.threads)
            dh = ctx.pool.take(rows: dy.rows, cols: inputDim)
            ctx.graph.propagateTransposed(t, into: &dh, threads: ctx.threads)
            ctx.pool.recycle(t)
        }
        BLAS.gemm(dy, selfWeight.value, transposeB: true, beta: 1, into: &dh, threads: ctx.threads)
        return dh
    }

    public func releaseCaches() {
        cachedInput = nil
        cachedAggregate = nil
    }
}
