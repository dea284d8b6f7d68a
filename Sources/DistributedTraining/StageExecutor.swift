import DenseMath
import GNNModels
import MessagePassing
import NeuralNet

/// One chunk of one epoch as a stage sees it: the block to compute, the chunk's position and
/// the epoch's positions (nil = an unchunked pass, every read fresh), and the halo lists.
struct ChunkView {
    /// The chunk (−1 for an unchunked pass over all own rows).
    let chunk: Int
    /// The operator block.
    let block: ChunkBlock
    /// The block as a layer operator (built once per chunk and pass).
    let graphOperator: GraphOperator
    /// Position in the epoch's order (0 for an unchunked pass).
    let position: Int
    /// Position of every chunk; nil for an unchunked pass.
    let positions: [Int]?
    /// The epoch's halo lists (indexed by ``position``).
    let lists: ExchangeLists
    /// Own rows with pending gradients to add at this chunk's backward.
    let pendingRows: [Int32]
}

/// A stage's graph layers on one rank: the forward and backward pass of one chunk through them
/// (GNNPipe notes §2.3–2.5), and the evaluation pass layer by layer, with the stage group's
/// halo exchange before every layer that reads other members' rows.
///
/// Per owned graph layer k (block `[Dropout, layer_k, ReLU?]`), forward of chunk c:
/// ```
/// write   X_c → fresh_k[own rows of c]                   (not when re-materialising)
/// halo    exchange rows with the group (ExchangeLists)   (not when re-materialising)
/// gather  G = rows of cols_c by the read rule            [|cols_c| × d_in]
/// block   X_c ← ReLU(layer_k(P_c, Dropout(G)))           [|own ∩ c| × d_out]
/// ```
/// and backward in reverse: the block's backward gives ∂G, routed by ``HistoryTable``, remote
/// rows' gradients exchanged back to their owners, pending gradients of the chunk's rows added.
/// A layer that reads the input features gathers them and stops the backward there.
final class StageExecutor {
    let model: GNNModel
    let layout: StageLayout
    let plan: RankPlan
    /// Graph layers this stage owns.
    let ownedLayers: Range<Int>
    /// Per owned layer; nil for a layer that reads the input features.
    let tables: [HistoryTable?]
    /// Input features of the local rows `[localCount × inputDim]` when the first owned layer
    /// reads them (stage 0 of GCN and SAGE).
    let localFeatures: Matrix?
    let exchange: HaloExchange
    let context: GraphContext
    let isFirstStage: Bool
    let isLastStage: Bool
    let deferred: Bool
    /// GCNII: the features of the own rows (local order), or all features in original order.
    let initialFeatures: Matrix?
    let initialFeaturesInOriginalOrder: Bool
    private let trace: TraceRecorder?
    /// Called after every layer's kernels of a forward or backward pass: lets the transport move
    /// the pipeline messages in flight (``/MessagePassing/Communicating/progress()``), which
    /// otherwise wait for this rank's next MPI call while it computes the stage's layers.
    var progress: () -> Void = {}

    init(model: GNNModel, layout: StageLayout, plan: RankPlan, stage: Int, tables: [HistoryTable?], localFeatures: Matrix?,
         initialFeatures: Matrix?, initialFeaturesInOriginalOrder: Bool,
         exchange: HaloExchange, context: GraphContext, deferred: Bool, trace: TraceRecorder?) {
        self.model = model
        self.layout = layout
        self.plan = plan
        ownedLayers = layout.graphLayers(ofStage: stage)
        self.tables = tables
        self.localFeatures = localFeatures
        self.exchange = exchange
        self.context = context
        isFirstStage = stage == 0
        isLastStage = stage == layout.stages - 1
        self.deferred = deferred
        self.initialFeatures = initialFeatures
        self.initialFeaturesInOriginalOrder = initialFeaturesInOriginalOrder
        self.trace = trace?.isEnabled == true ? trace : nil
    }

    var network: Sequential { model.network }

    private func rowOriginal(_ rows: Range<Int>) -> [Int32] { Array(plan.localOriginal[rows]) }

    private func features(_ columns: [Int32]) -> Matrix {
        let x = localFeatures!
        if columns.count == x.rows && plan.groupSize == 1 && plan.numChunks == 1 { return x }  // the whole graph, in order
        return x.gatherRows(columns.map { Int($0) })
    }

    // MARK: Training

    /// The stage's forward pass of `view`'s rows; `input` is what the previous stage sent (nil on
    /// stage 0). With `rematerialise` (the re-run before backward) nothing is written or
    /// exchanged: every layer gathers what the forward read. Returns the stage's output rows
    /// (logits on the last stage).
    func forward(_ view: ChunkView, input: Matrix?, rematerialise: Bool) throws(DistributedTrainingError) -> Matrix {
        let ctx = context
        let rows = view.block.rows
        ctx.isTraining = true
        ctx.graph = view.graphOperator
        var x: Matrix
        if computesInitialRepresentation {
            let h0c = initialRepresentation(rows: rows, training: true)
            ctx.initialRepresentation = h0c
            ctx.initialRepresentationGradient = nil
            x = isFirstStage ? h0c : (input ?? h0c)
        } else {
            x = input ?? Matrix(rows: 0, cols: 0)
        }
        for k in ownedLayers {
            let j = k - ownedLayers.lowerBound
            let g: Matrix
            if let table = tables[j] {
                if !rematerialise {
                    table.writeFresh(x, first: rows.lowerBound)
                    try exchangeForward(table, view, layer: k)
                }
                var gathered = ctx.pool.take(rows: view.block.columns.count, cols: table.width)
                table.gather(view.block.columns, plan: plan, position: view.position, positions: view.positions, into: &gathered)
                table.releaseFresh()
                g = gathered
            } else {
                g = features(view.block.columns)
            }
            x = runBlock(k, g, view: view, rows: rows)
            progress()
        }
        if isLastStage && !layout.outputLayers.isEmpty {
            ctx.rowIndices = rowOriginal(rows)
            x = network.forward(x, context: ctx, layers: layout.outputLayers)
        }
        return x
    }

    private func runBlock(_ k: Int, _ g: Matrix, view: ChunkView, rows: Range<Int>) -> Matrix {
        let ctx = context, block = layout.blocks[k]
        ctx.rowIndices = view.block.columnOriginal
        let dropped = network.forward(g, context: ctx, layers: block.dropoutLayer..<(block.dropoutLayer + 1))
        if let positions = view.block.outputPositions {
            // Square operator (SAGE): every column's output, then the own rows'.
            return network.forward(dropped, context: ctx, layers: block.outputPart).gatherRows(positions)
        }
        ctx.rowIndices = rowOriginal(rows)
        return network.forward(dropped, context: ctx, layers: block.outputPart)
    }

    /// The stage's backward pass of `view` from ∂(stage output) (after ``forward(_:input:rematerialise:)``
    /// of the same view); returns ∂(stage input rows), nil on stage 0.
    func backward(_ view: ChunkView, gradient: Matrix) throws(DistributedTrainingError) -> Matrix? {
        let ctx = context
        let rows = view.block.rows
        ctx.graph = view.graphOperator
        var dy = gradient
        if isLastStage && !layout.outputLayers.isEmpty {
            ctx.rowIndices = rowOriginal(rows)
            dy = network.backward(dy, context: ctx, layers: layout.outputLayers, needsInputGradient: true)!
        }
        for k in ownedLayers.reversed() {
            let j = k - ownedLayers.lowerBound
            let block = layout.blocks[k]
            if let positions = view.block.outputPositions {
                var padded = zeroed(rows: view.block.columns.count, cols: dy.cols)
                padded.scatterRows(dy, at: positions)
                dy = padded
            }
            guard let table = tables[j] else {
                // The layer reads the features: its parameters' gradients, and no input gradient.
                _ = network.backward(dy, context: ctx, layers: block.outputPart, needsInputGradient: false)
                network.layers[block.dropoutLayer].releaseCaches()
                return nil
            }
            let dBlock = network.backward(dy, context: ctx, layers: block.outputPart, needsInputGradient: true)!
            let dg = network.backward(dBlock, context: ctx, layers: block.dropoutLayer..<(block.dropoutLayer + 1),
                                      needsInputGradient: true)!
            var dx = zeroed(rows: rows.count, cols: table.width)
            table.route(dg, columns: view.block.columns, ownRows: rows, plan: plan, position: view.position,
                        positions: view.positions, deferred: deferred, into: &dx)
            ctx.pool.recycle(dg)
            try exchangeBackward(table, view, layer: k, into: &dx)
            table.consumePending(view.pendingRows, first: rows.lowerBound, plan: plan, into: &dx)
            dy = dx
            progress()
        }
        if computesInitialRepresentation {
            // ∂H⁰ of this chunk (on stage 0 plus the first block's input gradient, which is H⁰
            // too) through the input layers, whose caches hold this chunk's forward.
            var g = ctx.initialRepresentationGradient ?? Matrix(rows: rows.count, cols: model.configuration.hiddenDim)
            ctx.initialRepresentation = nil
            if isFirstStage { Kernels.axpby(1, dy, 1, &g, threads: ctx.threads) }
            initialRepresentationBackward(g)
        }
        return isFirstStage ? nil : dy
    }

    /// A zeroed matrix from the context's pool (the layers recycle every consumed gradient into
    /// it; a gradient allocated elsewhere would add one dead buffer per layer to the pool).
    private func zeroed(rows: Int, cols: Int) -> Matrix {
        var m = context.pool.take(rows: rows, cols: cols)
        m.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        return m
    }

    // MARK: Evaluation

    /// Evaluation-mode pass of the stage over all own rows, layer by layer (no staleness):
    /// `input` `[ownCount × d]` from the previous stage (nil on stage 0). Each layer's output
    /// rows go straight into the next layer's fresh table (the training tables are free between
    /// epochs), so no extra `[ownCount × d]` copy is held. Returns the stage's output rows
    /// (logits on the last stage).
    func evaluate(input: inout Matrix?, views: [ChunkView], lists: ExchangeLists) throws(DistributedTrainingError) -> Matrix {
        let ctx = context
        // The received rows go into the first table before H⁰ is built: one [n × d] less at the peak.
        if !isFirstStage || !computesInitialRepresentation, let table = tables[0], let x = input { table.writeFresh(x, first: 0) }
        input = nil
        let h0 = computesInitialRepresentation ? initialRepresentationInBlocks() : nil
        ctx.isTraining = false
        if isFirstStage, let table = tables[0], let h0 { table.writeFresh(h0, first: 0) }
        var output = Matrix(rows: 0, cols: 0)
        for k in ownedLayers {
            let j = k - ownedLayers.lowerBound
            if let table = tables[j] {
                try exchangeRows(table, lists: lists, step: 0, history: false, tag: 2, label: "halo wait evaluation \(k)")
            }
            let next = j + 1 < tables.count ? tables[j + 1] : nil
            if next == nil { output = Matrix(rows: plan.ownCount, cols: layout.blocks[k].outputWidth) }
            for view in views {
                let rows = view.block.rows
                ctx.graph = view.graphOperator
                if let h0 { ctx.initialRepresentation = h0.rowRange(rows) }
                let g: Matrix
                if let table = tables[j] {
                    var gathered = ctx.pool.take(rows: view.block.columns.count, cols: table.width)
                    table.gather(view.block.columns, plan: plan, position: 0, positions: nil, into: &gathered)
                    g = gathered
                } else {
                    g = features(view.block.columns)
                }
                let y = runBlock(k, g, view: view, rows: rows)
                if let next { next.writeFresh(y, first: rows.lowerBound) } else { output.setRows(rows, from: y) }
                ctx.pool.removeAll()
            }
            tables[j]?.releaseFresh()
        }
        ctx.initialRepresentation = nil
        if isLastStage && !layout.outputLayers.isEmpty {
            ctx.rowIndices = Array(plan.ownOriginal)
            output = network.forward(output, context: ctx, layers: layout.outputLayers)
        }
        return output
    }

    // MARK: Halo exchange

    private func exchangeForward(_ table: HistoryTable, _ view: ChunkView, layer k: Int) throws(DistributedTrainingError) {
        let history = view.positions != nil && view.position == 0 && table.history != nil
        try exchangeRows(table, lists: view.lists, step: view.position, history: history, tag: 0,
                         label: "halo wait forward \(k) c\(view.chunk)")
    }

    /// Forward halo step: fresh rows of the step (and, at the first step, historical rows).
    private func exchangeRows(_ table: HistoryTable, lists: ExchangeLists, step: Int, history: Bool, tag: Int,
                              label: String) throws(DistributedTrainingError) {
        let size = plan.groupSize
        guard size > 1 else { return }
        let d = table.width
        let send = (0..<size).map { q in lists.forwardSend[step][q].count + (history ? lists.historySend[q].count : 0) }
        let receive = (0..<size).map { q in lists.forwardReceive[step][q].count + (history ? lists.historyReceive[q].count : 0) }
        try communicating { () throws(CommunicationError) in try exchange.exchange(width: d, tag: tag, sendRows: send, receiveRows: receive, pack: { q, out in
            var offset = 0
            if history {
                table.pack(lists.historySend[q], plan: plan, fromHistory: true, into: out)
                offset = lists.historySend[q].count * d
            }
            table.pack(lists.forwardSend[step][q], plan: plan, fromHistory: false, into: out + offset)
        }, unpack: { q, src in
            var offset = 0
            if history {
                table.unpack(lists.historyReceive[q], plan: plan, intoHistory: true, from: src)
                offset = lists.historyReceive[q].count * d
            }
            table.unpack(lists.forwardReceive[step][q], plan: plan, intoHistory: false, from: src + offset)
        }, label: label) }
    }

    /// Backward halo step: pending gradients of remote rows of the chunk go to their owners;
    /// gradients of own rows arrive from the peers that read them and are added to `dx`.
    private func exchangeBackward(_ table: HistoryTable, _ view: ChunkView, layer k: Int,
                                  into dx: inout Matrix) throws(DistributedTrainingError) {
        let size = plan.groupSize
        guard size > 1 else { return }
        let d = table.width, i = view.position, lists = view.lists, first = view.block.rows.lowerBound
        let send = (0..<size).map { lists.backwardSend[i][$0].count }
        let receive = (0..<size).map { lists.backwardReceive[i][$0].count }
        var received: [(Int, [Float])] = []
        try communicating { () throws(CommunicationError) in try exchange.exchange(width: d, tag: 1, sendRows: send, receiveRows: receive, pack: { q, out in
            table.takePending(lists.backwardSend[i][q], plan: plan, into: out)
        }, unpack: { q, src in
            received.append((q, Array(UnsafeBufferPointer(start: src, count: lists.backwardReceive[i][q].count * d))))
        }, label: "halo wait backward \(k) c\(view.chunk)") }
        dx.values.withUnsafeMutableBufferPointer { out in
            for (q, values) in received {
                for (r, u) in lists.backwardReceive[i][q].enumerated() {
                    let dst = out.baseAddress!.advanced(by: (Int(u) - first) * d)
                    for e in 0..<d { dst[e] += values[r * d + e] }
                }
            }
        }
    }
}

extension Matrix {
    /// Rows `range` as a new matrix.
    func rowRange(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, values: Array(values[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// Overwrites rows `range` with `m`'s rows.
    mutating func setRows(_ range: Range<Int>, from m: Matrix) {
        precondition(m.rows == range.count && m.cols == cols, "setRows: \(m.rows)×\(m.cols) into \(range.count) rows of width \(cols)")
        let c = cols
        m.values.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                if let base = src.baseAddress { dst.baseAddress!.advanced(by: range.lowerBound * c).update(from: base, count: src.count) }
            }
        }
    }

    /// Writes `m`'s rows to rows `positions`.
    mutating func scatterRows(_ m: Matrix, at positions: [Int]) {
        let c = cols
        m.values.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for (r, i) in positions.enumerated() {
                    dst.baseAddress!.advanced(by: i * c).update(from: src.baseAddress!.advanced(by: r * c), count: c)
                }
            }
        }
    }
}
