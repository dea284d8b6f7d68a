import DenseMath
import NeuralNet

/// How the group encoders' outputs are merged.
public enum GroupMerge: String, Sendable, Codable, CaseIterable {
    /// Concatenate: `[numRows × (numGroups · hidden)]`.
    case concat
    /// Average: `[numRows × hidden]`.
    case mean
}

/// Hyperparameters of ``RpHGNNClassifier``.
public struct ClassifierConfiguration: Sendable, Equatable, Codable {
    /// Width of every hidden layer.
    public var hiddenDim: Int
    /// Number of classes C (logit columns).
    public var numClasses: Int
    /// Dropout on each group's input tensor (`input_drop_rate`).
    public var inputDropout: Float
    /// Dropout after every hidden layer (`drop_rate`).
    public var dropout: Float
    /// Linear + PReLU + dropout layers per group encoder (≥ 1).
    public var groupLayers: Int
    /// Layers of the head MLP (≥ 1): `headLayers − 1` hidden layers, then Linear(→ C).
    public var headLayers: Int
    /// Output hop channels of the 1×1 hop convolution (1 for single-slot groups).
    public var hopChannels: Int
    /// How group outputs are merged.
    public var merge: GroupMerge
    /// Seed of the weights and dropout masks.
    public var seed: UInt64

    public init(hiddenDim: Int, numClasses: Int, inputDropout: Float, dropout: Float, groupLayers: Int = 2,
                headLayers: Int = 2, hopChannels: Int = 2, merge: GroupMerge, seed: UInt64) {
        self.hiddenDim = hiddenDim
        self.numClasses = numClasses
        self.inputDropout = inputDropout
        self.dropout = dropout
        self.groupLayers = groupLayers
        self.headLayers = headLayers
        self.hopChannels = hopChannels
        self.merge = merge
        self.seed = seed
    }
}

/// RpHGNN's learnable encoder (TKDE 2024, §4.3; reference `RpHGNNEncoder`): one small network per
/// pre-computed group, merged, then a head MLP.
///
/// For group g with input `[B × (S_g · d_g)]` (hop slots side by side):
/// ```
/// z_g = MLP_g( HopMix_g( Dropout_in(x_g) ) )            HopMix: 1×1 conv, S_g → F_g hop channels
/// MLP_g = [Linear(→ hidden) → PReLU → Dropout] × groupLayers
/// h   = concat(z_1 … z_G)   or   mean(z_1 … z_G)
/// logits = [Linear(→ hidden) → PReLU → Dropout] × (headLayers − 1) → Linear(→ C)
/// ```
/// F_g = ``ClassifierConfiguration/hopChannels`` (1 when S_g = 1); input dropout and HopMix are
/// ``GroupInput``, which reads the batch rows from the group itself. PReLU has one shared slope
/// (init 0.25). Linear weights are Glorot-uniform (the reference uses Glorot-normal, same
/// variance), biases zero. Output `[B × C]`.
public final class RpHGNNClassifier {
    /// Input dropout and hop mixing of every group.
    public let groupInputs: [GroupInput]
    /// The MLP of every group.
    public let groupEncoders: [Sequential]
    /// The head MLP.
    public let head: Sequential
    public let configuration: ClassifierConfiguration
    /// Hop slots and width of every group, `[(hops, dim)]`.
    public let groupShapes: [(hops: Int, dim: Int)]

    /// A classifier for groups of the given shapes.
    /// - Throws: ``HeterogeneousLearningError/invalidInput(_:)`` for no groups, non-positive
    ///   sizes, or dropout outside [0, 1).
    public init(groupShapes: [(hops: Int, dim: Int)], configuration: ClassifierConfiguration) throws(HeterogeneousLearningError) {
        let c = configuration
        guard !groupShapes.isEmpty else { throw .invalidInput("the classifier needs at least one feature group") }
        guard groupShapes.allSatisfy({ $0.hops > 0 && $0.dim > 0 }) else { throw .invalidInput("feature groups need positive hops and widths") }
        guard c.hiddenDim > 0, c.numClasses > 0, c.groupLayers > 0, c.headLayers > 0, c.hopChannels > 0 else {
            throw .invalidInput("hidden width, classes, layer counts and hop channels must be positive")
        }
        for (name, p) in [("input dropout", c.inputDropout), ("dropout", c.dropout)] where !(p >= 0 && p < 1) {
            throw .invalidInput("\(name) must be in [0, 1), got \(p)")
        }
        self.configuration = c
        self.groupShapes = groupShapes
        var rng = SplitMix64(seed: c.seed, stream: 0x4D4F_4445_4C00)
        var dropoutSeed = SplitMix64(seed: c.seed, stream: 0x4452_4F50_0000)
        var encoders: [Sequential] = [], inputs: [GroupInput] = []
        for shape in groupShapes {
            let channels = shape.hops == 1 ? 1 : c.hopChannels
            var layers: [any Layer] = []
            inputs.append(GroupInput(inHops: shape.hops, outHops: channels, dim: shape.dim, dropout: c.inputDropout,
                                     seed: dropoutSeed.next(), rng: &rng))
            var width = channels * shape.dim
            for _ in 0..<c.groupLayers {
                layers.append(Linear(inputDim: width, outputDim: c.hiddenDim, rng: &rng))
                layers.append(PReLU())
                if c.dropout > 0 { layers.append(Dropout(probability: c.dropout, seed: dropoutSeed.next())) }
                width = c.hiddenDim
            }
            encoders.append(Sequential(layers))
        }
        var headLayers: [any Layer] = []
        var width = c.merge == .concat ? groupShapes.count * c.hiddenDim : c.hiddenDim
        for _ in 0..<(c.headLayers - 1) {
            headLayers.append(Linear(inputDim: width, outputDim: c.hiddenDim, rng: &rng))
            headLayers.append(PReLU())
            if c.dropout > 0 { headLayers.append(Dropout(probability: c.dropout, seed: dropoutSeed.next())) }
            width = c.hiddenDim
        }
        headLayers.append(Linear(inputDim: width, outputDim: c.numClasses, rng: &rng))
        groupInputs = inputs
        groupEncoders = encoders
        head = Sequential(headLayers)
    }

    /// All trainable tensors: group encoders in order, then the head.
    public var parameters: [Parameter] {
        zip(groupInputs, groupEncoders).flatMap { $0.parameters + $1.parameters } + head.parameters
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Logits `[B × C]` of the target nodes `nodes`, from the group values `groups[g]`
    /// `[numNodes × (S_g · d_g)]` (``FeatureGroup/values``).
    ///
    /// With `context.threads > 1` the groups run in parallel, one group per task, each on one
    /// thread; a group's arithmetic does not depend on which thread runs it.
    public func forward(_ groups: [Matrix], nodes: [Int], context: LayerContext) -> Matrix {
        precondition(groups.count == groupEncoders.count, "\(groups.count) groups for \(groupEncoders.count) encoders")
        let outputs = perGroup(context) { g, c in
            groupEncoders[g].forward(groupInputs[g].forward(groups[g], nodes: nodes, context: c), context: c)
        }
        return head.forward(merge(outputs, threads: context.threads), context: context)
    }

    /// Back-propagates ∂loss/∂logits through the head and every group encoder, adding to the
    /// parameter gradients. Needs a training-mode ``forward(_:nodes:context:)`` on the same
    /// `groups` first.
    public func backward(_ gradLogits: Matrix, groups: [Matrix], context: LayerContext) {
        let g = head.backward(gradLogits, context: context, needsInputGradient: true)!
        let h = configuration.hiddenDim
        _ = perGroup(context) { k, c in
            let encoder = groupEncoders[k]
            var part = c.pool.take(rows: g.rows, cols: h)
            g.values.withUnsafeBufferPointer { src in
                part.values.withUnsafeMutableBufferPointer { dst in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                    for i in 0..<g.rows {
                        switch configuration.merge {
                        case .concat: (d + i * h).update(from: s + i * g.cols + k * h, count: h)
                        case .mean: (d + i * h).update(from: s + i * h, count: h)
                        }
                    }
                }
            }
            if configuration.merge == .mean { Kernels.scale(&part, by: 1 / Float(groupEncoders.count), threads: 1) }
            let gradInput = encoder.backward(part, context: c, needsInputGradient: true)!
            groupInputs[k].backward(gradInput, group: groups[k], context: c)
            c.pool.recycle(gradInput)
            return 0
        }
        context.pool.recycle(g)
    }

    /// Single-threaded contexts of the group tasks (training and evaluation), kept so their
    /// buffer pools are reused.
    private var trainingContexts: [LayerContext] = []
    private var evaluationContexts: [LayerContext] = []

    /// `body(g, context_g)` for every group, in parallel over groups when `context.threads > 1`.
    private func perGroup<T>(_ context: LayerContext, _ body: (Int, LayerContext) -> T) -> [T] {
        let count = groupEncoders.count
        if context.isTraining && trainingContexts.isEmpty {
            trainingContexts = (0..<count).map { _ in LayerContext(isTraining: true) }
        }
        if !context.isTraining && evaluationContexts.isEmpty {
            evaluationContexts = (0..<count).map { _ in LayerContext(isTraining: false) }
        }
        let contexts = context.isTraining ? trainingContexts : evaluationContexts
        for c in contexts {
            c.step = context.step
            c.rowOffset = context.rowOffset
        }
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { slots in
            guard let base = slots.baseAddress else { return }
            Parallel.forEachRange(total: count, count: context.threads > 1 ? count : 1) { range in
                for g in range { base[g] = body(g, contexts[g]) }
            }
        }
        return results.map { $0! }
    }

    /// Concatenation or mean of the group outputs, each `[B × hidden]`.
    func merge(_ outputs: [Matrix], threads: Int) -> Matrix {
        let rows = outputs[0].rows, h = configuration.hiddenDim
        switch configuration.merge {
        case .mean:
            var sum = outputs[0]
            for o in outputs.dropFirst() { Kernels.axpby(1, o, 1, &sum, threads: threads) }
            Kernels.scale(&sum, by: 1 / Float(outputs.count), threads: threads)
            return sum
        case .concat:
            let width = outputs.count * h
            var out = Matrix(rows: rows, cols: width)
            out.values.withUnsafeMutableBufferPointer { dst in
                guard let d = dst.baseAddress else { return }
                for (k, o) in outputs.enumerated() {
                    o.values.withUnsafeBufferPointer { src in
                        guard let s = src.baseAddress else { return }
                        for i in 0..<rows { (d + i * width + k * h).update(from: s + i * h, count: h) }
                    }
                }
            }
            return out
        }
    }
}
