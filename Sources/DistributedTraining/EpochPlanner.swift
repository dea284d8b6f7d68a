import DenseMath
import GNNModels
import GraphCore

/// What one way of placing P ranks is predicted to cost per training epoch (``EpochPlanner``).
public struct ModePrediction: Sendable {
    /// Stages × ranks per stage.
    public let grid: RankGrid
    /// Chunks C (1 for graph parallelism).
    public let chunks: Int
    /// Predicted seconds of one training step (forward and backward of every chunk, as the
    /// trainer's `train_seconds`).
    public let epochSeconds: Double
    /// The busiest rank's kernel seconds in that step.
    public let computeSeconds: Double
    /// The busiest rank's seconds on its link (bytes / rate + delay per message).
    public let linkSeconds: Double
    /// Most bytes one rank sends in the step (pipeline rows and halo rows): the load of its link.
    public let bytesPerLink: Int64
    /// Bytes every rank sends, in rank order (equal to the trainer's analytic volume).
    public let rankBytes: [Int64]
    /// What the largest rank keeps (operator, features, tables; exact, as the trainer reports it).
    public let state: RankStateBytes
    /// What every rank keeps, in rank order.
    public let rankStates: [RankStateBytes]
    /// Predicted peak resident memory of the largest rank, bytes.
    public let peakBytes: Int64
    /// With shared cores: how much slower the kernels ran, per thread, with several copies at
    /// once than alone (measured on this candidate's largest block); 1 without sharing.
    public let coRunFactor: Double

    /// `pipeline 4 × 1`, `graph 1 × 4`, `hybrid 2 × 2`.
    public var name: String {
        let mode = grid.ranks == 1 ? (chunks > 1 ? "pipeline" : "graph")
            : grid.groupSize == 1 ? "pipeline" : grid.stages == 1 ? "graph" : "hybrid"
        return "\(mode) \(grid.stages) × \(grid.groupSize)"
    }
}

/// Predicts, for every way of running a model on P ranks (pipeline, graph parallelism and each
/// hybrid split S × G), the epoch time, the bytes on each rank's link and the peak memory per
/// rank (issue 12 item 4; `gnnpipe plan`).
///
/// For each candidate it builds what the trainer would build (METIS parts and chunks, every
/// member's ``RankPlan`` and ``ExchangeLists``), so bytes and kept state are exact, and it times
/// the real kernels on every member's chunk blocks (``BlockTiming``). Then it writes every rank's
/// timeline as the trainer runs it and simulates it (`TimelineSimulation`):
/// ```
/// forward of chunk c     receive c from stage s−1 (s > 0); GCNII's H⁰ layers; per owned layer k:
///                        halo exchange of the group (G > 1), then t_fwd(g, c, k); send c to stage s+1
/// backward of chunk c    receive ∂c from stage s+1; one more forward (re-materialisation) for every
///                        chunk but the last forwarded; per layer in reverse: t_bwd, halo exchange;
///                        send ∂c to stage s−1.  Chunks forward 0 … C−1, backward C−1 … 0 (GPipe)
/// end of the step        all-reduce of the group's gradients, of H⁰'s over all ranks (GCNII, S > 1),
///                        of the loss: each a reduce-scatter then an all-gather over m ranks, each
///                        step (m − 1) · ⌈floats / m⌉ · 4 bytes out per rank, costed as a halo
///                        exchange of that many bytes (with a profile: its halo curve)
/// link                   bytes / rate + delay per message (``LinkModel``), or a probe-link profile's
///                        seconds at that size (``LinkProfile``, halo or pipeline); a halo exchange starts
///                        when the group's last member arrives and lasts its slowest member's transfer;
///                        a pipeline message above the eager limit (64 KiB) starts moving at its
///                        sender's next MPI call: the end of its next layer's kernels (the trainer
///                        polls the transport between layers) or its next send, receive or exchange
///                        (Open MPI progresses a rendezvous only inside MPI calls)
/// contention             with `sharedCores` (hosts emulated on one machine) the ranks computing at
///                        one moment share the cores (processor sharing); waiting ranks sleep; while
///                        two or more cores compute, kernels run slower by the measured co-run
///                        factor (memory bandwidth and last-level cache are shared), measured once on
///                        the largest block (a graph-parallel part) and used for every candidate: the
///                        ranks' working sets (tables, features) are as large in every mode
/// peak memory            state (exact) + one chunk's transient (gathered rows, dropout output and
///                        masks, the layers' caches, message buffers) + `baseBytes`
/// ```
/// Not modelled: contention of halo and pipeline messages for one link (they are summed per rank
/// in ``ModePrediction/linkSeconds`` but overlap in the schedule), evaluation passes, loading.
public enum EpochPlanner {
    /// Open MPI's TCP transport sends messages up to this many bytes eagerly
    /// (`btl_tcp_eager_limit`); a larger pipeline message moves only while its sender is inside
    /// MPI (the simulation's rendezvous sends).
    public static let eagerLimitBytes: Int64 = 65_536

    /// What to plan for.
    public struct Settings: Sendable {
        /// Ranks P.
        public var ranks: Int
        /// Chunks C of the pipeline and hybrid modes.
        public var chunks: Int
        /// Each rank's link to the others.
        public var link: LinkModel
        /// Cores shared by all ranks (an emulated cluster on one machine); nil: every rank has its own.
        public var sharedCores: Int?
        /// Threads per rank (kernels are timed with them).
        public var threads: Int
        /// METIS seed, as the trainer's.
        public var partitionSeed: UInt64
        /// Resident memory of a rank before any data (runtime, libraries), bytes.
        public var baseBytes: Int64

        public init(ranks: Int, chunks: Int = 8, link: LinkModel, sharedCores: Int? = nil, threads: Int = 1,
                    partitionSeed: UInt64 = 0, baseBytes: Int64 = 96 << 20) {
            self.ranks = ranks
            self.chunks = chunks
            self.link = link
            self.sharedCores = sharedCores
            self.threads = threads
            self.partitionSeed = partitionSeed
            self.baseBytes = baseBytes
        }
    }

    /// The grids P ranks can form for a model with `graphLayers` graph layers: the pipeline
    /// (P × 1, C chunks), graph parallelism (1 × P, one chunk) and every hybrid S × G with
    /// 1 < S < P, S dividing P, S ≤ graph layers.
    public static func candidates(ranks: Int, graphLayers: Int, chunks: Int) -> [(grid: RankGrid, chunks: Int)] {
        var out: [(RankGrid, Int)] = []
        if ranks <= graphLayers { out.append((.pipeline(ranks: ranks), chunks)) }
        for s in stride(from: ranks - 1, through: 2, by: -1) where ranks % s == 0 && s <= graphLayers {
            out.append((RankGrid(stages: s, groupSize: ranks / s), chunks))
        }
        out.append((.graph(ranks: ranks), 1))
        return out
    }

    /// Predictions for every candidate grid (``candidates(ranks:graphLayers:chunks:)``), in that order.
    /// - Parameters:
    ///   - configuration: the model to time.
    ///   - adjacency: `[N × N]`, symmetric, without self-loops (as for training).
    ///   - features: `[N × F]`, for the input layers' timing.
    ///   - settings: ranks, chunks, the link, shared cores and threads per rank.
    ///   - progress: called before each candidate is built and timed, with how many are done, how
    ///     many there are and the candidate's grid S × G (`2 × 2`): many ranks take long.
    /// - Throws: ``DistributedTrainingError`` (model, METIS, settings).
    public static func predict(configuration: GNNConfiguration, adjacency: CSRGraph, features: Matrix,
                               settings: Settings,
                               progress: (_ done: Int, _ total: Int, _ grid: String) -> Void = { _, _, _ in }) throws(DistributedTrainingError) -> [ModePrediction] {
        guard settings.ranks >= 1, settings.chunks >= 1 else { throw .invalidSetup("need at least one rank and one chunk") }
        let model: GNNModel
        do throws(GNNModelsError) { model = try GNNModel(configuration: configuration) } catch { throw .model(error) }
        // Timed as the trainers run them: OpenBLAS on one thread, GEMMs split into row blocks on the
        // engine's threads. (OpenBLAS's own idle workers spin and would count as CPU time.)
        let blasThreads = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(blasThreads) }
        let calibration = try KernelCalibration(model: model, features: features, threads: settings.threads)
        let global = GNNModel.graphOperator(for: configuration.architecture, adjacency: adjacency,
                                            adjacencyIsSymmetric: configuration.architecture != .sage)
        // Graph parallelism (the last candidate, one whole part per rank: the largest block) first:
        // its co-run factor is the machine's for this graph and is used for every candidate.
        let all = candidates(ranks: settings.ranks, graphLayers: model.graphBlocks.count, chunks: settings.chunks)
        func name(_ grid: RankGrid) -> String { "\(grid.stages) × \(grid.groupSize)" }
        progress(0, all.count, name(all[all.count - 1].grid))
        let graph = try predict(grid: all[all.count - 1].grid, chunks: all[all.count - 1].chunks, model: model, adjacency: adjacency,
                                graphOperator: global, featureDim: features.cols, calibration: calibration, settings: settings)
        return try all.dropLast().enumerated().map { (i, candidate) throws(DistributedTrainingError) in
            progress(i + 1, all.count, name(candidate.grid))
            return try predict(grid: candidate.grid, chunks: candidate.chunks, model: model, adjacency: adjacency, graphOperator: global,
                        featureDim: features.cols, calibration: calibration, settings: settings, coRunFactor: graph.coRunFactor)
        } + [graph]
    }

    static func predict(grid: RankGrid, chunks: Int, model: GNNModel, adjacency: CSRGraph, graphOperator: GraphOperator,
                        featureDim: Int, calibration: KernelCalibration, settings: Settings,
                        coRunFactor: Double? = nil) throws(DistributedTrainingError) -> ModePrediction {
        let layout = try StageLayout(model: model, stages: grid.stages)
        let decomposition = try Decomposition.metis(adjacency: adjacency, parts: grid.groupSize, chunks: chunks,
                                                    seed: settings.partitionSeed)
        let square = layout.blocks.contains { $0.needsSquareOperator }
        let plans = (0..<grid.groupSize).map {
            RankPlan(graphOperator: graphOperator, decomposition: decomposition, member: $0, squareBlocks: square, keepsWhole: false)
        }
        let order = Array(0..<chunks)
        let lists = plans.map { chunks > 1 ? $0.exchangeLists(order: order, deferred: false) : $0.wholeExchangeLists }
        let cost = StepCosts(grid: grid, chunks: chunks, layout: layout, plans: plans, lists: lists, calibration: calibration,
                             settings: settings, coRunFactor: coRunFactor)
        var states: [RankStateBytes] = [], peaks: [Int64] = []
        for s in 0..<grid.stages {
            for g in 0..<grid.groupSize {
                let state = RankStateBytes(plan: plans[g], layout: layout, stage: s, featureDim: featureDim,
                                           numNodes: adjacency.numNodes, chunked: chunks > 1)
                states.append(state)
                peaks.append(state.total + transientBytes(plan: plans[g], layout: layout, stage: s, chunked: chunks > 1) + settings.baseBytes)
            }
        }
        let largest = peaks.indices.max { peaks[$0] < peaks[$1] }!
        return ModePrediction(grid: grid, chunks: chunks, epochSeconds: cost.simulate(), computeSeconds: cost.busiestCompute,
                              linkSeconds: cost.busiestLink, bytesPerLink: cost.rankBytes.max() ?? 0, rankBytes: cost.rankBytes,
                              state: states[largest], rankStates: states, peakBytes: peaks[largest], coRunFactor: cost.coRunFactor)
    }

    /// One chunk's memory beyond the kept state on rank (stage, member of `plan`), for the
    /// largest chunk: per owned graph layer its dropout mask (1 byte per gathered entry) and
    /// cached support `[rows × d]`; at the layer being computed the gathered rows, their dropout
    /// output and two gradients of that size in the backward; message buffers (3 send + 2
    /// receive per direction) of the chunk's rows.
    static func transientBytes(plan: RankPlan, layout: StageLayout, stage: Int, chunked: Bool) -> Int64 {
        let blocks = chunked ? plan.blocks : [plan.whole ?? plan.blocks[0]]
        let columns = Int64(blocks.map { $0.columns.count }.max() ?? 0)
        let rows = Int64(blocks.map { $0.rows.count }.max() ?? 0)
        var kept: Int64 = 0, widest: Int64 = 0
        for k in layout.graphLayers(ofStage: stage) {
            let w = Int64(layout.blocks[k].inputWidth), out = Int64(layout.blocks[k].outputWidth)
            kept += columns * w + 4 * rows * out
            widest = max(widest, w)
        }
        return kept + 4 * 4 * columns * widest + 10 * 4 * rows * widest
    }
}
