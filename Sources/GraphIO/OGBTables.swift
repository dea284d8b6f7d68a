import DenseMath

/// The comma-separated tables of an OGB folder (``OGBNodeFolder``), written by pandas without a
/// header: one row per line, fields separated by commas (blanks around them ignored). Each
/// reader streams the file (``TextBlocks``), so a gzip file is never decompressed whole.
/// Errors name the file, the line and the field: ``GraphIOError/parse(file:line:column:message:)``.
enum OGBTables {
    /// The comma-separated fields of `line`, trimmed.
    static func fields(_ line: UnsafeBufferPointer<UInt8>) -> [UnsafeBufferPointer<UInt8>] {
        TextScanning.split(line, separator: ASCII.comma).map(TextScanning.trim)
    }

    /// A count file (`num-node-list.csv.gz`, `num-edge-list.csv.gz`): one line, one
    /// non-negative integer, the count of the folder's single graph.
    /// - Throws: ``GraphIOError/empty(_:)``; ``GraphIOError/parse(file:line:column:message:)``
    ///   for a value that is not a count or a second line (several graphs: a graph-property
    ///   dataset).
    static func readCount(_ path: String, of what: String) throws(GraphIOError) -> Int {
        var count: Int?
        try TextBlocks.forEachLine(path) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            if count != nil {
                throw .parse(file: path, line: line, column: nil,
                             message: "expected one line (the \(what) of the one graph of a node-property dataset), found a second: a dataset of several graphs?")
            }
            let f = fields(text)
            guard f.count == 1, let value = TextScanning.parseUnsigned(f[0], limit: Int(Int32.max)), value <= Int(Int32.max) else {
                throw .parse(file: path, line: line, column: f.count > 1 ? 2 : 1,
                             message: f.count > 1 ? "expected one value, the \(what), found \(f.count) fields"
                                                  : "expected the \(what) (a non-negative integer), found \(TextScanning.describe(f[0]))")
            }
            count = value
        }
        guard let count else { throw .empty(path) }
        return count
    }

    /// A number table (`node-feat.csv.gz`): every line has the same number of finite numbers.
    /// - Returns: `[lines × fields]`.
    /// - Throws: ``GraphIOError/empty(_:)``; ``GraphIOError/parse(file:line:column:message:)``
    ///   for a field that is not a finite number or a line with another field count than the
    ///   first.
    static func readMatrix(_ path: String) throws(GraphIOError) -> Matrix {
        var values: [Float] = []
        var width = 0, rows = 0, firstLine = 0
        try TextBlocks.forEachLine(path) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            let f = fields(text)
            if rows == 0 {
                width = f.count
                firstLine = line
            } else if f.count != width {
                throw .parse(file: path, line: line, column: nil,
                             message: "expected \(width) comma-separated values like the first line (line \(firstLine)), found \(f.count)")
            }
            for (k, token) in f.enumerated() {
                guard let x = TextScanning.parseFloat(token), x.isFinite else {
                    throw .parse(file: path, line: line, column: k + 1,
                                 message: "expected a finite number, found \(TextScanning.describe(token))")
                }
                values.append(x)
            }
            rows += 1
        }
        if rows == 0 { throw .empty(path) }
        return Matrix(rows: rows, cols: width, values: values)
    }

    /// A one-column label table (`node-label.csv.gz`): one line per node, a class id (a
    /// non-negative integer, also written `3.0`) or, for an unlabelled node, an empty field or
    /// `nan`.
    /// - Returns: `[lines]` class ids, -1 for unlabelled nodes.
    /// - Throws: ``GraphIOError/empty(_:)``; ``GraphIOError/parse(file:line:column:message:)``
    ///   for a value that is not a class id or a line with several fields (multi-task labels
    ///   such as ogbn-proteins' 112 binary tasks are not supported).
    static func readLabels(_ path: String) throws(GraphIOError) -> [Int32] {
        var labels: [Int32] = []
        // Blank lines are unlabelled nodes here (pandas writes NaN as an empty field), so the
        // lines are read with blank lines kept.
        try TextBlocks.forEachLine(path, skipBlankLines: false) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            let f = fields(text)
            guard f.count == 1 else {
                throw .parse(file: path, line: line, column: 2,
                             message: "expected one class id per line, found \(f.count) fields (multi-task labels, such as ogbn-proteins' binary tasks, are not supported)")
            }
            let token = f[0]
            if token.isEmpty || TextScanning.string(token)?.lowercased() == "nan" {
                labels.append(-1)
                return
            }
            if let c = TextScanning.parseUnsigned(token, limit: (1 << 20) - 1), c < (1 << 20) {
                labels.append(Int32(c))
                return
            }
            // pandas writes an integer column that holds NaN as floats: 3.0.
            if let x = TextScanning.parseFloat(token), x >= 0, x < Float(1 << 20), x == x.rounded() {
                labels.append(Int32(x))
                return
            }
            throw .parse(file: path, line: line, column: 1,
                         message: "expected a class id (a non-negative integer below 2^20) or an empty field / nan for no label, found \(TextScanning.describe(token))")
        }
        if labels.isEmpty { throw .empty(path) }
        return labels
    }

    /// A node list (`train.csv.gz`, …): one node id below `numNodes` per line.
    /// - Returns: the ids in file order, with each one's line.
    /// - Throws: ``GraphIOError/parse(file:line:column:message:)`` for a value that is not a
    ///   node id below `numNodes`.
    static func readNodes(_ path: String, numNodes: Int) throws(GraphIOError) -> [(node: Int, line: Int)] {
        var nodes: [(node: Int, line: Int)] = []
        try TextBlocks.forEachLine(path) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            let f = fields(text)
            guard f.count == 1 else {
                throw .parse(file: path, line: line, column: 2, message: "expected one node id per line, found \(f.count) fields")
            }
            nodes.append((try NodeTokens.resolve(f[0], nodeIDs: nil, numNodes: numNodes, file: path, line: line, column: 1), line))
        }
        return nodes
    }
}
