import GNNModels

/// How the ranks of a job are arranged: S pipeline stages, each run by a group of G ranks that
/// split the graph's nodes (GNNPipe notes §2.9). World rank `r = s·G + g` is member g of stage s.
///
/// ```
/// pipeline (GNNPipe):        S = P, G = 1     every rank one stage, the whole graph
/// graph parallelism:         S = 1, G = P     every rank all layers, one METIS part
/// hybrid S × G:              S stages × G parts; rows of part g pass from (s, g) to (s+1, g)
/// ```
public struct RankGrid: Sendable, Equatable, Codable {
    /// Pipeline stages S.
    public let stages: Int
    /// Ranks per stage G (graph-parallel parts).
    public let groupSize: Int

    /// A grid of `stages` × `groupSize` ranks.
    /// - Precondition: both at least 1.
    public init(stages: Int, groupSize: Int) {
        precondition(stages >= 1 && groupSize >= 1, "RankGrid needs at least one stage and one rank per stage")
        self.stages = stages
        self.groupSize = groupSize
    }

    /// Every rank a pipeline stage.
    public static func pipeline(ranks: Int) -> RankGrid { RankGrid(stages: ranks, groupSize: 1) }
    /// One stage; every rank a graph-parallel part.
    public static func graph(ranks: Int) -> RankGrid { RankGrid(stages: 1, groupSize: ranks) }
    /// `stages` stages over `ranks` ranks.
    /// - Throws: ``DistributedTrainingError/ranksDoNotFit(ranks:stages:)`` unless `stages` divides `ranks`.
    public static func hybrid(ranks: Int, stages: Int) throws(DistributedTrainingError) -> RankGrid {
        guard stages >= 1, ranks >= stages, ranks % stages == 0 else { throw .ranksDoNotFit(ranks: ranks, stages: stages) }
        return RankGrid(stages: stages, groupSize: ranks / stages)
    }

    /// Number of ranks S·G.
    public var ranks: Int { stages * groupSize }
    /// Stage of world rank `r`.
    public func stage(ofRank r: Int) -> Int { r / groupSize }
    /// Group member (part) of world rank `r`.
    public func member(ofRank r: Int) -> Int { r % groupSize }
    /// World rank of member `g` of stage `s`.
    public func rank(stage s: Int, member g: Int) -> Int { s * groupSize + g }
}

/// How a run spreads over its ranks, resolved to a ``RankGrid`` once the rank count is known.
public enum Parallelism: Sendable, Equatable {
    /// GNNPipe: one pipeline stage per rank.
    case pipeline
    /// One stage; every rank owns a METIS part of the nodes for all layers (with one chunk:
    /// graph parallelism; with more, each rank runs its part chunk by chunk).
    case graph
    /// `stages` pipeline stages, each run by ranks / stages ranks that split its rows.
    case hybrid(stages: Int)

    /// The grid over `ranks` ranks.
    /// - Throws: ``DistributedTrainingError/ranksDoNotFit(ranks:stages:)`` for a hybrid whose
    ///   stage count does not divide `ranks`.
    public func grid(ranks: Int) throws(DistributedTrainingError) -> RankGrid {
        switch self {
        case .pipeline: .pipeline(ranks: ranks)
        case .graph: .graph(ranks: ranks)
        case .hybrid(let stages): try .hybrid(ranks: ranks, stages: stages)
        }
    }
}

/// What happens to gradients that would flow into historical (stale) rows.
public enum StaleGradientMode: String, Sendable, CaseIterable, Codable {
    /// Dropped, as GAS's `History.pull` under `no_grad` (GNNPipe notes §2.5).
    case drop
    /// Added one epoch late to the owning chunk's backward, as PipeGCN's boundary gradients.
    case `defer`
}

/// Chunking settings of pipelined training (GNNPipe notes §2; convergence aids off by default).
public struct PipelineOptions: Sendable, Equatable {
    /// Number of chunks C; 1 = no chunking (full graph, no staleness).
    public var chunks: Int
    /// Gradients into historical rows: dropped or deferred one epoch.
    public var staleGradients: StaleGradientMode
    /// The first epochs run with C = 1 (no staleness) before chunking starts.
    public var warmupEpochs: Int
    /// Smoothing of historical rows, `history ← m·history + (1 − m)·new`; 0 = plain history.
    public var historyMomentum: Float
    /// Re-draw the chunk order every epoch (from the model seed and the epoch; all ranks agree).
    public var shuffleChunks: Bool
    /// Seed of the METIS parts and chunks.
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

/// How a ``/GNNModels/GNNModel``'s graph layers split into S pipeline stages: contiguous blocks
/// as even as possible (stage s owns graph layers `⌊s·L/S⌋ ..< ⌊(s+1)·L/S⌋`). Stage 0 runs the
/// model's input layers, the last stage its output layers; with GCNII every stage also runs a
/// replica of the input layers to recompute H⁰ (see ``DistributedTrainer``).
public struct StageLayout: Sendable, Equatable {
    /// Number of stages S.
    public let stages: Int
    /// The model's graph blocks, one per graph layer.
    public let blocks: [GraphBlock]
    /// Network layers before the first block.
    public let inputLayers: Range<Int>
    /// Network layers after the last block.
    public let outputLayers: Range<Int>

    /// The layout of `model` over `stages` stages.
    /// - Throws: ``DistributedTrainingError/tooManyStages(stages:graphLayers:)``.
    public init(model: GNNModel, stages: Int) throws(DistributedTrainingError) {
        guard stages >= 1 else { throw .invalidSetup("need at least 1 stage, got \(stages)") }
        guard stages <= model.graphBlocks.count else {
            throw .tooManyStages(stages: stages, graphLayers: model.graphBlocks.count)
        }
        self.stages = stages
        blocks = model.graphBlocks
        inputLayers = model.inputLayers
        outputLayers = model.outputLayers
    }

    /// Number of graph layers L.
    public var graphLayers: Int { blocks.count }

    /// Graph layers owned by stage `s`.
    public func graphLayers(ofStage s: Int) -> Range<Int> {
        (s * graphLayers / stages)..<((s + 1) * graphLayers / stages)
    }

    /// The network layers whose parameters stage `s` updates, by the communicator that sums
    /// their gradients. The stage owns its graph layers' blocks, stage 0 also the input layers
    /// and the last stage the output layers; GCNII's input layers (its initial representation
    /// H⁰, which every layer reads) run on every stage. With S > 1 those are replicated: their
    /// gradients are summed over all ranks (`world`), the rest over the stage's group (`group`).
    /// Otherwise `world` is empty. The trainer updates `world + group`; the planner counts their
    /// floats for the all-reduces.
    public func parameterLayers(ofStage s: Int) -> (group: [Int], world: [Int]) {
        let isGCNII = !inputLayers.isEmpty
        let input = s == 0 || isGCNII ? Array(inputLayers) : []
        var own = graphLayers(ofStage: s).flatMap { blocks[$0].layers }
        if s == stages - 1 { own += Array(outputLayers) }
        return isGCNII && stages > 1 ? (own, input) : (input + own, [])
    }

    /// Width of the rows crossing each of the S − 1 stage boundaries.
    public var boundaryWidths: [Int] {
        (1..<max(1, stages)).map { blocks[graphLayers(ofStage: $0).lowerBound].inputWidth }
    }

    /// Whether graph layer `k` reads the input features (the first layer of GCN and SAGE): its
    /// input never changes, so it has no history table and no halo exchange.
    public func readsFeatures(_ k: Int) -> Bool { k == 0 && inputLayers.isEmpty }
}
