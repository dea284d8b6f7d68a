/// Errors raised while building or validating graphs in memory.
public enum GraphError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A node id outside `0..<numNodes`.
    case nodeOutOfRange(node: Int, numNodes: Int)
    /// A weight that is NaN, infinite or negative.
    case invalidWeight(edge: Int, weight: Float)
    /// The same edge appeared twice under ``DuplicateEdgePolicy/reject``.
    case duplicateEdge(source: Int, target: Int)
    /// A self-loop appeared under ``SelfLoopPolicy/reject``.
    case selfLoop(node: Int)
    /// More entries than 32-bit column indices or 64-bit offsets can address.
    case tooLarge(String)
    /// Arrays whose lengths disagree.
    case shapeMismatch(String)
    /// A relation or node type that does not exist in a heterogeneous graph.
    case unknownType(String)

    public var description: String {
        switch self {
        case let .nodeOutOfRange(node, n): "node id \(node) is outside 0..<\(n)"
        case let .invalidWeight(edge, w): "edge \(edge) has weight \(w); weights must be finite and non-negative"
        case let .duplicateEdge(s, t): "duplicate edge \(s) → \(t) (duplicate policy is 'reject')"
        case let .selfLoop(u): "self-loop on node \(u) (self-loop policy is 'reject')"
        case let .tooLarge(what): "graph too large: \(what)"
        case let .shapeMismatch(what): "shape mismatch: \(what)"
        case let .unknownType(what): "unknown type: \(what)"
        }
    }
}
