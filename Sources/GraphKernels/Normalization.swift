import DenseMath
import GraphCore

/// Degree normalisations of adjacency matrices. Every result is a new CSR graph with weights;
/// a zero degree gives a zero factor, never `inf` or `NaN`.
public enum Normalization {
    /// The random-walk transition matrix D⁻¹A.
    ///
    /// ```
    /// P[u, v] = w(u, v) / d(u),   d(u) = Σ_v w(u, v)   (weighted out-degree)
    /// ```
    /// Rows of nodes with zero out-degree stay empty. Shapes: `[n × m]` in, `[n × m]` out.
    /// - Complexity: O(n + nnz).
    public static func randomWalk(_ a: CSRGraph) -> CSRGraph {
        let degrees = a.weightedDegrees()
        var w = a.weights ?? [Float](repeating: 1, count: a.nnz)
        for u in 0..<a.numRows {
            let d = degrees[u]
            let inv: Float = d > 0 ? 1 / d : 0
            for e in a.rowOffsets[u]..<a.rowOffsets[u + 1] { w[e] *= inv }
        }
        return a.withWeights(w)
    }

    /// The symmetric normalisation D^-1/2 A D^-1/2 of a square matrix, with D the weighted
    /// out-degrees of A. Zero-degree nodes get factor 0.
    /// - Complexity: O(n + nnz).
    public static func symmetric(_ a: CSRGraph) -> CSRGraph {
        precondition(a.isSquare, "symmetric normalisation needs a square matrix")
        let invSqrt = a.weightedDegrees().map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        var w = a.weights ?? [Float](repeating: 1, count: a.nnz)
        for u in 0..<a.numRows {
            for e in a.rowOffsets[u]..<a.rowOffsets[u + 1] {
                w[e] *= invSqrt[u] * invSqrt[Int(a.columnIndices[e])]
            }
        }
        return a.withWeights(w)
    }

    /// The GCN propagation matrix Â = D̃^-1/2 (A + I) D̃^-1/2 (Kipf & Welling, ICLR 2017, eq. 2),
    /// D̃ the weighted degrees of A + I. An existing self-loop gets weight w(u, u) + 1.
    /// - Complexity: O(n + nnz).
    public static func gcn(_ a: CSRGraph) -> CSRGraph {
        symmetric(addingSelfLoops(a, weight: 1))
    }

    /// A + c·I: adds `weight` to every diagonal entry, inserting it where absent (rows stay sorted).
    /// - Complexity: O(n + nnz).
    public static func addingSelfLoops(_ a: CSRGraph, weight: Float = 1) -> CSRGraph {
        precondition(a.isSquare, "self-loops need a square matrix")
        let n = a.numRows
        var offsets = [Int](repeating: 0, count: n + 1)
        var cols: [Int32] = []
        var ws: [Float] = []
        cols.reserveCapacity(a.nnz + n)
        ws.reserveCapacity(a.nnz + n)
        for u in 0..<n {
            var placed = false
            for e in a.rowOffsets[u]..<a.rowOffsets[u + 1] {
                let v = Int(a.columnIndices[e])
                let w = a.weights?[e] ?? 1
                if !placed && v >= u {
                    if v == u {
                        cols.append(Int32(u)); ws.append(w + weight); placed = true
                        continue
                    }
                    cols.append(Int32(u)); ws.append(weight); placed = true
                }
                cols.append(Int32(v)); ws.append(w)
            }
            if !placed { cols.append(Int32(u)); ws.append(weight) }
            offsets[u + 1] = cols.count
        }
        return CSRGraph(unchecked: n, n, offsets, cols, ws)
    }
}
