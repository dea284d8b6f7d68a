/// The links of one HGB link type, from `link.dat` (`source<TAB>target<TAB>linkType[<TAB>weight]`),
/// in local ids of the node types they connect.
struct HGBLinkType {
    /// HGB link type id.
    var id: Int
    /// Node type index of every source and of every target.
    var sourceType: Int
    var targetType: Int
    /// Line that fixed the node types (for error messages).
    var firstLine: Int
    /// Local ids and weights, `[numLinks]`.
    var sources: [Int32] = []
    var targets: [Int32] = []
    var weights: [Float] = []

    /// Parses `link.dat`; link types come out in ascending id order.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String,
                      nodes: HGBNodeTable) throws(GraphIOError) -> [HGBLinkType] {
        try TextScanning.rejectNULBytes(bytes, file: file)
        var types: [HGBLinkType] = []
        var indexOfType: [Int: Int] = [:]
        var fields: [UnsafeBufferPointer<UInt8>] = []
        var lastType = -1, lastIndex = -1
        let typeOfGlobal = nodes.typeOfGlobal, localOfGlobal = nodes.localOfGlobal
        func node(_ token: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws(GraphIOError) -> Int {
            guard let g = TextScanning.parseUnsigned(token, limit: EdgeListReader.largestNodeID) else {
                throw .parse(file: file, line: line, column: column,
                             message: "expected a non-negative integer node id, found \(TextScanning.describe(token))")
            }
            guard g < typeOfGlobal.count, typeOfGlobal[g] >= 0 else {
                throw .parse(file: file, line: line, column: column, message: "node \(g) does not appear in node.dat")
            }
            return g
        }
        try TextScanning.forEachLine(bytes) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            TextScanning.splitTabs(text, into: &fields)
            guard fields.count == 3 || fields.count == 4 else {
                throw .parse(file: file, line: line, column: nil,
                             message: "expected 4 tab-separated fields (source, target, link type, weight), found \(fields.count)")
            }
            let s = try node(fields[0], line: line, column: 1)
            let t = try node(fields[1], line: line, column: 2)
            guard let linkType = TextScanning.parseUnsigned(fields[2], limit: 1 << 20), linkType < 1 << 20 else {
                throw .parse(file: file, line: line, column: 3,
                             message: "expected an integer link type, found \(TextScanning.describe(fields[2]))")
            }
            var weight: Float = 1
            if fields.count == 4 {
                switch EdgeListReader.parseWeight(fields[3]) {
                case let .success(w): weight = w
                case let .failure(message): throw .parse(file: file, line: line, column: 4, message: message.text)
                }
            }
            let sType = Int(typeOfGlobal[s]), tType = Int(typeOfGlobal[t])
            let index: Int
            if linkType == lastType {
                index = lastIndex
            } else if let known = indexOfType[linkType] {
                index = known
            } else {
                index = types.count
                indexOfType[linkType] = index
                types.append(HGBLinkType(id: linkType, sourceType: sType, targetType: tType, firstLine: line))
            }
            lastType = linkType
            lastIndex = index
            if types[index].sourceType != sType || types[index].targetType != tType {
                let known = types[index]
                throw .parse(file: file, line: line, column: nil,
                             message: "link type \(linkType) connects node types \(nodes.typeIDs[known.sourceType]) → \(nodes.typeIDs[known.targetType]) on line \(known.firstLine), but \(nodes.typeIDs[sType]) → \(nodes.typeIDs[tType]) here (node \(s) → node \(t))")
            }
            types[index].sources.append(localOfGlobal[s])
            types[index].targets.append(localOfGlobal[t])
            types[index].weights.append(weight)
        }
        if types.isEmpty { throw .empty(file) }
        return types.sorted { $0.id < $1.id }
    }
}
