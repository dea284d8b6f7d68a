import DenseMath
import Distributed
import Foundation
import GNNModels
import GraphCore
import NeuralNet

/// What happens to gradients that would flow into historical (stale) rows.
public enum StaleGradientMode: String, Sendable, CaseIterable, Codable {
    /// Dropped, as GAS's `History.pull` under `no_grad` (GNNPipe notes §2.5).
    case drop
    /// Accumulated and added one epoch late to the owning chunk's backward, as PipeGCN's
    /// boundary gradients.
    case `defer`
}

/// Pipeline settings of ``PipelineTrainer`` (GNNPipe notes §2; all convergence aids off by default).
public struct PipelineOptions: Sendable, Equatable {
    /// Number of chunks C (METIS parts); 1 = no chunking (full-graph, no staleness).
    public var chunks: Int
    /// Gradients into historical rows: dropped or deferred one epoch.
    public var staleGradients: StaleGradientMode
    /// The first epochs run with C = 1 (no staleness) before chunking starts.
    public var warmupEpochs: Int
    /// Smoothing of historical rows, `history ← m·history + (1 − m)·new`; 0 = plain history.
    public var historyMomentum: Float
    /// Re-draw the chunk order every epoch (from the model seed and the epoch; all ranks agree).
    public var shuffleChunks: Bool
    /// Seed of the METIS chunking.
    public var partitionSeed: UInt64

    /// Options; defaults are 8 chunks, stale gradients dropped, no warm-up, no smoothing, fixed order.
    public init(chunks: Int = 8, staleGradients: StaleGradientMode = .drop, warmupEpochs: Int = 0,
                historyMomentum: Float = 0, shuffleChunks: Bool = false, partitionSeed: UInt64 = 0) {
        self.chunks = chunks
        self.staleGradients = staleGradients
        self.warmupEpochs = warmupEpochs
        self.historyMomentum = historyMomentum
        self.shuffleChunks = shuffleChunks
        self.partitionSeed = partitionSeed
    }
}

/// How a ``GNNModel``'s layers split into P pipeline stages: the graph layers in P contiguous
/// blocks as even as possible (stage s owns graph layers `⌊s·L/P⌋ ..< ⌊(s+1)·L/P⌋`); stage 0
/// also owns the input layers (GCNII: Dropout, Linear, ReLU, H⁰), the last stage the output
/// layers (GCNII: Dropout, Linear).
public struct StageLayout: Sendable, Equatable {
    /// Number of stages P.
    public let stages: Int
    /// Network range of each graph block `[Dropout, graph layer, ReLU?]`, one per graph layer.
    public let blocks: [Range<Int>]
    /// Network layers before the first block.
    public let inputLayers: Range<Int>
    /// Network layers after the last block.
    public let outputLayers: Range<Int>
    /// Input width of each graph layer.
    public let inputWidths: [Int]
    /// Output width of each graph layer.
    public let outputWidths: [Int]

    /// The layout of `model` over `stages` stages.
    /// - Throws: ``DistributedTrainingError/invalidSetup(_:)`` when P exceeds the number of graph layers.
    public init(model: GNNModel, stages: Int) throws(DistributedTrainingError) {
        let layers = model.network.layers
        var graphIndices: [Int] = []
        var inW: [Int] = [], outW: [Int] = []
        for (i, layer) in layers.enumerated() {
            if let g = layer as? GCNLayer { graphIndices.append(i); inW.append(g.inputDim); outW.append(g.outputDim) }
            else if let g = layer as? GCNIILayer { graphIndices.append(i); inW.append(g.dim); outW.append(g.dim) }
            else if let g = layer as? SAGELayer { graphIndices.append(i); inW.append(g.inputDim); outW.append(g.outputDim) }
        }
        guard stages >= 1 else { throw .invalidSetup("need at least 1 stage, got \(stages)") }
        guard stages <= graphIndices.count else {
            throw .invalidSetup("\(stages) pipeline stages need at least \(stages) graph layers; the model has \(graphIndices.count) (use more --layers or fewer ranks)")
        }
        var blocks: [Range<Int>] = []
        for g in graphIndices {
            precondition(g >= 1 && layers[g - 1] is Dropout, "every graph layer follows a Dropout")
            let end = g + 1 < layers.count && layers[g + 1] is ReLU ? g + 2 : g + 1
            blocks.append((g - 1)..<end)
        }
        self.stages = stages
        self.blocks = blocks
        inputLayers = 0..<blocks[0].lowerBound
        outputLayers = blocks[blocks.count - 1].upperBound..<layers.count
        inputWidths = inW
        outputWidths = outW
    }

    /// Number of graph layers L.
    public var graphLayers: Int { blocks.count }

    /// Graph layers owned by stage `s`.
    public func graphLayers(ofStage s: Int) -> Range<Int> {
        (s * graphLayers / stages)..<((s + 1) * graphLayers / stages)
    }

    /// Width of the rows crossing each of the P − 1 stage boundaries.
    public var boundaryWidths: [Int] {
        (1..<max(1, stages)).map { inputWidths[graphLayers(ofStage: $0).lowerBound] }
    }
}

/// GNNPipe pipelined layer-parallel full-graph training (Chen et al., arXiv 2308.10087; design
/// in the GNNPipe notes §2): rank s is stage s, owns a contiguous block of graph layers and runs
/// every chunk through it in a GPipe fill/drain schedule, reading neighbours of later chunks
/// from historical embeddings (staleness ≤ 1 epoch).
///
/// Per epoch t:
/// ```
/// forward:  for chunk c (in order): receive X_c from s−1 (stage 0: features), per owned graph
///           layer ℓ: F_ℓ[rows c] ← X_c; G = columns c of F_ℓ (chunks ≤ c) and H_ℓ (later
///           chunks); X_c ← block_ℓ(G); send X_c to s+1
///           (last stage: loss_c = CE(chunk's training rows) / |train|)
/// backward: chunks in reverse: receive ∂X_c from s+1, re-run the stage's forward of c from the
///           same gathered G (re-materialisation), back-propagate; ∂G rows of earlier chunks wait in a
///           pending buffer for their chunk's backward, rows of later chunks (historical) are
///           dropped or deferred one epoch; send ∂X_c to s−1
///           H_ℓ ← F_ℓ[boundary rows] (with momentum H_ℓ ← m·H_ℓ + (1−m)·F_ℓ[boundary rows])
/// update:   all-reduce of the replicated input-layer gradients (GCNII), one Adam step per stage
/// ```
/// F_ℓ `[N × d_in(ℓ)]` is layer ℓ's fresh table, H_ℓ `[B × d_in(ℓ)]` its history over the B
/// boundary rows (nodes in some chunk's halo; only they are ever read as historical rows); none
/// for a layer reading the features X, gathered straight from X. Memory per layer (N + 2B)·d
/// floats with the pending gradients; nothing is saved per chunk.
/// GCNII's H⁰ is recomputed on every stage from X with a replica of the input layers (same seed ⇒ same weights and dropout masks), so the
/// point-to-point volume is exactly `2·(P−1)·N·d` floats per epoch (``CommunicationModel``).
/// Dropout masks are keyed by (seed, epoch, original node id), so with C = 1 the losses equal
/// single-process training up to summation order.
///
/// Collective: every rank constructs it with the same arguments and calls the same methods.
public final class PipelineTrainer: DistributedNodeTrainer {
    /// The model (every rank builds all of it; a stage only uses and updates its own layers).
    public let model: GNNModel
    /// The chunking.
    public let plan: ChunkPlan
    /// The stage split.
    public let layout: StageLayout
    /// Pipeline settings.
    public let pipelineOptions: PipelineOptions
    /// Optimisation settings.
    public let options: TrainingOptions
    /// This rank's stage.
    public let stage: Int
    /// Graph layers this stage owns.
    public let ownedGraphLayers: Range<Int>
    public private(set) var epoch = 0
    /// Parameters this stage updates (its blocks, plus input/output layers as described on the type).
    public let ownedParameters: [Parameter]
    /// Parameters replicated on every stage whose gradients are all-reduced (GCNII input layers when P > 1).
    public let replicatedParameters: [Parameter]

    private let communicator: Communicator
    private let trace: TraceRecorder?
    private let optimizer: Adam
    private let isGCNII: Bool
    private let numStages: Int
    private var isFirst: Bool { stage == 0 }
    private var isLast: Bool { stage == numStages - 1 }

    // Relabelled data.
    private let features: Matrix
    private let labels: [Int32]
    private let trainNodes: [Int]
    private let validationNodes: [Int]
    private let testNodes: [Int]
    private let trainCount: Int

    private struct ChunkSet {
        var offsets: [Int]
        var graphOperator: (Int) -> GraphOperator  // chunk c's operator (built on demand when C > 1)
        var columns: [[Int32]]
        var columnOriginal: [[Int32]]
        var rowOriginal: [[Int32]]
        var chunkOfNode: [Int32]?  // nil = one chunk
        var localTrain: [[Int]]
        var count: Int { offsets.count - 1 }
        func size(_ c: Int) -> Int { offsets[c + 1] - offsets[c] }
    }
    private let chunked: ChunkSet
    private let whole: ChunkSet

    // Per owned graph layer (index k − ownedGraphLayers.lowerBound); nil for a layer that reads
    // the features (they never change, so they are gathered straight from X).
    // fresh[j] `[N × d]`: layer inputs written this epoch (a chunk's rows when the forward reaches it).
    // history[j] `[B × d]` (boundary rows, by boundarySlot): what rows of later chunks read — last
    // epoch's fresh rows or, with momentum, the smoothed history m·history + (1 − m)·fresh. Chunk c
    // gathers rows of chunks up to c from fresh and later ones from history, so its forward and
    // its re-materialisation before backward see the same inputs and nothing per chunk is saved.
    private var fresh: [Matrix?]
    private var history: [Matrix?]
    private var smoothedReady: Bool = false
    // Gradients of halo rows waiting for their chunk's backward (pending: this epoch; deferred:
    // next epoch), compact `[B × d]` over the B boundary rows (rows in some other chunk's halo).
    private var pending: [Matrix?]
    private var deferred: [Matrix?]
    private let boundarySlot: [Int32]        // new id → row of the pending buffers, −1 if not boundary
    private let boundaryRows: [[Int32]]      // per chunk: its boundary rows (new ids), increasing
    private let boundaryOffsets: [Int]       // per chunk: first slot of its boundary rows, `[C + 1]`
    private var lossGradients: [Matrix?] = []
    private var position: [Int] = []
    private var initialRepresentation: Matrix?           // GCNII H⁰ `[N × hidden]` of the epoch
    private var initialRepresentationGradient: Matrix?   // ∂H⁰ `[N × hidden]` gathered over chunks

    private let context: GraphContext
    private let evalContext: GraphContext
    private var buffers: [String: MessageBuffer] = [:]
    private var pendingSends: [String: MessageRequest] = [:]   // in-flight sends by buffer key
    private let tagEpochs: Int
    /// Send buffers per direction, reused round-robin (a chunk's rows stay in flight while the
    /// next chunks are computed).
    private let sendSlots = 3

    /// Sets up stage `communicator.rank` of `communicator.size`.
    /// - Parameters:
    ///   - adjacency: `[N × N]` symmetric adjacency without self-loops, original ids.
    ///   - task: features, labels and split in original ids (every rank passes the same).
    /// - Throws: ``DistributedTrainingError/invalidSetup(_:)`` (more stages than graph layers,
    ///   SAGE with C > 1, bad chunk count, features that do not fit), ``DistributedTrainingError/model(_:)``.
    public init(configuration: GNNConfiguration, adjacency: CSRGraph, task: NodeClassificationTask,
                options: TrainingOptions, pipeline: PipelineOptions, communicator: Communicator,
                trace: TraceRecorder? = nil) throws(DistributedTrainingError) {
        let n = adjacency.numRows
        guard task.features.rows == n else { throw .invalidSetup("\(task.features.rows) feature rows for a graph of \(n) nodes") }
        guard task.features.cols == configuration.inputDim else {
            throw .invalidSetup("features have \(task.features.cols) columns, the model expects \(configuration.inputDim)")
        }
        guard task.numClasses == configuration.numClasses else {
            throw .invalidSetup("the data has \(task.numClasses) classes, the model \(configuration.numClasses)")
        }
        guard pipeline.chunks >= 1 && pipeline.chunks <= n else {
            throw .invalidSetup("--chunks must be in 1...\(n), got \(pipeline.chunks)")
        }
        guard 3 * pipeline.chunks <= Communicator.maxPortableTag + 1 else {
            throw .invalidSetup("\(pipeline.chunks) chunks exceed the MPI tag range (at most \((Communicator.maxPortableTag + 1) / 3))")
        }
        if configuration.architecture == .sage && pipeline.chunks > 1 {
            throw .invalidSetup("sage needs a square operator per layer: pipeline training supports it only with --chunks 1")
        }
        guard pipeline.warmupEpochs >= 0 else { throw .invalidSetup("warm-up epochs must be ≥ 0") }
        guard pipeline.historyMomentum >= 0 && pipeline.historyMomentum < 1 else {
            throw .invalidSetup("history momentum must be in [0, 1), got \(pipeline.historyMomentum)")
        }
        guard options.epochs >= 1 else { throw .invalidSetup("epochs must be at least 1, got \(options.epochs)") }
        guard options.learningRate > 0 && options.learningRate.isFinite else {
            throw .invalidSetup("learning rate must be positive, got \(options.learningRate)")
        }
        do { model = try GNNModel(configuration: configuration) } catch { throw .model(error) }
        layout = try StageLayout(model: model, stages: communicator.size)
        let p = try ChunkPlan.metis(adjacency: adjacency, numChunks: pipeline.chunks, seed: pipeline.partitionSeed,
                                   architecture: configuration.architecture, communicator: communicator,
                                   keepsWholeOperator: pipeline.warmupEpochs > 0)
        plan = p
        pipelineOptions = pipeline
        self.options = options
        self.communicator = communicator
        self.trace = trace
        stage = communicator.rank
        numStages = communicator.size
        isGCNII = configuration.architecture == .gcnii
        ownedGraphLayers = layout.graphLayers(ofStage: communicator.rank)

        // Owned and replicated parameters.
        let layers = model.network.layers
        var owned: [Parameter] = []
        let needsInputLayers = communicator.rank == 0 || configuration.architecture == .gcnii
        if needsInputLayers { owned += layout.inputLayers.flatMap { layers[$0].parameters } }
        for k in ownedGraphLayers { owned += layout.blocks[k].flatMap { layers[$0].parameters } }
        if communicator.rank == communicator.size - 1 { owned += layout.outputLayers.flatMap { layers[$0].parameters } }
        ownedParameters = owned
        replicatedParameters = configuration.architecture == .gcnii && communicator.size > 1
            ? layout.inputLayers.flatMap { layers[$0].parameters } : []
        optimizer = Adam(parameters: owned, learningRate: options.learningRate, weightDecayMode: options.weightDecayMode)

        // Relabel the data. Only stage 0 reads X (GCN's first layer, evaluation); GCNII
        // recomputes H⁰ on every stage.
        let cols = task.features.cols
        var x = Matrix(rows: communicator.rank == 0 || configuration.architecture == .gcnii ? n : 0, cols: cols)
        if x.rows == n {
            task.features.values.withUnsafeBufferPointer { src in
                x.values.withUnsafeMutableBufferPointer { dst in
                    for u in 0..<n {
                        let v = p.newID[u]
                        dst.baseAddress!.advanced(by: v * cols).update(from: src.baseAddress!.advanced(by: u * cols), count: cols)
                    }
                }
            }
        }
        features = x
        var y = [Int32](repeating: -1, count: n)
        for u in 0..<n { y[p.newID[u]] = task.labels[u] }
        labels = y
        trainNodes = task.train.map { p.newID[$0] }
        validationNodes = task.validation.map { p.newID[$0] }
        testNodes = task.test.map { p.newID[$0] }
        trainCount = task.train.count

        var isTrain = [Bool](repeating: false, count: n)
        for v in trainNodes { isTrain[v] = true }
        func localTrain(_ offsets: [Int]) -> [[Int]] {
            (0..<(offsets.count - 1)).map { c in (offsets[c]..<offsets[c + 1]).filter { isTrain[$0] }.map { $0 - offsets[c] } }
        }
        chunked = ChunkSet(offsets: p.chunkOffsets, graphOperator: { p.chunkOperator($0) }, columns: p.columns,
                           columnOriginal: p.columns.map { $0.map { p.originalID[Int($0)] } },
                           rowOriginal: (0..<p.numChunks).map { c in Array(p.originalID[p.chunkOffsets[c]..<p.chunkOffsets[c + 1]]) },
                           chunkOfNode: p.numChunks > 1 ? p.chunkOfNode : nil, localTrain: localTrain(p.chunkOffsets))
        whole = ChunkSet(offsets: [0, n], graphOperator: { _ in p.wholeOperator! }, columns: [(0..<n).map { Int32($0) }],
                         columnOriginal: [p.originalID], rowOriginal: [p.originalID], chunkOfNode: nil,
                         localTrain: localTrain([0, n]))

        // Boundary rows: the union of the chunks' halos, grouped by chunk (compact pending buffers).
        var slot = [Int32](repeating: -1, count: n)
        if p.numChunks > 1 {
            for c in 0..<p.numChunks {
                for v in p.columns[c][p.size(of: c)...] { slot[Int(v)] = 0 }
            }
        }
        var bRows: [[Int32]] = [], bOffsets = [0], nextSlot: Int32 = 0
        for c in 0..<p.numChunks {
            var rowsC: [Int32] = []
            for v in p.chunkOffsets[c]..<p.chunkOffsets[c + 1] where slot[v] == 0 {
                slot[v] = nextSlot
                nextSlot += 1
                rowsC.append(Int32(v))
            }
            bRows.append(rowsC)
            bOffsets.append(Int(nextSlot))
        }
        boundarySlot = slot
        boundaryRows = bRows
        boundaryOffsets = bOffsets
        let boundaryCount = Int(nextSlot)

        // History tables: the input rows of each owned graph layer (none for raw features).
        var fr: [Matrix?] = [], hi: [Matrix?] = [], pe: [Matrix?] = [], de: [Matrix?] = []
        for k in ownedGraphLayers {
            let constant = k == 0 && configuration.architecture != .gcnii
            let d = layout.inputWidths[k]
            fr.append(constant ? nil : Matrix(rows: n, cols: d))
            hi.append(constant || pipeline.chunks == 1 ? nil : Matrix(rows: boundaryCount, cols: d))
            pe.append(!constant && pipeline.chunks > 1 ? Matrix(rows: boundaryCount, cols: d) : nil)
            de.append(!constant && pipeline.chunks > 1 && pipeline.staleGradients == .defer ? Matrix(rows: boundaryCount, cols: d) : nil)
        }
        fresh = fr
        history = hi
        pending = pe
        deferred = de
        // Until a pass sets its operator: the whole graph's, or (when not kept) chunk 0's.
        let initial = p.wholeOperator ?? p.chunkOperator(0)
        context = GraphContext(graph: initial, isTraining: true, threads: options.threads)
        evalContext = GraphContext(graph: initial, isTraining: false, threads: options.threads)
        tagEpochs = max(1, (Communicator.maxPortableTag + 1) / (3 * pipeline.chunks))
    }

    /// Boundary rows B (nodes in some other chunk's halo): the rows of the pending (and deferred)
    /// gradient buffers, `[B × d]` per owned graph layer instead of `[N × d]`.
    public var boundaryRowCount: Int { boundaryOffsets.last ?? 0 }

    /// Analytic training volume `2·(P−1)·N·d` floats per epoch.
    public var analyticTrainingFloats: Int64 {
        CommunicationModel.pipelineFloats(numNodes: plan.numNodes, boundaryWidths: layout.boundaryWidths)
    }

    // MARK: Helpers

    private func tag(direction: Int, chunk: Int, epoch: Int) -> Int {
        ((epoch % tagEpochs) * 3 + direction) * pipelineOptions.chunks + chunk
    }

    private func buffer(_ key: String, count: Int) -> MessageBuffer {
        if let b = buffers[key], b.capacity >= count { return b }
        let b = MessageBuffer(capacity: count)
        buffers[key] = b
        return b
    }

    /// Sends `m` from buffer `key`, first waiting (time added to `seconds`) for the send that
    /// last used that buffer.
    private func send(_ m: Matrix, to peer: Int, key: String, tag: Int, seconds: inout Double) throws(DistributedTrainingError) {
        if let previous = pendingSends.removeValue(forKey: key) {
            let start = TraceRecorder.now()
            do { try communicator.wait(previous) } catch { throw .mpi(error) }
            let end = TraceRecorder.now()
            seconds += Double(end - start) / 1e9
            trace?.record("wait send buffer", category: "wait", start: start, end: end)
        }
        let b = buffer(key, count: m.values.count)
        m.values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { b.pointer.update(from: base, count: src.count) }
        }
        do { pendingSends[key] = try communicator.isend(b, count: m.values.count, to: peer, tag: tag) } catch { throw .mpi(error) }
    }

    private func receive(rows: Int, cols: Int, from peer: Int, key: String, tag: Int) throws(DistributedTrainingError) -> MessageRequest {
        let b = buffer(key, count: rows * cols)
        do { return try communicator.irecv(b, count: rows * cols, from: peer, tag: tag) } catch { throw .mpi(error) }
    }

    /// Waits for `request` and returns its rows; adds the blocked time to `seconds`.
    private func complete(_ request: MessageRequest, rows: Int, cols: Int, seconds: inout Double,
                          label: String) throws(DistributedTrainingError) -> Matrix {
        let start = TraceRecorder.now()
        do { try communicator.wait(request) } catch { throw .mpi(error) }
        let end = TraceRecorder.now()
        seconds += Double(end - start) / 1e9
        trace?.record(label, category: "wait", start: start, end: end)
        var m = Matrix(rows: rows, cols: cols)
        m.values.withUnsafeMutableBufferPointer { dst in
            if let base = dst.baseAddress { base.update(from: request.buffer.pointer, count: rows * cols) }
        }
        return m
    }

    private func rows(of m: Matrix, _ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: m.cols, values: Array(m.values[(range.lowerBound * m.cols)..<(range.upperBound * m.cols)]))
    }

    private func chunkOrder(epoch t: Int, count: Int) -> [Int] {
        var order = Array(0..<count)
        guard pipelineOptions.shuffleChunks, count > 1 else { return order }
        var rng = SplitMix64(seed: SplitMix64.mix(model.configuration.seed ^ 0x5C4E_D0C5), stream: UInt64(t))
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, rng.nextInt(below: i + 1))
        }
        return order
    }

    /// Writes chunk rows into layer `j`'s fresh table.
    private func write(_ j: Int, set: ChunkSet, chunk c: Int, rows x: Matrix) {
        let lo = set.offsets[c]
        x.values.withUnsafeBufferPointer { src in
            fresh[j]!.values.withUnsafeMutableBufferPointer { dst in
                if let base = src.baseAddress { dst.baseAddress!.advanced(by: lo * x.cols).update(from: base, count: src.count) }
            }
        }
    }

    /// Gathers chunk `c`'s columns of layer `j`'s input `[(|c| + |halo_c|) × d]`: rows of chunks
    /// processed up to c this epoch from the fresh table, rows of later chunks from the history
    /// (historical embeddings). Both tables stay unchanged until the epoch ends, so the same
    /// call before backward returns what the forward read.
    private func gather(_ j: Int, set: ChunkSet, chunk c: Int) -> Matrix {
        let columns = set.columns[c]
        let d = fresh[j]!.cols
        var g = context.pool.take(rows: columns.count, cols: d)
        let mine = position[c]
        let chunkOf = history[j] == nil ? nil : set.chunkOfNode
        fresh[j]!.values.withUnsafeBufferPointer { current in
            g.values.withUnsafeMutableBufferPointer { out in
                let o = out.baseAddress!, f = current.baseAddress!
                if let chunkOf {
                    history[j]!.values.withUnsafeBufferPointer { past in
                        let h = past.baseAddress!
                        for (i, v) in columns.enumerated() {
                            let source = position[Int(chunkOf[Int(v)])] > mine
                                ? h.advanced(by: Int(boundarySlot[Int(v)]) * d) : f.advanced(by: Int(v) * d)
                            o.advanced(by: i * d).update(from: source, count: d)
                        }
                    }
                } else {
                    for (i, v) in columns.enumerated() {
                        o.advanced(by: i * d).update(from: f.advanced(by: Int(v) * d), count: d)
                    }
                }
            }
        }
        return g
    }

    /// The epoch's end for the history tables: next epoch, later chunks read this epoch's
    /// boundary rows, or with momentum `history ← m·history + (1 − m)·fresh` (a plain copy until
    /// the first chunked epoch has run).
    private func advanceHistory(chunked: Bool) {
        let m = pipelineOptions.historyMomentum
        let smooth = m > 0 && smoothedReady
        for j in fresh.indices where history[j] != nil {
            let d = fresh[j]!.cols
            fresh[j]!.values.withUnsafeBufferPointer { src in
                history[j]!.values.withUnsafeMutableBufferPointer { dst in
                    for c in boundaryRows.indices {
                        for (b, v) in boundaryRows[c].enumerated() {
                            let base = dst.baseAddress!.advanced(by: (boundaryOffsets[c] + b) * d)
                            let row = src.baseAddress!.advanced(by: Int(v) * d)
                            if smooth {
                                for e in 0..<d { base[e] = m * base[e] + (1 - m) * row[e] }
                            } else {
                                base.update(from: row, count: d)
                            }
                        }
                    }
                }
            }
        }
        if chunked && m > 0 && history.contains(where: { $0 != nil }) { smoothedReady = true }
    }

    /// The stage's forward pass of chunk `c`; returns the stage output rows (logits on the
    /// last stage). `input` is the received rows (nil on stage 0). With `rematerialise` (the
    /// re-run before backward), nothing is written: every layer gathers its inputs from the
    /// tables, which still hold what the forward read.
    private func forwardChunk(set: ChunkSet, chunk c: Int, input: Matrix?, rematerialise: Bool) -> Matrix {
        let ctx = context
        let net = model.network
        let lo = set.offsets[c], hi = set.offsets[c + 1]
        ctx.isTraining = true
        ctx.graph = set.graphOperator(c)
        ctx.rowIndices = set.rowOriginal[c]
        var x: Matrix
        if isGCNII {
            // H⁰ rows of this chunk, from the epoch's one pass of the input layers.
            let h0 = rows(of: initialRepresentation!, lo..<hi)
            ctx.initialRepresentation = h0
            ctx.initialRepresentationGradient = nil
            x = isFirst ? h0 : (input ?? h0)  // rematerialisation gathers from the tables instead
        } else {
            x = input ?? Matrix(rows: 0, cols: 0)
        }
        for k in ownedGraphLayers {
            let j = k - ownedGraphLayers.lowerBound
            let block = layout.blocks[k]
            let g: Matrix
            if fresh[j] == nil {
                g = set.count == 1 ? features : features.gatherRows(set.columns[c].map { Int($0) })
            } else {
                if !rematerialise { write(j, set: set, chunk: c, rows: x) }
                g = gather(j, set: set, chunk: c)
            }
            ctx.rowIndices = set.columnOriginal[c]
            let dropped = net.forward(g, context: ctx, layers: block.lowerBound..<(block.lowerBound + 1))
            ctx.rowIndices = set.rowOriginal[c]
            x = net.forward(dropped, context: ctx, layers: (block.lowerBound + 1)..<block.upperBound)
        }
        if isLast { x = net.forward(x, context: ctx, layers: layout.outputLayers) }
        return x
    }

    /// The stage's backward pass of chunk `c` from ∂(stage output); returns ∂(stage input rows)
    /// on stages after the first.
    private func backwardChunk(set: ChunkSet, chunk c: Int, gradient: Matrix) -> Matrix? {
        let ctx = context
        let net = model.network
        let lo = set.offsets[c], size = set.size(c)
        var dy = gradient
        if isLast && !layout.outputLayers.isEmpty {
            dy = net.backward(dy, context: ctx, layers: layout.outputLayers, needsInputGradient: true)!
        }
        let myPosition = set.count > 1 ? position[c] : 0
        for k in ownedGraphLayers.reversed() {
            let j = k - ownedGraphLayers.lowerBound
            let block = layout.blocks[k]
            let needsInput = fresh[j] != nil
            guard let dBlock = net.backward(dy, context: ctx, layers: (block.lowerBound + 1)..<block.upperBound,
                                            needsInputGradient: needsInput) else {
                net.layers[block.lowerBound].releaseCaches()
                return nil
            }
            let dg = net.backward(dBlock, context: ctx, layers: block.lowerBound..<(block.lowerBound + 1), needsInputGradient: true)!
            let d = dg.cols
            var next = rows(of: dg, 0..<size)
            if set.count > 1, let chunkOf = set.chunkOfNode {
                let columns = set.columns[c]
                // Halo rows of earlier chunks: pending until their backward; of later chunks
                // (historical rows): deferred one epoch or dropped.
                // (i = compact column, s = boundary slot of its row)
                var toPending: [(Int, Int)] = [], toDeferred: [(Int, Int)] = []
                for i in size..<columns.count {
                    let v = Int(columns[i])
                    if position[Int(chunkOf[v])] < myPosition { toPending.append((i, Int(boundarySlot[v]))) }
                    else if deferred[j] != nil { toDeferred.append((i, Int(boundarySlot[v]))) }
                }
                func accumulate(_ list: [(Int, Int)], into target: inout Matrix) {
                    dg.values.withUnsafeBufferPointer { src in
                        target.values.withUnsafeMutableBufferPointer { dst in
                            for (i, s) in list {
                                for e in 0..<d { dst[s * d + e] += src[i * d + e] }
                            }
                        }
                    }
                }
                // This chunk's boundary rows: add what later chunks' halos left, then clear it.
                let first = boundaryOffsets[c]
                pending[j]!.values.withUnsafeMutableBufferPointer { pend in
                    next.values.withUnsafeMutableBufferPointer { out in
                        for (b, v) in boundaryRows[c].enumerated() {
                            let src = pend.baseAddress!.advanced(by: (first + b) * d)
                            let dst = out.baseAddress!.advanced(by: (Int(v) - lo) * d)
                            for e in 0..<d { dst[e] += src[e]; src[e] = 0 }
                        }
                    }
                }
                accumulate(toPending, into: &pending[j]!)
                if !toDeferred.isEmpty { accumulate(toDeferred, into: &deferred[j]!) }
            }
            context.pool.recycle(dg)
            dy = next
        }
        if isGCNII {
            // ∂H⁰ of this chunk (plus, on stage 0, the gradient of the first block's input, which
            // is H⁰ too) waits for the input layers' one backward pass at the end of the epoch.
            let d = model.configuration.hiddenDim
            var g = ctx.initialRepresentationGradient ?? Matrix(rows: size, cols: d)
            ctx.initialRepresentationGradient = nil
            if isFirst { Kernels.axpby(1, dy, 1, &g, threads: ctx.threads) }
            g.values.withUnsafeBufferPointer { src in
                initialRepresentationGradient!.values.withUnsafeMutableBufferPointer { dst in
                    dst.baseAddress!.advanced(by: lo * d).update(from: src.baseAddress!, count: src.count)
                }
            }
            return isFirst ? nil : dy
        }
        return isFirst ? nil : dy
    }

    // MARK: Training step

    public func trainStep() throws(DistributedTrainingError) -> (loss: Double, statistics: RankEpochStatistics) {
        let t = epoch + 1
        var stats = RankEpochStatistics(rank: communicator.rank, epoch: t)
        let meter = TrafficMeter(communicator)
        let stepStart = TraceRecorder.now()
        let set = t <= pipelineOptions.warmupEpochs || pipelineOptions.chunks == 1 ? whole : chunked
        let order = chunkOrder(epoch: t, count: set.count)
        position = [Int](repeating: 0, count: set.count)
        for (i, c) in order.enumerated() { position[c] = i }
        for p in ownedParameters { p.zeroGradient() }
        context.step = t
        lossGradients = [Matrix?](repeating: nil, count: set.count)
        if set.count > 1 {
            // Gradients deferred last epoch wait for their chunks' backward now.
            for j in deferred.indices where deferred[j] != nil {
                Kernels.axpby(1, deferred[j]!, 1, &pending[j]!, threads: options.threads)
                deferred[j]!.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            }
        }
        if isGCNII {
            // One training pass of the input layers over all rows (row-wise, masks keyed by
            // original id): every stage gets the same H⁰ as stage 0.
            context.isTraining = true
            if let w = plan.wholeOperator { context.graph = w }  // the input layers are row-wise
            context.rowIndices = plan.originalID
            let start = TraceRecorder.now()
            initialRepresentation = model.network.forward(features, context: context, layers: layout.inputLayers)
            trace?.record("H⁰ forward", category: "forward", start: start, end: TraceRecorder.now())
            initialRepresentationGradient = Matrix(rows: plan.numNodes, cols: model.configuration.hiddenDim)
        }
        var wait = 0.0, bubble = 0.0
        var loss = 0.0
        let inWidth = layout.inputWidths[ownedGraphLayers.lowerBound]
        let outWidth = isLast ? 0 : layout.outputWidths[ownedGraphLayers.upperBound - 1]
        let kind = set.count == 1 ? "w" : "c"

        // Forward, chunks in order.
        var next: MessageRequest?
        if !isFirst {
            next = try receive(rows: set.size(order[0]), cols: inWidth, from: stage - 1, key: "fr\(kind)0",
                               tag: tag(direction: 0, chunk: order[0], epoch: t))
        }
        for (i, c) in order.enumerated() {
            var input: Matrix?
            if let request = next {
                if i == 0 {
                    input = try complete(request, rows: set.size(c), cols: inWidth, seconds: &bubble, label: "fill bubble")
                } else {
                    input = try complete(request, rows: set.size(c), cols: inWidth, seconds: &wait, label: "wait forward c\(c)")
                }
                if i + 1 < order.count {
                    let n = order[i + 1]
                    next = try receive(rows: set.size(n), cols: inWidth, from: stage - 1, key: "fr\(kind)\((i + 1) % 2)",
                                       tag: tag(direction: 0, chunk: n, epoch: t))
                }
            }
            let start = TraceRecorder.now()
            let out = forwardChunk(set: set, chunk: c, input: input, rematerialise: false)
            context.pool.removeAll()  // sized for this chunk: the next one differs
            if isLast {
                let labelsC = Array(labels[set.offsets[c]..<set.offsets[c + 1]])
                var l = Loss.softmaxCrossEntropy(logits: out, labels: labelsC, mask: set.localTrain[c])
                let share = Float(set.localTrain[c].count) / Float(trainCount)
                loss += Double(l.value) * Double(set.localTrain[c].count) / Double(trainCount)
                Kernels.scale(&l.gradient, by: share, threads: options.threads)
                lossGradients[c] = l.gradient
            }
            trace?.record("forward c\(c)", category: "forward", start: start, end: TraceRecorder.now(),
                          args: ["chunk": Double(c), "first_layer": Double(ownedGraphLayers.lowerBound),
                                 "last_layer": Double(ownedGraphLayers.upperBound - 1)])
            if !isLast {
                try send(out, to: stage + 1, key: "fs\(kind)\(i % sendSlots)", tag: tag(direction: 0, chunk: c, epoch: t),
                         seconds: &wait)
            }
        }

        // Backward, chunks in reverse order.
        let reversed = Array(order.reversed())
        next = nil
        if !isLast {
            next = try receive(rows: set.size(reversed[0]), cols: outWidth, from: stage + 1, key: "br\(kind)0",
                               tag: tag(direction: 1, chunk: reversed[0], epoch: t))
        }
        for (i, c) in reversed.enumerated() {
            var gradient: Matrix
            if let request = next {
                if i == 0 {
                    gradient = try complete(request, rows: set.size(c), cols: outWidth, seconds: &bubble, label: "drain bubble")
                } else {
                    gradient = try complete(request, rows: set.size(c), cols: outWidth, seconds: &wait, label: "wait backward c\(c)")
                }
                if i + 1 < reversed.count {
                    let n = reversed[i + 1]
                    next = try receive(rows: set.size(n), cols: outWidth, from: stage + 1, key: "br\(kind)\((i + 1) % 2)",
                                       tag: tag(direction: 1, chunk: n, epoch: t))
                }
            } else {
                gradient = lossGradients[c]!
                lossGradients[c] = nil
            }
            let start = TraceRecorder.now()
            if i > 0 {
                // Layers keep one cache: re-run this chunk's forward (inputs gathered again).
                _ = forwardChunk(set: set, chunk: c, input: nil, rematerialise: true)
            }
            let dx = backwardChunk(set: set, chunk: c, gradient: gradient)
            // Chunks differ in size, so kept buffers would hardly be reused: let them go.
            context.pool.removeAll()
            trace?.record("backward c\(c)", category: "backward", start: start, end: TraceRecorder.now(),
                          args: ["chunk": Double(c), "rematerialised": i > 0 ? 1 : 0])
            if let dx {
                try send(dx, to: stage - 1, key: "bs\(kind)\(i % sendSlots)", tag: tag(direction: 1, chunk: c, epoch: t),
                         seconds: &wait)
            }
        }
        advanceHistory(chunked: set.count > 1)
        if isGCNII {
            let start = TraceRecorder.now()
            context.rowIndices = plan.originalID
            context.initialRepresentationGradient = nil
            _ = model.network.backward(initialRepresentationGradient!, context: context, layers: layout.inputLayers,
                                       needsInputGradient: false)
            initialRepresentation = nil
            initialRepresentationGradient = nil
            trace?.record("H⁰ backward", category: "backward", start: start, end: TraceRecorder.now())
        }

        // Sends must finish before their buffers are reused next epoch.
        let sendWaitStart = TraceRecorder.now()
        do { try communicator.waitAll(Array(pendingSends.values)) } catch { throw .mpi(error) }
        pendingSends.removeAll()
        let sendWaitEnd = TraceRecorder.now()
        wait += Double(sendWaitEnd - sendWaitStart) / 1e9
        trace?.record("wait sends", category: "wait", start: sendWaitStart, end: sendWaitEnd)

        // Replicated input layers (GCNII H⁰): sum the stages' gradients.
        var reduceSeconds = 0.0
        if !replicatedParameters.isEmpty {
            var flat: [Float] = []
            for p in replicatedParameters { flat += p.gradient.values }
            let start = TraceRecorder.now()
            do { try communicator.allReduceSum(&flat) } catch { throw .mpi(error) }
            let end = TraceRecorder.now()
            reduceSeconds += Double(end - start) / 1e9
            trace?.record("all-reduce H⁰ layers", category: "wait", start: start, end: end)
            var offset = 0
            for p in replicatedParameters {
                let count = p.gradient.values.count
                p.gradient.values.replaceSubrange(0..<count, with: flat[offset..<(offset + count)])
                offset += count
            }
        }
        let optimizerStart = TraceRecorder.now()
        optimizer.step()
        trace?.record("optimizer", category: "optimizer", start: optimizerStart, end: TraceRecorder.now())

        var global = [isLast ? loss : 0]
        if numStages > 1 {
            let start = TraceRecorder.now()
            do { try communicator.allReduceSum(&global) } catch { throw .mpi(error) }
            reduceSeconds += Double(TraceRecorder.now() - start) / 1e9
        }
        wait += reduceSeconds
        epoch = t
        let end = TraceRecorder.now()
        let traffic = meter.delta(communicator)
        stats.bytesSent = traffic.sent
        stats.bytesReceived = traffic.received
        stats.collectiveBytes = traffic.collective
        stats.trainSeconds = Double(end - stepStart) / 1e9
        stats.waitSeconds = wait
        stats.bubbleSeconds = bubble
        stats.computeSeconds = max(0, stats.trainSeconds - wait - bubble)
        return (global[0], stats)
    }

    // MARK: Evaluation

    public func evaluate(statistics: inout RankEpochStatistics) throws(DistributedTrainingError) -> Evaluation {
        let start = TraceRecorder.now()
        let meter = TrafficMeter(communicator)
        let ctx = evalContext
        let net = model.network
        let n = plan.numNodes
        ctx.isTraining = false
        ctx.rowIndices = nil
        var x: Matrix
        if isGCNII {
            x = net.forward(features, context: ctx, layers: layout.inputLayers)
        } else {
            x = features
        }
        if !isFirst {
            var ignored = 0.0
            let r = try receive(rows: n, cols: layout.inputWidths[ownedGraphLayers.lowerBound], from: stage - 1, key: "er",
                                tag: tag(direction: 2, chunk: 0, epoch: epoch))
            x = try complete(r, rows: n, cols: layout.inputWidths[ownedGraphLayers.lowerBound], seconds: &ignored, label: "wait evaluation")
            buffers["er"] = nil  // copied out: free the [N × d] buffer before the layers run
        }
        if let w = plan.wholeOperator {
            ctx.graph = w
            for k in ownedGraphLayers { x = net.forward(x, context: ctx, layers: layout.blocks[k]) }
        } else {
            // Without the whole operator: each layer chunk by chunk, from the gathered columns.
            let h0 = ctx.initialRepresentation
            for k in ownedGraphLayers {
                var y = Matrix(rows: n, cols: layout.outputWidths[k])
                for c in 0..<plan.numChunks {
                    let lo = plan.chunkOffsets[c]
                    ctx.graph = plan.chunkOperator(c)
                    if let h0 { ctx.initialRepresentation = rows(of: h0, lo..<plan.chunkOffsets[c + 1]) }
                    let yc = net.forward(x.gatherRows(plan.columns[c].map { Int($0) }), context: ctx, layers: layout.blocks[k])
                    yc.values.withUnsafeBufferPointer { src in
                        y.values.withUnsafeMutableBufferPointer { dst in
                            dst.baseAddress!.advanced(by: lo * y.cols).update(from: src.baseAddress!, count: src.count)
                        }
                    }
                    ctx.pool.removeAll()
                }
                x = y
            }
        }
        var result = [Double](repeating: 0, count: 4)
        if isLast {
            let logits = net.forward(x, context: ctx, layers: layout.outputLayers)
            result[0] = Metrics.accuracy(logits: logits, labels: labels, mask: trainNodes)
            result[1] = Metrics.accuracy(logits: logits, labels: labels, mask: validationNodes)
            result[2] = validationNodes.isEmpty ? 0
                : Double(Loss.softmaxCrossEntropy(logits: logits, labels: labels, mask: validationNodes).value)
            result[3] = Metrics.accuracy(logits: logits, labels: labels, mask: testNodes)
        } else {
            var ignored = 0.0
            try send(x, to: stage + 1, key: "es", tag: tag(direction: 2, chunk: 0, epoch: epoch), seconds: &ignored)
            do { try communicator.waitAll(Array(pendingSends.values)) } catch { throw .mpi(error) }
            pendingSends.removeAll()
        }
        ctx.initialRepresentation = nil
        // The [N × d] message buffers and kept activations are not needed until the next evaluation.
        buffers["er"] = nil
        buffers["es"] = nil
        ctx.pool.removeAll()
        if numStages > 1 {
            do { try communicator.allReduceSum(&result) } catch { throw .mpi(error) }
        }
        let end = TraceRecorder.now()
        trace?.record("evaluation", category: "evaluation", start: start, end: end)
        statistics.evaluationBytesSent += meter.delta(communicator).sent
        statistics.evaluationSeconds += Double(end - start) / 1e9
        return Evaluation(trainAccuracy: result[0], validationAccuracy: result[1], validationLoss: result[2], testAccuracy: result[3])
    }

    // MARK: Checkpoints

    static let checkpointFormat = "gnnpipe-stage-2"

    private var setupDescription: [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let config = (try? encoder.encode(model.configuration)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return [
            "format": Self.checkpointFormat, "configuration": config, "stages": String(numStages),
            "chunks": String(pipelineOptions.chunks), "partition_seed": String(pipelineOptions.partitionSeed),
            "stale_gradients": pipelineOptions.staleGradients.rawValue, "warmup_epochs": String(pipelineOptions.warmupEpochs),
            "history_momentum": pipelineOptions.historyMomentum.description,
            "shuffle_chunks": String(pipelineOptions.shuffleChunks),
            "learning_rate": options.learningRate.description, "weight_decay_mode": options.weightDecayMode.rawValue,
        ]
    }

    /// This stage's parameters, Adam moments and history tables (`history.k`: what layer k's
    /// historical reads see next epoch, `[B × d]` over the boundary rows; with deferred stale
    /// gradients `deferred.k`, `[B × d]`); metadata names the stage, setup and epoch. The fresh
    /// tables are not saved: every epoch rewrites their rows before reading them.
    public func checkpoint() -> Checkpoint {
        var tensors = ownedParameters.map { ($0.name, $0.value) }
        tensors += optimizer.stateTensors()
        for (j, k) in ownedGraphLayers.enumerated() {
            if let h = history[j] { tensors.append(("history.\(k)", h)) }
            if let d = deferred[j] { tensors.append(("deferred.\(k)", d)) }
        }
        var metadata = setupDescription
        metadata["stage"] = String(stage)
        metadata["epoch"] = String(epoch)
        metadata["smoothed_ready"] = String(smoothedReady)
        return Checkpoint(tensors: tensors, metadata: metadata)
    }

    /// Restores ``checkpoint()`` of the same stage and setup.
    /// - Throws: ``DistributedTrainingError/checkpoint(_:)`` when the stage, stage count,
    ///   configuration or pipeline settings differ, or a tensor is missing.
    public func restore(from checkpoint: Checkpoint) throws(DistributedTrainingError) {
        let m = checkpoint.metadata
        guard m["format"] == Self.checkpointFormat else { throw .checkpoint("not a gnnpipe pipeline-stage checkpoint") }
        guard m["stage"] == String(stage) else { throw .checkpoint("saved by stage \(m["stage"] ?? "?"), loaded by stage \(stage)") }
        for (key, value) in setupDescription.sorted(by: { $0.key < $1.key }) where m[key] != value {
            if key == "configuration", let saved = m[key], let difference = configurationDifference(saved: saved, current: value) {
                throw .checkpoint("the model differs: \(difference)")
            }
            throw .checkpoint("\(key) was \(m[key] ?? "missing"), this run uses \(value)")
        }
        guard let e = m["epoch"].flatMap(Int.init) else { throw .checkpoint("missing epoch") }
        let tensors = checkpoint.tensorsByName
        func load(_ name: String, like shape: Matrix) throws(DistributedTrainingError) -> Matrix {
            guard let t = tensors[name] else { throw .checkpoint("missing tensor '\(name)'") }
            guard t.rows == shape.rows && t.cols == shape.cols else {
                throw .checkpoint("'\(name)' is \(t.rows)×\(t.cols), expected \(shape.rows)×\(shape.cols)")
            }
            return t
        }
        var values: [Matrix] = []
        for p in ownedParameters { values.append(try load(p.name, like: p.value)) }
        var newHistory = history, newDeferred = deferred
        for (j, k) in ownedGraphLayers.enumerated() {
            if let h = history[j] { newHistory[j] = try load("history.\(k)", like: h) }
            if let d = deferred[j] { newDeferred[j] = try load("deferred.\(k)", like: d) }
        }
        do { try optimizer.restoreState(from: tensors) } catch { throw .checkpoint(error.description) }
        for (p, v) in zip(ownedParameters, values) { p.value = v }
        history = newHistory
        deferred = newDeferred
        smoothedReady = m["smoothed_ready"] == "true"
        epoch = e
    }
}
