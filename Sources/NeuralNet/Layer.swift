import DenseMath

/// One step of a network with an explicit forward and backward pass over row-major matrices.
///
/// `forward` caches what `backward` needs (in training mode only); `backward` takes
/// ∂loss/∂output, adds ∂loss/∂parameter to each ``Parameter/gradient`` and returns
/// ∂loss/∂input. Rows are nodes (`[numRows × dim]`); every layer here is row-wise except the
/// graph layers in GNNModels, which mix rows through a sparse operator.
///
/// Caches are released at the end of `backward`, so one forward is followed by at most one
/// backward. A pipeline stage can run any contiguous block of layers: it feeds the block the
/// input it received and sends back the gradient the block returns.
public protocol Layer: AnyObject {
    /// Short kind used in parameter names, e.g. `"linear"`.
    var kind: String { get }
    /// Trainable tensors (empty for parameter-free layers).
    var parameters: [Parameter] { get }
    /// Non-trainable state saved in checkpoints (e.g. batch-norm running statistics).
    var buffers: [Parameter] { get }
    /// Output for `input` (`[numRows × inDim]` → `[numRows × outDim]`).
    func forward(_ input: Matrix, context: LayerContext) -> Matrix
    /// ∂loss/∂input from ∂loss/∂output, accumulating parameter gradients. Returns `nil` when
    /// `needsInputGradient` is false (e.g. the first layer, whose input is the features).
    /// - Precondition: a training-mode `forward` ran since the last `backward`.
    func backward(_ gradOutput: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix?
    /// Drops cached activations (called for layers whose backward is skipped).
    func releaseCaches()
    /// Whether `forward` keeps a reference to its input (for backward or elsewhere), so the
    /// caller must not recycle it. Default `true`.
    var retainsInput: Bool { get }
    /// Whether `forward` keeps a reference to its output. Default `true`.
    var retainsOutput: Bool { get }
}

extension Layer {
    public var buffers: [Parameter] { [] }
    public var retainsInput: Bool { true }
    public var retainsOutput: Bool { true }

    /// ∂loss/∂input; see ``backward(_:context:needsInputGradient:)``.
    public func backward(_ gradOutput: Matrix, context: LayerContext) -> Matrix {
        backward(gradOutput, context: context, needsInputGradient: true)!
    }
}

/// What a pass needs besides its input: the mode, the step that seeds dropout masks, the thread
/// count and where the rows sit in the whole graph.
///
/// Graph layers use the subclass `GraphContext` (GNNModels), which adds the propagation
/// operator and the initial representation H⁰.
open class LayerContext {
    /// Training mode (dropout active, batch statistics, caches kept) or evaluation mode.
    public var isTraining: Bool
    /// The training step (epoch) that seeds dropout masks: the same (seed, step, row) gives the
    /// same mask on any thread count, chunking or rank.
    public var step: Int
    /// Worker threads for kernels that split rows (SpMM, element-wise loops).
    public var threads: Int
    /// Global index of the first row of the matrices passed in (0 for the whole graph; a chunk's
    /// first node id under pipelining), so per-row random streams stay the same.
    public var rowOffset: Int
    /// Global index of each row of the matrices passed in, when they are not one contiguous
    /// range (a chunk's rows plus its halo under pipelining or graph parallelism); overrides
    /// ``rowOffset`` for per-row random streams. `nil` = rows `rowOffset ..< rowOffset + rows`.
    public var rowIndices: [Int32]?
    /// Recycled output buffers shared by the layers run with this context.
    public let pool = MatrixPool()

    /// Global index of local row `i` (``rowIndices`` if set, else ``rowOffset`` + `i`).
    @inlinable
    public func globalRow(_ i: Int) -> Int {
        if let ids = rowIndices { return Int(ids[i]) }
        return rowOffset + i
    }

    /// A context; `threads` is clamped to at least 1.
    public init(isTraining: Bool, step: Int = 0, threads: Int = 1, rowOffset: Int = 0) {
        self.isTraining = isTraining
        self.step = step
        self.threads = max(1, threads)
        self.rowOffset = rowOffset
    }
}

/// Layers applied in order; backward runs them in reverse.
public final class Sequential {
    /// The layers, first to last.
    public let layers: [any Layer]

    /// A model from `layers`; names every parameter `"<index>.<kind>.<tensor>"`.
    public init(_ layers: [any Layer]) {
        self.layers = layers
        for (i, layer) in layers.enumerated() {
            for p in layer.parameters + layer.buffers {
                let tensor = p.name.split(separator: ".").last.map(String.init) ?? p.name
                p.name = "\(i).\(layer.kind).\(tensor)"
            }
        }
    }

    /// All trainable tensors, in layer order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    /// All non-trainable state tensors, in layer order.
    public var buffers: [Parameter] { layers.flatMap(\.buffers) }

    /// Runs layers `range` (all by default) forward. An intermediate result that neither its
    /// producer nor its consumer keeps (``Layer/retainsOutput``, ``Layer/retainsInput``) goes to
    /// the context's ``MatrixPool`` once consumed; `input` itself is never recycled.
    public func forward(_ input: Matrix, context: LayerContext, layers range: Range<Int>? = nil) -> Matrix {
        var x = input
        var xIsKept = true  // the caller's input
        for i in range ?? layers.indices {
            let layer = layers[i]
            let next = layer.forward(x, context: context)
            if MatrixPool.sameStorage(next, x) {  // passed through (dropout in evaluation, H⁰ marker)
                xIsKept = xIsKept || layer.retainsInput || layer.retainsOutput
            } else {
                if !xIsKept && !layer.retainsInput { context.pool.recycle(x) }
                xIsKept = layer.retainsOutput
            }
            x = next
        }
        return x
    }

    /// Runs layers `range` (all by default) backward from ∂loss/∂output. Each consumed gradient
    /// goes to the context's ``MatrixPool``.
    ///
    /// With `needsInputGradient == false` no layer before the first one that has parameters
    /// runs backward, and that layer skips its input gradient; the result is then `nil`.
    public func backward(_ gradOutput: Matrix, context: LayerContext, layers range: Range<Int>? = nil,
                         needsInputGradient: Bool = false) -> Matrix? {
        let r = range ?? layers.indices
        var stop = r.lowerBound
        if !needsInputGradient {
            guard let first = r.first(where: { !layers[$0].parameters.isEmpty }) else { return nil }
            stop = first
        }
        for i in r where i < stop { layers[i].releaseCaches() }
        var g = gradOutput
        for i in r.reversed() where i >= stop {
            let needs = needsInputGradient || i > stop
            guard let next = layers[i].backward(g, context: context, needsInputGradient: needs) else { return nil }
            // The consumed gradient is dead (the caller's ∂loss/∂output included).
            if !MatrixPool.sameStorage(next, g) { context.pool.recycle(g) }
            g = next
        }
        return g
    }

    /// Zeroes every parameter gradient.
    public func zeroGradients() {
        for p in parameters { p.zeroGradient() }
    }
}
