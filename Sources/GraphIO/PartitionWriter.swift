import GraphCore

/// Writes one integer per node (a partition, a predicted class) as `node<TAB>value` text.
public enum PartitionWriter {
    /// Writes one line per node: the node's original id (its name from `nodeIDs` for string ids,
    /// else its dense id), a tab, and `parts[node]`. Readable back with ``LabelReader``.
    ///
    /// ```
    /// 0	1
    /// 1	0
    /// ```
    /// - Parameters:
    ///   - parts: `[numNodes]` part ids, in dense node order.
    ///   - nodeIDs: the original node names (string ids), or `nil` to write dense ids.
    ///   - path: the `.tsv` file to write.
    /// - Precondition: `nodeIDs` is `nil` or names exactly `parts.count` nodes.
    /// - Throws: the errors of ``AtomicFile/write(to:_:)``.
    public static func writeTSV(_ parts: [Int32], nodeIDs: NodeIDMap? = nil, to path: String) throws(GraphIOError) {
        if let nodeIDs {
            precondition(nodeIDs.count == parts.count, "PartitionWriter: \(nodeIDs.count) node names for \(parts.count) nodes")
        }
        try AtomicFile.write(to: path) { (out: inout FileWriter) throws(GraphIOError) in
            for (u, p) in parts.enumerated() {
                try out.write(nodeIDs?.name(of: u) ?? String(u))
                try out.write(byte: ASCII.tab)
                try out.write(String(p))
                try out.write(byte: ASCII.newline)
            }
        }
    }
}
