import DenseMath
import GraphKernels
import NeuralNet

/// A pass over a hypergraph: the mode, step and threads of ``/NeuralNet/LayerContext`` plus the
/// cached HGNN operator L of the hypergraph the rows belong to.
public final class HypergraphContext: LayerContext {
    /// L = Dv^-1/2 H W De^-1 Hᵀ Dv^-1/2 of the current hypergraph, built once and reused.
    public var hgnnOperator: HGNNOperator

    public init(operator: HGNNOperator, isTraining: Bool, step: Int = 0, threads: Int = 1) {
        self.hgnnOperator = `operator`
        super.init(isTraining: isTraining, step: step, threads: threads)
    }
}

/// Hypergraph smoothing `Y = L · X` with the HGNN operator (Feng et al., AAAI 2019, eq. 10), the
/// propagation half of DHG's `HGNNConv` (which applies its Linear Θ first).
///
/// ```
/// forward:  Y = L X,     L = Dv^-1/2 H W De^-1 Hᵀ Dv^-1/2
/// backward: ∂X = Lᵀ ∂Y = L ∂Y      (L is symmetric)
/// ```
/// Shapes: `[numVertices × dim]` → `[numVertices × dim]`. The operator comes from the
/// ``HypergraphContext`` of each pass, so one model runs on any hypergraph (the production
/// setting trains on a sub-hypergraph and evaluates on the full one).
/// - Complexity: O(nnz(H) · dim) per pass (two SpMMs, L is never formed).
public final class HGNNPropagation: Layer {
    public let kind = "hgnn"
    public let parameters: [Parameter] = []

    public init() {}

    public func forward(_ x: Matrix, context: LayerContext) -> Matrix {
        Self.operatorOf(context).apply(x, threads: context.threads)
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        guard needsInputGradient else { return nil }
        return Self.operatorOf(context).apply(dy, threads: context.threads)
    }

    public func releaseCaches() {}

    static func operatorOf(_ context: LayerContext) -> HGNNOperator {
        guard let h = context as? HypergraphContext else { preconditionFailure("HGNNPropagation needs a HypergraphContext") }
        return h.hgnnOperator
    }
}
