import DenseMath
import NeuralNet

/// Finite-difference gradient checks for layers and losses (shared by the NeuralNet and
/// GNNModels test targets).
///
/// The objective is `L = Σ y ⊙ R` for a fixed random R, evaluated in Double; the analytic
/// gradient comes from `backward(R)`. Central differences with step `eps` on Float inputs carry
/// about 1e-7/eps absolute rounding error, hence the tolerances.
public enum GradientCheck {
    public struct Mismatch: CustomStringConvertible {
        public let what: String
        public let index: Int
        public let analytic: Double
        public let numeric: Double
        public var description: String { "\(what)[\(index)]: analytic \(analytic), numeric \(numeric)" }
    }

    public static func objective(_ y: Matrix, _ r: Matrix) -> Double {
        var s = 0.0
        for i in y.values.indices { s += Double(y.values[i]) * Double(r.values[i]) }
        return s
    }

    public static func close(_ a: Double, _ b: Double, tolerance: Double) -> Bool {
        abs(a - b) <= tolerance * (1 + max(abs(a), abs(b)))
    }

    /// Checks ∂L/∂input and ∂L/∂parameters of `layer` at `input`; returns the mismatches.
    /// `prepare` runs before every forward (e.g. to reset context state).
    public static func check(_ layer: any Layer, input: Matrix, context: LayerContext, seed: UInt64 = 7,
                      eps: Float = 1e-3, tolerance: Double = 2e-3, maxEntries: Int = 60,
                      prepare: () -> Void = {}) -> [Mismatch] {
        var rng = SplitMix64(seed: seed)
        prepare()
        let y = layer.forward(input, context: context)
        let r = Matrix(rows: y.rows, cols: y.cols, values: (0..<(y.rows * y.cols)).map { _ in 2 * rng.nextUnitFloat() - 1 })
        for p in layer.parameters { p.zeroGradient() }
        let dx = layer.backward(r, context: context)
        let parameterGradients = layer.parameters.map { $0.gradient }

        func loss(_ x: Matrix) -> Double {
            prepare()
            return objective(layer.forward(x, context: context), r)
        }
        var mismatches: [Mismatch] = []
        for i in sampleIndices(count: input.values.count, max: maxEntries, rng: &rng) {
            var plus = input, minus = input
            plus.values[i] += eps
            minus.values[i] -= eps
            let numeric = (loss(plus) - loss(minus)) / Double(2 * eps)
            let analytic = Double(dx.values[i])
            if !close(analytic, numeric, tolerance: tolerance) {
                mismatches.append(Mismatch(what: "input", index: i, analytic: analytic, numeric: numeric))
            }
        }
        for (k, p) in layer.parameters.enumerated() {
            for i in sampleIndices(count: p.count, max: maxEntries, rng: &rng) {
                let original = p.value.values[i]
                p.value.values[i] = original + eps
                let up = loss(input)
                p.value.values[i] = original - eps
                let down = loss(input)
                p.value.values[i] = original
                let numeric = (up - down) / Double(2 * eps)
                let analytic = Double(parameterGradients[k].values[i])
                if !close(analytic, numeric, tolerance: tolerance) {
                    mismatches.append(Mismatch(what: p.name, index: i, analytic: analytic, numeric: numeric))
                }
            }
        }
        layer.releaseCaches()
        return mismatches
    }

    /// Checks a loss's gradient with respect to the logits.
    public static func checkLoss(logits: Matrix, eps: Float = 1e-3, tolerance: Double = 2e-3,
                          _ loss: (Matrix) -> LossOutput) -> [Mismatch] {
        let analytic = loss(logits).gradient
        var mismatches: [Mismatch] = []
        for i in logits.values.indices {
            var plus = logits, minus = logits
            plus.values[i] += eps
            minus.values[i] -= eps
            let numeric = (Double(loss(plus).value) - Double(loss(minus).value)) / Double(2 * eps)
            if !close(Double(analytic.values[i]), numeric, tolerance: tolerance) {
                mismatches.append(Mismatch(what: "logits", index: i, analytic: Double(analytic.values[i]), numeric: numeric))
            }
        }
        return mismatches
    }

    /// Up to `max` distinct indices in `0..<count` (all of them when count ≤ max).
    public static func sampleIndices(count: Int, max: Int, rng: inout SplitMix64) -> [Int] {
        if count <= max { return Array(0..<count) }
        var chosen = Set<Int>()
        while chosen.count < max { chosen.insert(rng.nextInt(below: count)) }
        return chosen.sorted()
    }

    /// A random matrix with entries in ±[margin, 1), away from activation kinks at 0.
    public static func randomMatrix(rows: Int, cols: Int, seed: UInt64, margin: Float = 0.05) -> Matrix {
        var rng = SplitMix64(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in
            let magnitude = margin + (1 - margin) * rng.nextUnitFloat()
            return rng.nextUnitFloat() < 0.5 ? -magnitude : magnitude
        })
    }
}
