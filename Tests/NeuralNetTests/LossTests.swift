import DenseMath
import Foundation
import NeuralNet
import Testing
import TestSupport

@Suite("Losses")
struct LossTests {
    let logits = GradientCheck.randomMatrix(rows: 5, cols: 4, seed: 21, margin: 0)
    let mask = [0, 2, 3]

    @Test func softmaxCrossEntropyGradient() {
        let labels: [Int32] = [1, -1, 3, 0, -1]
        let mismatches = GradientCheck.checkLoss(logits: logits) { Loss.softmaxCrossEntropy(logits: $0, labels: labels, mask: mask) }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func softmaxCrossEntropyValue() {
        // Two classes, logits (0, log 3): p = (1/4, 3/4); label 1 → −log(3/4).
        let z = Matrix(rows: 1, cols: 2, values: [0, Float(Foundation.log(3.0))])
        let out = Loss.softmaxCrossEntropy(logits: z, labels: [1], mask: [0])
        #expect(abs(Double(out.value) + Foundation.log(0.75)) < 1e-6)
        #expect(abs(out.gradient[0, 0] - 0.25) < 1e-6 && abs(out.gradient[0, 1] + 0.25) < 1e-6)
    }

    @Test func softmaxCrossEntropyIsStableForHugeLogits() {
        let z = Matrix(rows: 1, cols: 3, values: [1000, -1000, 999])
        let out = Loss.softmaxCrossEntropy(logits: z, labels: [0], mask: [0])
        #expect(out.value.isFinite && out.gradient.values.allSatisfy(\.isFinite))
        #expect(abs(Double(out.value) - Foundation.log(1 + Foundation.exp(-1.0))) < 1e-5)
    }

    @Test func unmaskedRowsGetNoGradient() {
        let out = Loss.softmaxCrossEntropy(logits: logits, labels: [0, 0, 0, 0, 0], mask: [2])
        for i in [0, 1, 3, 4] { #expect(out.gradient.row(i).allSatisfy { $0 == 0 }) }
        #expect(Loss.softmaxCrossEntropy(logits: logits, labels: [0, 0, 0, 0, 0], mask: []).value == 0)
    }

    @Test func sigmoidBinaryCrossEntropyGradient() {
        var rng = SplitMix64(seed: 22)
        let targets = Matrix(rows: 5, cols: 4, values: (0..<20).map { _ in rng.nextUnitFloat() < 0.5 ? 0 : 1 })
        let mismatches = GradientCheck.checkLoss(logits: logits) { Loss.sigmoidBinaryCrossEntropy(logits: $0, targets: targets, mask: mask) }
        #expect(mismatches.isEmpty, "\(mismatches)")
        // z = 0, t = 1 → log 2 per entry.
        let zero = Loss.sigmoidBinaryCrossEntropy(logits: Matrix(rows: 1, cols: 2), targets: Matrix(rows: 1, cols: 2, repeating: 1), mask: [0])
        #expect(abs(Double(zero.value) - Foundation.log(2.0)) < 1e-6)
    }

    @Test(arguments: [Float(1), 2.5])
    func softTargetCrossEntropyGradient(temperature: Float) {
        var rng = SplitMix64(seed: 23)
        var soft = Matrix(rows: 5, cols: 4, values: (0..<20).map { _ in rng.nextUnitFloat() + 0.1 })
        for i in 0..<5 {
            let s = soft.row(i).reduce(0, +)
            for j in 0..<4 { soft[i, j] /= s }
        }
        let mismatches = GradientCheck.checkLoss(logits: logits) {
            Loss.softTargetCrossEntropy(logits: $0, targets: soft, temperature: temperature, mask: mask)
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test(arguments: [Float(1), 4])
    func klDivergenceGradient(temperature: Float) {
        let teacher = GradientCheck.randomMatrix(rows: 5, cols: 4, seed: 24, margin: 0)
        let mismatches = GradientCheck.checkLoss(logits: logits) {
            Loss.klDivergence(logits: $0, teacherLogits: teacher, temperature: temperature, mask: mask)
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        // KL of a distribution with itself is 0.
        #expect(abs(Loss.klDivergence(logits: teacher, teacherLogits: teacher, temperature: temperature, mask: mask).value) < 1e-6)
    }
}
