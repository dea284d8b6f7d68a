/// Errors of the HypergraphLearning module: inputs that do not fit together, and model folders
/// that cannot be read.
public enum HypergraphLearningError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Arrays or matrices whose sizes disagree (features vs labels vs hypergraph).
    case shapeMismatch(String)
    /// A split or setting that cannot be built from the labels (e.g. a class with too few vertices).
    case invalidSplit(String)
    /// A hyperparameter outside its range.
    case invalidParameter(String)
    /// A saved model folder is missing a file or does not describe a student MLP.
    case invalidModel(path: String, reason: String)
    /// Features with NaN or infinite values; the message says how many and where the first is.
    case nonFiniteValues(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(what): "shape mismatch: \(what)"
        case let .invalidSplit(what): "invalid split: \(what)"
        case let .invalidParameter(what): "invalid parameter: \(what)"
        case let .invalidModel(path, reason): "\(path): not a LightHGNN model folder (\(reason))"
        case let .nonFiniteValues(what): what
        }
    }
}
