import DenseMath
import Foundation
import GraphCore
import GraphKernels
import NeuralNet
import Testing
@testable import HypergraphLearning

@Suite("Distillation losses")
struct DistillationTests {
    static func numericGradient(_ z: Matrix, _ f: (Matrix) -> Float, eps: Float = 1e-2) -> Matrix {
        var g = Matrix(rows: z.rows, cols: z.cols)
        for k in z.values.indices {
            var up = z, down = z
            up.values[k] += eps
            down.values[k] -= eps
            g.values[k] = (f(up) - f(down)) / (2 * eps)
        }
        return g
    }

    static func maxAbsDifference(_ a: Matrix, _ b: Matrix) -> Float {
        zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: KDLoss.allCases)
    func vertexLossGradientMatchesFiniteDifferences(mode: KDLoss) {
        let z = Dense.random(rows: 5, cols: 4, seed: 1, scale: 2)
        let t = Dense.random(rows: 5, cols: 4, seed: 2, scale: 3)
        let mask = [0, 2, 3, 4]
        let loss = Distillation.vertexLoss(studentLogits: z, teacherLogits: t, mask: mask, mode: mode, temperature: 2)
        let numeric = Self.numericGradient(z) {
            Distillation.vertexLoss(studentLogits: $0, teacherLogits: t, mask: mask, mode: mode, temperature: 2).value
        }
        #expect(Self.maxAbsDifference(loss.gradient, numeric) < 2e-3)
        #expect((0..<4).allSatisfy { loss.gradient[1, $0] == 0 })  // row 1 is outside the mask
    }

    /// The reference loss: Σ_c exp(p_t,c)(p_t,c − log p_s,c); with a one-hot teacher over 7
    /// classes its minimiser puts e/(e+6) on the teacher's class (notes §5.2).
    @Test func referenceVertexLossValueAndFlattenedTarget() {
        var t = Matrix(rows: 1, cols: 7, repeating: -40)
        t[0, 2] = 40
        let target = Float(M_E / (M_E + 6))
        var z = Matrix(rows: 1, cols: 7)
        for j in 0..<7 { z[0, j] = Float(log(Double(j == 2 ? target : (1 - target) / 6))) }
        let loss = Distillation.vertexLoss(studentLogits: z, teacherLogits: t, mask: [0], mode: .reference)
        #expect(loss.gradient.values.allSatisfy { abs($0) < 1e-5 })
        let expected = M_E * (1 - log(Double(target))) + 6 * (0 - log(Double((1 - target) / 6)))
        #expect(abs(Double(loss.value) - expected) < 1e-4)
    }

    @Test func trueKLIsZeroWhenStudentEqualsTeacher() {
        let t = Dense.random(rows: 3, cols: 4, seed: 5, scale: 2)
        let loss = Distillation.vertexLoss(studentLogits: t, teacherLogits: t, mask: [0, 1, 2], mode: .trueKL)
        #expect(abs(loss.value) < 1e-6)
        #expect(loss.gradient.values.allSatisfy { abs($0) < 1e-6 })
    }

    @Test(arguments: KDLoss.allCases)
    func hyperedgeLossGradientMatchesFiniteDifferences(mode: KDLoss) throws {
        let h = try Hypergraph(hyperedges: [[0, 1, 2], [2, 3], [3, 4, 5], [1, 5]], numVertices: 6, weights: [1, 2, 1, 1])
        let mean = HyperedgeMean(h)
        let z = Dense.random(rows: 6, cols: 3, seed: 7, scale: 2)
        let pt = mean.apply(Distillation.softmax(Dense.random(rows: 6, cols: 3, seed: 8, scale: 3)))
        let kept = [0, 2, 3]
        let loss = Distillation.hyperedgeLoss(studentLogits: z, teacherHyperedgeProbabilities: pt, mean: mean,
                                              kept: kept, mode: mode, tau: 0.5)
        let numeric = Self.numericGradient(z) {
            Distillation.hyperedgeLoss(studentLogits: $0, teacherHyperedgeProbabilities: pt, mean: mean,
                                       kept: kept, mode: mode, tau: 0.5).value
        }
        #expect(Self.maxAbsDifference(loss.gradient, numeric) < 3e-3)
        #expect(loss.gradient.values.contains { $0 != 0 })
    }

    /// A hyperedge outside `kept` contributes nothing: only vertex 3, in no kept hyperedge here,
    /// has a zero gradient.
    @Test func hyperedgeLossIgnoresUnkeptHyperedges() throws {
        let h = try Hypergraph(hyperedges: [[0, 1], [2, 3]], numVertices: 4)
        let mean = HyperedgeMean(h)
        let z = Dense.random(rows: 4, cols: 3, seed: 1)
        let pt = mean.apply(Distillation.softmax(Dense.random(rows: 4, cols: 3, seed: 2)))
        let loss = Distillation.hyperedgeLoss(studentLogits: z, teacherHyperedgeProbabilities: pt, mean: mean,
                                              kept: [0], mode: .reference)
        #expect((0..<3).allSatisfy { loss.gradient[2, $0] == 0 && loss.gradient[3, $0] == 0 })
        #expect((0..<3).contains { loss.gradient[0, $0] != 0 })
        let none = Distillation.hyperedgeLoss(studentLogits: z, teacherHyperedgeProbabilities: pt, mean: mean,
                                              kept: [], mode: .reference)
        #expect(none.value == 0)
    }

    /// ρ_e = 1 − δ_e / max δ; sampling keeps ρ = 1 always, ρ = 0 never, and repeats per epoch.
    @Test func reliabilityAndSampling() {
        let r = HyperedgeReliability(entropyChange: [0, 0.5, 1, 0.25], samplingSeed: 3)
        #expect(r.reliability == [1, 0.5, 0, 0.75])
        var counts = [0, 0, 0, 0]
        for epoch in 0..<400 { for e in r.sample(epoch: epoch) { counts[e] += 1 } }
        #expect(counts[0] == 400)
        #expect(counts[2] == 0)
        #expect(counts[1] > 150 && counts[1] < 250)
        #expect(counts[3] > 250 && counts[3] < 350)
        #expect(r.sample(epoch: 7) == r.sample(epoch: 7))
        // All δ = 0: the reference divides by zero; here every hyperedge is kept.
        #expect(HyperedgeReliability(entropyChange: [0, 0], samplingSeed: 1).reliability == [1, 1])
    }

    /// δ from a teacher: one score per hyperedge in [0, 1], the least stable at 0, and the same
    /// noise (so the same δ) for the same seed only.
    @Test func reliabilityFromATeacher() throws {
        let data = try Synthetic.hypergraphDataset()
        let teacher = HGNNTeacher(inputDim: data.features.dim, hiddenDim: 8, numClasses: 3, seed: 1)
        let op = HGNNOperator(data.hypergraph), mean = HyperedgeMean(data.hypergraph)
        let r = HyperedgeReliability(teacher: teacher, features: data.features, operator: op, mean: mean,
                                     noiseLevel: 1, seed: 4)
        #expect(r.reliability.count == data.hypergraph.numHyperedges)
        #expect(r.reliability.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(r.reliability.min() == 0)
        let again = HyperedgeReliability(teacher: teacher, features: data.features, operator: op, mean: mean,
                                         noiseLevel: 1, seed: 4)
        #expect(again.entropyChange == r.entropyChange)
        let other = HyperedgeReliability(teacher: teacher, features: data.features, operator: op, mean: mean,
                                         noiseLevel: 1, seed: 5)
        #expect(other.entropyChange != r.entropyChange)
    }
}
