import DenseMath
import GraphCore
@testable import HypergraphLearning

/// Small planted-class hypergraph datasets for fast tests.
enum Synthetic {
    /// `classes × perClass` vertices (class of v = v % classes), `dim` bag-of-words features that
    /// weakly indicate the class, hyperedges of 3–5 members that are mostly one class, and a few
    /// vertices in no hyperedge.
    static func dataset(classes: Int = 3, perClass: Int = 40, dim: Int = 24, hyperedges: Int = 60,
                        purity: Double = 0.9, seed: UInt64 = 7) -> (edges: [[Int]], features: Matrix, labels: [Int32]) {
        var rng = SplitMix64(seed: seed)
        let n = classes * perClass
        let labels = (0..<n).map { Int32($0 % classes) }
        var x = Matrix(rows: n, cols: dim)
        let topic = dim / classes
        for v in 0..<n {
            for _ in 0..<3 {
                let j = rng.nextUnitDouble() < 0.5 ? Int(labels[v]) * topic + rng.nextInt(below: topic) : rng.nextInt(below: dim)
                x[v, j] = 1
            }
        }
        var edges: [[Int]] = []
        for _ in 0..<hyperedges {
            let c = rng.nextInt(below: classes)
            let size = 3 + rng.nextInt(below: 3)
            var e: [Int] = []
            for _ in 0..<size {
                // The last few vertices of each class are in no hyperedge.
                let cls = rng.nextUnitDouble() < purity ? c : rng.nextInt(below: classes)
                let v = cls + classes * rng.nextInt(below: perClass - 10 / classes - 1)
                e.append(v)
            }
            edges.append(e)
        }
        return (edges, x, labels)
    }

    static func hypergraphDataset(seed: UInt64 = 7) throws -> HypergraphDataset {
        let d = dataset(seed: seed)
        let h = try Hypergraph(hyperedges: d.edges, numVertices: d.labels.count, mergeDuplicates: true, addSingletons: true)
        return try HypergraphDataset(hypergraph: h, features: NodeFeatures.l1RowNormalized(d.features),
                                     labels: d.labels, numClasses: 3)
    }

    static func smallConfiguration(epochs: Int = 30) -> LightHGNNConfiguration {
        var c = LightHGNNConfiguration()
        c.epochs = epochs
        c.trainPerClass = 5
        c.validationPerClass = 10
        c.studentHidden = 16
        c.teacherHidden = 8
        return c
    }
}

/// Dense Double references.
enum Dense {
    /// L = Dv^-1/2 H W De^-1 Hᵀ Dv^-1/2 from the incidence lists, `[n × n]`.
    static func hgnnOperator(_ h: Hypergraph) -> [[Double]] {
        let n = h.numVertices, m = h.numHyperedges
        var inc = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        for e in 0..<m { for v in h.members.neighbors(of: e) { inc[Int(v)][e] = 1 } }
        let w = h.hyperedgeWeights.map(Double.init)
        let dv = (0..<n).map { v in (0..<m).reduce(0.0) { $0 + w[$1] * inc[v][$1] } }
        let de = (0..<m).map { e in (0..<n).reduce(0.0) { $0 + inc[$1][e] } }
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for e in 0..<m where de[e] > 0 { s += inc[i][e] * w[e] / de[e] * inc[j][e] }
                let fi = dv[i] > 0 ? 1 / dv[i].squareRoot() : 0, fj = dv[j] > 0 ? 1 / dv[j].squareRoot() : 0
                l[i][j] = fi * s * fj
            }
        }
        return l
    }

    static func product(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let k = b.count, m = b.first?.count ?? 0
        return a.map { row in (0..<m).map { j in (0..<k).reduce(0.0) { $0 + row[$1] * b[$1][j] } } }
    }

    static func nested(_ m: Matrix) -> [[Double]] {
        (0..<m.rows).map { i in (0..<m.cols).map { Double(m[i, $0]) } }
    }

    static func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
    }

    static func random(rows: Int, cols: Int, seed: UInt64, scale: Float = 1) -> Matrix {
        var rng = SplitMix64(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in (2 * rng.nextUnitFloat() - 1) * scale })
    }
}
