import DenseMath
import GraphCore

/// A homogeneous graph dataset: edges plus optional node features, labels and split.
///
/// On disk it is either a single edge-list file, or a folder holding
///
/// | file | content | reader |
/// |---|---|---|
/// | `edges.tsv` (required) | `src dst [weight]` per line | ``EdgeListReader`` |
/// | `features.npy` or `features.mtx` | `[numNodes × dim]`, row = node id | ``NPY`` / ``MatrixMarketReader`` |
/// | `labels.tsv` | `node<TAB>class`, several lines = multi-label | ``LabelReader`` |
/// | `split.tsv` | `node<TAB>split`, split = train, val or test | ``SplitReader`` |
///
/// (`graphs/cora` is such a folder.) With integer ids, feature rows beyond the largest id in the
/// edge list are isolated nodes, so `numNodes = max(max id + 1, feature rows)`; with string ids,
/// row `i` belongs to the `i`-th distinct name and the counts must agree.
///
/// Each of these files may be gzip-compressed instead (`edges.tsv.gz`, `features.mtx.gz`, …;
/// the reader's results and errors are those of the plain file). The edge file may also be a
/// PyG `edge_index` (`edges.npy`, ``EdgeIndexReader``) instead of `edges.tsv`. An OGB
/// node-property folder (``OGBNodeFolder``, e.g. `ogbn_arxiv/` as the `ogb` package downloads
/// it) is loaded too.
public struct NodeDataset: Sendable, Equatable {
    /// The edges as read (see ``EdgeListReader``); `numNodes` covers every feature row.
    public var edges: EdgeList
    /// Node features `[numNodes × dim]`, if the folder has them.
    public var features: Matrix?
    /// Node labels over `numNodes` nodes, if the folder has them.
    public var labels: NodeLabels?
    /// The train / validation / test split, if the folder has one.
    public var split: NodeSplit?

    /// A dataset from its parts (no checks: `features.rows` and the label and split node ids
    /// should match `edges.numNodes`).
    public init(edges: EdgeList, features: Matrix? = nil, labels: NodeLabels? = nil, split: NodeSplit? = nil) {
        self.edges = edges
        self.features = features
        self.labels = labels
        self.split = split
    }

    /// Number of nodes.
    public var numNodes: Int { edges.numNodes }

    /// Which optional files ``load(_:readOptions:parts:)`` reads (`edges.tsv` always).
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `features.npy` / `features.mtx` values. Without it only the file's header is read: its
        /// row count still sets the node count (isolated nodes), so ids and counts are those of a
        /// full load, and ``features`` is `nil`.
        public static let features = Parts(rawValue: 1)
        /// `labels.tsv`.
        public static let labels = Parts(rawValue: 2)
        /// `split.tsv`.
        public static let split = Parts(rawValue: 4)
        /// Everything.
        public static let all: Parts = [.features, .labels, .split]
    }

    /// Re-reads the edge list with `numNodes = rows` to name the first line whose node id has no
    /// feature row (error path only).
    private static func firstNodeBeyond(rows: Int, featureFile: String, edgeFile: String,
                                        options: EdgeListReadOptions) throws(GraphIOError) {
        var strict = options
        strict.numNodes = rows
        do {
            _ = try EdgeListReader.read(edgeFile, options: strict)
        } catch {
            guard case .parse(let file, let line, let column, let message) = error else { throw error }
            let named = message.replacingOccurrences(of: "numNodes = \(rows)",
                                                     with: "\(rows), the row count of \(featureFile)")
            throw .parse(file: file, line: line, column: column, message: named)
        }
    }

    /// Loads an edge-list file, or a dataset folder as described on the type.
    /// - Parameters:
    ///   - path: a dataset folder, an OGB node-property folder, or a single edge-list file.
    ///   - readOptions: how `edges.tsv` (or the file) is read.
    ///   - parts: the optional files to read; the others stay `nil` (e.g. `[.split]` for a tool
    ///     that needs the graph and the split: the feature file's header only, no labels).
    /// - Throws: the errors of the readers named on the type (naming the file at fault);
    ///   ``GraphIOError/fileNotFound(_:)`` for a folder without `edges.tsv` (and not an OGB
    ///   folder); ``GraphIOError/shapeMismatch(_:)`` when the feature rows do not fit the node
    ///   count; ``GraphIOError/dataset(folder:message:)`` when the folder has two files for one
    ///   part (`features.npy` and `features.mtx`, `edges.tsv` and `edges.tsv.gz`, …);
    ///   ``GraphIOError/npy(file:message:)`` for a NaN or infinite feature in `features.npy`
    ///   (``FeatureMatrixReader``; the Matrix Market reader rejects them itself); for an OGB folder, the errors of
    ///   ``OGBNodeFolder/load(_:split:parts:readOptions:)``.
    public static func load(_ path: String, readOptions: EdgeListReadOptions = .init(),
                            parts: Parts = .all) throws(GraphIOError) -> NodeDataset {
        guard FileBytes.isFolder(path) else {
            return NodeDataset(edges: try EdgeListReader.read(path, options: readOptions))
        }
        let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
        let edgeFile = try existingFile(folder, oneOf: ["edges.tsv", "edges.npy"])
        if edgeFile == nil && OGBNodeFolder.isOGBFolder(folder) {
            return try OGBNodeFolder.load(folder, parts: parts, readOptions: readOptions)
        }
        guard let edgeFile else { throw .fileNotFound(folder + "/edges.tsv") }
        var edges = try EdgeListReader.read(edgeFile, options: readOptions)

        var features: Matrix?
        var featureRows: Int?
        var featureFile = ""
        if let npy = try existingFile(folder, oneOf: ["features.npy", "features.mtx"]), FilePaths.formatExtension(of: npy) == "npy" {
            featureFile = npy
            if parts.contains(.features) {
                features = try FeatureMatrixReader.read(featureFile)
            } else {
                let shape = try NPY.shape(ofFile: featureFile)
                guard shape.count == 2 else {
                    throw .npy(file: featureFile, message: "expected features of shape [numNodes × dim] (a 2-D array), found shape \(shape)")
                }
                featureRows = shape[0]
            }
        } else if let mtx = try existingFile(folder, oneOf: ["features.mtx"]) {
            featureFile = mtx
            if parts.contains(.features) {
                features = try MatrixMarketReader.read(featureFile)
            } else {
                featureRows = try MatrixMarketReader.header(ofFile: featureFile).rows
            }
        }
        if let rows = features?.rows ?? featureRows, rows != edges.numNodes {
            if edges.nodeIDs == nil && rows > edges.numNodes && readOptions.numNodes == nil {
                edges.numNodes = rows // isolated nodes that no edge mentions
            } else {
                if edges.nodeIDs == nil && rows < edges.numNodes && readOptions.numNodes == nil {
                    try firstNodeBeyond(rows: rows, featureFile: featureFile, edgeFile: edgeFile, options: readOptions)
                }
                throw .shapeMismatch("\(featureFile) has \(rows) rows, but the graph has \(edges.numNodes) nodes")
            }
        }
        let labelFile = parts.contains(.labels) ? try existingFile(folder, oneOf: ["labels.tsv"]) : nil
        let labels = try labelFile.map { (f: String) throws(GraphIOError) in
            try LabelReader.read(f, nodeIDs: edges.nodeIDs, numNodes: edges.numNodes)
        }
        let splitFile = parts.contains(.split) ? try existingFile(folder, oneOf: ["split.tsv"]) : nil
        let split = try splitFile.map { (f: String) throws(GraphIOError) in
            try SplitReader.read(f, nodeIDs: edges.nodeIDs, numNodes: edges.numNodes)
        }
        return NodeDataset(edges: edges, features: features, labels: labels, split: split)
    }

    /// What a tool notes (info level) when the edge ids were names, not dense integers: they
    /// were relabelled in order of first appearance, and — for a dataset folder `path` with a
    /// feature file — the feature rows are matched to them in that order, which a user with rows
    /// in another order would otherwise never learn. `nil` when the ids were integers.
    public func relabelNote(path: String) -> String? {
        guard let ids = edges.nodeIDs else { return nil }
        let quoted = { (i: Int) in "'\(ids.names[i])'" }
        let sample = ids.names.indices.prefix(3).map(quoted).joined(separator: ", ")
        var note = "node ids are not all dense non-negative integers (first: \(sample)); they were relabelled 0..<\(ids.count) in order of first appearance"
        if FileBytes.isFolder(path) {
            let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
            let name = { (file: String?) in file.map { String($0.dropFirst(folder.count + 1)) } }
            if let edgeFile = name(try? Self.existingFile(folder, oneOf: ["edges.tsv", "edges.npy"])) {
                note += " in \(edgeFile)"
            }
            if let featureFile = name(try? Self.existingFile(folder, oneOf: ["features.npy", "features.mtx"])) {
                let second = ids.count > 1 ? ", row 1 is \(quoted(1))" : ""
                note += ", and row i of \(featureFile) is taken as the i-th of them (row 0 is \(quoted(0))\(second), …)"
            }
        }
        return note
    }

    /// The path of the one file of `folder` named as one of `names`, plain or with `.gz`
    /// (`features.mtx`, `features.mtx.gz`, …), or `nil` when there is none.
    /// - Throws: ``GraphIOError/dataset(folder:message:)`` when several exist.
    public static func existingFile(_ folder: String, oneOf names: [String]) throws(GraphIOError) -> String? {
        let found = names.flatMap { [$0, $0 + ".gz"] }.filter { FileBytes.exists(folder + "/" + $0) }
        if found.count > 1 {
            throw .dataset(folder: folder, message: "has both \(found.joined(separator: " and ")); keep one")
        }
        return found.first.map { folder + "/" + $0 }
    }
}
