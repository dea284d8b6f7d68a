import DenseMath
import GraphCore

/// Link prediction as in the FastRP paper's evaluation (CIKM 2019, §5.3, from the authors'
/// notebooks): hold out a share of the edges while keeping a spanning tree, embed the rest, and
/// check how often a held-out edge is closer in the embedding than a random node pair.
///
/// ```
/// score = (1/|E_test|) · Σᵢ [cos(pᵢ) > cos(qᵢ)] + ½·[cos(pᵢ) = cos(qᵢ)]
/// ```
/// pᵢ a held-out edge, qᵢ a uniformly random pair of distinct nodes (a paired AUC estimate with
/// one negative per positive). A zero embedding row has cosine similarity 0 with everything.
public enum LinkPrediction {
    /// An unordered node pair `(u, v)`, `u < v`.
    public struct NodePair: Sendable, Equatable, Hashable {
        public let u: Int32
        public let v: Int32
        public init(_ a: Int32, _ b: Int32) {
            u = min(a, b)
            v = max(a, b)
        }
    }

    /// A training graph and its test pairs.
    public struct Split: Sendable {
        /// The graph without the held-out edges (symmetric, weights kept), same nodes.
        public let trainingGraph: CSRGraph
        /// Held-out edges (positives), `[numHeldOut]`.
        public let positives: [NodePair]
        /// Random pairs of distinct nodes (negatives), `[numHeldOut]`.
        public let negatives: [NodePair]
    }

    /// Splits an undirected graph.
    ///
    /// The undirected edges are shuffled (seeded); Kruskal's algorithm over that order picks a
    /// spanning forest (every spanning tree of an unweighted graph is minimum), and then the
    /// first non-tree edges in the order are kept until `1 − holdOutFraction` of the edges are;
    /// the remaining non-tree edges are held out. If the forest alone exceeds the kept share,
    /// fewer edges are held out.
    /// - Parameters:
    ///   - graph: symmetric adjacency matrix (self-loops are ignored).
    ///   - holdOutFraction: share of edges to hold out, in (0, 1) (paper: 0.3).
    ///   - seed: seeds the spanning tree's order, the held-out edges and the random pairs.
    /// - Throws: ``EmbeddingError/invalidConfiguration(_:)`` for a fraction outside (0, 1);
    ///   ``EmbeddingError/shapeMismatch(_:)`` for a non-symmetric graph;
    ///   ``EmbeddingError/insufficientData(_:)`` when no edge can be held out or there are
    ///   fewer than 2 nodes.
    /// - Complexity: O(n + nnz · α(n)).
    public static func split(_ graph: CSRGraph, holdOutFraction: Double = 0.3, seed: UInt64) throws(EmbeddingError) -> Split {
        guard holdOutFraction > 0, holdOutFraction < 1 else {
            throw .invalidConfiguration("hold-out fraction must be in (0, 1), got \(holdOutFraction)")
        }
        guard graph.isSquare, graph.isSymmetric else {
            throw .shapeMismatch("link prediction needs an undirected (symmetric) graph")
        }
        let n = graph.numNodes
        guard n >= 2 else { throw .insufficientData("link prediction needs at least 2 nodes, got \(n)") }
        var edges: [(u: Int32, v: Int32, w: Float)] = []
        for u in 0..<n {
            for e in graph.rowOffsets[u]..<graph.rowOffsets[u + 1] where Int(graph.columnIndices[e]) > u {
                edges.append((Int32(u), graph.columnIndices[e], graph.weights?[e] ?? 1))
            }
        }
        var rng = SplitMix64(seed: seed, stream: 0)
        if edges.count > 1 {
            for i in stride(from: edges.count - 1, to: 0, by: -1) { edges.swapAt(i, rng.nextInt(below: i + 1)) }
        }
        var parent = (0..<n).map { Int32($0) }
        func find(_ x: Int32) -> Int32 {
            var x = x
            while parent[Int(x)] != x {
                parent[Int(x)] = parent[Int(parent[Int(x)])]
                x = parent[Int(x)]
            }
            return x
        }
        var inTree = [Bool](repeating: false, count: edges.count)
        var treeCount = 0
        for (i, e) in edges.enumerated() {
            let a = find(e.u), b = find(e.v)
            if a != b {
                parent[Int(max(a, b))] = min(a, b)
                inTree[i] = true
                treeCount += 1
            }
        }
        let keep = max(treeCount, edges.count - Int((holdOutFraction * Double(edges.count)).rounded(.down)))
        var keptNonTree = keep - treeCount
        var sources: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        var positives: [NodePair] = []
        for (i, e) in edges.enumerated() {
            if inTree[i] || keptNonTree > 0 {
                if !inTree[i] { keptNonTree -= 1 }
                sources.append(e.u)
                targets.append(e.v)
                weights.append(e.w)
            } else {
                positives.append(NodePair(e.u, e.v))
            }
        }
        guard !positives.isEmpty else {
            throw .insufficientData("no edge can be held out: the graph's \(edges.count) edges are all needed by its spanning forest")
        }
        var negatives: [NodePair] = []
        var pairRNG = SplitMix64(seed: seed, stream: 1)
        while negatives.count < positives.count {
            let a = Int32(pairRNG.nextInt(below: n)), b = Int32(pairRNG.nextInt(below: n))
            if a != b { negatives.append(NodePair(a, b)) }
        }
        let list = try! EdgeList(sources: sources, targets: targets, weights: graph.weights == nil ? nil : weights, numNodes: n)
        let training = try! GraphBuilder.build(list, options: .undirected)
        return Split(trainingGraph: training, positives: positives, negatives: negatives)
    }

    /// The paired score of `positives` against `negatives` (formula on the type).
    /// - Precondition: same count (> 0), node ids below `embeddings.rows`.
    public static func score(_ embeddings: Matrix, positives: [NodePair], negatives: [NodePair]) -> Double {
        precondition(positives.count == negatives.count && !positives.isEmpty, "score: need as many negatives as positives (> 0)")
        var wins = 0.0
        for (p, q) in zip(positives, negatives) {
            let a = cosine(embeddings, p), b = cosine(embeddings, q)
            if a > b { wins += 1 } else if a == b { wins += 0.5 }
        }
        return wins / Double(positives.count)
    }

    /// Cosine similarity of the two rows, in Double; 0 when either row is zero.
    public static func cosine(_ m: Matrix, _ pair: NodePair) -> Double {
        var dot = 0.0, nu = 0.0, nv = 0.0
        let u = Int(pair.u) * m.cols, v = Int(pair.v) * m.cols
        for j in 0..<m.cols {
            let a = Double(m.values[u + j]), b = Double(m.values[v + j])
            dot += a * b
            nu += a * a
            nv += b * b
        }
        return nu > 0 && nv > 0 ? dot / (nu * nv).squareRoot() : 0
    }
}
