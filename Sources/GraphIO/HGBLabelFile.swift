/// One HGB label file (`label.dat`, `label.dat.test`, `label.dat.test_full`):
/// `id<TAB>name<TAB>type<TAB>c1[,c2,…]` per line, over the labelled node type.
struct HGBLabelFile {
    /// Node type index of the labelled nodes.
    var targetType: Int
    /// Local id and classes of each line.
    var nodes: [Int] = []
    var classes: [[Int32]] = []
    /// Line of each labelled node, by local id (a node may appear on one line only).
    var lineOfNode: [Int: Int] = [:]
    /// Largest class id seen (-1: none).
    var maxClass = -1

    /// Per-node class lists over `count` nodes.
    func perNode(count: Int) -> [[Int32]] {
        var lists = [[Int32]](repeating: [], count: count)
        for (u, c) in zip(nodes, classes) { lists[u].append(contentsOf: c) }
        return lists
    }

    /// Reads `file` from `source`. `targetType` (a node type index) is the labelled type fixed
    /// by `label.dat`, or `nil` while reading `label.dat` itself (its first line fixes it).
    static func parse(_ source: HGBSource, _ name: String, nodes: HGBNodeTable,
                      targetType: Int?) throws(GraphIOError) -> HGBLabelFile {
        let file = source.displayName(name)
        let bytes = try source.read(name)
        var result = HGBLabelFile(targetType: targetType ?? -1)
        var fixedOn = 0
        try bytes.withUnsafeBufferPointer { (buffer) throws(GraphIOError) in
            try TextScanning.rejectNULBytes(buffer, file: file)
            var fields: [UnsafeBufferPointer<UInt8>] = []
            try TextScanning.forEachLine(buffer) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
                TextScanning.splitTabs(text, into: &fields)
                guard fields.count == 4 else {
                    throw .parse(file: file, line: line, column: nil,
                                 message: "expected 4 tab-separated fields (id, name, type, classes), found \(fields.count)")
                }
                guard let g = TextScanning.parseUnsigned(fields[0], limit: EdgeListReader.largestNodeID) else {
                    throw .parse(file: file, line: line, column: 1,
                                 message: "expected a non-negative integer node id, found \(TextScanning.describe(fields[0]))")
                }
                guard g < nodes.typeOfGlobal.count, nodes.typeOfGlobal[g] >= 0 else {
                    throw .parse(file: file, line: line, column: 1, message: "node \(g) does not appear in node.dat")
                }
                let nodeType = Int(nodes.typeOfGlobal[g])
                guard let typeID = TextScanning.parseUnsigned(fields[2], limit: 1 << 20), typeID == nodes.typeIDs[nodeType] else {
                    throw .parse(file: file, line: line, column: 3,
                                 message: "node \(g) has type \(nodes.typeIDs[nodeType]) in node.dat, found \(TextScanning.describe(fields[2]))")
                }
                if result.targetType < 0 {
                    result.targetType = nodeType
                    fixedOn = line
                } else if result.targetType != nodeType {
                    let source = targetType == nil ? "line \(fixedOn)" : "label.dat"
                    throw .parse(file: file, line: line, column: 3,
                                 message: "labelled nodes have type \(nodes.typeIDs[result.targetType]) (\(source)), node \(g) has type \(typeID)")
                }
                var list: [Int32] = []
                for token in TextScanning.split(fields[3], separator: ASCII.comma) {
                    let token = TextScanning.trim(token)
                    guard let c = TextScanning.parseUnsigned(token, limit: 1 << 16), c < 1 << 16 else {
                        throw .parse(file: file, line: line, column: 4,
                                     message: "expected comma-separated class ids, found \(TextScanning.describe(token))")
                    }
                    list.append(Int32(c))
                    result.maxClass = max(result.maxClass, c)
                }
                let local = Int(nodes.localOfGlobal[g])
                if let first = result.lineOfNode[local] {
                    // HGB gives a multi-label node's classes as one comma list; a second line is
                    // a mistake (an appended or duplicated line), never a way to add classes.
                    throw .parse(file: file, line: line, column: 1,
                                 message: "node \(g) already has a label on line \(first); HGB gives several classes as a comma-separated list on one line")
                }
                result.lineOfNode[local] = line
                result.nodes.append(local)
                result.classes.append(list)
            }
        }
        if result.nodes.isEmpty { throw .empty(file) }
        return result
    }

    /// Rejects a node of this test file (`name` in `source`) that `train` (`label.dat`) also
    /// labels: training on a test node leaks the test into training. `label.dat.test` and
    /// `label.dat.test_full` may share nodes (the second holds all test labels).
    func rejectOverlap(with train: HGBLabelFile, _ source: HGBSource, _ name: String,
                       nodes: HGBNodeTable) throws(GraphIOError) {
        var first: (line: Int, local: Int, trainLine: Int)?
        for (local, line) in lineOfNode {
            guard let trainLine = train.lineOfNode[local] else { continue }
            if first == nil || line < first!.line { first = (line, local, trainLine) }
        }
        guard let (line, local, trainLine) = first else { return }
        let g = nodes.globalIDs[targetType][local]
        throw .parse(file: source.displayName(name), line: line, column: 1,
                     message: "node \(g) is also a training node (\(source.displayName("label.dat")):\(trainLine)); a node must not be both trained on and tested")
    }
}
