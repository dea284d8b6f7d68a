/// How ``EdgeListReader`` interprets an edge-list file.
public struct EdgeListReadOptions: Sendable, Equatable {
    /// How node-id tokens are turned into dense ids.
    public enum IDMode: String, Sendable, Equatable, CaseIterable {
        /// Every id is a non-negative decimal integer used as is (`0 ..< numNodes`).
        case integer
        /// Every id is a name; names get dense ids `0, 1, …` in order of first appearance and
        /// the map is kept in ``/GraphCore/EdgeList/nodeIDs``.
        case string
        /// ``integer`` when every id token is a non-negative integer of at most
        /// ``EdgeListReader/largestNodeID`` and the ids are not too sparse for dense arrays
        /// (max id + 1 ≤ max(2^24, 16 × edges)); otherwise ``string``.
        case automatic
    }

    /// How node ids are read. Default ``IDMode/automatic``.
    public var idMode: IDMode
    /// Whether the third column holds edge weights: `nil` (default) decides from the data (a
    /// third column means weights), `true` requires it on every line, `false` ignores its
    /// value. A third field must be a number in every case: `Ann Lee<TAB>Bob` is an error, never
    /// the edge Ann–Lee.
    public var weighted: Bool?
    /// The number of nodes, when the file does not mention the highest-numbered nodes
    /// (isolated nodes). The result has `max(numNodes, max id + 1)` nodes; an id at or above
    /// `numNodes` is an error.
    public var numNodes: Int?
    /// Threads for the integer-id parser: `nil` (default) uses
    /// `Parallel.defaultThreadCount` for inputs of 4 MiB or more and one thread below; an
    /// explicit value is used for any size (as the number of chunks; threads are started only
    /// for every 64 KiB of input). The result does not depend on it.
    public var threadCount: Int?
    /// Lines at the top of the file to skip unread (a header such as `source,target`), counted
    /// like line numbers: every line, blank and comment lines included. Default 0. Line numbers
    /// in errors stay those of the file.
    public var skipRows: Int

    /// Options with the given values; the defaults read any well-formed edge list.
    public init(idMode: IDMode = .automatic, weighted: Bool? = nil, numNodes: Int? = nil, threadCount: Int? = nil,
                skipRows: Int = 0) {
        self.idMode = idMode
        self.weighted = weighted
        self.numNodes = numNodes
        self.threadCount = threadCount
        self.skipRows = skipRows
    }
}
