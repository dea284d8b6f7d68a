/// The ranks of a parallel job and the messages between them: what distributed training and
/// distributed FastRP need, behind one seam with two implementations.
///
/// - ``MPICommunicator``: Open MPI (`mpirun`, hostfiles, Slurm); the only importer of CMPI.
/// - ``InProcessCommunicator``: P ranks as threads of one process, for protocol tests without
///   `mpirun`.
///
/// Semantics both keep:
/// - **Point-to-point.** ``isend(_:count:to:tag:)`` / ``irecv(_:count:from:tag:)`` of `Float`
///   rows, matched by (source, tag) in posting order, never overtaking between one pair;
///   completed by ``waitAll(_:)``. A receive that gets another length than posted fails.
/// - **Collectives** are called by every rank in the same order. ``allGather(_:)`` returns the
///   ranks' blocks in rank order, so ``allReduceSum(_:)-([Float])`` adds in rank order
///   (`((x₀ + x₁) + x₂) + …`) and gives the same bits on every rank and in both implementations.
/// - **Deadlines.** Every wait and collective gives up after ``timeout`` seconds with
///   ``CommunicationError/Kind-swift.enum/timedOut``, so a dead or stalled peer ends the job
///   instead of hanging it.
/// - **Abort** ends the whole job (``abort(code:reason:)``).
///
/// Traffic counters count payload bytes (not headers) per communicator object.
/// An instance belongs to one thread (Open MPI runs at `MPI_THREAD_FUNNELED`).
public protocol Communicating: AnyObject {
    /// This rank, `0 ..< size`.
    var rank: Int { get }
    /// Number of ranks.
    var size: Int { get }
    /// The host this rank runs on: `$GRAPHLEARNING_HOST` when set (network-namespace test hosts
    /// share one kernel host name), else the processor name MPI reports.
    var hostName: String { get }
    /// Seconds a wait or collective may block before it throws; `nil` waits forever.
    var timeout: Double? { get set }
    /// Payload bytes moved since creation (or ``resetTraffic()``).
    var traffic: TrafficCounters { get }
    /// Zeroes ``traffic``.
    func resetTraffic()

    /// Starts sending the first `count` floats of `buffer` to `destination` with `tag`; the
    /// buffer must not change until the request completes.
    /// - Throws: ``CommunicationError``.
    func isend(_ buffer: MessageBuffer, count: Int, to destination: Int, tag: Int) throws(CommunicationError) -> MessageRequest
    /// Starts receiving exactly `count` floats from `source` with `tag` into `buffer`.
    /// - Throws: ``CommunicationError``.
    func irecv(_ buffer: MessageBuffer, count: Int, from source: Int, tag: Int) throws(CommunicationError) -> MessageRequest
    /// Blocks until every request completes (at most ``timeout`` seconds in all).
    /// - Throws: ``CommunicationError`` (timed out, wrong length, transport failure, aborted).
    func waitAll(_ requests: [MessageRequest]) throws(CommunicationError)

    /// Every rank's `bytes` (all of the same length), concatenated in rank order:
    /// `[size × bytes.count]`.
    /// - Throws: ``CommunicationError``.
    func allGather(bytes: [UInt8]) throws(CommunicationError) -> [UInt8]
    /// Every rank's `bytes` (lengths may differ) at `root`, in rank order; `nil` elsewhere.
    /// - Throws: ``CommunicationError``.
    func gather(bytes: [UInt8], root: Int) throws(CommunicationError) -> [[UInt8]]?
    /// A personalised all-to-all: `blocks[q]` goes to rank q, and `receiveCounts[q]` bytes
    /// arrive from each rank q, returned in rank order (the block for this rank is its own
    /// `blocks[rank]`). Empty blocks are not sent. Every rank's `blocks[q].count` must equal
    /// rank q's `receiveCounts` for it.
    /// - Throws: ``CommunicationError``.
    func allToAll(_ blocks: [[UInt8]], receiveCounts: [Int]) throws(CommunicationError) -> [[UInt8]]
    /// `root`'s bytes on every rank (every rank passes a buffer of the same length).
    /// - Throws: ``CommunicationError``.
    func broadcast(bytes: inout [UInt8], root: Int) throws(CommunicationError)
    /// Blocks until every rank arrives.
    /// - Throws: ``CommunicationError``.
    func barrier() throws(CommunicationError)
    /// Lets the transport move messages in flight, without waiting: Open MPI advances a large
    /// (rendezvous) ``isend(_:count:to:tag:)`` or ``irecv(_:count:from:tag:)`` only inside MPI
    /// calls, so a rank that computes for long between calls holds its sends back. Cheap; call
    /// it between long computations. Errors are left to the next wait.
    func progress()
    /// A new communicator of the ranks that pass the same `color`, ranked by (`key`, rank)
    /// (`MPI_Comm_split`). Collective over this communicator.
    /// - Throws: ``CommunicationError``.
    func split(color: Int, key: Int) throws(CommunicationError) -> any Communicating
    /// Ends the whole job with exit status `code` after the caller reported `reason`. Open MPI
    /// kills every process (`MPI_Abort`); the in-process communicator wakes every rank with an
    /// ``CommunicationError/Kind-swift.enum/aborted`` error and throws it here too.
    func abort(code: Int32, reason: String) throws(CommunicationError) -> Never
}

/// Payload bytes a communicator moved.
public struct TrafficCounters: Sendable, Equatable {
    /// Point-to-point bytes sent.
    public var bytesSent: Int64 = 0
    /// Point-to-point bytes received.
    public var bytesReceived: Int64 = 0
    /// Bytes this rank contributed to collectives, counted once per call at the local size.
    public var collectiveBytes: Int64 = 0

    public init() {}

    /// Field-wise difference `self − earlier`.
    public func since(_ earlier: TrafficCounters) -> TrafficCounters {
        var d = TrafficCounters()
        d.bytesSent = bytesSent - earlier.bytesSent
        d.bytesReceived = bytesReceived - earlier.bytesReceived
        d.collectiveBytes = collectiveBytes - earlier.collectiveBytes
        return d
    }

    /// Field-wise sum.
    public static func + (a: TrafficCounters, b: TrafficCounters) -> TrafficCounters {
        var s = TrafficCounters()
        s.bytesSent = a.bytesSent + b.bytesSent
        s.bytesReceived = a.bytesReceived + b.bytesReceived
        s.collectiveBytes = a.collectiveBytes + b.collectiveBytes
        return s
    }
}

/// The largest tag every MPI implementation must accept (the standard guarantees
/// `MPI_TAG_UB ≥ 32767`); tag schemes wrap below it.
public let maxPortableTag = 32767

/// Checks a point-to-point call's arguments (shared by both implementations).
func validateMessage(count: Int, capacity: Int, peer: Int, size: Int, tag: Int,
                     operation: String) throws(CommunicationError) {
    guard count >= 0 && count <= capacity else {
        throw CommunicationError(.invalidMessage, operation: operation, message: "\(count) floats do not fit a buffer of \(capacity)")
    }
    guard count <= Int(Int32.max) else {
        throw CommunicationError(.invalidMessage, operation: operation, message: "\(count) floats exceed MPI's 32-bit count")
    }
    guard peer >= 0 && peer < size else {
        throw CommunicationError(.invalidMessage, operation: operation, message: "rank \(peer) is outside 0..<\(size)")
    }
    guard tag >= 0 && tag <= maxPortableTag else {
        throw CommunicationError(.invalidMessage, operation: operation, message: "tag \(tag) is outside 0...\(maxPortableTag)")
    }
}
