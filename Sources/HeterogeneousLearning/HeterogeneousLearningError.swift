/// Errors of the HeterogeneousLearning module: bad inputs to the pre-computation, the cache and
/// training.
public enum HeterogeneousLearningError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An argument or input does not fit (shape, count, range); the message says which and why.
    case invalidInput(String)
    /// A cache folder exists but cannot be used; `reason` says why.
    case cache(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidInput(let message): message
        // A reason that already starts with the path (a reader's error) is not prefixed twice.
        case .cache(let path, let reason): reason.hasPrefix(path + ": ") ? reason : "\(path): \(reason)"
        }
    }
}
