
/// What one rank did in one training epoch: traffic, time split and the analytic volume it is
/// compared with. Bytes are MPI payload (float32 rows), not counting MPI headers.
public struct RankEpochStatistics: Sendable, Equatable, Codable {
    /// This rank.
    public var rank: Int
    /// Epoch number, from 1.
    public var epoch: Int
    /// Point-to-point bytes sent by the training step: ``pipelineBytesSent`` + ``haloBytesSent``.
    public var bytesSent: Int64 = 0
    /// Of ``bytesSent``: chunk rows forward and their gradients backward between stages.
    public var pipelineBytesSent: Int64 = 0
    /// Of ``bytesSent``: halo rows and halo gradients inside the stage group.
    public var haloBytesSent: Int64 = 0
    /// What this rank's sends should total by the plan (``CommunicationModel``), bytes.
    public var analyticBytesSent: Int64 = 0
    /// Point-to-point bytes received by the training step.
    public var bytesReceived: Int64 = 0
    /// Bytes this rank contributed to collectives in the training step (gradient all-reduce,
    /// loss reduction), counted once at the local buffer size.
    public var collectiveBytes: Int64 = 0
    /// Point-to-point bytes sent by the evaluation forward pass (not part of training volume).
    public var evaluationBytesSent: Int64 = 0
    /// Seconds computing (forward, backward, optimizer) in the training step.
    public var computeSeconds: Double = 0
    /// Seconds blocked waiting for messages or collectives in the training step.
    public var waitSeconds: Double = 0
    /// Seconds of pipeline bubble: fill/drain steps in which this stage had no chunk (0 for
    /// graph parallelism).
    public var bubbleSeconds: Double = 0
    /// Wall seconds of the training step (forward + backward + optimizer, with communication).
    public var trainSeconds: Double = 0
    /// Wall seconds of the evaluation pass.
    public var evaluationSeconds: Double = 0
    /// This rank's peak resident memory so far, MiB (`getrusage` max RSS; 0 if not measured).
    public var peakResidentMiB: Double = 0
    /// What this rank holds for the run by the module overview's per-rank memory terms
    /// (``DistributedTrainer/stateBytes``): operator blocks, features, history tables.
    public var stateBytes = RankStateBytes()

    /// Zeroed statistics for `rank` at `epoch`.
    public init(rank: Int, epoch: Int) {
        self.rank = rank
        self.epoch = epoch
    }
}


/// The bytes a rank keeps through a run, by term of the per-rank memory formula (module
/// overview, "Per-rank memory"). Transient buffers (a chunk's activations, gathered rows,
/// message buffers) and loading are not included; peak RSS is the measured total.
public struct RankStateBytes: Sendable, Equatable, Codable {
    /// Chunk operator blocks (and the whole-rows block when kept): CSR rows (8 bytes each), Int32
    /// columns and Float values (8 bytes per entry), twice for rectangular blocks (their
    /// transposes, built on the first backward).
    public var graphOperator: Int64 = 0
    /// Input features kept by the rank (stage 0's own and halo rows; GCNII's H⁰ inputs).
    public var features: Int64 = 0
    /// History tables of the owned layers: fresh, historical and pending-gradient rows.
    public var tables: Int64 = 0

    public init(graphOperator: Int64 = 0, features: Int64 = 0, tables: Int64 = 0) {
        self.graphOperator = graphOperator
        self.features = features
        self.tables = tables
    }

    /// Sum of the terms.
    public var total: Int64 { graphOperator + features + tables }
}

extension RankStateBytes {
    /// What rank (`stage`, member of `plan`) keeps, by the terms above, from its plan alone (the
    /// trainer reports it, ``EpochPlanner`` predicts it): GCN/SAGE stage 0 keeps the features of
    /// its local rows, GCNII every stage those of its own rows (all N with one rank per stage).
    init(plan: RankPlan, layout: StageLayout, stage: Int, featureDim: Int, numNodes: Int, chunked: Bool) {
        func csrBytes(_ b: ChunkBlock) -> Int64 {
            Int64(b.isSymmetric ? 1 : 2) * (Int64(8 * (b.matrix.numRows + 1)) + Int64(8 * b.matrix.nnz))
        }
        graphOperator = plan.blocks.reduce(0) { $0 + csrBytes($1) } + (plan.whole.map(csrBytes) ?? 0)
        let local = stage == 0 && layout.readsFeatures(0) ? plan.localCount : 0
        let initial = layout.inputLayers.isEmpty ? 0 : plan.groupSize == 1 ? numNodes : plan.ownCount
        features = Int64(4 * featureDim) * Int64(local + initial)
        let rows = plan.localCount + (chunked ? plan.historySlotCount : 0) + plan.pendingSlotCount
        tables = layout.graphLayers(ofStage: stage).reduce(Int64(0)) { sum, k in
            layout.readsFeatures(k) ? sum : sum + Int64(4 * layout.blocks[k].inputWidth) * Int64(rows)
        }
    }
}
