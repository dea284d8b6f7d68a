import DenseMath
import GNNModels
import GraphCore
import NeuralNet

/// Tiny hand-drawn graphs and dense references for the graph layers.
enum TinyGraphs {
    /// Undirected, 6 nodes, node 5 isolated:
    /// ```
    ///   0 ── 1 ── 2        5
    ///   │    │
    ///   3    4
    /// ```
    static let undirected: CSRGraph = {
        let edges = try! EdgeList(sources: [0, 1, 0, 1], targets: [1, 2, 3, 4], numNodes: 6)
        return try! GraphBuilder.build(edges, options: .undirected)
    }()

    /// Directed, 5 nodes: 0→1, 1→2, 2→0, 0→3, 3→4, 4→0 and 1→3 (node in-degrees differ from out-degrees).
    static let directed: CSRGraph = {
        let edges = try! EdgeList(sources: [0, 1, 2, 0, 3, 4, 1], targets: [1, 2, 0, 3, 4, 0, 3], numNodes: 5)
        return try! GraphBuilder.build(edges, options: .directed)
    }()

    static func dense(_ a: CSRGraph) -> [[Double]] {
        var d = [[Double]](repeating: [Double](repeating: 0, count: a.numColumns), count: a.numRows)
        for u in 0..<a.numRows {
            for e in a.rowOffsets[u]..<a.rowOffsets[u + 1] { d[u][Int(a.columnIndices[e])] += Double(a.weights?[e] ?? 1) }
        }
        return d
    }

    /// Â = D̃^-1/2 (A + I) D̃^-1/2, computed densely.
    static func denseGCN(_ a: CSRGraph) -> [[Double]] {
        var m = dense(a)
        let n = m.count
        for i in 0..<n { m[i][i] += 1 }
        let d = m.map { $0.reduce(0, +) }
        for i in 0..<n { for j in 0..<n { m[i][j] /= (d[i] * d[j]).squareRoot() } }
        return m
    }

    /// D⁻¹A, computed densely (zero rows for nodes without out-edges).
    static func denseMean(_ a: CSRGraph) -> [[Double]] {
        var m = dense(a)
        for i in m.indices {
            let d = m[i].reduce(0, +)
            if d > 0 { m[i] = m[i].map { $0 / d } }
        }
        return m
    }

    static func nested(_ m: Matrix) -> [[Double]] {
        (0..<m.rows).map { i in (0..<m.cols).map { Double(m[i, $0]) } }
    }

    static func product(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let n = a.count, k = b.count, m = b.first?.count ?? 0
        var c = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        for i in 0..<n { for p in 0..<k { for j in 0..<m { c[i][j] += a[i][p] * b[p][j] } } }
        return c
    }

    static func add(_ a: [[Double]], _ b: [[Double]], _ sa: Double = 1, _ sb: Double = 1) -> [[Double]] {
        zip(a, b).map { ra, rb in zip(ra, rb).map { sa * $0 + sb * $1 } }
    }

    static func addRow(_ a: [[Double]], _ row: [Double]) -> [[Double]] {
        a.map { r in zip(r, row).map { $0 + $1 } }
    }

    static func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
        var m = 0.0
        for (ra, rb) in zip(a, b) { for (x, y) in zip(ra, rb) { m = max(m, abs(x - y)) } }
        return m
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
