import DenseMath
import NeuralNet

/// A node classifier whose first layer is a Linear map of the vertex features and whose other
/// layers form a ``/NeuralNet/Sequential`` tail: the shape of both the HGNN teacher and the MLP
/// student.
public protocol FeatureClassifier: AnyObject {
    /// All layers, first to last; parameter names (`"0.linear.weight"`, …) come from it.
    var network: Sequential { get }
    /// Number of output classes.
    var numClasses: Int { get }
}

extension FeatureClassifier {
    /// Trainable parameters, in layer order.
    public var parameters: [Parameter] { network.parameters }

    /// Logits `[numVertices × numClasses]` for `features` `[numVertices × inputDim]`. In training
    /// mode the layers cache what ``backward(_:features:context:)`` needs.
    public func forward(_ features: NodeFeatures, context: LayerContext) -> Matrix {
        guard let first = network.layers.first as? Linear else { preconditionFailure("first layer must be Linear") }
        let h = FeatureLinear(layer: first).forward(features, context: context)
        return network.forward(h, context: context, layers: 1..<network.layers.count)
    }

    /// Accumulates ∂loss/∂parameters from ∂loss/∂logits after a training-mode forward.
    public func backward(_ gradLogits: Matrix, features: NodeFeatures, context: LayerContext) {
        let first = network.layers[0] as! Linear
        let gh = network.backward(gradLogits, context: context, layers: 1..<network.layers.count,
                                  needsInputGradient: true)!
        FeatureLinear(layer: first).backward(gh, features: features, context: context)
    }

    /// Parameters and buffers (batch-norm statistics) by name, for best-epoch snapshots and files.
    public func state() -> [String: Matrix] {
        Dictionary(network.stateTensors().map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// Restores a ``state()``.
    /// - Throws: ``/NeuralNet/NeuralNetError/checkpointMismatch(_:)`` for a missing or misshaped tensor.
    public func load(_ state: [String: Matrix]) throws(NeuralNetError) {
        try network.loadState(from: state)
    }
}

/// The HGNN teacher (Feng et al., AAAI 2019) as DHG's `HGNN` builds it: two `HGNNConv` layers.
///
/// ```
/// H¹ = Dropout(ReLU(L · (X Θ₁ + b₁)))
/// Z  = L · (H¹ Θ₂ + b₂)
/// ```
/// Shapes: `X` `[numVertices × inputDim]`, `Θ₁` `[inputDim × hidden]`, `Θ₂` `[hidden × numClasses]`,
/// `Z` `[numVertices × numClasses]`. L comes from the pass's ``HypergraphContext``. Weights start
/// from PyTorch's `nn.Linear` default U(±1/√fanIn).
public final class HGNNTeacher: FeatureClassifier {
    public let network: Sequential
    public let numClasses: Int

    /// - Parameters:
    ///   - inputDim: the feature width.
    ///   - hiddenDim: the hidden width (LightHGNN: 32).
    ///   - numClasses: the output width.
    ///   - dropout: drop probability after the hidden layer (LightHGNN: 0.5).
    ///   - weightDecay: L2 coefficient on every parameter (LightHGNN: 5e-4).
    ///   - seed: seeds the weights and the dropout masks.
    public init(inputDim: Int, hiddenDim: Int = 32, numClasses: Int, dropout: Float = 0.5,
                weightDecay: Float = 5e-4, seed: UInt64) {
        let (l1, l2) = Linear.torchDefaultPair(inputDim, hiddenDim, numClasses, seed: seed, stream: 0x7EAC)
        network = Sequential([l1, HGNNPropagation(), ReLU(), Dropout(probability: dropout, seed: SplitMix64.mix(seed ^ 0xD0)),
                              l2, HGNNPropagation()])
        for p in network.parameters { p.weightDecay = weightDecay }
        self.numClasses = numClasses
    }
}

/// The LightHGNN student: DHG's `MLP([d, 128])` followed by a Linear classifier.
///
/// ```
/// Z = Dropout(BatchNorm(ReLU(X W₁ + b₁))) W₂ + b₂
/// ```
/// Shapes: `X` `[numVertices × inputDim]`, `W₁` `[inputDim × hidden]`, `W₂` `[hidden × numClasses]`.
/// Inference needs the features only, never the hypergraph. Batch norm uses batch statistics in
/// training and running statistics in evaluation (PyTorch defaults, momentum 0.1, ε 1e-5).
public final class MLPStudent: FeatureClassifier {
    public let network: Sequential
    public let numClasses: Int
    /// Input feature dimension.
    public let inputDim: Int
    /// Hidden width.
    public let hiddenDim: Int
    /// Dropout probability.
    public let dropout: Float

    /// - Parameters:
    ///   - inputDim: the feature width.
    ///   - hiddenDim: the hidden width (LightHGNN: 128).
    ///   - numClasses: the output width.
    ///   - dropout: drop probability after batch norm (LightHGNN: 0.5).
    ///   - weightDecay: L2 coefficient on every parameter (LightHGNN: 5e-4).
    ///   - seed: seeds the weights and the dropout masks.
    public init(inputDim: Int, hiddenDim: Int = 128, numClasses: Int, dropout: Float = 0.5,
                weightDecay: Float = 5e-4, seed: UInt64) {
        let (l1, l2) = Linear.torchDefaultPair(inputDim, hiddenDim, numClasses, seed: seed, stream: 0x5700)
        network = Sequential([l1, ReLU(), BatchNorm1d(channels: hiddenDim),
                              Dropout(probability: dropout, seed: SplitMix64.mix(seed ^ 0xD1)), l2])
        for p in network.parameters { p.weightDecay = weightDecay }
        self.numClasses = numClasses
        self.inputDim = inputDim
        self.hiddenDim = hiddenDim
        self.dropout = dropout
    }

    /// Evaluation-mode logits `[numVertices × numClasses]` from features alone:
    /// `Z = BN(ReLU(X W₁ + b₁)) W₂ + b₂` (dropout is the identity). Bit-identical to
    /// ``FeatureClassifier/forward(_:context:)`` in evaluation mode, with ReLU and batch norm fused
    /// into one in-place pass over the hidden rows.
    /// - Precondition: `features.dim == inputDim`.
    public func predict(_ features: NodeFeatures, threads: Int = 1) -> Matrix {
        precondition(features.dim == inputDim, "student expects \(inputDim) features, got \(features.dim)")
        let context = LayerContext(isTraining: false, threads: threads)
        let layers = network.layers
        guard layers.count == 5, let first = layers[0] as? Linear, layers[1] is ReLU,
              let norm = layers[2] as? BatchNorm1d, layers[3] is Dropout, let last = layers[4] as? Linear
        else { return forward(features, context: context) }
        var hidden = FeatureLinear(layer: first).forward(features, context: context)
        norm.normalizeForInference(&hidden, rectifyingFirst: true, threads: threads)
        return last.forward(hidden, context: context)
    }
}
