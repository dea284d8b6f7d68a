/// A heterogeneous graph: typed nodes and typed relations, each relation a CSR matrix.
///
/// Nodes of each type have their own dense ids `0..<count`. Relation `r` from type `s` to type
/// `t` is a `[count(s) × count(t)]` CSR matrix whose row `u` lists the `t`-neighbours of `u`.
/// This follows the (source type, relation, target type) keying of PyG's `HeteroData` and DGL.
public struct HeterogeneousGraph: Sendable, Equatable {
    /// A node type and how many nodes it has.
    public struct NodeType: Sendable, Equatable {
        public var name: String
        public var count: Int
        public init(name: String, count: Int) { self.name = name; self.count = count }
    }

    /// One relation (edge type) between two node types.
    public struct Relation: Sendable, Equatable {
        /// Relation name, unique within the graph.
        public var name: String
        /// Index of the source node type in ``HeterogeneousGraph/nodeTypes``.
        public var sourceType: Int
        /// Index of the target node type.
        public var targetType: Int
        /// Adjacency `[count(sourceType) × count(targetType)]`.
        public var adjacency: CSRGraph
        public init(name: String, sourceType: Int, targetType: Int, adjacency: CSRGraph) {
            self.name = name
            self.sourceType = sourceType
            self.targetType = targetType
            self.adjacency = adjacency
        }
    }

    /// Node types, in id order.
    public private(set) var nodeTypes: [NodeType]
    /// Relations, in insertion order.
    public private(set) var relations: [Relation]

    /// A graph with the given node types and no relations.
    public init(nodeTypes: [NodeType]) {
        self.nodeTypes = nodeTypes
        self.relations = []
    }

    /// Index of the node type called `name`.
    public func nodeTypeIndex(named name: String) -> Int? { nodeTypes.firstIndex { $0.name == name } }

    /// Index of the relation called `name`.
    public func relationIndex(named name: String) -> Int? { relations.firstIndex { $0.name == name } }

    /// Adds a relation after checking its shape against the node-type counts.
    /// - Throws: ``GraphError/unknownType(_:)`` for a bad type index or a repeated name;
    ///   ``GraphError/shapeMismatch(_:)`` when the matrix shape disagrees with the counts.
    public mutating func addRelation(_ relation: Relation) throws(GraphError) {
        guard nodeTypes.indices.contains(relation.sourceType), nodeTypes.indices.contains(relation.targetType) else {
            throw .unknownType("relation '\(relation.name)' names node type \(relation.sourceType) or \(relation.targetType)")
        }
        guard relationIndex(named: relation.name) == nil else {
            throw .unknownType("relation '\(relation.name)' added twice")
        }
        let rows = nodeTypes[relation.sourceType].count, cols = nodeTypes[relation.targetType].count
        guard relation.adjacency.numRows == rows, relation.adjacency.numColumns == cols else {
            throw .shapeMismatch("relation '\(relation.name)' is \(relation.adjacency.numRows)×\(relation.adjacency.numColumns), node types give \(rows)×\(cols)")
        }
        relations.append(relation)
    }

    /// Adds, for every relation `s –r→ t` without a transpose already present, the reverse
    /// relation `t –r_rev→ s` (adjacency Aᵀ). A relation counts as having a transpose when another
    /// relation runs `t → s` with exactly the transposed matrix (HGB ships both directions).
    public mutating func addReverseRelations(suffix: String = "_rev") {
        let existing = relations
        for r in existing {
            let t = r.adjacency.transposed()
            let hasReverse = existing.contains {
                $0.sourceType == r.targetType && $0.targetType == r.sourceType && $0.adjacency.columnIndices == t.columnIndices
                    && $0.adjacency.rowOffsets == t.rowOffsets
            }
            if hasReverse { continue }
            var name = r.name + suffix
            while relationIndex(named: name) != nil { name += suffix }
            relations.append(Relation(name: name, sourceType: r.targetType, targetType: r.sourceType, adjacency: t))
        }
    }

    /// Total number of nodes over all types.
    public var totalNodes: Int { nodeTypes.reduce(0) { $0 + $1.count } }
    /// Total number of stored entries over all relations.
    public var totalEdges: Int { relations.reduce(0) { $0 + $1.adjacency.nnz } }
}
