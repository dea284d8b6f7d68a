import DenseMath

/// Class labels of the nodes of a graph, single- or multi-label.
///
/// Stored flat, like a CSR matrix: the classes of node `u` are
/// `classes[offsets[u] ..< offsets[u + 1]]`, sorted ascending without repeats. A node without a
/// class has an empty range. Class `c` is called `classNames[c]`.
public struct NodeLabels: Sendable, Equatable {
    /// Number of nodes (labelled or not).
    public let numNodes: Int
    /// Start of each node's classes in ``classes``, `[numNodes + 1]`.
    public let offsets: [Int]
    /// Class ids, `[total labels]`, each in `0 ..< numClasses`.
    public let classes: [Int32]
    /// Name of each class, `[numClasses]`: the label as written in the file.
    public let classNames: [String]

    /// Labels from per-node class lists.
    /// - Parameters:
    ///   - perNode: `[numNodes]` lists of class ids (repeats are dropped, lists are sorted).
    ///   - classNames: `[numClasses]` names; every id must be in range.
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` for a class id outside `0 ..< classNames.count`.
    public init(perNode: [[Int32]], classNames: [String]) throws(GraphIOError) {
        var offsets = [Int](repeating: 0, count: perNode.count + 1)
        var classes: [Int32] = []
        for (u, list) in perNode.enumerated() {
            for c in list where c < 0 || Int(c) >= classNames.count {
                throw .shapeMismatch("node \(u) has class \(c), outside 0..<\(classNames.count)")
            }
            let sorted = Array(Set(list)).sorted()
            classes.append(contentsOf: sorted)
            offsets[u + 1] = classes.count
        }
        self.numNodes = perNode.count
        self.offsets = offsets
        self.classes = classes
        self.classNames = classNames
    }

    /// Number of classes.
    public var numClasses: Int { classNames.count }

    /// Whether some node has more than one class.
    public var isMultiLabel: Bool {
        for u in 0..<numNodes where offsets[u + 1] - offsets[u] > 1 { return true }
        return false
    }

    /// The classes of node `u`, ascending.
    public func labels(of u: Int) -> ArraySlice<Int32> { classes[offsets[u]..<offsets[u + 1]] }

    /// Nodes with at least one class, ascending.
    public var labelledNodes: [Int] {
        (0..<numNodes).filter { offsets[$0 + 1] > offsets[$0] }
    }

    /// One class per node, `[numNodes]`: the node's class, or -1 when it has none. For a
    /// multi-label node this is its smallest class id; check ``isMultiLabel`` first.
    public func singleLabels() -> [Int32] {
        (0..<numNodes).map { offsets[$0 + 1] > offsets[$0] ? classes[offsets[$0]] : -1 }
    }

    /// The multi-hot indicator matrix Y, `[numNodes × numClasses]`, with `Y[u, c] = 1` when node
    /// `u` has class `c` and 0 otherwise.
    public func indicatorMatrix() -> Matrix {
        var y = Matrix(rows: numNodes, cols: numClasses)
        for u in 0..<numNodes {
            for e in offsets[u]..<offsets[u + 1] { y[u, Int(classes[e])] = 1 }
        }
        return y
    }
}
