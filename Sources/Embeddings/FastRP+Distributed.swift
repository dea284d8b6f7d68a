import DenseMath
import Dispatch
import GraphCore
import Logging
import MessagePassing

extension FastRP {
    /// One rank's share of a distributed run.
    public struct DistributedResult: Sendable {
        /// The embeddings of this rank's rows, `[rows × dim]`: row i is node `firstRow + i`,
        /// bit-identical to that row of ``embed(_:features:threads:logger:progress:)`` on the
        /// whole graph.
        public var embeddings: Matrix
        /// Global id of row 0.
        public var firstRow: Int
        /// Wall-clock seconds of H₀ and N₁ … N_k on this rank (`[k + 1]`, exchanges included).
        public var stepSeconds: [Double]
        /// Seconds blocked waiting for halo rows and reductions' messages.
        public var exchangeSeconds: Double
        /// Seconds of the halo products (without the waits).
        public var productSeconds: Double
        /// Bytes this rank sent plus received for each propagation step that exchanged rows
        /// (the steps whose input is dense; a sparse H₀ is drawn locally for halo nodes too).
        public var stepBytes: [Int64]
        /// Bytes sent plus received in all (set-up, steps and reductions).
        public var totalBytes: Int64
        /// Halo nodes (rows of other ranks this rank reads).
        public var haloRows: Int
        /// Columns per exchange block.
        public var columnBlock: Int
        /// Largest number of `[rows × dim]` matrices alive at once on this rank.
        public var peakDenseMatrices: Int
    }

    /// Embeds the nodes of a graph whose rows are spread over the ranks of `communicator`;
    /// every rank calls it with its own rows. The result on each rank is its rows of the
    /// one-process embedding, bit for bit, for any number of ranks.
    ///
    /// How: each rank draws H₀ for its rows and for its halo (the other ranks' nodes its rows
    /// point to) from `(seed, global node id)`, fetches the halo nodes' `degree^β` once, and
    /// before each product with a dense Nᵢ fetches the halo rows of Nᵢ from their owners in
    /// column blocks (``/MessagePassing/HaloExchange``), so receive buffers hold
    /// `halo × columnBlock` floats, not `halo × dim`. Every value is computed with the same
    /// operations in the same order as one process computes it (rows are summed over their
    /// entries in stored order; a row's own scaling, normalisation and weighted sum are local).
    /// The only global sums, for column standardisation, are passed from rank to rank in
    /// order (see `HaloProduct`), which is the one-process order; hence no rank-count
    /// dependence anywhere. Node degrees are local (a rank has its rows' whole adjacency).
    ///
    /// - Parameters:
    ///   - rows: this rank's rows, `[partition.rows(of: rank).count × numNodes]`, columns are
    ///     global node ids, each row exactly as in the whole graph's CSR (sorted columns).
    ///   - partition: every rank's rows; with ``Configuration-swift.struct/standardizeColumns``
    ///     every bound must be a multiple of 1,024 (or the node count).
    ///   - features: features of this rank's rows (when the property ratio is set).
    ///   - columnBlock: columns per exchange; `nil` picks the widest multiple of 16 (one 64-byte
    ///     cache line of floats, so each gathered row uses whole lines) whose halo buffers stay
    ///     within a quarter of one `[rows × dim]` matrix, at least 16 (agreed by all ranks).
    ///   - communicator: the ranks that embed the graph together (rank r owns part r).
    ///   - threads: worker threads of this rank; the result does not depend on it.
    ///   - logger: receives debug messages (path taken, per-step seconds).
    ///   - progress: called on the calling thread after each step.
    /// - Throws: the errors of ``embed(_:features:threads:logger:progress:)``;
    ///   ``EmbeddingError/shapeMismatch(_:)`` for rows that do not match the partition;
    ///   ``EmbeddingError/communication(_:)`` when a peer fails.
    /// - Complexity: O(k · (local nnz + halo) · dim) time per rank; memory: up to three
    ///   `[rows × dim]` matrices (two when H₀ is sparse and k ≤ 4, as in one process, plus one
    ///   for products that cannot go straight into a free matrix), the halo block and buffers.
    public func embed(rows: consuming CSRGraph, partition: RowPartition, communicator: any Communicating,
                      features: Matrix? = nil, columnBlock: Int? = nil, threads: Int = Parallel.defaultThreadCount,
                      logger: Logger? = nil, progress: ((Progress) -> Void)? = nil) throws(EmbeddingError) -> DistributedResult {
        try configuration.validate()
        let (rank, size) = (communicator.rank, communicator.size)
        guard partition.parts == size else {
            throw .shapeMismatch("the partition has \(partition.parts) blocks for \(size) ranks")
        }
        let own = partition.rows(of: rank)
        let n = partition.numRows
        guard rows.numRows == own.count, rows.numColumns == n else {
            throw .shapeMismatch("rank \(rank) owns rows \(own) of \(n) but was given a \(rows.numRows) × \(rows.numColumns) matrix")
        }
        if configuration.standardizeColumns,
           let bad = partition.bounds.first(where: { $0 % ColumnStandardization.blockSize != 0 && $0 != n }) {
            throw .invalidConfiguration("column standardisation needs rank bounds at multiples of \(ColumnStandardization.blockSize) rows, got \(bad)")
        }
        try checkFeatures(features, rows: own.count, holder: "this rank has")
        try checkMemory(rows: own.count)
        let trafficBefore = communicator.traffic
        let (inverse, scale) = try degreeScalings(rows)
        // The plan's renumbered copy replaces the rows (a caller that hands them over frees them here).
        let plan = HaloPlan(rows: consume rows, own: own, partition: partition)
        let sendRows = try plan.sendRows(communicator: communicator)
        let width = try Self.agreeColumnBlock(columnBlock, dim: configuration.dimension, localRows: own.count,
                                              halo: plan.haloNodes.count, sent: sendRows.reduce(0) { $0 + $1.count },
                                              communicator: communicator)
        let halo = HaloProduct(communicator: communicator, graph: plan.extended, dim: configuration.dimension,
                               blockWidth: width, sendRows: sendRows, haloStart: plan.haloStart)
        let haloScale = try halo.fetch(scale, width: 1)
        let setup = Setup(numNodes: n, localRows: own.count, firstRow: own.lowerBound, haloNodes: plan.haloNodes,
                          inverseDegrees: inverse, degreeScale: scale + haloScale,
                          s: configuration.sparsity.value(numNodes: n),
                          features: configuration.propertyDimension > 0 ? features : nil)
        var engine = Propagation(graph: plan.extended, setup: setup, configuration: configuration,
                                 threads: max(1, threads), logger: logger, progress: progress)
        engine.haloProduct = halo
        let result = try engine.run()
        let moved = communicator.traffic.since(trafficBefore)
        return DistributedResult(embeddings: result.embeddings, firstRow: own.lowerBound, stepSeconds: result.stepSeconds,
                                 exchangeSeconds: halo.exchangeSeconds, productSeconds: halo.computeSeconds,
                                 stepBytes: halo.stepBytes,
                                 totalBytes: moved.bytesSent + moved.bytesReceived + moved.collectiveBytes,
                                 haloRows: plan.haloNodes.count, columnBlock: width, peakDenseMatrices: result.peakDenseMatrices)
    }

    /// The columns per halo exchange, the same on every rank: `requested`, or the smallest of
    /// the ranks' widest multiples of 16 with `(2·halo + sent) · width ≤ rows · dim / 4`, at
    /// least 16 (narrower blocks waste half of every cache line gathered), at most `dim`.
    static func agreeColumnBlock(_ requested: Int?, dim: Int, localRows: Int, halo: Int, sent: Int,
                                 communicator: any Communicating) throws(EmbeddingError) -> Int {
        if let requested {
            guard requested >= 1 else { throw .invalidConfiguration("column block must be ≥ 1, got \(requested)") }
            return min(requested, dim)
        }
        let traffic = max(1, 2 * halo + sent)
        var width = localRows * dim / (4 * traffic) / 16 * 16
        width = min(dim, max(width, 16))
        var all = [Double(-width)]
        try communicating { () throws(CommunicationError) in try communicator.allReduceMax(&all) }
        return Int(-all[0])
    }
}
