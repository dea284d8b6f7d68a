import DenseMath
import NeuralNet
import Testing
import TestSupport

@Suite("Layer behaviour")
struct LayerBehaviourTests {
    @Test func dropoutMaskDoesNotDependOnThreadsOrChunking() {
        let x = Matrix(rows: 300, cols: 130, repeating: 1)  // 39,000 entries: above the parallel threshold
        let whole = Dropout(probability: 0.5, seed: 5).forward(x, context: LayerContext(isTraining: true, step: 2, threads: 1))
        let threaded = Dropout(probability: 0.5, seed: 5).forward(x, context: LayerContext(isTraining: true, step: 2, threads: 4))
        #expect(whole == threaded)
        // Rows 100..<300 computed as a chunk with rowOffset 100 match the whole-graph rows.
        let chunk = Matrix(rows: 200, cols: 130, repeating: 1)
        let part = Dropout(probability: 0.5, seed: 5).forward(chunk, context: LayerContext(isTraining: true, step: 2, rowOffset: 100))
        #expect(Array(whole.values[(100 * 130)...]) == part.values)
        // Another step draws another mask; the kept fraction is close to 1 − p.
        let other = Dropout(probability: 0.5, seed: 5).forward(x, context: LayerContext(isTraining: true, step: 3))
        #expect(other != whole)
        let kept = Double(whole.values.filter { $0 != 0 }.count) / Double(x.values.count)
        #expect(abs(kept - 0.5) < 0.02)
        #expect(whole.values.allSatisfy { $0 == 0 || $0 == 2 })
    }

    @Test func dropoutIsIdentityInEvaluation() {
        let x = GradientCheck.randomMatrix(rows: 4, cols: 3, seed: 1)
        #expect(Dropout(probability: 0.9, seed: 1).forward(x, context: LayerContext(isTraining: false)) == x)
    }

    @Test func batchNormEvaluationUsesRunningStatistics() {
        let bn = BatchNorm1d(channels: 1, momentum: 1)  // running stats = last batch's
        let x = Matrix(rows: 4, cols: 1, values: [1, 2, 3, 4])
        _ = bn.forward(x, context: LayerContext(isTraining: true))
        #expect(bn.runningMean.value.values == [2.5])
        #expect(abs(bn.runningVariance.value.values[0] - 5.0 / 3.0) < 1e-6)  // unbiased
        let y = bn.forward(Matrix(rows: 1, cols: 1, values: [2.5]), context: LayerContext(isTraining: false))
        #expect(abs(y.values[0]) < 1e-6)
    }

    /// The fused inference pass (ReLU then batch norm, in place) gives the bits of the two layers'
    /// evaluation forwards, on the row-parallel path and off it.
    @Test(arguments: [(rows: 7, threads: 1), (rows: 400, threads: 1), (rows: 400, threads: 3)])
    func fusedInferencePassMatchesTheLayers(rows: Int, threads: Int) {
        let bn = BatchNorm1d(channels: 100)
        bn.scale.value = GradientCheck.randomMatrix(rows: 1, cols: 100, seed: 2)
        bn.shift.value = GradientCheck.randomMatrix(rows: 1, cols: 100, seed: 3)
        bn.runningMean.value = GradientCheck.randomMatrix(rows: 1, cols: 100, seed: 4)
        bn.runningVariance.value = Matrix(rows: 1, cols: 100, values: (0..<100).map { 0.5 + Float($0) / 50 })
        let x = GradientCheck.randomMatrix(rows: rows, cols: 100, seed: 5)  // 40,000 entries at 400 rows
        let context = LayerContext(isTraining: false, threads: threads)
        let expected = bn.forward(ReLU().forward(x, context: context), context: context)
        var fused = x
        bn.normalizeForInference(&fused, rectifyingFirst: true, threads: threads)
        #expect(fused == expected)
        #expect(x.values.contains { $0 < 0 } && expected.values.contains { $0 != 0 })
        var plain = x
        bn.normalizeForInference(&plain, rectifyingFirst: false, threads: threads)
        #expect(plain == bn.forward(x, context: context))
        #expect(plain != fused)
    }

    @Test func batchNormTrainingOutputDoesNotDependOnThreads() {
        let x = GradientCheck.randomMatrix(rows: 400, cols: 100, seed: 6)
        let one = BatchNorm1d(channels: 100).forward(x, context: LayerContext(isTraining: true, threads: 1))
        let three = BatchNorm1d(channels: 100).forward(x, context: LayerContext(isTraining: true, threads: 3))
        #expect(one == three)
    }

    @Test func sequentialSkipsWorkBeforeTheFirstParameterisedLayer() {
        var rng = SplitMix64(seed: 3)
        let net = Sequential([Dropout(probability: 0.5, seed: 1), Linear(inputDim: 3, outputDim: 2, rng: &rng), ReLU()])
        let ctx = LayerContext(isTraining: true)
        let y = net.forward(GradientCheck.randomMatrix(rows: 4, cols: 3, seed: 2), context: ctx)
        #expect(net.backward(Matrix(rows: y.rows, cols: y.cols, repeating: 1), context: ctx) == nil)
        #expect(net.parameters[0].gradient.values.contains { $0 != 0 })
    }

    @Test func columnSumsAreTheSameForAnyThreadCount() {
        let m = GradientCheck.randomMatrix(rows: 5000, cols: 9, seed: 4)
        var one = [Float](repeating: 0, count: 9), four = one
        Kernels.addColumnSums(of: m, to: &one, threads: 1)
        Kernels.addColumnSums(of: m, to: &four, threads: 4)
        #expect(one == four)
        var reference = [Double](repeating: 0, count: 9)
        for i in 0..<5000 { for j in 0..<9 { reference[j] += Double(m[i, j]) } }
        for j in 0..<9 { #expect(abs(Double(one[j]) - reference[j]) < 1e-3) }
    }

    @Test func glorotBoundsAndDeterminism() {
        var a = SplitMix64(seed: 8), b = SplitMix64(seed: 8)
        let w = Initialization.glorotUniform(fanIn: 30, fanOut: 20, rng: &a)
        #expect(w == Initialization.glorotUniform(fanIn: 30, fanOut: 20, rng: &b))
        let bound = (6.0 / 50.0).squareRoot()
        #expect(w.values.allSatisfy { abs(Double($0)) <= bound })
        #expect(w.values.map { abs(Double($0)) }.max()! > 0.9 * bound)
    }

    @Test func reluOutputAndMask() {
        let x = Matrix(rows: 1, cols: 4, values: [-1, 0, 2, -3])
        let relu = ReLU()
        let ctx = LayerContext(isTraining: true)
        #expect(relu.forward(x, context: ctx).values == [0, 0, 2, 0])
        #expect(relu.backward(Matrix(rows: 1, cols: 4, repeating: 5), context: ctx).values == [0, 0, 5, 0])
    }
}

@Suite("Matrix pool")
struct MatrixPoolTests {
    @Test func recycledStorageIsReusedAndProtectedStorageIsNot() {
        let pool = MatrixPool()
        let n = MatrixPool.minimumCount
        let a = Matrix(rows: n / 4, cols: 4, repeating: 1)
        pool.recycle(a)
        #expect(pool.keptBytes == n * 4)
        let b = pool.take(rows: 4, cols: n / 4)  // same element count, another shape
        #expect(b.rows == 4 && MatrixPool.sameStorage(a, b))
        #expect(pool.keptBytes == 0)
        let features = Matrix(rows: n, cols: 1)
        pool.protect(features)
        pool.recycle(features)
        pool.recycle(Matrix(rows: 2, cols: 2))  // too small to keep
        #expect(pool.keptBytes == 0)
    }

    @Test func writingIntoARecycledBufferStillReferencedElsewhereCopiesIt() {
        let pool = MatrixPool()
        let live = Matrix(rows: MatrixPool.minimumCount, cols: 1, repeating: 7)
        pool.recycle(live)  // wrongly recycled while still in use
        var reused = pool.take(rows: MatrixPool.minimumCount, cols: 1)
        reused.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        #expect(live.values.allSatisfy { $0 == 7 })
        #expect(!MatrixPool.sameStorage(live, reused))
    }
}
