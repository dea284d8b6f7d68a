import Foundation
import GraphCore

/// A train / validation / test split of node ids, each list in file order.
public struct NodeSplit: Sendable, Equatable {
    /// Training nodes.
    public var train: [Int]
    /// Validation nodes.
    public var val: [Int]
    /// Test nodes.
    public var test: [Int]

    /// A split from its three node lists.
    public init(train: [Int], val: [Int], test: [Int]) {
        self.train = train
        self.val = val
        self.test = test
    }
}

/// Reads a node split: one `node<TAB>train|val|test` pair per line.
///
/// Lines are split like label files (see ``LabelReader``); `#`/`%` comments, blank lines, CRLF
/// and a UTF-8 BOM are accepted. The split word is exactly `train`, `val` or `test`. A node may
/// appear once; nodes not listed belong to no split.
public enum SplitReader {
    /// Reads the split file at `path`.
    /// - Parameters:
    ///   - path: the split file, `node<TAB>train|val|test` lines (plain or gzip-compressed).
    ///   - nodeIDs: the edge list's name map for string ids, `nil` for integer ids.
    ///   - numNodes: number of nodes of the graph; every node id must be below it.
    /// - Throws: the file errors of ``EdgeListReader/read(_:options:)``; ``GraphIOError/empty(_:)``;
    ///   ``GraphIOError/parse(file:line:column:message:)`` for a split word other than
    ///   `train`, `val`, `test`, a node listed twice, or a bad node id (see ``LabelReader``).
    public static func read(_ path: String, nodeIDs: NodeIDMap? = nil, numNodes: Int) throws(GraphIOError) -> NodeSplit {
        let bytes = try FileBytes.read(path)
        return try parse(bytes, file: path, nodeIDs: nodeIDs, numNodes: numNodes)
    }

    /// Parses split text held in memory; `file` names it in errors. See ``read(_:nodeIDs:numNodes:)``.
    public static func parse<Bytes: ContiguousBytes>(_ bytes: Bytes, file: String, nodeIDs: NodeIDMap? = nil,
                                                     numNodes: Int) throws(GraphIOError) -> NodeSplit {
        try bytes.withByteBuffer { buffer throws(GraphIOError) in
            try parseBuffer(buffer, file: file, nodeIDs: nodeIDs, numNodes: numNodes)
        }
    }

    static func parseBuffer(_ bytes: UnsafeBufferPointer<UInt8>, file: String, nodeIDs: NodeIDMap?,
                            numNodes: Int) throws(GraphIOError) -> NodeSplit {
        try TextScanning.rejectNULBytes(bytes, file: file)
        var split = NodeSplit(train: [], val: [], test: [])
        var firstLine: [Int: Int] = [:]
        let lines = try TextScanning.forEachLine(bytes) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            let (nodeToken, wordToken) = try LabelReader.twoFields(text, file: file, line: line, secondName: "split (train, val or test)")
            let node = try NodeTokens.resolve(nodeToken, nodeIDs: nodeIDs, numNodes: numNodes, file: file, line: line, column: 1)
            let word = TextScanning.string(wordToken)
            switch word {
            case "train": split.train.append(node)
            case "val": split.val.append(node)
            case "test": split.test.append(node)
            default:
                throw .parse(file: file, line: line, column: 2,
                             message: "expected 'train', 'val' or 'test', found \(TextScanning.describe(wordToken))")
            }
            if let earlier = firstLine[node] {
                throw .parse(file: file, line: line, column: 1,
                             message: "node \(TextScanning.describe(nodeToken)) is already assigned a split on line \(earlier)")
            }
            firstLine[node] = line
        }
        if lines == 0 { throw .empty(file) }
        return split
    }

    /// Refuses a split that names a node without a class: the first such line of the split
    /// file (a node absent from the label file, or given only a negative label) is an error
    /// naming it. Only the nodes are checked in memory; the file is read again to find the line
    /// when one fails.
    /// - Parameters:
    ///   - split: the split read from `path` (with the same `nodeIDs` and `numNodes`).
    ///   - path: the split file.
    ///   - labels: the labels of the same nodes.
    ///   - labelFile: the label file, as the message names it.
    ///   - nodeIDs: the names of string ids, as `split` was read with.
    ///   - numNodes: the node count, as `split` was read with.
    /// - Throws: ``GraphIOError/parse(file:line:column:message:)`` (field 1) for the first split
    ///   line whose node has no class; the file errors of ``read(_:nodeIDs:numNodes:)``.
    public static func refuseUnlabelled(_ split: NodeSplit, path: String, labels: NodeLabels, labelFile: String,
                                        nodeIDs: NodeIDMap? = nil, numNodes: Int) throws(GraphIOError) {
        func unlabelled(_ u: Int) -> Bool { u >= labels.numNodes || labels.labels(of: u).isEmpty }
        guard split.train.contains(where: unlabelled) || split.val.contains(where: unlabelled)
                || split.test.contains(where: unlabelled) else { return }
        let bytes = try FileBytes.read(path)
        try bytes.withByteBuffer { buffer throws(GraphIOError) in
            _ = try TextScanning.forEachLine(buffer) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
                let (nodeToken, wordToken) = try LabelReader.twoFields(text, file: path, line: line, secondName: "split (train, val or test)")
                let node = try NodeTokens.resolve(nodeToken, nodeIDs: nodeIDs, numNodes: numNodes, file: path, line: line, column: 1)
                guard unlabelled(node) else { return }
                let word = TextScanning.string(wordToken) ?? "split"
                throw .parse(file: path, line: line, column: 1,
                             message: "\(word) node \(TextScanning.describe(nodeToken)) has no class in \(labelFile) (no line there, or only a negative label); every train, val and test node needs one")
            }
        }
    }
}
