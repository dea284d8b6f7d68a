import DenseMath
import NeuralNet

/// The context of a pass over a graph: the propagation operator and, for models with initial
/// residual connections (GCNII), the initial representation H⁰ and its accumulated gradient.
///
/// Under pipelining, a stage that does not compute H⁰ itself sets ``initialRepresentation``
/// from the stage that does, runs its layers, and sends ``initialRepresentationGradient`` back.
public final class GraphContext: LayerContext {
    /// The shared propagation operator (Â for GCN/GCNII, D⁻¹A for SAGE).
    public var graph: GraphOperator
    /// H⁰ `[numNodes × hidden]`, set by ``InitialRepresentation`` in forward.
    public var initialRepresentation: Matrix?
    /// ∂loss/∂H⁰ `[numNodes × hidden]`, accumulated by every GCNII layer in backward and consumed
    /// by ``InitialRepresentation``.
    public var initialRepresentationGradient: Matrix?

    /// A context over `graph` without H⁰.
    public init(graph: GraphOperator, isTraining: Bool, step: Int = 0, threads: Int = 1, rowOffset: Int = 0) {
        self.graph = graph
        super.init(isTraining: isTraining, step: step, threads: threads, rowOffset: rowOffset)
    }

    /// Adds `scale · g` to ``initialRepresentationGradient`` (allocating it on first use).
    public func accumulateInitialGradient(_ g: Matrix, scale: Float) {
        if initialRepresentationGradient == nil {
            initialRepresentationGradient = Matrix(rows: g.rows, cols: g.cols)
        }
        Kernels.axpby(scale, g, 1, &initialRepresentationGradient!, threads: threads)
    }
}

extension LayerContext {
    /// This context as a ``GraphContext``; graph layers require one.
    func asGraphContext(_ layer: String) -> GraphContext {
        guard let g = self as? GraphContext else { preconditionFailure("\(layer) needs a GraphContext") }
        return g
    }
}
