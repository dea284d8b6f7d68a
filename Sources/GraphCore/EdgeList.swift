/// A list of directed edges `sources[i] → targets[i]` with optional weights, as read from a file.
///
/// This is the raw input to ``GraphBuilder``; it may contain duplicates, self-loops and both
/// directions of an undirected edge.
public struct EdgeList: Sendable, Equatable {
    /// Source node of each edge, `[numEdges]`.
    public var sources: [Int32]
    /// Target node of each edge, `[numEdges]`.
    public var targets: [Int32]
    /// Weight of each edge, `[numEdges]`, or `nil` for an unweighted list (all weights 1).
    public var weights: [Float]?
    /// Number of nodes; every id is in `0..<numNodes`.
    public var numNodes: Int
    /// External names when the file used string ids; `nil` when ids were integers used as is.
    public var nodeIDs: NodeIDMap?

    /// An edge list; throws if the arrays disagree in length or an id is out of range.
    public init(sources: [Int32], targets: [Int32], weights: [Float]? = nil, numNodes: Int,
                nodeIDs: NodeIDMap? = nil) throws(GraphError) {
        guard sources.count == targets.count else {
            throw .shapeMismatch("\(sources.count) sources but \(targets.count) targets")
        }
        if let w = weights, w.count != sources.count {
            throw .shapeMismatch("\(w.count) weights for \(sources.count) edges")
        }
        if numNodes > Int(Int32.max) { throw .tooLarge("\(numNodes) nodes exceed 32-bit ids") }
        for (i, (s, t)) in zip(sources, targets).enumerated() {
            if s < 0 || Int(s) >= numNodes { throw .nodeOutOfRange(node: Int(s), numNodes: numNodes) }
            if t < 0 || Int(t) >= numNodes { throw .nodeOutOfRange(node: Int(t), numNodes: numNodes) }
            if let w = weights?[i], !(w.isFinite && w >= 0) { throw .invalidWeight(edge: i, weight: w) }
        }
        self.sources = sources
        self.targets = targets
        self.weights = weights
        self.numNodes = numNodes
        self.nodeIDs = nodeIDs
    }

    /// Number of edges as listed (before any merging).
    public var count: Int { sources.count }
}
