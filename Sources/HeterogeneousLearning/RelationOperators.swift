import GraphCore
import GraphKernels

/// The two mean-aggregation operators of one relation, for RpHGNN's relation-wise neighbour
/// collection (Hu, Hooi & He, TKDE 2024, §4.1, https://arxiv.org/abs/2310.14481).
///
/// For a relation `s –r→ t` with adjacency A `[count(s) × count(t)]` (structure only; weights
/// are ignored, as DGL's `copy_u` + `mean` does):
/// ```
/// forward  = D⁻¹ Aᵀ   [count(t) × count(s)]   (row v averages the s-neighbours of t-node v)
/// backward = D⁻¹ A    [count(s) × count(t)]   (the reverse relation t → s)
/// ```
/// A node without neighbours gets an empty row (its mean is the zero vector). A same-type
/// relation is made symmetric, A ∪ Aᵀ (duplicates merged), and then `forward == backward`.
public struct RelationOperators: Sendable, Equatable {
    /// Name of the kept relation (the HGB link type that was not dropped as a reverse).
    public let name: String
    /// Source node type s (index into the graph's node types).
    public let sourceType: Int
    /// Target node type t.
    public let targetType: Int
    /// D⁻¹Aᵀ, `[count(t) × count(s)]`: one hop s → t.
    public let forward: CSRGraph
    /// D⁻¹A, `[count(s) × count(t)]`: one hop t → s.
    public let backward: CSRGraph

    /// Whether the relation joins a node type to itself (then it is symmetric).
    public var isSameType: Bool { sourceType == targetType }

    public init(name: String, sourceType: Int, targetType: Int, forward: CSRGraph, backward: CSRGraph) {
        self.name = name
        self.sourceType = sourceType
        self.targetType = targetType
        self.forward = forward
        self.backward = backward
    }

    /// The relations of `graph` with one direction per relation pair, as RpHGNN's reference code
    /// prepares HGB graphs (keep one direction, then `dgl.add_reverse_edges` plus typed reverses).
    ///
    /// Relations are visited in order; a relation whose structure is exactly the transpose of an
    /// earlier kept relation between the same two types (in the opposite direction, or the same
    /// type) is dropped as that relation's reverse: HGB ships both directions as separate link
    /// types (ACM `paper-ref-paper` is the transpose of `paper-cite-paper`, `author-paper` of
    /// `paper-author`). Every kept relation gets both operators, so reverses are not lost.
    ///
    /// - Complexity: O(Σ nnz) per relation pair compared, plus the transposes.
    public static func make(from graph: HeterogeneousGraph) -> [RelationOperators] {
        keptRelations(of: graph).map { k in
            let r = k.relation
            if r.sourceType == r.targetType {
                let symmetric = union(k.structure, k.transpose)
                let mean = Normalization.randomWalk(symmetric)
                return RelationOperators(name: r.name, sourceType: r.sourceType, targetType: r.targetType,
                                         forward: mean, backward: mean)
            }
            return RelationOperators(name: r.name, sourceType: r.sourceType, targetType: r.targetType,
                                     forward: Normalization.randomWalk(k.transpose),
                                     backward: Normalization.randomWalk(k.structure))
        }
    }

    /// The relations ``make(from:)`` keeps (reverses of earlier relations dropped), in order,
    /// with their unweighted structure A and its transpose Aᵀ.
    static func keptRelations(of graph: HeterogeneousGraph)
        -> [(relation: HeterogeneousGraph.Relation, structure: CSRGraph, transpose: CSRGraph)] {
        var kept: [(relation: HeterogeneousGraph.Relation, structure: CSRGraph, transpose: CSRGraph)] = []
        for relation in graph.relations {
            let structure = relation.adjacency.withWeights(nil)
            let isReverse = kept.contains { k in
                k.relation.sourceType == relation.targetType && k.relation.targetType == relation.sourceType
                    && k.transpose.rowOffsets == structure.rowOffsets && k.transpose.columnIndices == structure.columnIndices
            }
            if isReverse { continue }
            kept.append((relation, structure, structure.transposed()))
        }
        return kept
    }

    /// The structure of A ∪ B for two unweighted `[n × m]` matrices (rows merged, duplicates once).
    static func union(_ a: CSRGraph, _ b: CSRGraph) -> CSRGraph {
        precondition(a.numRows == b.numRows && a.numColumns == b.numColumns, "union: shapes differ")
        var offsets = [Int](repeating: 0, count: a.numRows + 1)
        var columns: [Int32] = []
        columns.reserveCapacity(a.nnz + b.nnz)
        for u in 0..<a.numRows {
            var i = a.rowOffsets[u], j = b.rowOffsets[u]
            let iEnd = a.rowOffsets[u + 1], jEnd = b.rowOffsets[u + 1]
            while i < iEnd || j < jEnd {
                let x = i < iEnd ? a.columnIndices[i] : Int32.max
                let y = j < jEnd ? b.columnIndices[j] : Int32.max
                columns.append(min(x, y))
                if x <= y { i += 1 }
                if y <= x { j += 1 }
            }
            offsets[u + 1] = columns.count
        }
        // Rows are merged sorted lists without repeats, so the invariants hold.
        return try! CSRGraph(numRows: a.numRows, numColumns: a.numColumns, rowOffsets: offsets, columnIndices: columns)
    }
}
