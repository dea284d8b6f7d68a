/// Errors from graph partitioning.
public enum PartitionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The requested number of parts is not in `1...numNodes`.
    case invalidPartCount(parts: Int, numNodes: Int)
    /// The graph is not square.
    case notSquare(rows: Int, columns: Int)
    /// More adjacency entries than METIS's 32-bit `idx_t` can index.
    case tooLarge(entries: Int)
    /// METIS returned a status other than `METIS_OK`.
    case metis(status: Int32, meaning: String)

    public var description: String {
        switch self {
        case let .invalidPartCount(p, n): "cannot cut \(n) nodes into \(p) parts: need 1 ≤ parts ≤ nodes"
        case let .notSquare(r, c): "partitioning needs a square adjacency matrix, got \(r)×\(c)"
        case let .tooLarge(m): "\(m) adjacency entries exceed METIS's 32-bit index range"
        case let .metis(status, meaning): "METIS failed with status \(status) (\(meaning))"
        }
    }
}
