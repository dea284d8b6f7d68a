#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DenseMath
import GraphCore

/// OGB node-property-prediction folders (Hu et al., "Open Graph Benchmark", NeurIPS 2020,
/// https://ogb.stanford.edu/docs/nodeprop/) as the `ogb` package downloads and unpacks them:
/// `NodePropPredDataset(name="ogbn-arxiv")` leaves `dataset/ogbn_arxiv/` with
///
/// | file | content |
/// |---|---|
/// | `raw/edge.csv.gz` | E lines `source,target`, 0-based node ids |
/// | `raw/num-node-list.csv.gz` | one line: the node count N |
/// | `raw/num-edge-list.csv.gz` | one line: the edge count E |
/// | `raw/node-feat.csv.gz` (optional) | N lines of F comma-separated numbers, row = node id |
/// | `raw/node-label.csv.gz` (optional) | N lines, one class id each (empty or `nan`: no label) |
/// | `split/<name>/train.csv.gz`, `valid.csv.gz`, `test.csv.gz` | one node id per line |
///
/// as `ogb.io.read_graph_raw.read_csv_graph_raw` and `NodePropPredDataset.get_idx_split` read
/// them (no headers). Other files (`RELEASE_v1.txt`, `mapping/`, `processed/`, extra node files
/// such as `node_year.csv.gz`) are ignored. Any of these files may also be stored
/// uncompressed (`edge.csv`). Edges are returned as listed (ogbn-arxiv's are directed; the
/// `ogb` package adds inverse edges for some datasets, which an undirected graph build does
/// anyway). Not supported, with an error saying so: the binary layout (`raw/data.npz`,
/// ogbn-papers100M), heterogeneous folders (`raw/relations/`, ogbn-mag) and multi-task labels
/// (ogbn-proteins).
///
/// Every file is streamed (gzip is inflated as it is parsed), so memory is the dataset's arrays.
public enum OGBNodeFolder {
    /// Whether `path` is a folder with `raw/edge.csv.gz` (or `raw/edge.csv`), `raw/data.npz` or
    /// `raw/relations/` (the last two are refused by ``load(_:split:parts:readOptions:)`` with
    /// a clear error).
    public static func isOGBFolder(_ path: String) -> Bool {
        let raw = folderName(path) + "/raw/"
        return FileBytes.isFolder(path)
            && (FileBytes.exists(raw + "edge.csv.gz") || FileBytes.exists(raw + "edge.csv")
                || FileBytes.exists(raw + "data.npz") || FileBytes.isFolder(raw + "relations"))
    }

    /// The names of the folders under `split/`, sorted.
    /// - Throws: ``GraphIOError/dataset(folder:message:)`` when there is no `split/` folder.
    public static func splitNames(_ path: String) throws(GraphIOError) -> [String] {
        let folder = folderName(path)
        guard let dir = opendir(folder + "/split") else {
            throw .dataset(folder: folder, message: "no split/ folder: an OGB node-property folder has split/<name>/train.csv.gz, valid.csv.gz and test.csv.gz")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." && FileBytes.isFolder(folder + "/split/" + name) { names.append(name) }
        }
        return names.sorted()
    }

    /// Loads the OGB folder at `path` as a ``NodeDataset``.
    /// - Parameters:
    ///   - path: the dataset folder (holding `raw/` and `split/`).
    ///   - split: the folder under `split/` to use; `nil` takes the only one.
    ///   - parts: the optional parts to read (``NodeDataset/Parts``).
    ///   - readOptions: how `raw/edge.csv.gz` is read (threads; ids are integers, the node
    ///     count is N).
    /// - Returns: edges `[E]` over N nodes; features `[N × F]`; labels (single-label, classes
    ///   `0 ... max`); the split (train, valid as val, test, in file order).
    /// - Throws: ``GraphIOError/fileNotFound(_:)`` for a missing required file (naming it);
    ///   the errors of ``EdgeListReader`` for `edge.csv.gz` (an id at or above N is a parse
    ///   error); ``GraphIOError/parse(file:line:column:message:)`` for a malformed line of any
    ///   table; ``GraphIOError/compressed(file:message:)`` for a malformed gzip file;
    ///   ``GraphIOError/dataset(folder:message:)`` for counts that disagree (edges vs
    ///   `num-edge-list`, feature or label lines vs N), no split, several splits and no
    ///   `split` given, a node in two split lists, or an unsupported layout.
    public static func load(_ path: String, split: String? = nil, parts: NodeDataset.Parts = .all,
                            readOptions: EdgeListReadOptions = .init()) throws(GraphIOError) -> NodeDataset {
        let folder = folderName(path)
        let raw = folder + "/raw/"
        if !FileBytes.exists(raw + "edge.csv.gz") && !FileBytes.exists(raw + "edge.csv") {
            if FileBytes.exists(raw + "data.npz") {
                throw .dataset(folder: folder, message: "OGB's binary layout (raw/data.npz, as ogbn-papers100M ships) is not supported; the CSV layout (raw/edge.csv.gz, …) is")
            }
            if FileBytes.isFolder(raw + "relations") {
                throw .dataset(folder: folder, message: "a heterogeneous OGB dataset (raw/relations/, as ogbn-mag) is not supported; homogeneous node-property folders are")
            }
        }
        let numNodes = try OGBTables.readCount(file(raw, "num-node-list.csv"), of: "node count")
        let numEdges = try OGBTables.readCount(file(raw, "num-edge-list.csv"), of: "edge count")
        var options = readOptions
        options.idMode = .integer
        options.numNodes = numNodes
        options.weighted = false
        options.skipRows = 0
        let edgeFile = file(raw, "edge.csv")
        let edges = try EdgeListReader.read(edgeFile, options: options)
        if edges.count != numEdges {
            throw .dataset(folder: folder, message: "\(edgeFile) has \(edges.count) edges, but num-edge-list says \(numEdges) (a truncated file?)")
        }
        var features: Matrix?
        if parts.contains(.features), let featureFile = optionalFile(raw, "node-feat.csv") {
            let x = try OGBTables.readMatrix(featureFile)
            guard x.rows == numNodes else {
                throw .dataset(folder: folder, message: "\(featureFile) has \(x.rows) rows, but num-node-list says \(numNodes) nodes")
            }
            features = x
        }
        var labels: NodeLabels?
        if parts.contains(.labels), let labelFile = optionalFile(raw, "node-label.csv") {
            let classes = try OGBTables.readLabels(labelFile)
            guard classes.count == numNodes else {
                throw .dataset(folder: folder, message: "\(labelFile) has \(classes.count) lines, but num-node-list says \(numNodes) nodes (one line per node, empty for no label)")
            }
            let top = Int(classes.max() ?? -1)
            labels = try NodeLabels(perNode: classes.map { $0 < 0 ? [] : [$0] }, classNames: (0...max(top, 0)).map(String.init))
        }
        var nodeSplit: NodeSplit?
        if parts.contains(.split) {
            nodeSplit = try readSplit(folder, name: split, numNodes: numNodes)
        }
        return NodeDataset(edges: edges, features: features, labels: labels, split: nodeSplit)
    }

    /// The split `split/<name>/{train,valid,test}.csv.gz` (`name`: the only one when `nil`).
    static func readSplit(_ folder: String, name: String?, numNodes: Int) throws(GraphIOError) -> NodeSplit {
        let dir = folder + "/split/" + (try chosenSplit(folder, name: name)) + "/"
        var seen: [Int: (file: String, line: Int)] = [:]
        var lists: [[Int]] = []
        for part in ["train", "valid", "test"] {
            let path = file(dir, part + ".csv")
            var nodes: [Int] = []
            for (node, line) in try OGBTables.readNodes(path, numNodes: numNodes) {
                if let earlier = seen[node] {
                    throw .parse(file: path, line: line, column: 1,
                                 message: "node \(node) is already in \(earlier.file) (line \(earlier.line)); the split lists must be disjoint")
                }
                seen[node] = (path, line)
                nodes.append(node)
            }
            lists.append(nodes)
        }
        return NodeSplit(train: lists[0], val: lists[1], test: lists[2])
    }

    /// Refuses a split of the OGB folder `path` (`split`: as for ``load(_:split:parts:readOptions:)``)
    /// that names a node without a class in `raw/node-label.csv.gz`, as
    /// ``SplitReader/refuseUnlabelled(_:path:labels:labelFile:nodeIDs:numNodes:)`` does for
    /// `split.tsv`: the first such line of `train`, `valid` or `test.csv.gz` is an error naming it.
    /// - Throws: ``GraphIOError/parse(file:line:column:message:)`` (field 1) for that line; the
    ///   errors of reading the split files.
    public static func refuseUnlabelled(_ path: String, split: String? = nil, labels: NodeLabels,
                                        numNodes: Int) throws(GraphIOError) {
        let folder = folderName(path)
        let dir = folder + "/split/" + (try chosenSplit(folder, name: split)) + "/"
        let labelFile = file(folder + "/raw/", "node-label.csv")
        for part in ["train", "valid", "test"] {
            let path = file(dir, part + ".csv")
            for (node, line) in try OGBTables.readNodes(path, numNodes: numNodes)
            where node >= labels.numNodes || labels.labels(of: node).isEmpty {
                throw .parse(file: path, line: line, column: 1,
                             message: "\(part) node \(node) has no class in \(labelFile) (its line \(node + 1) there gives none); every train, valid and test node needs one")
            }
        }
    }

    /// The folder under `split/` to use: `name`, or the only one when `nil`.
    static func chosenSplit(_ folder: String, name: String?) throws(GraphIOError) -> String {
        let names = try splitNames(folder)
        let chosen: String
        if let name {
            guard names.contains(name) else {
                throw .dataset(folder: folder, message: "no split '\(name)' under split/ (found: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
            }
            chosen = name
        } else {
            guard let only = names.first else {
                throw .dataset(folder: folder, message: "split/ holds no split folder (expected split/<name>/train.csv.gz, valid.csv.gz, test.csv.gz)")
            }
            guard names.count == 1 else {
                throw .dataset(folder: folder, message: "split/ holds several splits (\(names.joined(separator: ", "))); name the one to use")
            }
            chosen = only
        }
        return chosen
    }

    /// `dir + name + ".gz"` when it exists, else `dir + name` when that exists, else the
    /// `.gz` name (so a missing file is reported under the name OGB uses).
    static func file(_ dir: String, _ name: String) -> String {
        optionalFile(dir, name) ?? dir + name + ".gz"
    }

    /// `dir + name + ".gz"` or `dir + name`, whichever exists (the first), or `nil`.
    static func optionalFile(_ dir: String, _ name: String) -> String? {
        if FileBytes.exists(dir + name + ".gz") { return dir + name + ".gz" }
        if FileBytes.exists(dir + name) { return dir + name }
        return nil
    }

    /// `path` without trailing slashes.
    static func folderName(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return String(p)
    }
}
