import DenseMath

/// Whether a pre-computed tensor is one hop across a relation (odd) or a round trip back to
/// the node's own type (even); RpHGNN's even-odd propagation scheme (TKDE 2024, §4.2).
public enum Parity: String, Sendable, Codable, CaseIterable {
    /// One hop across the relation: the mean of the neighbours' representations.
    case odd
    /// Two hops, across the relation and back: lives in the node type's own feature space.
    case even
}

/// The pre-computed tensors of one (relation, parity) group of the target node type, stacked on
/// a hop axis.
///
/// Shape of ``values``: `[numNodes × (hops · dim)]`, row-major; hop slot `k` of node `u` is
/// `values[u, k·dim ..< (k+1)·dim]`. Slot `k` of an odd group holds hop 2k+1, slot `k` of an even
/// group hop 2k+2; with the raw features included, even groups start with them in slot 0
/// (hop 0) and the hops follow in slots 1…K.
public struct FeatureGroup: Sendable, Equatable {
    /// The relation the group was propagated along.
    public let relation: String
    /// Odd (one hop across) or even (there and back).
    public let parity: Parity
    /// Number of hop slots S.
    public let hops: Int
    /// Feature width d of one slot.
    public let dim: Int
    /// The stacked tensors, `[numNodes × (hops · dim)]`.
    public var values: Matrix

    public init(relation: String, parity: Parity, hops: Int, dim: Int, values: Matrix) {
        precondition(values.cols == hops * dim, "FeatureGroup: \(values.cols) columns for \(hops) hops × \(dim)")
        self.relation = relation
        self.parity = parity
        self.hops = hops
        self.dim = dim
        self.values = values
    }

    /// `relation.parity`, e.g. `paper-author.odd`.
    public var name: String { "\(relation).\(parity.rawValue)" }
}

/// The output of RpHGNN's pre-computation: one ``FeatureGroup`` per (relation incident to the
/// target type, parity), in relation order with odd before even, over the target type's nodes
/// (local ids).
public struct PrecomputedFeatures: Sendable, Equatable {
    /// Number of target nodes (rows of every group).
    public let numNodes: Int
    /// The groups.
    public var groups: [FeatureGroup]

    public init(numNodes: Int, groups: [FeatureGroup]) {
        precondition(groups.allSatisfy { $0.values.rows == numNodes }, "every group needs \(numNodes) rows")
        self.numNodes = numNodes
        self.groups = groups
    }

    /// Total number of stored floats, Σ numNodes · hops · dim.
    public var floatCount: Int { groups.reduce(0) { $0 + $1.values.values.count } }
}
