import ClassificationMetrics
import DenseMath
import GNNModels
import GraphCore
import MessagePassing
import NeuralNet

/// Full-graph node-classification training over the ranks of a ``RankGrid``: GNNPipe's pipeline
/// (S = P), graph parallelism (S = 1) and their hybrid (S × G), one implementation
/// (Chen et al., arXiv 2308.10087; design in the GNNPipe notes §2).
///
/// Rank (s, g) runs stage s's graph layers (``StageLayout``) on part g's nodes
/// (``Decomposition``, ``RankPlan``). One training step (epoch t):
/// ```
/// forward:   chunks in the epoch's order (PipelineSchedule): receive X_c from (s−1, g) (stage 0:
///            features, or H⁰), run the stage's layers (StageExecutor: write, halo, gather, block),
///            send X_c to (s+1, g); the last stage takes loss_c = Σ_{train ∩ c} CE / |train|
/// backward:  chunks in reverse: receive ∂X_c from (s+1, g), re-run the chunk's forward
///            (re-materialisation; nothing per chunk is kept), back-propagate, send ∂X_c to (s−1, g)
/// end:       history ← fresh (HistoryTable); GCNII: the input layers' backward from ∂H⁰
/// update:    ∂W summed over the group (replicas of the stage's weights) and, for GCNII's input
///            layers that every stage runs, over all ranks (GradientReduction); one Adam step
/// ```
/// GCNII's H⁰ is recomputed by every stage from the own rows' features (same seed, same weights
/// and dropout masks), so only Hˡ rows cross stage boundaries: the point-to-point volume is
/// `2·(S−1)·N·d` between stages plus the group's halo rows (``CommunicationModel``).
///
/// Semantics: the values a chunk reads (fresh or historical) and where gradients go depend on
/// the chunks and their order, not on S or G; any grid gives the losses of S = G = 1 with the
/// same chunks up to summation order (bit for bit when G = 1 and no weights are replicated:
/// GCN and SAGE). With C = 1 and G = 1 it is single-process training exactly. Dropout masks are
/// keyed by (seed, epoch, original node id).
///
/// Collective: every rank constructs it with the same arguments and calls the same methods in
/// the same order. Losses and evaluations are global; statistics and checkpoints are per rank.
public final class DistributedTrainer {
    /// The model (every rank builds all of it; a rank updates only its stage's parameters).
    public let model: GNNModel
    /// The rank arrangement.
    public let grid: RankGrid
    /// Which graph layers each stage owns.
    public let layout: StageLayout
    /// The parts and chunks.
    public let decomposition: Decomposition
    /// This rank's rows, blocks and halo candidates.
    public let plan: RankPlan
    /// Chunking settings.
    public let pipelineOptions: PipelineOptions
    /// Optimisation settings (`epochs`, `patience`, `selection` are the run's business).
    public let options: TrainingOptions
    /// This rank's stage s and group member g.
    public let stage: Int, member: Int
    /// Last completed epoch, from 0.
    public internal(set) var epoch = 0
    /// Share of adjacency entries read from history in the fixed chunk order 0 … C−1.
    public let staleFraction: Double
    /// Parameters this rank updates (its stage's, plus GCNII's replicated input layers).
    public let ownedParameters: [Parameter]
    /// What this rank keeps through the run, by term of the per-rank memory formula.
    public let stateBytes: RankStateBytes

    let world: any Communicating
    let group: any Communicating
    let executor: StageExecutor
    let optimizer: Adam
    private let channel: MessageChannel
    private let groupReduction: GradientReduction
    private let worldReduction: GradientReduction
    private let trace: TraceRecorder?
    private let ownLabels: [Int32]
    private let trainRows: [[Int]]        // per chunk: train rows within the chunk, task order
    private let wholeTrainRows: [Int]     // train rows among all own rows, task order
    private let validationRows: [Int], testRows: [Int]
    private let globalCounts: (train: Int, validation: Int, test: Int)
    private let pipelineFloatsPerEpoch: Int64
    private var listsCache: (order: [Int], lists: ExchangeLists)?
    let wholeLists: ExchangeLists
    private var wholeOperator: GraphOperator?

    /// Sets up rank `communicator.rank` of `grid`: splits the stage groups, cuts the graph
    /// (METIS on rank 0, broadcast) and builds this rank's plan. Every rank passes the same
    /// arguments.
    /// - Parameters:
    ///   - configuration: the model (architecture, widths, depth, dropout, seed).
    ///   - adjacency: `[N × N]`, symmetric, without self-loops, original ids (the caller may
    ///     drop it afterwards: the trainer keeps its own rows only).
    ///   - task: features `[N × inputDim]`, labels and split in original ids.
    ///   - options: epochs and optimiser.
    ///   - grid: stages × ranks per stage.
    ///   - pipeline: chunking, the stale-gradient rule and warm-up epochs.
    ///   - communicator: every rank of the grid.
    ///   - explicit: parts and chunks to use instead of METIS's (G parts, C chunks).
    ///   - trace: records forward/backward per chunk, waits, bubbles and reductions when enabled.
    /// - Throws: ``DistributedTrainingError``.
    public init(configuration: GNNConfiguration, adjacency: CSRGraph, task: NodeClassificationTask,
                options: TrainingOptions, grid: RankGrid, pipeline: PipelineOptions,
                communicator: any Communicating, decomposition explicit: Decomposition? = nil,
                trace: TraceRecorder? = nil) throws(DistributedTrainingError) {
        do throws(GNNModelsError) { try configuration.validate() } catch { throw .model(error) }
        let n = adjacency.numRows
        guard adjacency.isSquare, !adjacency.hasSelfLoops, adjacency.isSymmetric else {
            throw .invalidSetup("distributed training needs a symmetric (undirected) adjacency without self-loops")
        }
        guard task.features.rows == n else { throw .model(.invalidTask("\(task.features.rows) feature rows for a graph of \(n) nodes")) }
        guard task.features.cols == configuration.inputDim else {
            throw .model(.invalidTask("features have \(task.features.cols) columns, the model expects \(configuration.inputDim)"))
        }
        guard task.numClasses == configuration.numClasses else {
            throw .model(.invalidTask("the data has \(task.numClasses) classes, the model \(configuration.numClasses)"))
        }
        guard grid.ranks == communicator.size else {
            throw .invalidSetup("a grid of \(grid.stages) × \(grid.groupSize) ranks on \(communicator.size) ranks")
        }
        guard pipeline.chunks >= 1 && pipeline.chunks <= n else {
            throw .invalidSetup("the chunk count must be in 1...\(n), got \(pipeline.chunks)")
        }
        guard pipeline.chunks <= MessageChannel.maxChunks else { throw .tooManyChunks(chunks: pipeline.chunks, limit: MessageChannel.maxChunks) }
        guard grid.groupSize <= n else { throw .invalidSetup("\(grid.groupSize) ranks per stage for \(n) nodes") }
        guard pipeline.warmupEpochs >= 0 else { throw .invalidSetup("warm-up epochs must be ≥ 0") }
        guard pipeline.historyMomentum >= 0 && pipeline.historyMomentum < 1 else {
            throw .invalidSetup("history momentum must be in [0, 1), got \(pipeline.historyMomentum)")
        }
        guard options.learningRate > 0 && options.learningRate.isFinite else {
            throw .invalidSetup("learning rate must be positive, got \(options.learningRate)")
        }
        let model: GNNModel
        do throws(GNNModelsError) { model = try GNNModel(configuration: configuration) } catch { throw .model(error) }
        let layout = try StageLayout(model: model, stages: grid.stages)
        let stage = grid.stage(ofRank: communicator.rank), member = grid.member(ofRank: communicator.rank)
        let group = try communicating { () throws(CommunicationError) in try communicator.split(color: stage, key: member) }
        if let explicit, explicit.numNodes != n || explicit.numParts != grid.groupSize || explicit.numChunks != pipeline.chunks {
            throw .invalidSetup("the decomposition has \(explicit.numNodes) nodes, \(explicit.numParts) parts and \(explicit.numChunks) chunks; the run needs \(n), \(grid.groupSize) and \(pipeline.chunks)")
        }
        let decomposition: Decomposition
        if let explicit { decomposition = explicit } else {
            decomposition = try Decomposition.metis(adjacency: adjacency, parts: grid.groupSize, chunks: pipeline.chunks,
                                                    seed: pipeline.partitionSeed, communicator: communicator)
        }
        let global = GNNModel.graphOperator(for: configuration.architecture, adjacency: adjacency,
                                            adjacencyIsSymmetric: configuration.architecture != .sage)
        let plan = RankPlan(graphOperator: global, decomposition: decomposition, member: member,
                            squareBlocks: layout.blocks.contains { $0.needsSquareOperator },
                            keepsWhole: pipeline.warmupEpochs > 0, fixedOrder: !pipeline.shuffleChunks,
                            deferred: pipeline.staleGradients == .defer)
        self.model = model
        self.layout = layout
        self.grid = grid
        pipelineOptions = pipeline
        self.options = options
        world = communicator
        self.stage = stage
        self.member = member
        self.trace = trace?.isEnabled == true ? trace : nil
        self.group = group
        self.decomposition = decomposition
        staleFraction = decomposition.staleFraction(adjacency: adjacency).fraction
        self.plan = plan

        // Parameters (StageLayout.parameterLayers): the group's, and GCNII's replicated input
        // layers summed over the world.
        let layers = model.network.layers
        let isGCNII = !layout.inputLayers.isEmpty
        let parameterLayers = layout.parameterLayers(ofStage: stage)
        let groupParameters = parameterLayers.group.flatMap { layers[$0].parameters }
        let worldParameters = parameterLayers.world.flatMap { layers[$0].parameters }
        ownedParameters = worldParameters + groupParameters
        groupReduction = GradientReduction(parameters: groupParameters, communicator: group)
        worldReduction = GradientReduction(parameters: worldParameters, communicator: communicator)
        optimizer = Adam(parameters: ownedParameters, learningRate: options.learningRate, weightDecayMode: options.weightDecayMode)

        // Data of the own rows (stage 0 of GCN/SAGE also the features of the rows it reads).
        let ownIDs = plan.ownOriginal.map { Int($0) }
        // GCNII's input layers on every stage: the own rows' features; with one rank per stage
        // all of them, in original order, shared with the caller's matrix instead of copied.
        let initialFeatures = !isGCNII ? nil : grid.groupSize == 1 ? task.features : task.features.gatherRows(ownIDs)
        let localFeatures = stage == 0 && layout.readsFeatures(0) ? task.features.gatherRows(plan.localOriginal.map { Int($0) }) : nil
        ownLabels = ownIDs.map { task.labels[$0] }
        var ownRow = [Int32](repeating: -1, count: n)
        for (i, v) in ownIDs.enumerated() { ownRow[v] = Int32(i) }
        func rows(_ nodes: [Int]) -> [Int] { nodes.compactMap { ownRow[$0] >= 0 ? Int(ownRow[$0]) : nil } }
        let train = rows(task.train)
        wholeTrainRows = train
        trainRows = (0..<plan.numChunks).map { c in
            let range = plan.ownRows(ofChunk: c)
            return train.filter { range.contains($0) }.map { $0 - range.lowerBound }
        }
        validationRows = rows(task.validation)
        testRows = rows(task.test)
        globalCounts = (task.train.count, task.validation.count, task.test.count)

        let chunked = pipeline.chunks > 1
        let tables: [HistoryTable?] = layout.graphLayers(ofStage: stage).map { k in
            layout.readsFeatures(k) ? nil : HistoryTable(plan: plan, width: layout.blocks[k].inputWidth, chunked: chunked)
        }
        let context = GraphContext(graph: GraphOperator(CSRGraph(emptyWithNodes: 0), symmetric: true), isTraining: true,
                                   threads: options.threads)
        executor = StageExecutor(model: model, layout: layout, plan: plan, stage: stage, tables: tables,
                                 localFeatures: localFeatures, initialFeatures: initialFeatures,
                                 initialFeaturesInOriginalOrder: grid.groupSize == 1, exchange: HaloExchange(communicator: group, onWait: trace?.waitObserver),
                                 context: context, deferred: pipeline.staleGradients == .defer, trace: trace)
        stateBytes = RankStateBytes(plan: plan, layout: layout, stage: stage, featureDim: task.features.cols, numNodes: n,
                                    chunked: chunked)
        assert(stateBytes.tables == tables.reduce(0) { $0 + ($1?.bytes ?? 0) }, "RankStateBytes: the tables' formula differs from HistoryTable")
        channel = MessageChannel(communicator: communicator, chunks: pipeline.chunks, trace: trace)
        wholeLists = plan.wholeExchangeLists
        let widths = layout.boundaryWidths
        pipelineFloatsPerEpoch = Int64(plan.ownCount) * Int64((stage > 0 ? widths[stage - 1] : 0) + (stage < grid.stages - 1 ? widths[stage] : 0))
        // Pipeline sends and receives in flight advance between the stage's layers (a G = 1
        // stage makes no other MPI call while it computes).
        if grid.stages > 1 { executor.progress = { [communicator] in communicator.progress() } }
    }

    /// Whether the pass of `epoch` runs chunked (C > 1 and past the warm-up).
    func isChunked(epoch t: Int) -> Bool { pipelineOptions.chunks > 1 && t > pipelineOptions.warmupEpochs }

    /// The chunk order of epoch `t` (see ``PipelineSchedule/chunkOrder(epoch:chunks:shuffled:seed:)``).
    public func chunkOrder(epoch t: Int) -> [Int] {
        PipelineSchedule.chunkOrder(epoch: t, chunks: pipelineOptions.chunks, shuffled: pipelineOptions.shuffleChunks,
                                    seed: model.configuration.seed)
    }

    func lists(order: [Int]) -> ExchangeLists {
        if let cache = listsCache, cache.order == order { return cache.lists }
        let lists = plan.exchangeLists(order: order, deferred: pipelineOptions.staleGradients == .defer)
        listsCache = (order, lists)
        return lists
    }

    /// The views of one pass: one per chunk in `order`, or the whole own rows when unchunked.
    func view(chunk c: Int, order: [Int]?, positions: [Int]?, lists: ExchangeLists) -> ChunkView {
        guard let positions else {
            let block = plan.whole ?? plan.blocks[0]
            if wholeOperator == nil { wholeOperator = block.graphOperator() }
            return ChunkView(chunk: -1, block: block, graphOperator: wholeOperator!, position: 0, positions: nil,
                             lists: lists, pendingRows: [])
        }
        let block = plan.blocks[c]
        return ChunkView(chunk: c, block: block, graphOperator: block.graphOperator(), position: positions[c],
                         positions: positions, lists: lists, pendingRows: plan.pendingRows[c])
    }

    /// Floats this rank sends per epoch by the plan: its stage boundaries plus its halo rows.
    func analyticFloats(_ lists: ExchangeLists) -> Int64 {
        let halo = layout.graphLayers(ofStage: stage).filter { !layout.readsFeatures($0) }
            .reduce(Int64(0)) { $0 + Int64(layout.blocks[$1].inputWidth) }
        return pipelineFloatsPerEpoch + (grid.groupSize > 1 ? halo * Int64(lists.rowsSentPerLayer) : 0)
    }

    /// Whole-run analytic training volume in floats per epoch over all ranks, for the fixed
    /// chunk order (collective: sums the ranks' plans).
    public func analyticTrainingFloats() throws(DistributedTrainingError) -> Int64 {
        let chunked = isChunked(epoch: epoch + 1)
        var total = [analyticFloats(chunked ? lists(order: Array(0..<pipelineOptions.chunks)) : wholeLists)]
        try communicating { () throws(CommunicationError) in try world.allReduceSum(&total) }
        return total[0]
    }

    // MARK: Loss and counts

    /// Loss sum `Σ CE` over the chunk's training rows and ∂loss/∂logits scaled to `1/|train|`.
    func chunkLoss(_ logits: Matrix, rows: Range<Int>, train: [Int]) -> (sum: Double, gradient: Matrix) {
        var l = Loss.softmaxCrossEntropy(logits: logits, labels: Array(ownLabels[rows]), mask: train)
        if train.count != globalCounts.train {
            Kernels.scale(&l.gradient, by: Float(Double(train.count) / Double(globalCounts.train)), threads: options.threads)
        }
        return (Double(l.value) * Double(train.count), l.gradient)
    }

    func trainRows(chunk c: Int) -> [Int] { c < 0 ? wholeTrainRows : trainRows[c] }

    /// `[train correct, validation correct, test correct, validation loss sum]` of own logits.
    func evaluationSums(_ logits: Matrix) -> [Double] {
        func correct(_ rows: [Int]) -> Double { Double(Metrics.correctCount(logits: logits, labels: ownLabels, rows: rows)) }
        let loss = validationRows.isEmpty ? 0
            : Double(Loss.softmaxCrossEntropy(logits: logits, labels: ownLabels, mask: validationRows).value) * Double(validationRows.count)
        return [correct(wholeTrainRows), correct(validationRows), correct(testRows), loss]
    }

    /// The global evaluation from summed counts.
    func evaluation(_ sums: [Double]) -> Evaluation {
        func ratio(_ x: Double, _ n: Int) -> Double { n > 0 ? x / Double(n) : 0 }
        return Evaluation(trainAccuracy: ratio(sums[0], globalCounts.train), validationAccuracy: ratio(sums[1], globalCounts.validation),
                          validationLoss: ratio(sums[3], globalCounts.validation), testAccuracy: ratio(sums[2], globalCounts.test))
    }

    var globalTrainCount: Int { globalCounts.train }
    var neighbours: (previous: Int?, next: Int?) {
        (stage > 0 ? grid.rank(stage: stage - 1, member: member) : nil,
         stage < grid.stages - 1 ? grid.rank(stage: stage + 1, member: member) : nil)
    }
    var messageChannel: MessageChannel { channel }
    var recorder: TraceRecorder? { trace }
    var reductions: (group: GradientReduction, world: GradientReduction) { (groupReduction, worldReduction) }
}
