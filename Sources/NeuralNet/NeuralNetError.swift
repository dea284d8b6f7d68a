/// Errors of the NeuralNet module (checkpoint files and state restoration).
public enum NeuralNetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file could not be read or written; `reason` is the system's message.
    case io(path: String, reason: String)
    /// A checkpoint file is not in the expected format.
    case corruptCheckpoint(path: String, reason: String)
    /// A checkpoint does not fit the model or optimizer it is loaded into.
    case checkpointMismatch(String)

    public var description: String {
        switch self {
        case .io(let path, let reason): "\(path): \(reason)"
        case .corruptCheckpoint(let path, let reason): "\(path): not a valid checkpoint (\(reason))"
        case .checkpointMismatch(let reason): "checkpoint does not match the model: \(reason)"
        }
    }
}
