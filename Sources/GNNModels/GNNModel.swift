import DenseMath
import GraphCore
import NeuralNet

/// The graph layer a model is built from.
public enum GNNArchitecture: String, Sendable, CaseIterable, Codable {
    /// Kipf & Welling's GCN (``GCNLayer``).
    case gcn
    /// Chen et al.'s GCNII (``GCNIILayer``) between an input and an output ``/NeuralNet/Linear``.
    case gcnii
    /// GraphSAGE with mean aggregation (``SAGELayer``).
    case sage
}

/// Sizes and hyper-parameters that fix a model's layers and initial weights.
public struct GNNConfiguration: Sendable, Equatable, Codable {
    /// Which graph layer the model stacks.
    public var architecture: GNNArchitecture
    /// Input feature width.
    public var inputDim: Int
    /// Hidden width.
    public var hiddenDim: Int
    /// Number of classes (output width).
    public var numClasses: Int
    /// Number of graph layers (GCN/SAGE: including the output layer; GCNII: convolutions only).
    public var layers: Int
    /// Dropout probability before every graph or dense layer.
    public var dropout: Float
    /// GCNII initial-residual weight α.
    public var alpha: Float
    /// GCNII identity-mapping strength λ (β_ℓ = log(λ/ℓ + 1)).
    public var lambda: Float
    /// Weight decay of the dense parameters: GCN's first layer (Kipf & Welling keep L2 on the
    /// first layer only), every SAGE layer, GCNII's input and output Linear layers.
    public var weightDecay: Float
    /// Weight decay of GCNII's convolution weights (0.01 in Chen et al.'s Cora script).
    public var convolutionWeightDecay: Float
    /// Seed of the initial weights and dropout masks.
    public var seed: UInt64

    /// A configuration; defaults are Chen et al.'s GCNII values and Kipf & Welling's weight decay.
    public init(architecture: GNNArchitecture, inputDim: Int, hiddenDim: Int, numClasses: Int, layers: Int,
                dropout: Float, alpha: Float = 0.1, lambda: Float = 0.5, weightDecay: Float = 5e-4,
                convolutionWeightDecay: Float = 0.01, seed: UInt64 = 0) {
        self.architecture = architecture
        self.inputDim = inputDim
        self.hiddenDim = hiddenDim
        self.numClasses = numClasses
        self.layers = layers
        self.dropout = dropout
        self.alpha = alpha
        self.lambda = lambda
        self.weightDecay = weightDecay
        self.convolutionWeightDecay = convolutionWeightDecay
        self.seed = seed
    }

    /// Checks the sizes and ranges.
    /// - Throws: ``GNNModelsError/invalidConfiguration(_:)`` naming the first bad value.
    public func validate() throws(GNNModelsError) {
        if inputDim < 1 { throw .invalidConfiguration("input width must be at least 1, got \(inputDim)") }
        if hiddenDim < 1 { throw .invalidConfiguration("hidden width must be at least 1, got \(hiddenDim)") }
        if numClasses < 2 { throw .invalidConfiguration("need at least 2 classes, got \(numClasses)") }
        if layers < 1 { throw .invalidConfiguration("need at least 1 layer, got \(layers)") }
        if !(dropout >= 0 && dropout < 1) { throw .invalidConfiguration("dropout must be in [0, 1), got \(dropout)") }
        if !(alpha >= 0 && alpha <= 1) { throw .invalidConfiguration("alpha must be in [0, 1], got \(alpha)") }
        if !(lambda > 0 && lambda.isFinite) { throw .invalidConfiguration("lambda must be positive, got \(lambda)") }
        if !(weightDecay >= 0 && weightDecay.isFinite) { throw .invalidConfiguration("weight decay must be ≥ 0, got \(weightDecay)") }
        if !(convolutionWeightDecay >= 0 && convolutionWeightDecay.isFinite) {
            throw .invalidConfiguration("convolution weight decay must be ≥ 0, got \(convolutionWeightDecay)")
        }
    }
}

/// A node-classification GNN: a ``/NeuralNet/Sequential`` of graph, dense, activation and dropout
/// layers built from a ``GNNConfiguration``.
///
/// Layer lists (p = dropout):
/// ```
/// gcn:    [Dropout(p), GCN(in→h), ReLU] … [Dropout(p), GCN(h→classes)]            (PyG gcn.py)
/// sage:   [Dropout(p), SAGE(in→h), ReLU] … [Dropout(p), SAGE(h→classes)]
/// gcnii:  Dropout(p), Linear(in→h), ReLU, H⁰,
///         L × [Dropout(p), GCNII_ℓ(h→h), ReLU], Dropout(p), Linear(h→classes)     (Chen et al.)
/// ```
/// The output is logits `[numNodes × numClasses]`. A pipeline stage can run any contiguous slice
/// of ``network``'s layers (``/NeuralNet/Sequential/forward(_:context:layers:)``); distributed
/// trainers split the network by ``graphBlocks``, ``inputLayers`` and ``outputLayers`` without
/// looking at layer types.
public final class GNNModel {
    /// The configuration the layers were built from.
    public let configuration: GNNConfiguration
    /// The layers in order.
    public let network: Sequential
    /// One entry per graph layer, in order: the network range `[Dropout, graph layer, ReLU?]`.
    public let graphBlocks: [GraphBlock]
    /// Row-wise layers before the first graph block (GCNII: Dropout, Linear, ReLU, H⁰ marker;
    /// empty for GCN and SAGE).
    public var inputLayers: Range<Int> { 0..<graphBlocks[0].layers.lowerBound }
    /// Row-wise layers after the last graph block (GCNII: Dropout, Linear; empty otherwise).
    public var outputLayers: Range<Int> { graphBlocks[graphBlocks.count - 1].layers.upperBound..<network.layers.count }

    /// Builds the layers; weights come from `SplitMix64(seed:stream: 0)`, dropout layer `i` gets
    /// seed `mix(seed + mix(i + 1))`.
    /// - Throws: ``GNNModelsError/invalidConfiguration(_:)``.
    public init(configuration c: GNNConfiguration) throws(GNNModelsError) {
        try c.validate()
        configuration = c
        var rng = SplitMix64(seed: c.seed, stream: 0)
        var layers: [any Layer] = []
        var blocks: [GraphBlock] = []
        /// Records the block that starts at the Dropout just appended before `layers.count`.
        func block(from start: Int, input: Int, output: Int, square: Bool, h0: Bool) {
            blocks.append(GraphBlock(layers: start..<layers.count, inputWidth: input, outputWidth: output,
                                     needsSquareOperator: square, readsInitialRepresentation: h0))
        }
        func dropout() -> Dropout {
            Dropout(probability: c.dropout, seed: SplitMix64.mix(c.seed &+ SplitMix64.mix(UInt64(layers.count + 1))))
        }
        switch c.architecture {
        case .gcn, .sage:
            for l in 0..<c.layers {
                let inDim = l == 0 ? c.inputDim : c.hiddenDim
                let outDim = l == c.layers - 1 ? c.numClasses : c.hiddenDim
                let start = layers.count
                layers.append(dropout())
                let decay: Float = c.architecture == .sage || l == 0 ? c.weightDecay : 0
                let layer: any Layer = c.architecture == .gcn
                    ? GCNLayer(inputDim: inDim, outputDim: outDim, rng: &rng)
                    : SAGELayer(inputDim: inDim, outputDim: outDim, rng: &rng)
                for p in layer.parameters { p.weightDecay = decay }
                layers.append(layer)
                if l < c.layers - 1 { layers.append(ReLU()) }
                block(from: start, input: inDim, output: outDim, square: c.architecture == .sage, h0: false)
            }
        case .gcnii:
            layers.append(dropout())
            let input = Linear(inputDim: c.inputDim, outputDim: c.hiddenDim, rng: &rng)
            for p in input.parameters { p.weightDecay = c.weightDecay }
            layers.append(input)
            layers.append(ReLU())
            layers.append(InitialRepresentation())
            for l in 1...c.layers {
                let start = layers.count
                layers.append(dropout())
                let conv = GCNIILayer(dim: c.hiddenDim, alpha: c.alpha, lambda: c.lambda, layerIndex: l, rng: &rng)
                conv.weight.weightDecay = c.convolutionWeightDecay
                layers.append(conv)
                layers.append(ReLU())
                block(from: start, input: c.hiddenDim, output: c.hiddenDim, square: false, h0: true)
            }
            layers.append(dropout())
            let output = Linear(inputDim: c.hiddenDim, outputDim: c.numClasses, rng: &rng)
            for p in output.parameters { p.weightDecay = c.weightDecay }
            layers.append(output)
        }
        network = Sequential(layers)
        graphBlocks = blocks
    }

    /// The propagation operator this architecture uses on `adjacency` (`[numNodes × numNodes]`,
    /// without self-loops): Â = D̃^-1/2 (A+I) D̃^-1/2 for GCN and GCNII, D⁻¹A for SAGE.
    /// - Parameters:
    ///   - architecture: the model whose propagation matrix is wanted.
    ///   - adjacency: `[N × N]`, without self-loops.
    ///   - adjacencyIsSymmetric: `true` for an undirected graph (skips a symmetry check;
    ///     see ``GraphOperator/gcn(adjacency:adjacencyIsSymmetric:)``).
    public static func graphOperator(for architecture: GNNArchitecture, adjacency: CSRGraph,
                                     adjacencyIsSymmetric: Bool = false) -> GraphOperator {
        switch architecture {
        case .gcn, .gcnii: GraphOperator.gcn(adjacency: adjacency, adjacencyIsSymmetric: adjacencyIsSymmetric)
        case .sage: GraphOperator.mean(adjacency: adjacency)
        }
    }

    /// Trainable tensors in layer order.
    public var parameters: [Parameter] { network.parameters }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// One graph layer of a ``GNNModel`` with the row-wise layers around it, as distributed
/// trainers run it: the Dropout at ``layers``' start runs on the gathered input rows (a chunk's
/// own rows and its halo), the graph layer maps them to the output rows, and what follows
/// (ReLU) runs on the output rows.
public struct GraphBlock: Sendable, Equatable {
    /// Network layers `[Dropout, graph layer, ReLU?]`.
    public let layers: Range<Int>
    /// Input width d_in.
    public let inputWidth: Int
    /// Output width d_out.
    public let outputWidth: Int
    /// Whether the graph layer needs a square operator, i.e. the output rows among its input
    /// rows (GraphSAGE's self term); GCN and GCNII accept a rectangular row block.
    public let needsSquareOperator: Bool
    /// Whether the graph layer reads the initial representation H⁰ (GCNII).
    public let readsInitialRepresentation: Bool
    /// The Dropout on the gathered rows.
    public var dropoutLayer: Int { layers.lowerBound }
    /// The graph layer and what follows it on the output rows.
    public var outputPart: Range<Int> { (layers.lowerBound + 1)..<layers.upperBound }

    public init(layers: Range<Int>, inputWidth: Int, outputWidth: Int, needsSquareOperator: Bool,
                readsInitialRepresentation: Bool) {
        self.layers = layers
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.needsSquareOperator = needsSquareOperator
        self.readsInitialRepresentation = readsInitialRepresentation
    }
}

/// Feature preprocessing used by the reference implementations.
public enum FeaturePreprocessing {
    /// Row normalisation as in Kipf & Welling's `preprocess_features` (also GCNII's scripts and
    /// PyG's `NormalizeFeatures` for non-negative features): every row divided by its sum; rows
    /// summing to 0 stay 0.
    ///
    /// ```
    /// X′[i, :] = X[i, :] / Σ_j X[i, j]
    /// ```
    /// Shapes: `[numNodes × dim]` in and out. Sums run in Double.
    public static func rowNormalized(_ x: Matrix) -> Matrix {
        var out = x
        let cols = x.cols
        for i in 0..<x.rows {
            var s = 0.0
            for j in 0..<cols { s += Double(x.values[i * cols + j]) }
            let r: Float = s != 0 ? Float(1 / s) : 0
            for j in 0..<cols { out.values[i * cols + j] *= r }
        }
        return out
    }
}

/// Errors of the GNNModels module.
public enum GNNModelsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A model size or hyper-parameter is out of range.
    case invalidConfiguration(String)
    /// Features, labels or split do not fit the graph or each other.
    case invalidTask(String)
    /// A checkpoint cannot be used to resume this run.
    case checkpoint(NeuralNetError)

    public var description: String {
        switch self {
        case .invalidConfiguration(let s): "invalid model configuration: \(s)"
        case .invalidTask(let s): "invalid training data: \(s)"
        case .checkpoint(let e): e.description
        }
    }
}
