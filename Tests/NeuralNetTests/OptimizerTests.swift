import DenseMath
import Foundation
import NeuralNet
import Testing

@Suite("Adam and AdamW")
struct OptimizerTests {
    /// Three Adam steps on one weight, against the formulas evaluated in Double.
    @Test(arguments: WeightDecayMode.allCases)
    func matchesReferenceFormulas(mode: WeightDecayMode) {
        let p = Parameter(name: "w", value: Matrix(rows: 1, cols: 2, values: [0.5, -1.5]), weightDecay: 0.1)
        let adam = Adam(parameters: [p], learningRate: 0.01, weightDecayMode: mode)
        let grads: [[Float]] = [[0.2, -0.1], [0.3, 0.05], [-0.4, 0.2]]
        var w: [Double] = [0.5, -1.5], m: [Double] = [0, 0], v: [Double] = [0, 0]
        let (b1, b2, eps, lr, wd) = (0.9, 0.999, 1e-8, 0.01, 0.1)
        for (t, g) in grads.enumerated() {
            p.gradient = Matrix(rows: 1, cols: 2, values: g)
            adam.step()
            for i in 0..<2 {
                var gi = Double(g[i])
                if mode == .l2 { gi += wd * w[i] } else { w[i] *= 1 - lr * wd }
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                let mhat = m[i] / (1 - Foundation.pow(b1, Double(t + 1)))
                let vhat = v[i] / (1 - Foundation.pow(b2, Double(t + 1)))
                w[i] -= lr * mhat / (vhat.squareRoot() + eps)
            }
            for i in 0..<2 { #expect(abs(Double(p.value.values[i]) - w[i]) < 1e-6, "step \(t + 1), entry \(i)") }
        }
        #expect(adam.stepCount == 3)
    }

    @Test func decoupledDecayShrinksWithoutGradient() {
        let p = Parameter(name: "w", value: Matrix(rows: 1, cols: 1, values: [2]), weightDecay: 0.5)
        let adamw = AdamW.make(parameters: [p], learningRate: 0.1)
        adamw.step()  // zero gradient: only the decay acts → 2·(1 − 0.05)
        #expect(abs(p.value.values[0] - 1.9) < 1e-6)
        let q = Parameter(name: "w", value: Matrix(rows: 1, cols: 1, values: [2]), weightDecay: 0.5)
        let adam = Adam(parameters: [q], learningRate: 0.1)
        adam.step()   // L2: g = λw = 1, first step moves by lr·sign(g)
        #expect(abs(q.value.values[0] - 1.9) < 1e-5)
    }

    @Test func stateRoundTripsAndRejectsMismatch() throws {
        let p = Parameter(name: "w", value: Matrix(rows: 2, cols: 2, values: [1, 2, 3, 4]))
        let a = Adam(parameters: [p], learningRate: 0.01)
        p.gradient = Matrix(rows: 2, cols: 2, values: [0.1, 0.2, 0.3, 0.4])
        a.step()
        let saved = Dictionary(uniqueKeysWithValues: a.stateTensors().map { ($0.name, $0.value) })
        let b = Adam(parameters: [p], learningRate: 0.01)
        try b.restoreState(from: saved)
        #expect(b.stepCount == 1)
        #expect(b.stateTensors().map(\.value) == a.stateTensors().map(\.value))
        var broken = saved
        broken["adam.v.w"] = Matrix(rows: 1, cols: 1)
        #expect(throws: NeuralNetError.checkpointMismatch("'adam.v.w' is 1×1, expected 2×2")) { try b.restoreState(from: broken) }
    }
}
