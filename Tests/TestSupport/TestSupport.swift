import Foundation
import GraphLearning
import RealModule

/// Shared fixtures and slow references for the test targets.
public enum Fixtures {
    /// The repository root, found by walking up from this file.
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// Path of a file under `graphs/`.
    public static func graphPath(_ relative: String) -> String {
        repositoryRoot.appendingPathComponent("graphs").appendingPathComponent(relative).path
    }

    /// A directed edge list from pairs; weights optional.
    public static func edgeList(_ pairs: [(Int, Int)], numNodes: Int, weights: [Float]? = nil) -> EdgeList {
        try! EdgeList(sources: pairs.map { Int32($0.0) }, targets: pairs.map { Int32($0.1) },
                      weights: weights, numNodes: numNodes)
    }

    /// A random directed edge list from a seed (duplicates and self-loops possible).
    public static func randomEdgeList(numNodes: Int, numEdges: Int, seed: UInt64, weighted: Bool = false) -> EdgeList {
        var rng = SplitMix64(seed: seed)
        var s: [Int32] = [], t: [Int32] = [], w: [Float] = []
        for _ in 0..<numEdges {
            s.append(Int32(rng.nextInt(below: numNodes)))
            t.append(Int32(rng.nextInt(below: numNodes)))
            w.append(rng.nextUnitFloat() + 0.5)
        }
        return try! EdgeList(sources: s, targets: t, weights: weighted ? w : nil, numNodes: numNodes)
    }

    /// A random dense matrix with entries in [-1, 1).
    public static func randomMatrix(rows: Int, cols: Int, seed: UInt64) -> Matrix {
        var rng = SplitMix64(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in 2 * rng.nextUnitFloat() - 1 })
    }

    /// The dense form of a CSR matrix, `[numRows × numColumns]`.
    public static func dense(_ a: CSRGraph) -> [[Double]] {
        var d = [[Double]](repeating: [Double](repeating: 0, count: a.numColumns), count: a.numRows)
        for u in 0..<a.numRows {
            for e in a.rowOffsets[u]..<a.rowOffsets[u + 1] {
                d[u][Int(a.columnIndices[e])] += Double(a.weights?[e] ?? 1)
            }
        }
        return d
    }

    /// Slow reference product of dense matrices in Double.
    public static func denseProduct(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let n = a.count, k = b.count, m = b.first?.count ?? 0
        var c = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        for i in 0..<n { for p in 0..<k where a[i][p] != 0 { for j in 0..<m { c[i][j] += a[i][p] * b[p][j] } } }
        return c
    }

    /// A `Matrix` as nested Double arrays.
    public static func nested(_ m: Matrix) -> [[Double]] {
        (0..<m.rows).map { i in (0..<m.cols).map { Double(m[i, $0]) } }
    }

    /// Whether every entry agrees to `tolerance` (relative, with an absolute floor of `tolerance`).
    public static func approximatelyEqual(_ a: [[Double]], _ b: [[Double]], tolerance: Double = 1e-5) -> Bool {
        guard a.count == b.count else { return false }
        for (ra, rb) in zip(a, b) {
            guard ra.count == rb.count else { return false }
            for (x, y) in zip(ra, rb) where !x.isApproximatelyEqual(to: y, absoluteTolerance: tolerance, relativeTolerance: tolerance) {
                return false
            }
        }
        return true
    }
}
