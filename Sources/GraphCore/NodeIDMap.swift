/// Maps external node names (as written in an input file) to dense ids `0..<count` and back.
///
/// Ids are assigned in order of first appearance. Readers keep the map so outputs (embeddings,
/// partitions) can be written with the original names.
public struct NodeIDMap: Sendable, Equatable {
    /// External name of each dense id, `[count]`.
    public private(set) var names: [String] = []
    private var index: [String: Int32] = [:]

    public init() {}

    /// A map over `names`, which must be unique; id `i` is `names[i]`.
    public init(names: [String]) throws(GraphError) {
        for name in names {
            if lookup(name) != nil { throw .shapeMismatch("node name '\(name)' appears twice") }
            _ = id(for: name)
        }
    }

    /// Number of distinct names.
    public var count: Int { names.count }

    /// The dense id of `name`, adding it if new.
    public mutating func id(for name: String) -> Int32 {
        if let id = index[name] { return id }
        let id = Int32(names.count)
        names.append(name)
        index[name] = id
        return id
    }

    /// The dense id of `name`, or `nil` if it was never seen.
    public func lookup(_ name: String) -> Int32? { index[name] }

    /// The external name of dense id `id`.
    public func name(of id: Int) -> String { names[id] }
}
