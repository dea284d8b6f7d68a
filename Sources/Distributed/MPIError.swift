/// An Open MPI call that returned something other than `MPI_SUCCESS`.
public struct MPIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The MPI function that failed, e.g. `MPI_Allreduce`.
    public let function: String
    /// The MPI error code.
    public let code: Int32
    /// `MPI_Error_string` for the code.
    public let message: String

    public var description: String { "\(function) failed with MPI error \(code): \(message)" }
}
