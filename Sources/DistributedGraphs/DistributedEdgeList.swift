import Foundation
import GraphCore
import GraphIO
import MessagePassing

/// One rank's rows of a graph read from an edge list by all ranks together.
public struct DistributedGraph: Sendable {
    /// This rank's rows, `[partition.rows(of: rank).count × numNodes]`, global column ids, each
    /// row exactly as in ``/GraphCore/GraphBuilder/build(_:options:)`` of the whole file.
    public var rows: CSRGraph
    /// Every rank's rows.
    public var partition: RowPartition
    /// n, as one reader of the whole file finds it.
    public var numNodes: Int
    /// Stored entries of the whole graph (Σ of the ranks' nnz).
    public var storedEdges: Int
    /// String ids: the names in dense-id order — on rank 0 only (`nil` elsewhere and for
    /// integer ids).
    public var nodeIDs: NodeIDMap?
    /// Whether ids were read as names.
    public var stringIDs: Bool
}

/// A failure of a distributed read: the error one reader of the whole file reports, and the
/// rank whose byte range holds it (`nil` for failures that concern every rank alike).
public struct DistributedReadError: Error, CustomStringConvertible, Sendable {
    public let error: GraphIOError
    public let rank: Int?
    public let host: String?
    public init(error: GraphIOError, rank: Int?, host: String?) {
        self.error = error
        self.rank = rank
        self.host = host
    }
    public var description: String {
        guard let rank else { return error.description }
        return "\(error) (in the byte range of rank \(rank)\(host.map { " on \($0)" } ?? ""))"
    }
}

/// Reads an edge list with every rank of a communicator, each parsing its own byte range, and
/// builds each rank's rows (issue 13).
///
/// 1. **Parse.** The text after the skipped rows is cut at newlines into one run per rank
///    (``/GraphIO/EdgeListReader/readPart(_:part:of:options:strings:)``); line-level summaries
///    are gathered and merged in rank order, so field counts, the largest id, the automatic id
///    mode's decision and the first error (file and line) are those of a sequential read.
/// 2. **String ids** get the dense ids of a sequential read: order of first appearance in the
///    file. Each rank numbers the names of its run in order; rank 0 gathers the ranks' lists and
///    walks them in rank order, giving each name not seen before the next id, and sends every
///    rank the ids of its names. Cost: rank 0 holds every distinct name once (as one reader
///    would) plus one list per rank in turn; the others hold their runs' names; the names
///    cross the network once each way (their bytes to rank 0, 4 bytes per name back).
/// 3. **Rows.** Stored entries (`(u, v)` and, undirected, `(v, u)`; self-loops dropped) are
///    counted per unit of rows and all-reduced; ``/GraphCore/RowPartition/balanced(unitCounts:unit:numRows:parts:)``
///    cuts contiguous blocks; every entry goes to the owner of its row in one exchange; each
///    rank sorts its rows by column and merges duplicates keeping the largest weight, which is
///    what ``/GraphCore/GraphBuilder`` does with ``/GraphCore/DuplicateEdgePolicy/max``.
///
/// Memory per rank: its share of the file's pages while parsing (handed back as it goes), its
/// run's edges, then the entries it sends and receives (8 or 12 bytes each) and its rows.
public enum DistributedEdgeList {
    /// Reads `path` on every rank of `communicator` (a collective call).
    /// - Parameters:
    ///   - path: the edge list, read by every rank (each parses its own byte range).
    ///   - options: how the edge list is read (separators, id mode, skipped rows).
    ///   - directed: keep edges as listed; else each edge is stored both ways.
    ///   - unit: given n, the row unit of the partition (bounds are multiples of it, or n).
    ///   - communicator: the ranks reading the file together.
    /// - Throws: ``DistributedReadError`` on every rank for a parse or file error (the same
    ///   error everywhere; the file errors of one rank are agreed first); ``/MessagePassing/AgreedFailure``
    ///   when ranks failed differently opening the file; ``/MessagePassing/CommunicationError``.
    public static func read(_ path: String, options: EdgeListReadOptions, directed: Bool, unit: (Int) -> Int,
                            communicator: any Communicating) throws -> DistributedGraph {
        let (rank, size) = (communicator.rank, communicator.size)
        var part = try communicator.agree({ try EdgeListReader.readPart(path, part: rank, of: size, options: options, strings: options.idMode == .string) },
                                          describe: { (String(describing: $0), 1) })
        var merged = try mergedSummary(part, communicator: communicator)
        if !part.strings {
            let failed = merged.summary.failureLine != nil
            let sparse = options.idMode == .automatic && options.numNodes == nil && !failed && merged.summary.fieldCount > 0
                && EdgeListReader.isSparseIDSpace(maxID: merged.summary.maxID, edges: merged.summary.edgeCount)
            if options.idMode == .automatic && failed && merged.summary.idNotInteger {
                try refuseHeaderLine(merged, path: path, options: options, linesBefore: part.linesBefore, communicator: communicator)
                try refuseStrayLine(merged, path: path, options: options, linesBefore: part.linesBefore, communicator: communicator)
            }
            if options.idMode == .automatic && ((failed && merged.summary.idNotInteger) || sparse) {
                part = try communicator.agree({ try EdgeListReader.readPart(path, part: rank, of: size, options: options, strings: true) },
                                              describe: { (String(describing: $0), 1) })
                merged = try mergedSummary(part, communicator: communicator)
            }
        }
        try check(merged, part: part, path: path, options: options, communicator: communicator)
        let hasWeights = merged.summary.fieldCount == 3 && options.weighted != false
        if part.weights == nil && hasWeights { part.weights = [] }  // a rank without data lines
        var nodeIDs: NodeIDMap? = nil
        var numNodes: Int
        if part.strings {
            let (map, count) = try StringIDs.assign(&part, path: path, merged: merged, options: options, communicator: communicator)
            nodeIDs = map
            numNodes = max(count, options.numNodes ?? 0)
        } else {
            numNodes = max(merged.summary.maxID + 1, options.numNodes ?? 0)
        }
        let edges = EdgeShuffle.Edges(sources: part.sources, targets: part.targets, weights: hasWeights ? (part.weights ?? []) : nil)
        let strings = part.strings
        part.sources = []  // the shuffle keeps its own copy of what it sends
        part.targets = []
        part.weights = nil
        let (rows, partition) = try EdgeShuffle.buildRows(edges, numNodes: numNodes, directed: directed, unit: max(1, unit(numNodes)), communicator: communicator)
        var stored = [Int64(rows.nnz)]
        try communicator.allReduceSum(&stored)
        return DistributedGraph(rows: rows, partition: partition, numNodes: numNodes, storedEdges: Int(stored[0]),
                                nodeIDs: nodeIDs, stringIDs: strings)
    }

    /// The ranks' summaries merged in rank order, and each rank's first line (file lines
    /// before its run).
    static func mergedSummary(_ part: EdgeListPart, communicator: any Communicating) throws
        -> (summary: EdgeListPartSummary, parts: [EdgeListPartSummary]) {
        let mine = try JSONEncoder().encode(part.summary)
        let all = try allGatherVariable(Array(mine), communicator: communicator)
        let parts = try all.map { try JSONDecoder().decode(EdgeListPartSummary.self, from: Data($0)) }
        return (EdgeListPartSummary.merged(parts), parts)
    }

    /// Throws the merged failure (or an empty file) as one sequential reader would report it.
    static func check(_ merged: (summary: EdgeListPartSummary, parts: [EdgeListPartSummary]), part: EdgeListPart,
                      path: String, options: EdgeListReadOptions, communicator: any Communicating) throws {
        let summary = merged.summary
        if summary.failureLine == nil {
            if summary.fieldCount == 0 {
                throw DistributedReadError(error: EdgeListReader.noEdges(path, skipRows: options.skipRows, linesSkipped: part.linesBefore),
                                           rank: nil, host: nil)
            }
            return
        }
        // The rank whose run holds the failure: the first prefix of runs that fails.
        var owner = 0
        for r in merged.parts.indices where EdgeListPartSummary.merged(Array(merged.parts[...r])).failureLine != nil {
            owner = r
            break
        }
        var error = summary.error(file: path, linesBefore: part.linesBefore)!
        var inRankRange = communicator.size > 1
        if communicator.rank == 0, case let .parse(_, line, _, _) = error,
           summary.fieldCount == 0 || line == part.linesBefore + summary.firstDataLine {
            // The file's first data line (no data line before the failure, or the one a
            // field-count error names): a sequential read may call it a header line (with
            // --weighted, above lines the other ranks refused for their missing weights); it
            // reads the whole file to say so (only on this error path, only rank 0 prints).
            // A header line is a fact of the whole file, not of one rank's byte range.
            do { _ = try EdgeListReader.read(path, options: options) } catch let exact {
                if exact != error { inRankRange = false }
                error = exact
            }
        }
        throw DistributedReadError(error: error, rank: inRankRange ? owner : nil, host: nil)
    }

    /// A first data line with a non-integer id above lines that all parse as integer edges is a
    /// header line, as a whole-file read reports it (not a reason to read names): the rank
    /// holding it parses the rest of its run, and the other runs' summaries are known.
    static func refuseHeaderLine(_ merged: (summary: EdgeListPartSummary, parts: [EdgeListPartSummary]), path: String,
                                 options: EdgeListReadOptions, linesBefore: Int, communicator: any Communicating) throws {
        let summary = merged.summary
        guard summary.fieldCount == 0 || summary.failureLine == summary.firstDataLine,
              let owner = merged.parts.firstIndex(where: { $0.fieldCount > 0 || $0.failureLine != nil }) else { return }
        var mine: [UInt8] = []
        if communicator.rank == owner, let (text, rest) = try EdgeListReader.partAfterFirstDataLine(path, part: owner, of: communicator.size, options: options) {
            mine = try Array(JSONEncoder().encode([text: rest]))
        }
        let all = try allGatherVariable(mine, communicator: communicator)
        guard let found = try? JSONDecoder().decode([String: EdgeListPartSummary].self, from: Data(all[owner])),
              let (text, rest) = found.first.map({ ($0.key, $0.value) }) else { return }
        let after = EdgeListPartSummary.merged([rest] + merged.parts[(owner + 1)...])
        guard after.failureLine == nil, after.fieldCount > 0 else { return }
        let line = linesBefore + (summary.fieldCount == 0 ? summary.failureLine! : summary.firstDataLine)
        throw DistributedReadError(error: EdgeListReader.headerLineError(file: path, line: line, text: text), rank: nil, host: nil)
    }

    /// Below the first data line, one line with a non-integer id among lines that all parse as
    /// integer edges is an error naming it, as a whole-file read reports it (not a reason to
    /// read names): the rank holding it parses the rest of its run, and the other runs'
    /// summaries are known.
    static func refuseStrayLine(_ merged: (summary: EdgeListPartSummary, parts: [EdgeListPartSummary]), path: String,
                                options: EdgeListReadOptions, linesBefore: Int, communicator: any Communicating) throws {
        let summary = merged.summary
        guard summary.fieldCount > 0, let failureLine = summary.failureLine, failureLine != summary.firstDataLine else { return }
        // The rank whose run holds the failure, and the lines of the runs before it.
        var owner = 0, linesBeforeOwner = 0
        for r in merged.parts.indices {
            if EdgeListPartSummary.merged(Array(merged.parts[...r])).failureLine != nil {
                owner = r
                break
            }
            linesBeforeOwner += merged.parts[r].lines
        }
        var mine: [UInt8] = []
        if communicator.rank == owner,
           let (text, rest) = try EdgeListReader.partAfterStrayLine(path, part: owner, of: communicator.size, line: failureLine - linesBeforeOwner,
                                                                    column: summary.failureColumn, fieldCount: summary.fieldCount, options: options) {
            mine = try Array(JSONEncoder().encode([text: rest]))
        }
        let all = try allGatherVariable(mine, communicator: communicator)
        guard let found = try? JSONDecoder().decode([String: EdgeListPartSummary].self, from: Data(all[owner])),
              let (text, rest) = found.first.map({ ($0.key, $0.value) }) else { return }
        let after = EdgeListPartSummary.merged([rest] + merged.parts[(owner + 1)...])
        guard after.failureLine == nil, after.fieldCount == 0 || after.fieldCount == summary.fieldCount else { return }
        throw DistributedReadError(error: EdgeListReader.strayLineError(file: path, line: linesBefore + failureLine, text: text), rank: nil, host: nil)
    }

    /// Every rank's bytes (lengths may differ), in rank order, on every rank.
    static func allGatherVariable(_ bytes: [UInt8], communicator: any Communicating) throws(CommunicationError) -> [[UInt8]] {
        let lengths: [Int64] = try communicator.allGather([Int64(bytes.count)])
        let longest = Int(lengths.max() ?? 0)
        let all = try communicator.allGather(bytes: bytes + [UInt8](repeating: 0, count: longest - bytes.count))
        return (0..<communicator.size).map { r in Array(all[(r * longest)..<(r * longest + Int(lengths[r]))]) }
    }
}
