import Foundation
import GraphCore

/// Reads node class labels: one `node<TAB>label` pair per line.
///
/// Format: `#`/`%` comment lines and blank lines are skipped; CRLF and a UTF-8 BOM are
/// accepted. A line with a tab has exactly two tab-separated fields; a line without a tab is
/// split at its first run of spaces or commas, the rest of the line being the label (so labels
/// may contain spaces). A node listed on several lines has several classes (multi-label);
/// repeating the same pair is harmless. Nodes not listed are unlabelled.
///
/// ```
/// # node  class
/// 0	3
/// 1	4
/// 1	7
/// ```
///
/// Unlabelled nodes: a label that is a negative integer (a minus sign and digits: `-1`, as PyG
/// and OGB exports write for nodes without a class) leaves its node unlabelled, in every file,
/// whatever the other labels are (so a class cannot be named `-1`); one beyond 64 bits is an
/// error naming its line. A file whose labels are all negative has no labelled node, which is an
/// error, not a file of one phantom class.
///
/// Classes: when every other label is an integer below 2^20 it is the class id
/// (`numClasses = max + 1`, names `"0"`, `"1"`, …); otherwise labels are names and class ids
/// follow their sorted order.
public enum LabelReader {
    /// Reads the label file at `path`.
    /// - Parameters:
    ///   - path: the label file, `node<TAB>label` lines (plain or gzip-compressed).
    ///   - nodeIDs: the edge list's name map when the graph used string ids (node tokens are
    ///     then looked up by name); `nil` for integer ids.
    ///   - numNodes: number of nodes of the graph; every node id must be below it.
    ///   - singleLabel: refuse a second, different label for a node.
    /// - Returns: labels for `numNodes` nodes.
    /// - Throws: the file errors of ``EdgeListReader/read(_:options:)``; ``GraphIOError/empty(_:)``;
    ///   ``GraphIOError/parse(file:line:column:message:)`` for a line without a label, more
    ///   than two tab-separated fields, a node id that is not an integer, is not below
    ///   `numNodes` or is not a known name, a negative integer label beyond 64 bits, or bytes
    ///   that are not UTF-8 text; with `singleLabel`, for the first line that gives a node a
    ///   second, different label (the message names the line of the first label too);
    ///   ``GraphIOError/dataset(folder:message:)`` (naming the file) when every label is
    ///   negative: no node has a class.
    public static func read(_ path: String, nodeIDs: NodeIDMap? = nil, numNodes: Int,
                            singleLabel: Bool = false) throws(GraphIOError) -> NodeLabels {
        let bytes = try FileBytes.read(path)
        return try parse(bytes, file: path, nodeIDs: nodeIDs, numNodes: numNodes, singleLabel: singleLabel)
    }

    /// Parses label text held in memory; `file` names it in errors. See ``read(_:nodeIDs:numNodes:singleLabel:)``.
    public static func parse<Bytes: ContiguousBytes>(_ bytes: Bytes, file: String, nodeIDs: NodeIDMap? = nil,
                                                     numNodes: Int, singleLabel: Bool = false) throws(GraphIOError) -> NodeLabels {
        try bytes.withByteBuffer { buffer throws(GraphIOError) in
            try parseBuffer(buffer, file: file, nodeIDs: nodeIDs, numNodes: numNodes, singleLabel: singleLabel)
        }
    }

    static func parseBuffer(_ bytes: UnsafeBufferPointer<UInt8>, file: String, nodeIDs: NodeIDMap?,
                            numNodes: Int, singleLabel: Bool = false) throws(GraphIOError) -> NodeLabels {
        try TextScanning.rejectNULBytes(bytes, file: file)
        var nodes: [Int] = []
        var labels: [String] = []
        // With singleLabel: the line of each node's first label (0 = not seen yet).
        var firstLine = [Int](repeating: 0, count: singleLabel ? numNodes : 0)
        var firstIndex = [Int](repeating: 0, count: singleLabel ? numNodes : 0)
        var unlabelledLines = 0
        try TextScanning.forEachLine(bytes) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            let (nodeToken, labelToken) = try twoFields(text, file: file, line: line, secondName: "label")
            let node = try NodeTokens.resolve(nodeToken, nodeIDs: nodeIDs, numNodes: numNodes, file: file, line: line, column: 1)
            if isNegativeInteger(labelToken) {
                guard fitsInt64(negative: labelToken) else {
                    throw .parse(file: file, line: line, column: 2,
                                 message: "label \(TextScanning.describe(labelToken)) is a negative integer beyond 64 bits; a negative integer label (-1) marks a node without a class")
                }
                unlabelledLines += 1
                return
            }
            guard let label = TextScanning.string(labelToken) else {
                throw .parse(file: file, line: line, column: 2, message: "expected a label, found \(TextScanning.describe(labelToken))")
            }
            if singleLabel {
                if firstLine[node] == 0 {
                    firstLine[node] = line
                    firstIndex[node] = labels.count
                } else if labels[firstIndex[node]] != label {
                    throw .parse(file: file, line: line, column: 2,
                                 message: "node \(TextScanning.describe(nodeToken)) already has label '\(labels[firstIndex[node]])' (line \(firstLine[node])); one label per node is expected, found a second, '\(label)'")
                }
            }
            nodes.append(node)
            labels.append(label)
        }
        if nodes.isEmpty {
            if unlabelledLines > 0 {
                throw .dataset(folder: file, message: "no labelled nodes: every label is a negative integer, which marks a node without a class")
            }
            throw .empty(file)
        }

        // Integer class ids, or names in sorted order.
        var integerIDs: [Int32] = []
        integerIDs.reserveCapacity(labels.count)
        for label in labels {
            let value = Array(label.utf8).withUnsafeBufferPointer { TextScanning.parseUnsigned($0, limit: (1 << 20) - 1) }
            guard let value, value < (1 << 20) else { integerIDs = []; break }
            integerIDs.append(Int32(value))
        }
        let classNames: [String]
        let classOf: [Int32]
        if integerIDs.count == labels.count {
            classNames = (0...Int(integerIDs.max()!)).map(String.init)
            classOf = integerIDs
        } else {
            classNames = Array(Set(labels)).sorted()
            var index: [String: Int32] = [:]
            for (i, name) in classNames.enumerated() { index[name] = Int32(i) }
            classOf = labels.map { index[$0]! }
        }
        var perNode = [[Int32]](repeating: [], count: numNodes)
        for (u, c) in zip(nodes, classOf) { perNode[u].append(c) }
        return try NodeLabels(perNode: perNode, classNames: classNames)
    }

    /// Whether `token` is a minus sign followed by one or more ASCII digits (of any length).
    static func isNegativeInteger(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        token.count >= 2 && token[0] == ASCII.minus && token.dropFirst().allSatisfy { $0 >= ASCII.zero && $0 <= ASCII.nine }
    }

    /// Whether the negative integer `token` (``isNegativeInteger(_:)``) is at least −2^63.
    static func fitsInt64(negative token: UnsafeBufferPointer<UInt8>) -> Bool {
        let digits = Array(token.dropFirst().drop { $0 == ASCII.zero })
        let smallest = Array("9223372036854775808".utf8)  // 2^63
        return digits.count < smallest.count || (digits.count == smallest.count && !smallest.lexicographicallyPrecedes(digits))
    }

    /// Splits a `node<TAB>value` line: with a tab, exactly two tab-separated fields; without,
    /// the first token and the trimmed rest of the line.
    static func twoFields(_ text: UnsafeBufferPointer<UInt8>, file: String, line: Int,
                          secondName: String) throws(GraphIOError) -> (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) {
        let first: UnsafeBufferPointer<UInt8>, second: UnsafeBufferPointer<UInt8>
        if text.contains(ASCII.tab) {
            let fields = TextScanning.split(text, separator: ASCII.tab).map(TextScanning.trim)
            // Trailing empty fields (a tab at the end of the line) are tolerated.
            var count = fields.count
            while count > 2 && fields[count - 1].isEmpty { count -= 1 }
            guard count <= 2 else {
                throw .parse(file: file, line: line, column: 3, message: "expected 2 tab-separated fields (node, \(secondName)), found \(count)")
            }
            first = fields[0]
            second = fields.count > 1 ? fields[1] : UnsafeBufferPointer(start: nil, count: 0)
        } else {
            let trimmed = TextScanning.trim(text)
            var cut = 0
            while cut < trimmed.count && trimmed[cut] != ASCII.space && trimmed[cut] != ASCII.comma { cut += 1 }
            first = UnsafeBufferPointer(rebasing: trimmed[0..<cut])
            var rest = cut
            while rest < trimmed.count && (TextScanning.isBlank(trimmed[rest]) || trimmed[rest] == ASCII.comma) { rest += 1 }
            second = UnsafeBufferPointer(rebasing: trimmed[rest...])
        }
        if first.isEmpty {
            throw .parse(file: file, line: line, column: 1, message: "expected a node id, found an empty field")
        }
        if second.isEmpty {
            throw .parse(file: file, line: line, column: 2, message: "expected a \(secondName) after the node id, found none")
        }
        return (first, second)
    }
}

/// Resolution of node tokens in label and split files.
enum NodeTokens {
    /// The dense id of a node token: looked up in `nodeIDs` when given, else parsed as an
    /// integer below `numNodes`.
    static func resolve(_ token: UnsafeBufferPointer<UInt8>, nodeIDs: NodeIDMap?, numNodes: Int, file: String,
                        line: Int, column: Int) throws(GraphIOError) -> Int {
        if let nodeIDs {
            guard let name = TextScanning.string(token), let id = nodeIDs.lookup(name) else {
                throw .parse(file: file, line: line, column: column,
                             message: "node \(TextScanning.describe(token)) does not appear in the graph")
            }
            guard Int(id) < numNodes else {
                throw .parse(file: file, line: line, column: column, message: "node '\(nodeIDs.name(of: Int(id)))' is not below numNodes = \(numNodes)")
            }
            return Int(id)
        }
        guard let value = TextScanning.parseUnsigned(token, limit: Int(Int32.max)) else {
            let negative = token.first == ASCII.minus && TextScanning.parseInteger(token) != nil
            throw .parse(file: file, line: line, column: column,
                         message: "expected \(negative ? "a non-negative" : "an integer") node id, found \(TextScanning.describe(token))")
        }
        guard value < numNodes else {
            throw .parse(file: file, line: line, column: column, message: "node id \(TextScanning.describe(token)) is not below numNodes = \(numNodes)")
        }
        return value
    }
}
