import GraphCore
import GraphIO
import MessagePassing

/// Dense ids for string node ids across ranks, as one sequential reader gives them (order of
/// first appearance in the file); see ``DistributedEdgeList``.
enum StringIDs {
    /// Replaces `part`'s local name indices by global ids. Returns the name map (rank 0 only)
    /// and the number of distinct names (every rank).
    static func assign(_ part: inout EdgeListPart, path: String, merged: (summary: EdgeListPartSummary, parts: [EdgeListPartSummary]),
                       options: EdgeListReadOptions, communicator: any Communicating) throws -> (NodeIDMap?, Int) {
        let (rank, size) = (communicator.rank, communicator.size)
        // Names contain no newline (lines end there) and no NUL (refused): "\n" separates them.
        let text = Array(part.names.joined(separator: "\n").utf8)
        let gathered = try communicator.gather(text, root: 0)
        var lines: [Int64] = part.nameLines.map { Int64($0) }
        let gatheredLines = try communicator.gather(lines, root: 0)
        lines = []
        var map: NodeIDMap? = nil
        var idsFor: [[Int32]] = Array(repeating: [], count: size)
        var overflow: DistributedReadError? = nil
        if let gathered, let gatheredLines {
            var names = NodeIDMap()
            var lineOffset = part.linesBefore
            for q in 0..<size {
                let list = gathered[q].isEmpty && merged.parts[q].edgeCount == 0 ? [] : gathered[q].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
                var ids = [Int32]()
                ids.reserveCapacity(list.count)
                for (i, name) in list.enumerated() {
                    if names.lookup(name) == nil, let capacity = options.numNodes, names.count >= capacity, overflow == nil {
                        overflow = DistributedReadError(error: .parse(file: path, line: lineOffset + Int(gatheredLines[q][i]), column: nil,
                                                                      message: "node '\(name)' is name number \(names.count + 1), more than numNodes = \(capacity)"),
                                                        rank: size > 1 ? q : nil, host: nil)
                    }
                    ids.append(names.id(for: name))
                }
                idsFor[q] = ids
                lineOffset += merged.parts[q].lines
            }
            map = names
        }
        var counts = [Int64(map?.count ?? 0), overflow == nil ? 0 : 1]
        try communicator.broadcast(&counts, root: 0)
        if counts[1] != 0 {
            throw overflow ?? DistributedReadError(error: .shapeMismatch("\(path): more names than numNodes"), rank: nil, host: nil)
        }
        // Rank 0 sends every rank the ids of its names (bit patterns in Float slots).
        var global = [Int32](repeating: 0, count: part.names.count)
        if rank == 0 { global = idsFor[0] }
        let exchange = HaloExchange(communicator: communicator)
        let sendRows = (0..<size).map { q in rank == 0 && q != 0 ? idsFor[q].count : 0 }
        let receiveRows = (0..<size).map { q in q == 0 && rank != 0 ? part.names.count : 0 }
        try exchange.exchange(width: 1, tag: 5, sendRows: sendRows, receiveRows: receiveRows, pack: { q, out in
            for (i, id) in idsFor[q].enumerated() { out[i] = Float(bitPattern: UInt32(bitPattern: id)) }
        }, unpack: { _, src in
            for i in 0..<global.count { global[i] = Int32(bitPattern: src[i].bitPattern) }
        }, label: "fastrp string ids")
        part.sources = part.sources.map { global[Int($0)] }
        part.targets = part.targets.map { global[Int($0)] }
        part.names = []
        part.nameLines = []
        return (map, Int(counts[0]))
    }
}
