import DenseMath
import Foundation
import GraphCore
import Logging

/// FastRP node embeddings: very sparse random projection of the powers of the transition matrix
/// (Chen, Sultan, Tian, Chen & Skiena, "Fast and Accurate Network Embeddings via Very Sparse
/// Random Projection", CIKM 2019, Algorithm 1; https://arxiv.org/abs/1908.11512).
///
/// ```
/// H₀  = L · R                       L = diag(d_j^β),  R very sparse random [n × dim]
/// N₁  = P · H₀,   Nᵢ = P · Nᵢ₋₁       P = D⁻¹A (row-stochastic; rows = out-neighbours)
/// N   = σ · ‖H₀‖⁻¹H₀ + Σᵢ αᵢ · ‖Nᵢ‖⁻¹Nᵢ     (‖·‖⁻¹: per-row L2 normalisation, optional)
/// ```
/// `R[j, c] = ±√(s/dim)` with probability `1/(2s)` each and 0 otherwise (Li, Hastie & Church,
/// KDD 2006), `s = √n` by default. Row `j` of R is drawn from ``/DenseMath/SplitMix64`` seeded with
/// `(seed, j)`, so R is never stored: H₀ is generated row by row, and the output is
/// bit-identical for any thread count. The paper's `(d_j / 2m)^β` differs from `d_j^β` by a
/// constant that row normalisation removes; the reference code uses `d_j^β` too.
///
/// Extensions, as in Neo4j GDS: `nodeSelfInfluence` (σ above), node features mixed into H₀
/// (``Configuration-swift.struct/propertyRatio``), edge weights and directed graphs. The final
/// column standardisation of the reference code is optional. Isolated nodes (no out-edges) get
/// zero rows (plus σ times their normalised H₀ row); a node of degree 0 has `L = 1`.
///
/// Memory: besides the graph, at most three `[n × dim]` Float matrices are live, and two when
/// H₀ is very sparse and k ≤ 4 (the sparse H₀ and N₁ are stored as sparse rows, the last
/// product is accumulated row by row without being stored).
public struct FastRP: Sendable {
    /// How the random projection's density `1/s` is chosen.
    public enum Sparsity: Sendable, Equatable, CustomStringConvertible {
        /// `s = √n` (paper and reference code).
        case squareRootOfNodes
        /// A fixed `s ≥ 1` (`3` is Achlioptas' scheme, used by Neo4j GDS).
        case fixed(Double)

        /// The value of `s` for a graph with `numNodes` nodes.
        public func value(numNodes: Int) -> Double {
            switch self {
            case .squareRootOfNodes: max(1, Double(numNodes).squareRoot())
            case let .fixed(s): s
            }
        }

        public var description: String {
            switch self {
            case .squareRootOfNodes: "sqrt(n)"
            case let .fixed(s): "\(s)"
            }
        }
    }

    /// Which degree divides a weighted neighbour sum.
    public enum Transition: String, Sendable, Equatable, CaseIterable {
        /// `P = D_w⁻¹ W` with `D_w` the weighted out-degree (a true weighted average; default).
        case weightedDegree = "weighted-degree"
        /// `P = D⁻¹ W` with `D` the number of out-edges (Neo4j GDS).
        case degree
    }

    /// FastRP options. The defaults follow Neo4j GDS where the paper leaves a choice
    /// (iteration weights `[0, 1, 1]`, β = 0, no column standardisation) and the paper otherwise
    /// (`s = √n`).
    public struct Configuration: Sendable, Equatable {
        /// Embedding dimension `dim` (1…65 535).
        public var dimension: Int = 128
        /// α₁ … α_k, one per propagation step; k is their count. May be empty only when
        /// ``nodeSelfInfluence`` is non-zero.
        public var iterationWeights: [Float] = [0, 1, 1]
        /// β, the exponent of the degree normalisation `L = diag(d^β)` (paper range [−1, 0]).
        public var normalizationStrength: Float = 0
        /// Density of R.
        public var sparsity: Sparsity = .squareRootOfNodes
        /// L2-normalise each Nᵢ row-wise before the weighted sum (the un-normalised Nᵢ propagates).
        public var normalizeIterations = true
        /// Standardise every output column to mean 0 and variance 1 (reference code, not in the
        /// paper; rows of isolated nodes then become `−mean/std`).
        public var standardizeColumns = false
        /// σ: weight of the L2-normalised initial vector H₀ (Neo4j GDS `nodeSelfInfluence`), ≥ 0.
        public var nodeSelfInfluence: Float = 0
        /// Degree used for P and for L on weighted graphs (identical when unweighted).
        public var transition: Transition = .weightedDegree
        /// Fraction of the dimensions filled by projected node features (GDS `propertyRatio`):
        /// the last `⌊dim · ratio⌋` columns of H₀ are `features · W`, W a very sparse random
        /// `[numFeatures × ⌊dim · ratio⌋]` matrix with R's law (not degree-scaled). In [0, 1].
        public var propertyRatio: Float = 0
        /// Seed of every random draw.
        public var seed: UInt64 = 42

        public init(dimension: Int = 128, iterationWeights: [Float] = [0, 1, 1], normalizationStrength: Float = 0,
                    sparsity: Sparsity = .squareRootOfNodes, normalizeIterations: Bool = true,
                    standardizeColumns: Bool = false, nodeSelfInfluence: Float = 0,
                    transition: Transition = .weightedDegree, propertyRatio: Float = 0, seed: UInt64 = 42) {
            self.dimension = dimension
            self.iterationWeights = iterationWeights
            self.normalizationStrength = normalizationStrength
            self.sparsity = sparsity
            self.normalizeIterations = normalizeIterations
            self.standardizeColumns = standardizeColumns
            self.nodeSelfInfluence = nodeSelfInfluence
            self.transition = transition
            self.propertyRatio = propertyRatio
            self.seed = seed
        }

        /// The settings behind the paper's BlogCatalog results (authors' notebook): dim 512,
        /// α = [1, 1, 7.81, 45.28], β = −0.628, row normalisation, column standardisation.
        public static let paperBlogCatalog = Configuration(
            dimension: 512, iterationWeights: [1, 1, 7.81, 45.28], normalizationStrength: -0.628,
            standardizeColumns: true)

        /// Number of feature columns of H₀, `⌊dim · propertyRatio⌋`.
        public var propertyDimension: Int { Int((Double(dimension) * Double(propertyRatio)).rounded(.down)) }

        /// Checks every option.
        /// - Throws: ``EmbeddingError/invalidConfiguration(_:)`` naming the first bad option.
        public func validate() throws(EmbeddingError) {
            guard dimension >= 1, dimension <= Int(UInt16.max) else {
                throw .invalidConfiguration("dimension must be in 1...\(UInt16.max), got \(dimension)")
            }
            guard !iterationWeights.isEmpty || nodeSelfInfluence != 0 else {
                throw .invalidConfiguration("iteration weights must not be empty unless node self-influence is non-zero")
            }
            if let bad = iterationWeights.first(where: { !$0.isFinite }) {
                throw .invalidConfiguration("iteration weights must be finite, got \(bad)")
            }
            guard normalizationStrength.isFinite else {
                throw .invalidConfiguration("normalization strength must be finite, got \(normalizationStrength)")
            }
            if case let .fixed(s) = sparsity, !(s.isFinite && s >= 1) {
                throw .invalidConfiguration("sparsity s must be a finite number ≥ 1, got \(s)")
            }
            guard nodeSelfInfluence.isFinite, nodeSelfInfluence >= 0 else {
                throw .invalidConfiguration("node self-influence must be ≥ 0, got \(nodeSelfInfluence)")
            }
            guard propertyRatio >= 0, propertyRatio <= 1 else {
                throw .invalidConfiguration("property ratio must be in [0, 1], got \(propertyRatio)")
            }
        }
    }

    /// Reported after each step of ``embed(_:features:threads:logger:progress:)``.
    public struct Progress: Sendable, Equatable {
        /// Steps done: 0 after H₀, i after Nᵢ.
        public let completed: Int
        /// Steps in all (k).
        public let total: Int
    }

    /// The embeddings and how they were computed.
    public struct Result: Sendable {
        /// Node embeddings, `[numNodes × dim]`, row u = node u.
        public var embeddings: Matrix
        /// Wall-clock seconds to build H₀ and N₁ … N_k (`[k + 1]`).
        public var stepSeconds: [Double]
        /// Whether H₀ (and N₁) were kept as sparse rows.
        public var sparseInitialVectors: Bool
        /// Largest number of `[n × dim]` matrices alive at once.
        public var peakDenseMatrices: Int
    }

    /// The options.
    public var configuration: Configuration

    public init(_ configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Embeds the nodes of `graph`.
    ///
    /// - Parameters:
    ///   - graph: a square adjacency matrix; row u lists the out-neighbours of u (symmetric for
    ///     an undirected graph). Weights, when present, enter P as described on ``Transition``.
    ///   - features: node features `[numNodes × numFeatures]`, used when
    ///     ``Configuration-swift.struct/propertyRatio`` > 0.
    ///   - threads: worker threads; the result does not depend on it.
    ///   - logger: receives debug messages (path taken, per-step seconds).
    ///   - progress: called on the calling thread after each step.
    /// - Returns: the embeddings `[numNodes × dim]` and step timings.
    /// - Throws: ``EmbeddingError/invalidConfiguration(_:)`` for a bad option, a property ratio
    ///   without features or features without a property ratio;
    ///   ``EmbeddingError/shapeMismatch(_:)`` for a rectangular graph or features whose row
    ///   count differs from the node count; ``EmbeddingError/nonFiniteValues(_:)`` for a NaN
    ///   or infinite feature value; ``EmbeddingError/insufficientMemory(_:)`` when the
    ///   `[numNodes × dim]` result alone exceeds the machine's physical memory.
    /// - Complexity: O(k · nnz · dim) time; memory as described on the type.
    public func embed(_ graph: CSRGraph, features: Matrix? = nil, threads: Int = Parallel.defaultThreadCount,
                      logger: Logger? = nil, progress: ((Progress) -> Void)? = nil) throws(EmbeddingError) -> Result {
        let setup = try prepare(graph, features: features)
        var engine = Propagation(graph: graph, setup: setup, configuration: configuration,
                                 threads: max(1, threads), logger: logger, progress: progress)
        return try engine.run()
    }

    /// The initial vectors H₀ = L·R (with the feature columns when configured), dense.
    ///
    /// Shapes: `[numNodes × dim]`. Row j depends only on `(seed, j)`, `d_j` and `features[j]`.
    /// - Throws: as ``embed(_:features:threads:logger:progress:)``.
    public func initialVectors(for graph: CSRGraph, features: Matrix? = nil) throws(EmbeddingError) -> Matrix {
        let setup = try prepare(graph, features: features)
        var h0 = Matrix(rows: graph.numRows, cols: configuration.dimension)
        h0.values.withUnsafeMutableBufferPointer { out in
            InitialVectors(setup: setup, configuration: configuration).fillDense(out.baseAddress!, rows: 0..<graph.numRows)
        }
        return h0
    }

    /// Degrees, scalings and checked features for one run.
    ///
    /// One process has every row: `localRows = numNodes`, `firstRow = 0`, no halo. A rank of
    /// a distributed run has rows `firstRow ..< firstRow + localRows` and reads the rows of
    /// ``haloNodes`` too: its graph's columns are *extended* indices, `0 ..< localRows` for its
    /// own rows and `localRows + i` for `haloNodes[i]`.
    struct Setup: @unchecked Sendable {
        /// n, the graph's node count (for `s = √n`).
        let numNodes: Int
        /// Rows this process computes.
        var localRows: Int
        /// Global id of local row 0.
        var firstRow = 0
        /// Global ids of the extended rows `localRows...`, ascending.
        var haloNodes: [Int32] = []
        /// `1 / degree` per local row (0 for degree 0), the row scaling of P, `[localRows]`.
        let inverseDegrees: [Float]
        /// `degree^β` per extended row (1 for degree 0), `[localRows + haloNodes.count]`.
        var degreeScale: [Float]
        let s: Double
        /// Features of the local rows.
        let features: Matrix?

        /// The global node id of extended row `u` (the stream of its random vector).
        @inline(__always)
        func globalNode(_ u: Int) -> Int {
            u < localRows ? firstRow + u : Int(haloNodes[u - localRows])
        }
    }

    /// `d^β` (1 for degree 0), L's diagonal entry.
    static func degreeScale(_ degree: Float, beta: Float) -> Float {
        degree > 0 ? Float(Foundation.pow(Double(degree), Double(beta))) : 1
    }

    /// The feature checks of a run over `rows` nodes (`holder` names them in the row-count
    /// message: "the graph has", "this rank has").
    func checkFeatures(_ features: Matrix?, rows: Int, holder: String) throws(EmbeddingError) {
        if configuration.propertyDimension > 0 {
            guard let features else {
                throw .invalidConfiguration("property ratio \(configuration.propertyRatio) needs node features")
            }
            guard features.rows == rows else {
                throw .shapeMismatch("features have \(features.rows) rows, \(holder) \(rows) nodes")
            }
            try EmbeddingError.checkFinite(features.values, columns: features.cols, name: "the features")
        } else if let features {
            if configuration.propertyRatio > 0 {
                throw .invalidConfiguration("property ratio \(configuration.propertyRatio) gives 0 of \(configuration.dimension) dimensions to the \(features.cols) features; raise it")
            }
            throw .invalidConfiguration("node features were given but the property ratio is 0; set it in (0, 1]")
        }
    }

    /// `1 / degree` (0 for degree 0) and `degree^β` per row of `graph`, by the configured transition.
    /// - Throws: ``EmbeddingError/invalidConfiguration(_:)`` when a weighted degree overflows Float32.
    func degreeScalings(_ graph: CSRGraph) throws(EmbeddingError) -> (inverse: [Float], scale: [Float]) {
        let degrees: [Float]
        switch configuration.transition {
        case .weightedDegree: degrees = graph.weightedDegrees()
        case .degree: degrees = graph.degrees().map { Float($0) }
        }
        if let node = degrees.firstIndex(where: { !$0.isFinite }) {
            throw .invalidConfiguration("the weighted degree of node \(node) (the sum of its edge weights) is beyond Float32's range "
                                        + "(3.4e38): divide the weights by a common factor")
        }
        let beta = configuration.normalizationStrength
        return (degrees.map { $0 > 0 ? 1 / $0 : 0 }, degrees.map { Self.degreeScale($0, beta: beta) })
    }

    /// ``EmbeddingError/insufficientMemory(_:)`` when the result alone, `[rows × dim]` float32,
    /// is larger than this machine's physical memory (the run needs it and at least one working
    /// matrix of the same shape): refused before anything is allocated, instead of an
    /// allocation failure or the out-of-memory killer partway. With integer ids `rows` is the
    /// largest id + 1, so one far id makes it huge.
    func checkMemory(rows: Int) throws(EmbeddingError) {
        let bytes = Double(rows) * Double(configuration.dimension) * Double(MemoryLayout<Float>.size)
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        guard physical > 0, bytes > physical else { return }
        let gib = { (b: Double) in String(format: "%.1f GiB", b / Double(1 << 30)) }
        throw .insufficientMemory("the embeddings of \(rows) nodes × \(configuration.dimension) dimensions need \(gib(bytes)) (float32) before any working matrix, more than this machine's \(gib(physical)) of memory; with integer ids the node count is the largest id + 1, so sparse ids (one far id) make it large: read them as names to get one row per node that appears, or lower the dimension")
    }

    func prepare(_ graph: CSRGraph, features: Matrix?) throws(EmbeddingError) -> Setup {
        try configuration.validate()
        guard graph.isSquare else {
            throw .shapeMismatch("FastRP needs a square adjacency matrix, got \(graph.numRows) × \(graph.numColumns)")
        }
        let n = graph.numRows
        try checkFeatures(features, rows: n, holder: "the graph has")
        try checkMemory(rows: n)
        let (inverse, scale) = try degreeScalings(graph)
        return Setup(numNodes: n, localRows: n, inverseDegrees: inverse, degreeScale: scale,
                     s: configuration.sparsity.value(numNodes: n),
                     features: configuration.propertyDimension > 0 ? features : nil)
    }
}
