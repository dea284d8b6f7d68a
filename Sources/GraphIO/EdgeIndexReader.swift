import GraphCore

/// Reads a PyTorch Geometric `edge_index` saved as NumPy `.npy`
/// (`numpy.save("edge_index.npy", data.edge_index.numpy())`) into a ``/GraphCore/EdgeList``.
///
/// Format: a 2-D array of shape `(2, E)` in C order, element type int64 (PyG's) or int32;
/// column e is edge e, `edge_index[0, e]` its source and `edge_index[1, e]` its target. A `.gz`
/// file holding such a `.npy` is read too. The result is what ``EdgeListReader`` gives for the
/// same edges written as text, one `source target` line per column in order: duplicates,
/// both directions and self-loops are kept as listed; no weights (PyG keeps them apart, in
/// `edge_weight`).
///
/// Ids: with integer and automatic ids (``EdgeListReadOptions/IDMode``) they are node ids,
/// `0 ... EdgeListReader.largestNodeID` and below ``EdgeListReadOptions/numNodes`` when given;
/// automatic mode relabels them in order of first appearance (source before target, edge by
/// edge), with their decimal text as names, when they are too sparse for dense arrays
/// (``EdgeListReader/isSparseIDSpace(maxID:edges:)``), as it does for text; string mode always
/// relabels.
public enum EdgeIndexReader {
    /// Reads the `edge_index` `.npy` file at `path`.
    /// - Returns: `[E]` sources and targets, `numNodes = max(options.numNodes, max id + 1)` (or
    ///   the number of distinct ids when relabelled) and the name map when relabelled.
    /// - Throws: the errors of ``NPY/read(_:)``; ``GraphIOError/npy(file:message:)`` for an
    ///   array that is not `(2, E)` or not integer, a negative id, an id above the largest
    ///   supported one or not below `options.numNodes`, or `options.weighted == true`;
    ///   ``GraphIOError/empty(_:)`` for E = 0; ``GraphIOError/shapeMismatch(_:)`` for a
    ///   `skipRows` option (text only) or a `numNodes` option outside `0 ... Int32.max`.
    /// - Complexity: O(E) time; memory: the array (16 bytes per edge for int64) and the result.
    public static func read(_ path: String, options: EdgeListReadOptions = .init()) throws(GraphIOError) -> EdgeList {
        try parse(NPY.read(path), file: path, options: options)
    }

    /// The edge list of an `edge_index` array already in memory; `file` names it in errors.
    /// Same checks, result and errors as ``read(_:options:)``.
    public static func parse(_ array: NPYArray, file: String, options: EdgeListReadOptions = .init()) throws(GraphIOError) -> EdgeList {
        let (sources, targets) = try ids(of: array, file: file, options: options)
        return try edgeList(sources: sources, targets: targets, file: file, options: options)
    }

    /// The rows of a `(2, E)` integer array as `[E]` sources and targets, checked as described
    /// on the type (in string mode only non-negativity is required).
    static func ids(of array: NPYArray, file: String, options: EdgeListReadOptions) throws(GraphIOError) -> ([Int], [Int]) {
        if let n = options.numNodes, n < 0 || n > EdgeListReader.largestNodeID + 1 {
            throw .shapeMismatch("\(file): the numNodes option (\(n)) is outside 0...\(EdgeListReader.largestNodeID + 1)")
        }
        if options.skipRows != 0 {
            throw .shapeMismatch("\(file): the skipRows option (\(options.skipRows)) applies to text edge lists; an edge_index .npy has no header lines")
        }
        if options.weighted == true {
            throw .npy(file: file, message: "a PyG edge_index holds no edge weights (PyG keeps them in a separate edge_weight array); read it unweighted")
        }
        let shape = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        guard array.shape.count == 2, array.shape[0] == 2 else {
            let transposed = array.shape.count == 2 && array.shape[1] == 2 ? " (this looks like its transpose, [E × 2]: save edge_index itself)" : ""
            throw .npy(file: file, message: "expected a PyG edge_index of shape (2, E), found shape \(shape)\(transposed)")
        }
        let values: [Int]
        switch array.storage {
        case let .int64(v): values = v.map { Int($0) }
        case let .int32(v): values = v.map { Int($0) }
        case .float32, .float64:
            throw .npy(file: file, message: "expected integer node ids (int64 or int32) in edge_index, found \(array.dtype.rawValue) values")
        }
        let count = array.shape[1]
        if count == 0 { throw .empty(file) }
        let limit = options.idMode == .string ? Int.max : (options.numNodes.map { $0 - 1 } ?? EdgeListReader.largestNodeID)
        for (i, id) in values.enumerated() where id < 0 || id > limit {
            let at = "edge_index[\(i / count), \(i % count)] = \(id)"
            if id < 0 { throw .npy(file: file, message: "\(at): node ids must be non-negative") }
            if let n = options.numNodes { throw .npy(file: file, message: "\(at) is not below numNodes = \(n)") }
            throw .npy(file: file, message: "\(at) is larger than the largest supported id \(EdgeListReader.largestNodeID) (32-bit ids)")
        }
        return (Array(values[..<count]), Array(values[count...]))
    }

    /// The edge list of checked ids: dense ids as they are, or relabelled (string mode, or
    /// automatic mode on a sparse id space).
    static func edgeList(sources: [Int], targets: [Int], file: String, options: EdgeListReadOptions) throws(GraphIOError) -> EdgeList {
        let maxID = max(sources.max() ?? -1, targets.max() ?? -1)
        let relabel = options.idMode == .string
            || (options.idMode == .automatic && options.numNodes == nil && EdgeListReader.isSparseIDSpace(maxID: maxID, edges: sources.count))
        guard relabel else {
            return EdgeListReader.makeEdgeList(sources: sources.map { Int32($0) }, targets: targets.map { Int32($0) }, weights: nil,
                                               numNodes: max(maxID + 1, options.numNodes ?? 0), nodeIDs: nil)
        }
        let (names, s, t, _) = relabelled(sources: sources, targets: targets)
        if let capacity = options.numNodes, names.count > capacity {
            throw .npy(file: file, message: "edge_index has \(names.count) distinct node ids, more than numNodes = \(capacity)")
        }
        return EdgeListReader.makeEdgeList(sources: s, targets: t, weights: nil, numNodes: max(names.count, options.numNodes ?? 0),
                                           nodeIDs: names)
    }

    /// Ids renumbered in order of first appearance (source before target, edge by edge), their
    /// decimal text as names; also the 1-based edge of each name's first appearance.
    static func relabelled(sources: [Int], targets: [Int]) -> (NodeIDMap, [Int32], [Int32], [Int]) {
        var names = NodeIDMap()
        var firstEdge: [Int] = []
        var s = [Int32](), t = [Int32]()
        s.reserveCapacity(sources.count)
        t.reserveCapacity(targets.count)
        for e in sources.indices {
            for (id, side) in [(sources[e], 0), (targets[e], 1)] {
                let name = String(id)
                if names.lookup(name) == nil { firstEdge.append(e + 1) }
                let dense = names.id(for: name)
                if side == 0 { s.append(dense) } else { t.append(dense) }
            }
        }
        return (names, s, t, firstEdge)
    }

    /// Part `part` of `parts` of the edges of the `edge_index` at `path`, for
    /// ``EdgeListReader/readPart(_:part:of:options:strings:)``: every rank reads the array and
    /// keeps an equal share of its columns (a column is a "line"; nothing fails after the checks,
    /// which throw on every rank alike).
    static func readPart(_ path: String, part: Int, of parts: Int, options: EdgeListReadOptions,
                         strings: Bool) throws(GraphIOError) -> EdgeListPart {
        var checkOptions = options
        if strings { checkOptions.idMode = .string }
        let (sources, targets) = try ids(of: NPY.read(path), file: path, options: checkOptions)
        let lo = sources.count * part / parts, hi = sources.count * (part + 1) / parts
        let s = Array(sources[lo..<hi]), t = Array(targets[lo..<hi])
        var summary = EdgeListPartSummary()
        summary.fieldCount = s.isEmpty ? 0 : 2
        summary.firstDataLine = s.isEmpty ? 0 : 1
        summary.lines = s.count
        summary.edgeCount = s.count
        if strings {
            let (names, ls, lt, firstEdge) = relabelled(sources: s, targets: t)
            return EdgeListPart(sources: ls, targets: lt, weights: nil, strings: true, names: names.names, nameLines: firstEdge,
                                summary: summary, linesBefore: 0)
        }
        summary.maxID = max(s.max() ?? -1, t.max() ?? -1)
        return EdgeListPart(sources: s.map { Int32($0) }, targets: t.map { Int32($0) }, weights: nil, strings: false, names: [],
                            nameLines: [], summary: summary, linesBefore: 0)
    }
}
