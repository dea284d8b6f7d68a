import DenseMath
import GNNModels
import GraphCore
import GraphIO

/// Why a dataset folder cannot be trained on as a node-classification task (a file missing, an
/// empty training or validation set, several labels for one node).
public struct NodeClassificationDatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

extension NodeDataset {
    /// Loads a dataset folder (see ``/GraphIO/NodeDataset``: native, with gzip files, or an OGB
    /// node-property folder) as node classification, as `gnnpipe train` does: the undirected adjacency without self-loops `[N × N]`, and the task with the
    /// features `[N × F]` (each row divided by its sum when `rowNormalizedFeatures`, GCN's
    /// preprocessing), one class per node and the split.
    /// - Throws: the readers' errors (``/GraphIO/GraphIOError``, naming file and line);
    ///   ``NodeClassificationDatasetError`` when features, labels or split are missing, no node is
    ///   marked train or val, or a node has several labels (naming the line of its second one);
    ///   ``/GraphIO/GraphIOError/parse(file:line:column:message:)`` naming the line of `split.tsv`
    ///   (or, for an OGB folder, of `split/<name>/train|valid|test.csv.gz`) whose node has no label.
    ///   `note` receives ``/GraphIO/NodeDataset/relabelNote(path:)`` when the edge ids were names
    ///   (the tool prints it under its -q/--log-level rule).
    public static func nodeClassification(_ path: String, readOptions: EdgeListReadOptions = EdgeListReadOptions(),
                                          rowNormalizedFeatures: Bool = true,
                                          note: (String) -> Void = { _ in }) throws -> (adjacency: CSRGraph, task: NodeClassificationTask) {
        func failure(_ message: String) -> NodeClassificationDatasetError { NodeClassificationDatasetError(description: message) }
        let data = try NodeDataset.load(path, readOptions: readOptions)
        if let relabelled = data.relabelNote(path: path) { note(relabelled) }
        let ogb = OGBNodeFolder.isOGBFolder(path) && (try? NodeDataset.existingFile(path, oneOf: ["edges.tsv", "edges.npy"])) == nil
        let splitFile = ogb ? nil : try NodeDataset.existingFile(path, oneOf: ["split.tsv"])
        guard var features = data.features else {
            throw failure(ogb ? "\(path) has no raw/node-feat.csv.gz (node features)" : "\(path) has no features.mtx or features.npy")
        }
        guard let labels = data.labels else { throw failure("\(path) has no \(ogb ? "raw/node-label.csv.gz" : "labels.tsv")") }
        guard let split = data.split else { throw failure("\(path) has no split.tsv") }
        guard !split.train.isEmpty else {
            throw failure(ogb ? "\(path): the split's train.csv.gz lists no node; the model needs training nodes"
                              : "\(splitFile ?? path): no node is marked train (lines `node<TAB>train`); the model needs training nodes")
        }
        guard !split.val.isEmpty else {
            throw failure(ogb ? "\(path): the split's valid.csv.gz lists no node; the reported epoch is chosen on the validation set"
                              : "\(splitFile ?? path) has no val nodes; the reported epoch is chosen on the validation set")
        }
        if labels.isMultiLabel, let labelFile = try NodeDataset.existingFile(path, oneOf: ["labels.tsv"]) {
            // Re-read to name the line that gives a node its second label.
            _ = try LabelReader.read(labelFile, nodeIDs: data.edges.nodeIDs, numNodes: data.numNodes, singleLabel: true)
            throw failure("\(path) is multi-label; node classification here needs one class per node")
        }
        if let splitFile, let labelFile = try NodeDataset.existingFile(path, oneOf: ["labels.tsv"]) {
            try SplitReader.refuseUnlabelled(split, path: splitFile, labels: labels, labelFile: labelFile,
                                             nodeIDs: data.edges.nodeIDs, numNodes: data.numNodes)
        }
        if ogb {
            let unlabelled = { (u: Int) in u >= labels.numNodes || labels.labels(of: u).isEmpty }
            if split.train.contains(where: unlabelled) || split.val.contains(where: unlabelled) || split.test.contains(where: unlabelled) {
                try OGBNodeFolder.refuseUnlabelled(path, labels: labels, numNodes: data.numNodes)
            }
        }
        if rowNormalizedFeatures { features = FeaturePreprocessing.rowNormalized(features) }
        var adjacency = try GraphBuilder.build(data.edges, options: .undirected)
        if adjacency.hasSelfLoops { adjacency = adjacency.removingSelfLoops() }
        let task = try NodeClassificationTask(features: features, labels: labels.singleLabels(), numClasses: labels.numClasses,
                                              train: split.train, validation: split.val, test: split.test)
        return (adjacency, task)
    }
}
