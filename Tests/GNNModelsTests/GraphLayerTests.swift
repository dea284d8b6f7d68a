import DenseMath
import GNNModels
import GraphCore
import NeuralNet
import Testing
import TestSupport

@Suite("Graph layers: forward against dense references, gradients by finite differences")
struct GraphLayerTests {
    let gcnOperator = GraphOperator.gcn(adjacency: TinyGraphs.undirected)
    let meanOperator = GraphOperator.mean(adjacency: TinyGraphs.directed)

    @Test func gcnOperatorMatchesDenseFormulaAndIsSymmetric() {
        #expect(gcnOperator.isSymmetric)
        #expect(TinyGraphs.maxDifference(TinyGraphs.dense(gcnOperator.matrix), TinyGraphs.denseGCN(TinyGraphs.undirected)) < 1e-6)
        // Isolated node 5 keeps only its self-loop: Â[5,5] = 1.
        #expect(gcnOperator.matrix.weight(from: 5, to: 5) == 1)
        // Degree-3 node 1 (with self-loop, d̃ = 4) and degree-1 node 4 (d̃ = 2): 1/sqrt(8).
        #expect(abs(Double(gcnOperator.matrix.weight(from: 1, to: 4)) - 1 / 8.0.squareRoot()) < 1e-6)
        #expect(!meanOperator.isSymmetric)
        #expect(meanOperator.transpose == meanOperator.matrix.transposed())
    }

    @Test(arguments: [(3, 2), (2, 4)])  // transform first, aggregate first
    func gcnForward(inputDim: Int, outputDim: Int) {
        var rng = SplitMix64(seed: 1)
        let layer = GCNLayer(inputDim: inputDim, outputDim: outputDim, rng: &rng)
        layer.bias.value = GradientCheck.randomMatrix(rows: 1, cols: outputDim, seed: 2)
        let h = GradientCheck.randomMatrix(rows: 6, cols: inputDim, seed: 3)
        let y = layer.forward(h, context: GraphContext(graph: gcnOperator, isTraining: false))
        let reference = TinyGraphs.addRow(
            TinyGraphs.product(TinyGraphs.product(TinyGraphs.denseGCN(TinyGraphs.undirected), TinyGraphs.nested(h)), TinyGraphs.nested(layer.weight.value)),
            layer.bias.value.values.map(Double.init))
        #expect(TinyGraphs.maxDifference(TinyGraphs.nested(y), reference) < 1e-5)
    }

    @Test(arguments: [(3, 2), (2, 4)])
    func gcnGradients(inputDim: Int, outputDim: Int) {
        var rng = SplitMix64(seed: 4)
        let layer = GCNLayer(inputDim: inputDim, outputDim: outputDim, rng: &rng)
        let mismatches = GradientCheck.check(layer, input: GradientCheck.randomMatrix(rows: 6, cols: inputDim, seed: 5),
                                             context: GraphContext(graph: gcnOperator, isTraining: true))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test(arguments: [(3, 2), (2, 4)])
    func sageForward(inputDim: Int, outputDim: Int) {
        var rng = SplitMix64(seed: 6)
        let layer = SAGELayer(inputDim: inputDim, outputDim: outputDim, rng: &rng)
        layer.bias.value = GradientCheck.randomMatrix(rows: 1, cols: outputDim, seed: 7)
        let h = GradientCheck.randomMatrix(rows: 5, cols: inputDim, seed: 8)
        let y = layer.forward(h, context: GraphContext(graph: meanOperator, isTraining: false))
        let hd = TinyGraphs.nested(h)
        let neighbours = TinyGraphs.product(TinyGraphs.product(TinyGraphs.denseMean(TinyGraphs.directed), hd), TinyGraphs.nested(layer.neighborWeight.value))
        let own = TinyGraphs.product(hd, TinyGraphs.nested(layer.selfWeight.value))
        let reference = TinyGraphs.addRow(TinyGraphs.add(neighbours, own), layer.bias.value.values.map(Double.init))
        #expect(TinyGraphs.maxDifference(TinyGraphs.nested(y), reference) < 1e-5)
    }

    @Test(arguments: [(3, 2), (2, 4)])
    func sageGradientsOnADirectedGraph(inputDim: Int, outputDim: Int) {
        var rng = SplitMix64(seed: 9)
        let layer = SAGELayer(inputDim: inputDim, outputDim: outputDim, rng: &rng)
        let mismatches = GradientCheck.check(layer, input: GradientCheck.randomMatrix(rows: 5, cols: inputDim, seed: 10),
                                             context: GraphContext(graph: meanOperator, isTraining: true))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func gcniiForward() {
        var rng = SplitMix64(seed: 11)
        let layer = GCNIILayer(dim: 3, alpha: 0.1, lambda: 0.5, layerIndex: 2, rng: &rng)
        #expect(abs(Double(layer.beta) - 0.22314355) < 1e-6)  // log(0.5/2 + 1)
        let h = GradientCheck.randomMatrix(rows: 6, cols: 3, seed: 12)
        let h0 = GradientCheck.randomMatrix(rows: 6, cols: 3, seed: 13)
        let ctx = GraphContext(graph: gcnOperator, isTraining: false)
        ctx.initialRepresentation = h0
        let y = layer.forward(h, context: ctx)
        let s = TinyGraphs.add(TinyGraphs.product(TinyGraphs.denseGCN(TinyGraphs.undirected), TinyGraphs.nested(h)), TinyGraphs.nested(h0), 0.9, 0.1)
        let beta = Double(layer.beta)
        let reference = TinyGraphs.add(s, TinyGraphs.product(s, TinyGraphs.nested(layer.weight.value)), 1 - beta, beta)
        #expect(TinyGraphs.maxDifference(TinyGraphs.nested(y), reference) < 1e-5)
    }

    /// H⁰ feeds every GCNII layer, so ∂loss/∂input includes the initial-residual paths.
    @Test func gcniiStackGradientsIncludeInitialResidual() {
        var rng = SplitMix64(seed: 14)
        let net = Sequential([
            Linear(inputDim: 3, outputDim: 4, rng: &rng), InitialRepresentation(),
            GCNIILayer(dim: 4, alpha: 0.2, lambda: 0.5, layerIndex: 1, rng: &rng), ELU(),
            GCNIILayer(dim: 4, alpha: 0.2, lambda: 0.5, layerIndex: 2, rng: &rng),
        ])
        let mismatches = GradientCheck.check(SequentialAsLayer(net), input: GradientCheck.randomMatrix(rows: 6, cols: 3, seed: 15),
                                             context: GraphContext(graph: gcnOperator, isTraining: true))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func layersAreDeterministicAcrossThreadCounts() {
        // 3,000-node random graph, 64 columns: large enough for the parallel paths.
        var rng = SplitMix64(seed: 16)
        var s: [Int32] = [], t: [Int32] = []
        for _ in 0..<12_000 { s.append(Int32(rng.nextInt(below: 3000))); t.append(Int32(rng.nextInt(below: 3000))) }
        let adjacency = try! GraphBuilder.build(try! EdgeList(sources: s, targets: t, numNodes: 3000))
        let graph = GraphOperator.gcn(adjacency: adjacency)
        let x = GradientCheck.randomMatrix(rows: 3000, cols: 64, seed: 17)
        func run(threads: Int) -> (Matrix, Matrix) {
            var r = SplitMix64(seed: 18)
            let layer = GCNLayer(inputDim: 64, outputDim: 64, rng: &r)
            let ctx = GraphContext(graph: graph, isTraining: true, threads: threads)
            let y = layer.forward(x, context: ctx)
            return (y, layer.backward(y, context: ctx))
        }
        let (y1, g1) = run(threads: 1)
        let (y2, g2) = run(threads: 3)
        #expect(y1 == y2)
        #expect(g1 == g2)
    }
}

@Suite("Graph operator")
struct GraphOperatorTests {
    @Test func undirectedGCNOperatorIsBitwiseSymmetric() {
        var rng = SplitMix64(seed: 30)
        var s: [Int32] = [], t: [Int32] = [], w: [Float] = []
        for _ in 0..<2000 {
            s.append(Int32(rng.nextInt(below: 500))); t.append(Int32(rng.nextInt(below: 500))); w.append(rng.nextUnitFloat() + 0.1)
        }
        let a = try! GraphBuilder.build(try! EdgeList(sources: s, targets: t, weights: w, numNodes: 500))
        let trusted = GraphOperator.gcn(adjacency: a, adjacencyIsSymmetric: true)
        let checked = GraphOperator.gcn(adjacency: a)
        #expect(checked.isSymmetric)
        #expect(trusted.matrix == trusted.matrix.transposed())
        #expect(trusted.matrix == checked.matrix)
    }
}

/// A pipeline stage computes a chunk's rows with a row block of Â: the outputs are the matching
/// rows of the whole-graph output, and the blocks' input gradients and weight gradients add up
/// to the whole-graph ones.
@Suite("Row-block (chunk) operators")
struct RowBlockTests {
    static func rowBlock(_ a: CSRGraph, _ rows: Range<Int>) -> CSRGraph {
        let lo = a.rowOffsets[rows.lowerBound], hi = a.rowOffsets[rows.upperBound]
        return try! CSRGraph(numRows: rows.count, numColumns: a.numColumns,
                             rowOffsets: a.rowOffsets[rows.lowerBound...rows.upperBound].map { $0 - lo },
                             columnIndices: Array(a.columnIndices[lo..<hi]), weights: a.weights.map { Array($0[lo..<hi]) })
    }

    @Test func gcnAndGCNIIChunksMatchTheWholeGraph() {
        let whole = GraphOperator.gcn(adjacency: TinyGraphs.undirected)
        let blocks = [0..<2, 2..<6].map { GraphOperator(Self.rowBlock(whole.matrix, $0)) }
        let h = GradientCheck.randomMatrix(rows: 6, cols: 3, seed: 40)
        let h0 = GradientCheck.randomMatrix(rows: 6, cols: 3, seed: 41)
        let dy = GradientCheck.randomMatrix(rows: 6, cols: 3, seed: 42)
        var rng = SplitMix64(seed: 43)
        let gcn = GCNLayer(inputDim: 3, outputDim: 3, rng: &rng)
        let gcnii = GCNIILayer(dim: 3, alpha: 0.1, lambda: 0.5, layerIndex: 1, rng: &rng)
        for layer in [gcn, gcnii] as [any Layer] {
            func run(_ op: GraphOperator, rows: Range<Int>) -> (y: Matrix, dh: Matrix, dw: Matrix) {
                let ctx = GraphContext(graph: op, isTraining: true)
                ctx.initialRepresentation = h0.gatherRows(Array(rows))
                for p in layer.parameters { p.zeroGradient() }
                let y = layer.forward(h, context: ctx)
                let dh = layer.backward(dy.gatherRows(Array(rows)), context: ctx)
                return (y, dh, layer.parameters[0].gradient)
            }
            let full = run(whole, rows: 0..<6)
            let a = run(blocks[0], rows: 0..<2), b = run(blocks[1], rows: 2..<6)
            #expect(a.y.values + b.y.values == full.y.values, "\(layer.kind) outputs")
            for i in full.dh.values.indices {
                #expect(abs(a.dh.values[i] + b.dh.values[i] - full.dh.values[i]) < 1e-5, "\(layer.kind) ∂H[\(i)]")
            }
            for i in full.dw.values.indices {
                #expect(abs(a.dw.values[i] + b.dw.values[i] - full.dw.values[i]) < 1e-5, "\(layer.kind) ∂W[\(i)]")
            }
        }
    }
}
