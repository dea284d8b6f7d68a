import DenseMath
import NeuralNet
import Testing
import TestSupport

@Suite("Layer gradients (finite differences)")
struct LayerGradientTests {
    let context = LayerContext(isTraining: true, step: 3)

    @Test(arguments: [true, false])
    func linear(bias: Bool) {
        var rng = SplitMix64(seed: 1)
        let layer = Linear(inputDim: 5, outputDim: 4, bias: bias, rng: &rng)
        if let b = layer.bias { b.value = GradientCheck.randomMatrix(rows: 1, cols: 4, seed: 9) }
        let mismatches = GradientCheck.check(layer, input: GradientCheck.randomMatrix(rows: 6, cols: 5, seed: 2), context: context)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func relu() {
        let mismatches = GradientCheck.check(ReLU(), input: GradientCheck.randomMatrix(rows: 5, cols: 4, seed: 3), context: context)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test(arguments: [1, 4])
    func prelu(channels: Int) {
        let layer = PReLU(channels: channels)
        layer.slope.value = GradientCheck.randomMatrix(rows: 1, cols: channels, seed: 5)
        let mismatches = GradientCheck.check(layer, input: GradientCheck.randomMatrix(rows: 5, cols: 4, seed: 4), context: context)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test(arguments: [Float(1), 0.5])
    func elu(alpha: Float) {
        let mismatches = GradientCheck.check(ELU(alpha: alpha), input: GradientCheck.randomMatrix(rows: 5, cols: 4, seed: 6), context: context)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func dropoutWithItsSeededMask() {
        // The same (seed, step, row) gives the same mask in every forward of the check.
        let mismatches = GradientCheck.check(Dropout(probability: 0.4, seed: 11), input: GradientCheck.randomMatrix(rows: 6, cols: 7, seed: 7), context: context)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func batchNormInTrainingMode() {
        let layer = BatchNorm1d(channels: 3)
        layer.scale.value = GradientCheck.randomMatrix(rows: 1, cols: 3, seed: 12)
        layer.shift.value = GradientCheck.randomMatrix(rows: 1, cols: 3, seed: 13)
        let mismatches = GradientCheck.check(layer, input: GradientCheck.randomMatrix(rows: 7, cols: 3, seed: 8), context: context,
                                             eps: 1e-2, tolerance: 5e-3)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test(arguments: [(3, 2, 4), (2, 3, 1)])
    func hopConvolution(inHops: Int, outHops: Int, dim: Int) {
        var rng = SplitMix64(seed: 14)
        let layer = HopConvolution(inHops: inHops, outHops: outHops, dim: dim, rng: &rng)
        layer.bias!.value = GradientCheck.randomMatrix(rows: 1, cols: outHops, seed: 15)
        let mismatches = GradientCheck.check(layer, input: GradientCheck.randomMatrix(rows: 5, cols: inHops * dim, seed: 16), context: context)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func sequentialChainsLayers() {
        var rng = SplitMix64(seed: 17)
        let net = Sequential([Linear(inputDim: 4, outputDim: 6, rng: &rng), ELU(), Dropout(probability: 0.3, seed: 1),
                              Linear(inputDim: 6, outputDim: 3, rng: &rng)])
        let layer = SequentialAsLayer(net)
        let mismatches = GradientCheck.check(layer, input: GradientCheck.randomMatrix(rows: 5, cols: 4, seed: 18), context: context)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}

/// Wraps a Sequential so the generic gradient check can drive it.
final class SequentialAsLayer: Layer {
    let net: Sequential
    init(_ net: Sequential) { self.net = net }
    var kind: String { "sequential" }
    var parameters: [Parameter] { net.parameters }
    func forward(_ input: Matrix, context: LayerContext) -> Matrix { net.forward(input, context: context) }
    func backward(_ gradOutput: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        net.backward(gradOutput, context: context, needsInputGradient: needsInputGradient)
    }
    func releaseCaches() { for l in net.layers { l.releaseCaches() } }
}
