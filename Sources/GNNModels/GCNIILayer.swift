import DenseMath
import Foundation
import NeuralNet

/// GCNII layer (Chen et al., "Simple and Deep Graph Convolutional Networks", ICML 2020, eq. 5):
/// initial residual α and identity mapping β_ℓ = log(λ/ℓ + 1).
///
/// ```
/// S  = (1 − α) Â H + α H⁰
/// H′ = (1 − β) S + β S W                    (ReLU is a separate layer)
/// backward:  ∂W += β Sᵀ ∂H′
///            ∂S  = (1 − β) ∂H′ + β ∂H′ Wᵀ
///            ∂H⁰ += α ∂S                    (accumulated in the GraphContext)
///            ∂H  = (1 − α) Âᵀ ∂S
/// ```
/// H⁰ is the context's ``GraphContext/initialRepresentation``. Same as PyG's `GCN2Conv` with
/// shared weights. Shapes: H, H⁰, H′ `[numNodes × dim]`, W `[dim × dim]` (Glorot uniform, no bias);
/// with a rectangular row-block operator H⁰ and H′ have the operator's row count.
/// - Complexity: O(nnz(Â) · dim + numNodes · dim²) per pass.
public final class GCNIILayer: Layer {
    public let kind = "gcnii"
    public var retainsInput: Bool { false }
    public var retainsOutput: Bool { false }
    /// W `[dim × dim]`.
    public let weight: Parameter
    /// α, the weight of the initial residual H⁰.
    public let alpha: Float
    /// β_ℓ = log(λ/ℓ + 1), the weight of W against the identity.
    public let beta: Float
    public var parameters: [Parameter] { [weight] }

    private var cachedSupport: Matrix?

    /// Layer `layerIndex` (1-based ℓ) of a GCNII stack with strength `lambda`.
    public init(dim: Int, alpha: Float, lambda: Float, layerIndex: Int, rng: inout SplitMix64) {
        precondition(layerIndex >= 1, "GCNII layers are numbered from 1")
        weight = Parameter(name: "weight", value: Initialization.glorotUniform(fanIn: dim, fanOut: dim, rng: &rng))
        self.alpha = alpha
        self.beta = Float(Foundation.log(Double(lambda) / Double(layerIndex) + 1))
    }

    /// Hidden width.
    public var dim: Int { weight.value.rows }

    public func forward(_ h: Matrix, context: LayerContext) -> Matrix {
        let ctx = context.asGraphContext("GCNIILayer")
        guard let h0 = ctx.initialRepresentation else { preconditionFailure("GCNIILayer needs H⁰ in the context") }
        precondition(h.cols == dim && h0.cols == dim, "GCNIILayer: widths of H, H⁰ and W differ")
        precondition(h.rows == ctx.graph.inputRows && h0.rows == ctx.graph.outputRows, "GCNIILayer: rows of H or H⁰ do not fit the operator")
        var s = ctx.pool.take(rows: ctx.graph.outputRows, cols: dim)
        ctx.graph.propagate(h, into: &s, threads: ctx.threads)
        Kernels.axpby(alpha, h0, 1 - alpha, &s, threads: ctx.threads)
        var y = ctx.pool.take(rows: s.rows, cols: dim)
        Kernels.copy(s, into: &y)
        BLAS.gemm(s, weight.value, alpha: beta, beta: 1 - beta, into: &y, threads: ctx.threads)
        cachedSupport = ctx.isTraining ? s : nil
        return y
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        let ctx = context.asGraphContext("GCNIILayer")
        guard let s = cachedSupport else { preconditionFailure("GCNIILayer.backward without a training forward") }
        cachedSupport = nil
        BLAS.gemm(s, transposeA: true, dy, alpha: beta, beta: 1, into: &weight.gradient, threads: ctx.threads)
        ctx.pool.recycle(s)
        var ds = ctx.pool.take(rows: dy.rows, cols: dim)
        Kernels.copy(dy, into: &ds)
        BLAS.gemm(dy, weight.value, transposeB: true, alpha: beta, beta: 1 - beta, into: &ds, threads: ctx.threads)
        ctx.accumulateInitialGradient(ds, scale: alpha)
        defer { ctx.pool.recycle(ds) }
        guard needsInputGradient else { return nil }
        var dh = ctx.pool.take(rows: ctx.graph.inputRows, cols: dim)
        ctx.graph.propagateTransposed(ds, into: &dh, threads: ctx.threads)
        Kernels.scale(&dh, by: 1 - alpha, threads: ctx.threads)
        return dh
    }

    public func releaseCaches() { cachedSupport = nil }
}

/// Marks the initial representation H⁰ of a GCNII stack: forward stores its input in the
/// ``GraphContext`` and returns it unchanged; backward adds the ∂H⁰ that the GCNII layers
/// accumulated to the incoming gradient.
///
/// ```
/// forward:  H⁰ = X,  Y = X
/// backward: ∂X = ∂Y + Σ_ℓ α ∂S_ℓ
/// ```
/// Shapes: `[numNodes × dim]`, unchanged.
public final class InitialRepresentation: Layer {
    public let kind = "h0"
    public let parameters: [Parameter] = []

    /// The marker layer (no parameters).
    public init() {}

    public func forward(_ x: Matrix, context: LayerContext) -> Matrix {
        let ctx = context.asGraphContext("InitialRepresentation")
        ctx.initialRepresentation = x
        ctx.initialRepresentationGradient = nil
        return x
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        let ctx = context.asGraphContext("InitialRepresentation")
        var pending: Matrix? = nil
        swap(&pending, &ctx.initialRepresentationGradient)  // unique: updated in place below
        ctx.initialRepresentation = nil
        guard needsInputGradient else { return nil }
        guard var g = pending.take() else { return dy }
        Kernels.axpby(1, dy, 1, &g, threads: ctx.threads)
        return g
    }

    public func releaseCaches() {}
}
