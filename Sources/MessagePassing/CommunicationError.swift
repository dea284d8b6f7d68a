/// A failed message-passing operation: an Open MPI call that did not return `MPI_SUCCESS`, a
/// wait that passed its deadline, a message of the wrong length, or a job another rank aborted.
public struct CommunicationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Equatable {
        /// The transport reported an error (e.g. an MPI error code).
        case failed
        /// A wait or collective passed the communicator's ``Communicating/timeout``.
        case timedOut
        /// Another rank aborted the job (in-process communicator; Open MPI ends the processes).
        case aborted
        /// A message had a length, peer or tag the call does not allow.
        case invalidMessage
    }

    /// What went wrong.
    public let kind: Kind
    /// The operation, e.g. `MPI_Isend`, `wait`, `all-gather`.
    public let operation: String
    /// The transport's error code (an MPI error class), or −1.
    public let code: Int32
    /// What happened, in words.
    public let message: String

    /// An error of `kind` in `operation`.
    public init(_ kind: Kind = .failed, operation: String, code: Int32 = -1, message: String) {
        self.kind = kind
        self.operation = operation
        self.code = code
        self.message = message
    }

    public var description: String {
        switch kind {
        case .failed where code >= 0: "\(operation) failed with MPI error \(code): \(message)"
        case .failed, .invalidMessage: "\(operation) failed: \(message)"
        case .timedOut: "\(operation) timed out: \(message)"
        case .aborted: message
        }
    }
}
