import Dispatch

/// Rows of a table between the ranks of a communicator in one step: every rank sends each peer
/// the rows the peer needs and receives the rows it needs, then unpacks them in peer order
/// (a fixed order, so sums built from received rows do not depend on arrival order). Used by
/// the stage groups of hybrid and graph-parallel training for rows forward and gradients
/// backward, and by distributed FastRP for the halo rows of every propagation step (one
/// exchange per column block).
///
/// Buffers, one per peer and direction, are kept and grown across steps; a step waits for its
/// sends too, so the next step may reuse them. Blocked time goes to ``waitNanoseconds`` and,
/// when given, to the `onWait` callback (e.g. a trace recorder's "wait" event).
public final class HaloExchange {
    /// Called after every wait with the step's label and the wait's start and end
    /// (`DispatchTime` nanoseconds).
    public typealias WaitObserver = (_ label: String, _ start: UInt64, _ end: UInt64) -> Void

    /// The ranks that exchange.
    public let communicator: any Communicating
    private let onWait: WaitObserver?
    private var sendBuffers: [Int: MessageBuffer] = [:]
    private var receiveBuffers: [Int: MessageBuffer] = [:]
    /// Nanoseconds blocked in waits since the last ``resetWaitTime()``.
    public private(set) var waitNanoseconds: UInt64 = 0

    /// An exchange over `communicator`; `onWait` (optional) is told about every wait.
    public init(communicator: any Communicating, onWait: WaitObserver? = nil) {
        self.communicator = communicator
        self.onWait = onWait
    }

    /// Zeroes ``waitNanoseconds``.
    public func resetWaitTime() { waitNanoseconds = 0 }

    /// One step. For every peer q with `sendRows[q] > 0`, `pack(q, buffer)` fills
    /// `sendRows[q] × width` floats that go to q; for every peer with `receiveRows[q] > 0`, that
    /// many rows arrive and `unpack(q, buffer)` reads them, in ascending q, after all messages
    /// completed.
    /// - Parameters:
    ///   - width: floats per row.
    ///   - sendRows: how many rows this rank sends to each rank, indexed by rank.
    ///   - receiveRows: how many rows this rank receives from each rank, indexed by rank.
    ///   - pack: writes the rows for a rank (its first argument) into the send buffer.
    ///   - unpack: reads the rows received from a rank (its first argument), called in rank order.
    ///   - tag: the step's tag (each step completes before the next starts, so steps may share tags).
    ///   - label: passed to `onWait` (e.g. the trace event's name).
    /// - Throws: ``CommunicationError``.
    public func exchange(width: Int, tag: Int, sendRows: [Int], receiveRows: [Int],
                         pack: (Int, UnsafeMutablePointer<Float>) -> Void,
                         unpack: (Int, UnsafePointer<Float>) -> Void, label: String) throws(CommunicationError) {
        let size = communicator.size
        guard size > 1 else { return }
        precondition(sendRows.count == size && receiveRows.count == size, "HaloExchange: one row count per rank")
        var receives: [(peer: Int, request: MessageRequest)] = []
        var requests: [MessageRequest] = []
        for q in 0..<size where q != communicator.rank && receiveRows[q] > 0 {
            let count = receiveRows[q] * width
            let r = try communicator.irecv(Self.buffer(&receiveBuffers, q, count), count: count, from: q, tag: tag)
            receives.append((q, r))
            requests.append(r)
        }
        for q in 0..<size where q != communicator.rank && sendRows[q] > 0 {
            let count = sendRows[q] * width
            let b = Self.buffer(&sendBuffers, q, count)
            pack(q, b.pointer)
            requests.append(try communicator.isend(b, count: count, to: q, tag: tag))
        }
        guard !requests.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        try communicator.waitAll(requests)
        let end = DispatchTime.now().uptimeNanoseconds
        waitNanoseconds += end - start
        onWait?(label, start, end)
        for (q, r) in receives { unpack(q, UnsafePointer(r.buffer.pointer)) }
    }

    private static func buffer(_ table: inout [Int: MessageBuffer], _ peer: Int, _ count: Int) -> MessageBuffer {
        if let b = table[peer], b.capacity >= count { return b }
        table[peer] = nil  // free the smaller buffer before allocating the larger one
        let b = MessageBuffer(capacity: count)
        table[peer] = b
        return b
    }

    /// Frees the kept buffers (e.g. after a pass with large messages).
    public func releaseBuffers() {
        sendBuffers.removeAll()
        receiveBuffers.removeAll()
    }
}
