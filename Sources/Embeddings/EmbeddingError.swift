/// Errors raised by the embedding methods and their evaluation.
public enum EmbeddingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration value outside its allowed range; the message names the option.
    case invalidConfiguration(String)
    /// An input whose shape does not fit the graph or the other inputs.
    case shapeMismatch(String)
    /// An evaluation that cannot run on the given data (too few labelled nodes, no edges, …).
    case insufficientData(String)
    /// A distributed run's message passing failed (a peer timed out, died or aborted).
    case communication(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(message): message
        case let .shapeMismatch(message): "shape mismatch: \(message)"
        case let .insufficientData(message): message
        case let .communication(message): message
        }
    }
}
