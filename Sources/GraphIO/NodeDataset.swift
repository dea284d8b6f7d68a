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

    /// Loads an edge-list file, or a dataset folder as described on the type.
    /// - Parameter readOptions: how `edges.tsv` (or the file) is read.
    /// - Throws: the errors of the readers named on the type (naming the file at fault);
    ///   ``GraphIOError/fileNotFound(_:)`` for a folder without `edges.tsv`;
    ///   ``GraphIOError/shapeMismatch(_:)`` when the feature rows do not fit the node count or the
    ///   folder has both feature files; ``GraphIOError/npy(file:message:)`` for a NaN or infinite
    ///   feature in `features.npy` (the Matrix Market reader rejects them itself).
    public static func load(_ path: String, readOptions: EdgeListReadOptions = .init()) throws(GraphIOError) -> NodeDataset {
        guard FileBytes.isFolder(path) else {
            return NodeDataset(edges: try EdgeListReader.read(path, options: readOptions))
        }
        let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
        func file(_ name: String) -> String { folder + "/" + name }
        var edges = try EdgeListReader.read(file("edges.tsv"), options: readOptions)

        var features: Matrix?
        var featureFile = ""
        if FileBytes.exists(file("features.npy")) && FileBytes.exists(file("features.mtx")) {
            throw .shapeMismatch("\(folder) has both features.npy and features.mtx; keep one")
        }
        if FileBytes.exists(file("features.npy")) {
            featureFile = file("features.npy")
            features = try NPY.read(featureFile).asMatrix()
            if let f = features, let bad = f.values.firstIndex(where: { !$0.isFinite }) {
                throw .npy(file: featureFile, message: "feature [\(bad / max(f.cols, 1)), \(bad % max(f.cols, 1))] is \(f.values[bad]); features must be finite")
            }
        } else if FileBytes.exists(file("features.mtx")) {
            featureFile = file("features.mtx")
            features = try MatrixMarketReader.read(featureFile)
        }
        if let f = features, f.rows != edges.numNodes {
            if edges.nodeIDs == nil && f.rows > edges.numNodes && readOptions.numNodes == nil {
                edges.numNodes = f.rows // isolated nodes that no edge mentions
            } else {
                throw .shapeMismatch("\(featureFile) has \(f.rows) rows, but the graph has \(edges.numNodes) nodes")
            }
        }
        let labels = FileBytes.exists(file("labels.tsv"))
            ? try LabelReader.read(file("labels.tsv"), nodeIDs: edges.nodeIDs, numNodes: edges.numNodes) : nil
        let split = FileBytes.exists(file("split.tsv"))
            ? try SplitReader.read(file("split.tsv"), nodeIDs: edges.nodeIDs, numNodes: edges.numNodes) : nil
        return NodeDataset(edges: edges, features: features, labels: labels, split: split)
    }
}
