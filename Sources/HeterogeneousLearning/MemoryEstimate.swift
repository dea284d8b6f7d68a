import DenseMath
import GraphCore

/// What RpHGNN will hold in memory at its peak, estimated from the graph's sizes before any
/// tensor is made, so that a run that cannot fit (a large K or feature width) is refused in
/// seconds instead of being killed by the OS after minutes.
///
/// All figures are bytes (4 per `Float`, 8 per row offset). They follow what
/// ``RpHGNNPrecomputation/compute(graph:features:targetType:options:threads:projection:logger:)``,
/// ``PrecomputationCache`` and ``RpHGNNTrainer`` allocate:
/// ```
/// groups     = Σ_g N · S_g · d_g · 4                          (N target nodes, S_g slots, width d_g)
/// inputs     = graph CSR + Σ_τ n_τ · d_τ · 4                  (X⁽⁰⁾; featureless types: d_τ = E)
/// workspace  = relation operators (D⁻¹Aᵀ, D⁻¹A)
///            + Σ_τ n_τ · d_τ · 4 for the next X of every type
///            + SpMM outputs, projections R and projected tensors, one buffer per distinct size
///              (the pool reuses buffers of equal size), and one more of the largest SpMM output
///            + c · largest group (c = `groupFileBuffers`: a group's .npy bytes, and its floats
///              while reading the cache)
/// training   = Σ_g B · (S_g + F_g) · d_g · 4                  (masked inputs and hop mixes of a batch)
///            + 5 · Σ_g F_g · d_g · h · 4                       (first Linear: value, gradient,
///                                                               Adam m and v, best-epoch copy)
/// ```
/// with B = min(batch size, training nodes), F_g the hop channels and h the hidden width.
/// Smaller terms (later layers, label arrays) are left out. Sums saturate at `Int.max`, so
/// absurd settings give a huge figure, not an overflow.
public struct RpHGNNMemoryEstimate: Sendable, Equatable {
    /// Number of target nodes N (rows of every group).
    public let numNodes: Int
    /// Hop slots and width of every group, in the order the pre-computation emits them.
    public let groupShapes: [GroupShape]
    /// The pre-computed groups, Σ_g N · S_g · d_g · 4.
    public let groupBytes: Int
    /// The graph's CSR arrays and every type's X⁽⁰⁾ (random features included).
    public let inputBytes: Int
    /// Operators, next representations, SpMM/projection buffers and cache I/O buffers.
    public let workspaceBytes: Int
    /// The classifier's batch buffers and first-layer parameters (0 when not asked for).
    public let trainingBytes: Int

    /// Hop slots S and width d of one group.
    public struct GroupShape: Sendable, Equatable {
        public let relation: String
        public let parity: Parity
        public let hops: Int
        public let dim: Int
    }

    /// The training side of the estimate: rows per batch and the classifier's sizes.
    public struct Training: Sendable, Equatable {
        /// Rows of one training batch, min(batch size, training nodes).
        public var batchRows: Int
        /// Hidden width h.
        public var hiddenDim: Int
        /// Hop channels F (1 for single-slot groups).
        public var hopChannels: Int
        /// Whether input dropout is on (then masked inputs are kept for the backward pass).
        public var inputDropout: Bool

        public init(batchRows: Int, hiddenDim: Int, hopChannels: Int = 2, inputDropout: Bool = true) {
            self.batchRows = batchRows
            self.hiddenDim = hiddenDim
            self.hopChannels = hopChannels
            self.inputDropout = inputDropout
        }
    }

    /// Sum of all parts.
    public var totalBytes: Int { Saturating.sum([groupBytes, inputBytes, workspaceBytes, trainingBytes]) }

    /// Estimates the peak memory of pre-computing (and, with `training`, training on) the groups
    /// of `targetType`.
    ///
    /// - Parameters:
    ///   - graph: as for ``RpHGNNPrecomputation/compute(graph:features:targetType:options:threads:projection:logger:)``.
    ///   - features: as for the pre-computation.
    ///   - targetType: as for the pre-computation.
    ///   - options: as for the pre-computation.
    ///   - training: batch rows and classifier sizes, or `nil` for the pre-computation alone.
    ///   - groupFileBuffers: group-sized buffers held while groups go to or come from files: 2
    ///     when the cache may be read (file bytes, then floats), 1 when groups are only written
    ///     (encoded `.npy` bytes), 0 without files.
    /// - Throws: ``HeterogeneousLearningError/invalidInput(_:)`` when `features` does not match
    ///   the node types or `targetType` is out of range or has no relation.
    /// - Complexity: O(Σ nnz) to find the relations the pre-computation keeps (reverse pairs are
    ///   compared as ``RelationOperators/make(from:)`` does); no tensor is allocated.
    public static func estimate(graph: HeterogeneousGraph, features: [Matrix?], targetType: Int,
                                options: PrecomputationOptions,
                                training: Training? = nil,
                                groupFileBuffers: Int = 2) throws(HeterogeneousLearningError) -> RpHGNNMemoryEstimate {
        let types = graph.nodeTypes
        guard features.count == types.count else {
            throw .invalidInput("\(features.count) feature matrices for \(types.count) node types")
        }
        guard types.indices.contains(targetType) else {
            throw .invalidInput("target node type \(targetType) is not in 0..<\(types.count)")
        }
        let kept = RelationOperators.keptRelations(of: graph).map(\.relation)
        let dims = features.map { $0?.cols ?? max(options.randomFeatureDim, 0) }
        let counts = types.map(\.count)
        let n = counts[targetType]
        let k = max(options.iterations, 0)
        let evenHops = Saturating.sum([k, options.includeInput ? 1 : 0])

        var shapes: [GroupShape] = []
        for r in kept where r.sourceType == targetType || r.targetType == targetType {
            let other = r.sourceType == r.targetType ? targetType : (r.targetType == targetType ? r.sourceType : r.targetType)
            shapes.append(GroupShape(relation: r.name, parity: .odd, hops: k, dim: dims[other]))
            shapes.append(GroupShape(relation: r.name, parity: .even, hops: evenHops, dim: dims[targetType]))
        }
        guard !shapes.isEmpty else { throw .invalidInput("target node type '\(types[targetType].name)' has no relation") }
        let groupSizes = shapes.map { Saturating.product([n, $0.hops, $0.dim, 4]) }
        let groupBytes = Saturating.sum(groupSizes)

        // Inputs: the graph as loaded, and X⁽⁰⁾ of every type.
        var input: [Int] = graph.relations.map { csrBytes($0.adjacency.numRows, $0.adjacency.nnz, weighted: $0.adjacency.weights != nil) }
        let representations = Saturating.sum(zip(counts, dims).map { Saturating.product([$0, $1, 4]) })
        input.append(representations)

        // Workspace: operators, the next X of every type, the buffer pool, the cache I/O buffers.
        var work: [Int] = [representations]
        var sizes: Set<Int> = []
        var largestSpMM = 0
        for r in kept {
            let (s, t) = (r.sourceType, r.targetType)
            let nnz = r.adjacency.nnz
            if s == t {
                work.append(csrBytes(counts[s], Saturating.product([2, nnz]), weighted: true))
            } else {
                work.append(csrBytes(counts[t], nnz, weighted: true))
                work.append(csrBytes(counts[s], nnz, weighted: true))
            }
            // SpMM outputs [n × d] on both ends, projections R [d_h × d_τ] and projected [n × d_τ].
            for (rows, cols) in [(counts[t], dims[s]), (counts[s], dims[s]), (counts[s], dims[t]), (counts[t], dims[t])] {
                let bytes = Saturating.product([rows, cols, 4])
                sizes.insert(bytes)
                largestSpMM = max(largestSpMM, bytes)
            }
            for (a, b) in [(dims[s], dims[t]), (dims[s], dims[s]), (dims[t], dims[s]), (dims[t], dims[t])] {
                sizes.insert(Saturating.product([a, b, 4]))
            }
        }
        work.append(Saturating.sum(Array(sizes)))
        work.append(largestSpMM)
        work.append(Saturating.product([groupFileBuffers, groupSizes.max() ?? 0]))

        var trainingBytes = 0
        if let training {
            var parts: [Int] = []
            for shape in shapes {
                let channels = shape.hops == 1 ? 1 : training.hopChannels
                let inputSlots = training.inputDropout ? shape.hops : 0
                parts.append(Saturating.product([min(training.batchRows, n), Saturating.sum([inputSlots, channels]), shape.dim, 4]))
                parts.append(Saturating.product([5, channels, shape.dim, training.hiddenDim, 4]))
            }
            trainingBytes = Saturating.sum(parts)
        }
        return RpHGNNMemoryEstimate(numNodes: n, groupShapes: shapes, groupBytes: groupBytes, inputBytes: Saturating.sum(input),
                                    workspaceBytes: Saturating.sum(work), trainingBytes: trainingBytes)
    }

    /// Bytes of a CSR matrix with `rows` rows and `nnz` entries (Int offsets, Int32 columns,
    /// optional Float weights).
    static func csrBytes(_ rows: Int, _ nnz: Int, weighted: Bool) -> Int {
        Saturating.sum([Saturating.product([rows + 1, 8]), Saturating.product([nnz, weighted ? 8 : 4])])
    }
}

/// Integer arithmetic that stops at `Int.max` instead of trapping on overflow.
enum Saturating {
    static func product(_ factors: [Int]) -> Int {
        var result = 1
        for f in factors {
            if f <= 0 { return 0 }
            let (p, overflow) = result.multipliedReportingOverflow(by: f)
            if overflow { return Int.max }
            result = p
        }
        return result
    }

    static func sum(_ terms: [Int]) -> Int {
        var result = 0
        for t in terms {
            let (s, overflow) = result.addingReportingOverflow(max(t, 0))
            if overflow { return Int.max }
            result = s
        }
        return result
    }
}
