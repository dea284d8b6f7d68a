import DenseMath
import Foundation

/// Gradient-based update of a fixed list of parameters.
public protocol Optimizer: AnyObject {
    /// The parameters updated by ``step()``.
    var parameters: [Parameter] { get }
    /// Learning rate.
    var learningRate: Float { get set }
    /// Applies one update from the current gradients.
    func step()
    /// Optimizer state (moments, step count) as named tensors, for checkpoints.
    func stateTensors() -> [(name: String, value: Matrix)]
    /// Restores state written by ``stateTensors()``.
    /// - Throws: ``NeuralNetError/checkpointMismatch(_:)`` when a tensor is missing or has the
    ///   wrong shape.
    func restoreState(from tensors: [String: Matrix]) throws(NeuralNetError)
}

/// How weight decay λ (per parameter, ``Parameter/weightDecay``) enters the update.
public enum WeightDecayMode: String, Sendable, CaseIterable {
    /// L2 regularisation: λ·w is added to the gradient before the moments (PyTorch `Adam`'s
    /// `weight_decay`; Kipf & Welling's 5e-4 L2 loss term has the same gradient).
    case l2
    /// Decoupled decay w ← w − lr·λ·w before the Adam step (Loshchilov & Hutter, ICLR 2019;
    /// PyTorch `AdamW`).
    case decoupled
}

/// Adam (Kingma & Ba, ICLR 2015, Algorithm 1) with per-parameter weight decay, in PyTorch's form.
///
/// ```
/// g ← ∇w (+ λ·w for L2 decay)            w ← w·(1 − lr·λ) first for decoupled decay (AdamW)
/// m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,   t ← t + 1
/// w ← w − lr · (m / (1 − β₁ᵗ)) / (sqrt(v / (1 − β₂ᵗ)) + ε)
/// ```
/// Defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8. Moments have the shapes of their parameters.
/// - Complexity: O(number of parameter entries) per step.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    /// Step size lr.
    public var learningRate: Float
    /// Decay of the first moment, β₁.
    public let beta1: Float
    /// Decay of the second moment, β₂.
    public let beta2: Float
    /// ε in the denominator.
    public let epsilon: Float
    /// Whether weight decay is L2 (Adam) or decoupled (AdamW).
    public let weightDecayMode: WeightDecayMode
    /// Number of steps taken.
    public private(set) var stepCount = 0
    private var firstMoments: [Matrix]
    private var secondMoments: [Matrix]

    /// An optimizer over `parameters` with zero moments; each parameter's
    /// ``Parameter/weightDecay`` is applied as `weightDecayMode` says.
    public init(parameters: [Parameter], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecayMode: WeightDecayMode = .l2) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecayMode = weightDecayMode
        firstMoments = parameters.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
        secondMoments = firstMoments
    }

    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let bias1 = Float(1 - Foundation.pow(Double(beta1), t))
        let bias2Sqrt = Float((1 - Foundation.pow(Double(beta2), t)).squareRoot())
        let stepSize = learningRate / bias1
        let (b1, b2, eps, lr) = (beta1, beta2, epsilon, learningRate)
        for (k, p) in parameters.enumerated() {
            let decay = p.weightDecay
            let l2 = weightDecayMode == .l2 ? decay : 0
            let shrink: Float = weightDecayMode == .decoupled ? 1 - lr * decay : 1
            p.gradient.values.withUnsafeBufferPointer { gs in
                p.value.values.withUnsafeMutableBufferPointer { ws in
                    firstMoments[k].values.withUnsafeMutableBufferPointer { ms in
                        secondMoments[k].values.withUnsafeMutableBufferPointer { vs in
                            for i in 0..<ws.count {
                                let w = ws[i] * shrink
                                let g = gs[i] + l2 * ws[i]
                                let m = b1 * ms[i] + (1 - b1) * g
                                let v = b2 * vs[i] + (1 - b2) * g * g
                                ms[i] = m
                                vs[i] = v
                                ws[i] = w - stepSize * m / (v.squareRoot() / bias2Sqrt + eps)
                            }
                        }
                    }
                }
            }
        }
    }

    public func stateTensors() -> [(name: String, value: Matrix)] {
        var out: [(name: String, value: Matrix)] = [("adam.step", Matrix(rows: 1, cols: 1, values: [Float(stepCount)]))]
        for (k, p) in parameters.enumerated() {
            out.append(("adam.m.\(p.name)", firstMoments[k]))
            out.append(("adam.v.\(p.name)", secondMoments[k]))
        }
        return out
    }

    public func restoreState(from tensors: [String: Matrix]) throws(NeuralNetError) {
        guard let step = tensors["adam.step"], step.values.count == 1 else {
            throw .checkpointMismatch("missing optimizer step count 'adam.step'")
        }
        var m: [Matrix] = [], v: [Matrix] = []
        for p in parameters {
            for (prefix, into) in [("adam.m.", 0), ("adam.v.", 1)] {
                let name = prefix + p.name
                guard let t = tensors[name] else { throw .checkpointMismatch("missing optimizer tensor '\(name)'") }
                guard t.rows == p.value.rows && t.cols == p.value.cols else {
                    throw .checkpointMismatch("'\(name)' is \(t.rows)×\(t.cols), expected \(p.value.rows)×\(p.value.cols)")
                }
                if into == 0 { m.append(t) } else { v.append(t) }
            }
        }
        stepCount = Int(step.values[0])
        firstMoments = m
        secondMoments = v
    }
}

/// AdamW: ``Adam`` with decoupled weight decay (Loshchilov & Hutter, ICLR 2019).
public enum AdamW {
    /// An ``Adam`` optimizer whose weight decay is ``WeightDecayMode/decoupled``.
    public static func make(parameters: [Parameter], learningRate: Float, beta1: Float = 0.9,
                            beta2: Float = 0.999, epsilon: Float = 1e-8) -> Adam {
        Adam(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
             epsilon: epsilon, weightDecayMode: .decoupled)
    }
}
