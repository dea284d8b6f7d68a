import DenseMath
import GraphCore
import GraphKernels
import NeuralNet
import Testing
@testable import HypergraphLearning

@Suite("HGNN teacher and MLP student")
struct ModelTests {
    /// e0 = {0, 1, 2} (weight 2), e1 = {2, 3}, e2 = {3, 4, 5}; vertex 6 gets a singleton.
    static func tinyHypergraph() throws -> Hypergraph {
        try Hypergraph(hyperedges: [[0, 1, 2], [2, 3], [3, 4, 5]], numVertices: 7, weights: [2, 1, 1],
                       mergeDuplicates: true, addSingletons: true)
    }

    @Test func propagationForwardAndBackwardMatchDenseOperator() throws {
        let h = try Self.tinyHypergraph()
        let l = Dense.hgnnOperator(h)
        let context = HypergraphContext(operator: HGNNOperator(h), isTraining: true)
        let layer = HGNNPropagation()
        let x = Dense.random(rows: 7, cols: 3, seed: 1)
        let y = layer.forward(x, context: context)
        #expect(Dense.maxDifference(Dense.nested(y), Dense.product(l, Dense.nested(x))) < 1e-5)
        // Backward is Lᵀ·dY; L is symmetric.
        let dy = Dense.random(rows: 7, cols: 3, seed: 2)
        let dx = layer.backward(dy, context: context)
        let lT = (0..<7).map { i in (0..<7).map { j in l[j][i] } }
        #expect(Dense.maxDifference(Dense.nested(dx), Dense.product(lT, Dense.nested(dy))) < 1e-5)
    }

    /// Z = L·(ReLU(L·(X Θ₁ + b₁)) Θ₂ + b₂) in evaluation mode, dense and sparse features.
    @Test(arguments: [false, true])
    func teacherForwardMatchesDenseFormula(sparse: Bool) throws {
        let h = try Self.tinyHypergraph()
        let l = Dense.hgnnOperator(h)
        let teacher = HGNNTeacher(inputDim: 5, hiddenDim: 4, numClasses: 3, seed: 9)
        var x = Dense.random(rows: 7, cols: 5, seed: 3)
        if sparse { for k in x.values.indices where k % 4 != 0 { x.values[k] = 0 } }
        let features = NodeFeatures(x, sparseThreshold: 0.3)
        #expect((features.sparse != nil) == sparse)
        let z = teacher.forward(features, context: HypergraphContext(operator: HGNNOperator(h), isTraining: false))
        let l1 = teacher.network.layers[0] as! Linear, l2 = teacher.network.layers[4] as! Linear
        func affine(_ a: [[Double]], _ layer: Linear) -> [[Double]] {
            let w = Dense.nested(layer.weight.value), b = layer.bias!.value.values
            return Dense.product(a, w).map { row in row.enumerated().map { $0.element + Double(b[$0.offset]) } }
        }
        let h1 = Dense.product(l, affine(Dense.nested(x), l1)).map { $0.map { max($0, 0) } }
        let expected = Dense.product(l, affine(h1, l2))
        #expect(Dense.maxDifference(Dense.nested(z), expected) < 1e-5)
    }

    /// ∂(Σ G ⊙ Z)/∂Θ from backward against central differences (dropout 0, training mode).
    @Test(arguments: [false, true])
    func teacherParameterGradientsMatchFiniteDifferences(sparse: Bool) throws {
        let h = try Self.tinyHypergraph()
        let op = HGNNOperator(h)
        let teacher = HGNNTeacher(inputDim: 5, hiddenDim: 4, numClasses: 3, dropout: 0, seed: 11)
        var x = Dense.random(rows: 7, cols: 5, seed: 5)
        if sparse { for k in x.values.indices where k % 3 != 0 { x.values[k] = 0 } }
        let features = NodeFeatures(x, sparseThreshold: sparse ? 0.5 : 0)
        let g = Dense.random(rows: 7, cols: 3, seed: 6)
        func objective() -> Double {
            let z = teacher.forward(features, context: HypergraphContext(operator: op, isTraining: false))
            return zip(z.values, g.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let context = HypergraphContext(operator: op, isTraining: true)
        _ = teacher.forward(features, context: context)
        teacher.network.zeroGradients()
        teacher.backward(g, features: features, context: context)
        for p in teacher.parameters {
            for k in stride(from: 0, to: p.count, by: max(1, p.count / 6)) {
                let saved = p.value.values[k]
                let eps: Float = 1e-3
                p.value.values[k] = saved + eps
                let up = objective()
                p.value.values[k] = saved - eps
                let down = objective()
                p.value.values[k] = saved
                let numeric = (up - down) / Double(2 * eps)
                #expect(abs(numeric - Double(p.gradient.values[k])) < 2e-3, "\(p.name)[\(k)] numeric \(numeric) analytic \(p.gradient.values[k])")
            }
        }
    }

    /// The student's batch statistics make every row depend on the others; check the whole chain
    /// (Linear → ReLU → BatchNorm → Dropout(0) → Linear) against central differences.
    @Test func studentParameterGradientsMatchFiniteDifferences() throws {
        let student = MLPStudent(inputDim: 5, hiddenDim: 6, numClasses: 3, dropout: 0, seed: 2)
        let features = NodeFeatures(Dense.random(rows: 9, cols: 5, seed: 8))
        let g = Dense.random(rows: 9, cols: 3, seed: 9)
        let bn = student.network.layers[2] as! BatchNorm1d
        func objective() -> Double {
            let savedMean = bn.runningMean.value, savedVar = bn.runningVariance.value
            defer { bn.runningMean.value = savedMean; bn.runningVariance.value = savedVar }
            let z = student.forward(features, context: LayerContext(isTraining: true))
            student.network.layers.forEach { $0.releaseCaches() }
            return zip(z.values, g.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let context = LayerContext(isTraining: true)
        _ = student.forward(features, context: context)
        student.network.zeroGradients()
        student.backward(g, features: features, context: context)
        for p in student.parameters {
            for k in stride(from: 0, to: p.count, by: max(1, p.count / 5)) {
                let saved = p.value.values[k]
                let eps: Float = 1e-3
                p.value.values[k] = saved + eps
                let up = objective()
                p.value.values[k] = saved - eps
                let down = objective()
                p.value.values[k] = saved
                #expect(abs((up - down) / Double(2 * eps) - Double(p.gradient.values[k])) < 5e-3, "\(p.name)[\(k)] numeric \((up - down) / Double(2 * eps)) analytic \(p.gradient.values[k])")
            }
        }
    }

    @Test func linearLayersStartFromTorchDefaultRange() {
        let student = MLPStudent(inputDim: 100, hiddenDim: 16, numClasses: 4, seed: 1)
        let first = student.network.layers[0] as! Linear
        let bound: Float = 1 / 10
        #expect(first.weight.value.values.allSatisfy { abs($0) <= bound })
        #expect(first.bias!.value.values.contains { $0 != 0 })
        #expect(first.bias!.value.values.allSatisfy { abs($0) <= bound })
    }

    @Test func l1RowNormalizationKeepsZeroRows() {
        let x = Matrix(rows: 2, cols: 3, values: [1, -1, 2, 0, 0, 0])
        let y = NodeFeatures.l1RowNormalized(x)
        #expect(y.values == [0.25, -0.25, 0.5, 0, 0, 0])
    }
}
