import DenseMath
import GraphCore
import GraphKernels
import Logging
import NeuralNet

/// Parameters of RpHGNN's pre-computation (they, with the input, decide its output exactly).
public struct PrecomputationOptions: Sendable, Equatable, Codable {
    /// K, the number of propagate-then-update iterations (`squash_k`); groups get K hop slots
    /// and reach hop 2K.
    public var iterations: Int
    /// Width E of the random features given to node types without features.
    public var randomFeatureDim: Int
    /// Whether even groups start with the target's raw features (`use_input`), giving K + 1 slots.
    public var includeInput: Bool
    /// Seed of every projection matrix and random feature.
    public var seed: UInt64

    public init(iterations: Int, randomFeatureDim: Int, includeInput: Bool, seed: UInt64) {
        self.iterations = iterations
        self.randomFeatureDim = randomFeatureDim
        self.includeInput = includeInput
        self.seed = seed
    }
}

/// Which projection matrix the squashing step asks for: the node type being updated, the
/// tensor (relation, parity) being projected, and the iteration.
public struct ProjectionRequest: Sendable, Equatable {
    /// Iteration k (0-based).
    public let iteration: Int
    /// The node type whose representation is updated.
    public let nodeType: Int
    /// Index of the relation in ``RelationOperators/make(from:)``'s list.
    public let relation: Int
    public let parity: Parity
    /// Rows of R: the width of the tensor.
    public let inputDim: Int
    /// Columns of R: the node type's original feature width.
    public let outputDim: Int

    /// A stream id unique to (iteration, node type, relation, parity).
    public var stream: UInt64 {
        UInt64(iteration) << 44 ^ UInt64(nodeType) << 24 ^ UInt64(relation) << 2 ^ (parity == .odd ? 0 : 1)
    }
}

/// RpHGNN's pre-computation: relation-wise mean aggregation with the even-odd propagation scheme
/// and random projection squashing (Hu, Hooi & He, "Efficient Heterogeneous Graph Learning via
/// Random Projection", IEEE TKDE 36(12), 2024, §4; https://arxiv.org/abs/2310.14481).
///
/// With X_τ⁽⁰⁾ the features of node type τ (seeded Gaussian N(0,1)/√E for types without), and
/// for each relation s –r→ t with mean operators F = D⁻¹Aᵀ and B = D⁻¹A
/// (``RelationOperators``), iteration k = 0 … K−1 does:
/// ```
/// propagate:  on t: odd = F X_s⁽ᵏ⁾,  even = F (B X_t⁽ᵏ⁾)
///             on s: odd = B X_t⁽ᵏ⁾,  even = B (F X_s⁽ᵏ⁾)       (same-type: odd = P X, even = P P X)
/// collect:    the target type's odd and even tensors go to hop slot k of their group
/// squash:     X_τ⁽ᵏ⁺¹⁾ = Σ_h rownorm₂(h · R_h),   over the tensors h landing on τ
/// ```
/// R_h `[dim(h) × d_τ⁰]` is a fresh sparse random projection (``RandomProjection/sparseSign(rows:cols:seed:stream:threads:)``)
/// for every (iteration, type, relation, parity), so widths stay at each type's original d_τ⁰.
/// The node's own X_τ is not added (`squash_self = False`). Squashing is skipped where its
/// result cannot reach the target's later tensors (always after the last iteration).
///
/// Cost: K iterations of SpMMs (O(nnz · d)) and projections (O(n_τ · d_h · d_τ) GEMMs through
/// OpenBLAS): linear in K. Memory: the target's groups, Σ n · S · d floats, plus one X per type.
public enum RpHGNNPrecomputation {
    /// Runs the pre-computation.
    ///
    /// - Parameters:
    ///   - graph: node types and relations; HGB's paired directions are reduced to one with
    ///     ``RelationOperators/make(from:)``.
    ///   - features: per node type `[count(τ) × d_τ]`, or `nil` for a type without features.
    ///   - targetType: the node type to collect tensors for.
    ///   - options: K, random-feature width, raw-input slot, seed.
    ///   - threads: worker threads for SpMM, GEMM row blocks and element-wise loops.
    ///   - projection: a replacement for the seeded sparse projection (tests give fixed
    ///     matrices); it must return `[inputDim × outputDim]`.
    ///   - logger: receives one `info` line per iteration.
    /// - Returns: one group per (relation incident to the target, parity).
    /// - Throws: ``HeterogeneousLearningError/invalidInput(_:)`` when `features` does not match
    ///   the node types, `targetType` is out of range or has no relation, K < 1, or E < 1 while
    ///   some type has no features.
    public static func compute(graph: HeterogeneousGraph, features: [Matrix?], targetType: Int,
                               options: PrecomputationOptions, threads: Int = Parallel.defaultThreadCount,
                               projection: ((ProjectionRequest) -> Matrix)? = nil,
                               logger: Logger? = nil) throws(HeterogeneousLearningError) -> PrecomputedFeatures {
        let types = graph.nodeTypes
        guard features.count == types.count else {
            throw .invalidInput("\(features.count) feature matrices for \(types.count) node types")
        }
        for (τ, x) in features.enumerated() {
            if let x, x.rows != types[τ].count {
                throw .invalidInput("features of node type '\(types[τ].name)' have \(x.rows) rows, the type has \(types[τ].count) nodes")
            }
            if let x, x.cols == 0 { throw .invalidInput("features of node type '\(types[τ].name)' have no columns") }
        }
        guard types.indices.contains(targetType) else {
            throw .invalidInput("target node type \(targetType) is not in 0..<\(types.count)")
        }
        guard options.iterations >= 1 else { throw .invalidInput("the number of iterations K must be at least 1, got \(options.iterations)") }
        if features.contains(where: { $0 == nil }) && options.randomFeatureDim < 1 {
            throw .invalidInput("random feature width must be at least 1, got \(options.randomFeatureDim)")
        }
        let relations = RelationOperators.make(from: graph)
        let incident = relations.indices.filter { relations[$0].sourceType == targetType || relations[$0].targetType == targetType }
        guard !incident.isEmpty else {
            throw .invalidInput("target node type '\(types[targetType].name)' has no relation")
        }

        var x = inputFeatures(graph: graph, features: features, options: options)
        let dims = x.map(\.cols)
        let k = options.iterations
        let target = targetType

        // Groups of the target, in relation order, odd before even.
        var groupIndex: [Int: Int] = [:]  // relation * 2 + parity → group
        var groups: [FeatureGroup] = []
        for j in incident {
            let r = relations[j]
            let other = r.isSameType ? target : (r.targetType == target ? r.sourceType : r.targetType)
            groupIndex[2 * j] = groups.count
            groups.append(FeatureGroup(relation: r.name, parity: .odd, hops: k, dim: dims[other],
                                       values: Matrix(rows: types[target].count, cols: k * dims[other])))
            let evenHops = k + (options.includeInput ? 1 : 0)
            groupIndex[2 * j + 1] = groups.count
            var even = FeatureGroup(relation: r.name, parity: .even, hops: evenHops, dim: dims[target],
                                    values: Matrix(rows: types[target].count, cols: evenHops * dims[target]))
            if options.includeInput { copy(x[target], into: &even, slot: 0) }
            groups.append(even)
        }

        // Which types must be updated after iteration k: those whose representation reaches the
        // target's tensors in a later iteration.
        var neighbours = [Set<Int>](repeating: [], count: types.count)
        for r in relations {
            neighbours[r.sourceType].insert(r.targetType)
            neighbours[r.targetType].insert(r.sourceType)
        }
        var updates = [Set<Int>](repeating: [], count: k)
        var needed: Set<Int> = [target]
        needed.formUnion(neighbours[target])
        for i in stride(from: k - 2, through: 0, by: -1) {
            updates[i] = needed
            var previous: Set<Int> = [target]
            previous.formUnion(neighbours[target])
            for τ in needed { previous.insert(τ); previous.formUnion(neighbours[τ]) }
            needed = previous
        }

        // Large intermediates are recycled rather than handed back to the OS and faulted in again.
        let pool = MatrixPool()
        for m in x { pool.protect(m) }
        func spmm(_ a: CSRGraph, _ m: Matrix) -> Matrix {
            var y = pool.take(rows: a.numRows, cols: m.cols)
            SpMM.multiply(a, m, into: &y, threads: threads)
            return y
        }

        for iteration in 0..<k {
            let update = updates[iteration]
            let landing = update.union([target])
            var next: [Int: Matrix] = [:]
            for τ in update {
                var m = pool.take(rows: types[τ].count, cols: dims[τ])
                m.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
                next[τ] = m
            }

            func emit(_ h: Matrix, on τ: Int, relation j: Int, parity: Parity) {
                if τ == target, let g = groupIndex[2 * j + (parity == .odd ? 0 : 1)] {
                    let slot = parity == .even && options.includeInput ? iteration + 1 : iteration
                    copy(h, into: &groups[g], slot: slot)
                }
                guard next[τ] != nil else { return }
                let request = ProjectionRequest(iteration: iteration, nodeType: τ, relation: j, parity: parity,
                                                inputDim: h.cols, outputDim: dims[τ])
                let r: Matrix
                if let projection {
                    r = projection(request)
                    precondition(r.rows == h.cols && r.cols == dims[τ], "projection must be \(h.cols)×\(dims[τ]), got \(r.rows)×\(r.cols)")
                } else {
                    var m = pool.take(rows: h.cols, cols: dims[τ])
                    RandomProjection.fillSparseSign(&m, seed: options.seed, stream: request.stream, threads: threads)
                    r = m
                }
                var projected = pool.take(rows: h.rows, cols: dims[τ])
                BLAS.gemm(h, r, into: &projected, threads: threads)
                addRowNormalized(projected, to: &next[τ]!, threads: threads)
                pool.recycle(projected)
                if projection == nil { pool.recycle(r) }
            }

            for (j, r) in relations.enumerated() {
                let s = r.sourceType, t = r.targetType
                if r.isSameType {
                    guard landing.contains(s) else { continue }
                    let odd = spmm(r.forward, x[s])
                    emit(odd, on: s, relation: j, parity: .odd)
                    let even = spmm(r.forward, odd)
                    emit(even, on: s, relation: j, parity: .even)
                    pool.recycle(odd)
                    pool.recycle(even)
                    continue
                }
                if landing.contains(t) || landing.contains(s) {
                    let oddOnT = spmm(r.forward, x[s])
                    if landing.contains(t) { emit(oddOnT, on: t, relation: j, parity: .odd) }
                    if landing.contains(s) {
                        let even = spmm(r.backward, oddOnT)
                        emit(even, on: s, relation: j, parity: .even)
                        pool.recycle(even)
                    }
                    pool.recycle(oddOnT)
                    let oddOnS = spmm(r.backward, x[t])
                    if landing.contains(s) { emit(oddOnS, on: s, relation: j, parity: .odd) }
                    if landing.contains(t) {
                        let even = spmm(r.forward, oddOnS)
                        emit(even, on: t, relation: j, parity: .even)
                        pool.recycle(even)
                    }
                    pool.recycle(oddOnS)
                }
            }
            for (τ, m) in next {
                pool.recycle(x[τ]) // protected (ignored) while it holds X⁽⁰⁾
                x[τ] = m
            }
            logger?.info("pre-computation iteration \(iteration + 1)/\(k): collected hops \(2 * iteration + 1) and \(2 * iteration + 2), updated \(update.count) node types")
        }
        return PrecomputedFeatures(numNodes: types[target].count, groups: groups)
    }

    /// X⁽⁰⁾ of every node type: `features[τ]`, or for a type without features seeded random
    /// features ``RandomProjection/gaussianFeatures(count:dim:seed:stream:)`` of width
    /// ``PrecomputationOptions/randomFeatureDim`` (stream `0xFEA7_0000_0000 | τ`).
    /// Shapes: `[count(τ) × d_τ]`.
    public static func inputFeatures(graph: HeterogeneousGraph, features: [Matrix?], options: PrecomputationOptions) -> [Matrix] {
        features.enumerated().map { τ, f in
            f ?? RandomProjection.gaussianFeatures(count: graph.nodeTypes[τ].count, dim: options.randomFeatureDim,
                                                   seed: options.seed, stream: 0xFEA7_0000_0000 | UInt64(τ))
        }
    }

    /// Copies `h` `[numNodes × dim]` into hop slot `slot` of `group`.
    static func copy(_ h: Matrix, into group: inout FeatureGroup, slot: Int) {
        precondition(h.rows == group.values.rows && h.cols == group.dim, "tensor does not fit its group")
        let d = group.dim, width = group.values.cols
        h.values.withUnsafeBufferPointer { src in
            group.values.values.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let o = dst.baseAddress else { return }
                for u in 0..<h.rows { (o + u * width + slot * d).update(from: s + u * d, count: d) }
            }
        }
    }

    /// `y += rownorm₂(p)`: each row of `p` divided by its L2 norm (rows of norm below 1e-12 are
    /// divided by 1e-12, as `torch.nn.functional.normalize` does), then added to `y`.
    static func addRowNormalized(_ p: Matrix, to y: inout Matrix, threads: Int) {
        precondition(p.rows == y.rows && p.cols == y.cols, "row-normalised sum: shapes differ")
        let cols = p.cols
        p.values.withUnsafeBufferPointer { ps in
            y.values.withUnsafeMutableBufferPointer { ys in
                guard let pp = ps.baseAddress, let yp = ys.baseAddress else { return }
                Parallel.forEachRange(total: p.rows, count: p.rows * cols < 1 << 15 ? 1 : threads) { rows in
                    for i in rows {
                        let src = pp + i * cols, dst = yp + i * cols
                        var sum: Float = 0
                        for j in 0..<cols { sum += src[j] * src[j] }
                        let scale = 1 / max(sum.squareRoot(), 1e-12)
                        for j in 0..<cols { dst[j] += src[j] * scale }
                    }
                }
            }
        }
    }
}
