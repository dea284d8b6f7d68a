import DenseMath

/// A trainable tensor with its gradient, shared by reference between the layer that uses it,
/// the optimizer and checkpoints.
///
/// Gradients accumulate (`+=`) over backward passes until ``zeroGradient()``, so a layer that
/// processes a graph in several chunks (micro-batches) sums their contributions, as in PyTorch.
/// Several layer instances may hold the same `Parameter` (one per chunk, each with its own cached
/// activations).
public final class Parameter {
    /// Name within its model, e.g. `"3.gcn.weight"`; set by ``Sequential``. Checkpoints match
    /// tensors by this name.
    public var name: String
    /// Current value.
    public var value: Matrix
    /// ∂loss/∂value, same shape as ``value``.
    public var gradient: Matrix
    /// L2 / decoupled weight-decay coefficient λ the optimizer applies to this tensor
    /// (0 = none). Models set it per tensor, like PyTorch parameter groups.
    public var weightDecay: Float

    /// A parameter with the given initial value and a zero gradient.
    public init(name: String, value: Matrix, weightDecay: Float = 0) {
        self.name = name
        self.value = value
        self.gradient = Matrix(rows: value.rows, cols: value.cols)
        self.weightDecay = weightDecay
    }

    /// Number of scalar entries.
    public var count: Int { value.values.count }

    /// Sets the gradient to zero (keeps its storage).
    public func zeroGradient() {
        gradient.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// Weight initialisations. Each takes an explicit generator so parameters depend only on the seed.
public enum Initialization {
    /// Glorot/Xavier uniform (Glorot & Bengio, AISTATS 2010, eq. 16):
    /// ```
    /// W[i, j] ~ U(−a, a),   a = sqrt(6 / (fanIn + fanOut))
    /// ```
    /// Shape `[fanIn × fanOut]`.
    public static func glorotUniform(fanIn: Int, fanOut: Int, rng: inout SplitMix64) -> Matrix {
        let a = (6.0 / Float(max(fanIn + fanOut, 1))).squareRoot()
        return uniform(rows: fanIn, cols: fanOut, bound: a, rng: &rng)
    }

    /// Entries drawn from `U(−bound, bound)`, shape `[rows × cols]`.
    public static func uniform(rows: Int, cols: Int, bound: Float, rng: inout SplitMix64) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in m.values.indices { m.values[i] = (2 * rng.nextUnitFloat() - 1) * bound }
        return m
    }
}
