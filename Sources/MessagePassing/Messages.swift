/// A `Float` buffer at a fixed address, for non-blocking messages: the memory must not move or
/// be freed while a send or receive on it is pending, which Swift arrays do not guarantee.
/// Freed when the last reference goes (a ``MessageRequest`` keeps its buffer alive).
///
/// `@unchecked Sendable`: raw memory that callers coordinate through requests (the in-process
/// communicator copies into a receive buffer from the sending rank's thread, under its lock).
public final class MessageBuffer: @unchecked Sendable {
    /// Capacity in floats.
    public let capacity: Int
    /// Start of the storage (zero-initialised).
    public let pointer: UnsafeMutablePointer<Float>

    /// A zeroed buffer of `capacity` floats.
    public init(capacity: Int) {
        precondition(capacity >= 0, "MessageBuffer capacity must be ≥ 0")
        self.capacity = capacity
        pointer = .allocate(capacity: max(1, capacity))
        pointer.initialize(repeating: 0, count: max(1, capacity))
    }

    deinit { pointer.deallocate() }

    /// The first `count` floats as a buffer pointer.
    public func buffer(count: Int? = nil) -> UnsafeMutableBufferPointer<Float> {
        let n = count ?? capacity
        precondition(n >= 0 && n <= capacity, "MessageBuffer: \(n) floats requested, capacity \(capacity)")
        return UnsafeMutableBufferPointer(start: pointer, count: n)
    }
}

/// A pending non-blocking send or receive. Complete it with
/// ``Communicating/waitAll(_:)`` before reading (receive) or reusing (send) its buffer.
///
/// `@unchecked Sendable`: its state changes only under the owning communicator's control.
public final class MessageRequest: @unchecked Sendable {
    /// The buffer the operation reads or fills; kept alive until completion.
    public let buffer: MessageBuffer
    /// Number of floats sent or expected.
    public let count: Int
    /// Peer rank.
    public let peer: Int
    /// Message tag.
    public let tag: Int
    /// Whether this is a send (else a receive).
    public let isSend: Bool
    /// Whether the operation has completed.
    public internal(set) var isComplete = false
    /// Open MPI's request handle (MPICommunicator).
    var handle: OpaquePointer?
    /// A receive that arrived with another length, or another failure found at delivery
    /// (InProcessCommunicator).
    var failure: CommunicationError?

    init(buffer: MessageBuffer, count: Int, peer: Int, tag: Int, isSend: Bool) {
        self.buffer = buffer
        self.count = count
        self.peer = peer
        self.tag = tag
        self.isSend = isSend
    }
}
