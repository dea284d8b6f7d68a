/// Errors raised by the embedding methods and their evaluation.
public enum EmbeddingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration value outside its allowed range; the message names the option.
    case invalidConfiguration(String)
    /// An input whose shape does not fit the graph or the other inputs.
    case shapeMismatch(String)
    /// An evaluation that cannot run on the given data (too few labelled nodes, no edges, …).
    case insufficientData(String)
    /// An input matrix with NaN or infinite values (features, embeddings to evaluate); the
    /// message names the matrix, how many values and the first row.
    case nonFiniteValues(String)
    /// A distributed run's message passing failed (a peer timed out, died or aborted).
    case communication(String)
    /// A computation in `Float` overflowed on finite but huge inputs (logistic regression on
    /// values near 1e19 and beyond); the message names the largest magnitude and what to do.
    case numericalOverflow(String)
    /// A run whose matrices cannot fit in this machine's memory (checked before allocating);
    /// the message gives the sizes and what makes them large.
    case insufficientMemory(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(message): message
        case let .shapeMismatch(message): "shape mismatch: \(message)"
        case let .insufficientData(message): message
        case let .communication(message): message
        case let .nonFiniteValues(message): message
        case let .numericalOverflow(message): message
        case let .insufficientMemory(message): message
        }
    }
}

extension EmbeddingError {
    /// ``nonFiniteValues(_:)`` when `matrix` (`[rows × cols]`, row-major) holds a NaN or an
    /// infinity: "`name` hold N NaN or infinite values (the first in row r)".
    static func checkFinite(_ values: [Float], columns: Int, name: String) throws(EmbeddingError) {
        guard let first = values.firstIndex(where: { !$0.isFinite }) else { return }
        let count = values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        throw .nonFiniteValues("\(name) hold \(count) NaN or infinite value\(count == 1 ? "" : "s") (the first in row \(first / max(columns, 1)))")
    }
}
