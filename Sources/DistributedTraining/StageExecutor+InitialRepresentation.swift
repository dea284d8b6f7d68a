import DenseMath
import NeuralNet

/// GCNII's initial representation on every stage (GNNPipe notes §2.7, "recompute per stage"),
/// chunk by chunk: each stage runs a replica of the input layers (Dropout, Linear, ReLU) over
/// the rows it is computing, with the same weights and dropout masks as stage 0 (masks are keyed
/// by original id), so only Hˡ rows cross stage boundaries. The replicas' weight gradients are
/// summed over the stages (``GradientReduction``).
///
/// ```
/// forward of chunk c:   H⁰_c = ReLU(Dropout(X_c) W_in + b_in)     [|own ∩ c| × hidden]
/// backward of chunk c:  ∂W_in += Dropout(X_c)ᵀ ∂(ReLU input), from ∂H⁰_c = Σ_ℓ α ∂S_ℓ (+ ∂ of the
///                       first layer's input on stage 0)
/// ```
/// Nothing `[N × hidden]` is kept through the epoch: the input layers run again when a chunk is
/// re-materialised (one `[|c| × inputDim] · [inputDim × hidden]` product, small next to the
/// stage's graph layers) and back-propagate right after the chunk's backward.
extension StageExecutor {
    /// Whether this stage computes H⁰ (GCNII).
    var computesInitialRepresentation: Bool { initialFeatures != nil }

    /// H⁰ of own rows `rows` (local rows), `[rows.count × hidden]`; in training mode the input
    /// layers keep their caches for ``initialRepresentationBackward(_:)``.
    func initialRepresentation(rows: Range<Int>, training: Bool) -> Matrix {
        let ctx = context
        ctx.isTraining = training
        ctx.rowIndices = Array(plan.localOriginal[rows])
        let x = initialFeaturesInOriginalOrder
            ? initialFeatures!.gatherRows(plan.localOriginal[rows].map { Int($0) }) : initialFeatures!.rowRange(rows)
        let h = network.forward(x, context: ctx, layers: layout.inputLayers)
        ctx.initialRepresentation = nil  // the H⁰ marker layer kept a reference
        return h
    }

    /// H⁰ of every own row in evaluation mode, `[ownCount × hidden]`, computed `blockRows` rows
    /// at a time: the gathered features and the input layers' intermediates stay block-sized
    /// instead of `[n × inputDim]` (the rows are independent: no dropout in evaluation).
    func initialRepresentationInBlocks(blockRows: Int = 1 << 16) -> Matrix {
        let n = plan.ownCount
        guard n > blockRows else { return initialRepresentation(rows: 0..<n, training: false) }
        var h = Matrix(rows: 0, cols: 0)
        for start in stride(from: 0, to: n, by: blockRows) {
            let rows = start..<min(n, start + blockRows)
            let block = initialRepresentation(rows: rows, training: false)
            if h.rows == 0 { h = Matrix(rows: n, cols: block.cols) }
            h.setRows(rows, from: block)
        }
        return h
    }

    /// Back-propagates ∂H⁰ of the rows of the last ``initialRepresentation(rows:training:)``
    /// through the input layers, adding their weight gradients.
    func initialRepresentationBackward(_ gradient: Matrix) {
        let ctx = context
        ctx.initialRepresentationGradient = nil
        _ = network.backward(gradient, context: ctx, layers: layout.inputLayers, needsInputGradient: false)
    }
}
