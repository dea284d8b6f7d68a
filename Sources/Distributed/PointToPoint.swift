import CMPI

/// A `Float` buffer at a fixed address, for non-blocking MPI operations: the memory must not
/// move or be freed while an `MPI_Isend`/`MPI_Irecv` on it is pending, which Swift arrays do not
/// guarantee. Freed when the last reference goes (a ``MessageRequest`` keeps its buffer alive).
///
/// `@unchecked Sendable`: the storage is raw memory that callers coordinate through requests.
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

/// A pending non-blocking send or receive. Complete it with ``Communicator/wait(_:)`` or
/// ``Communicator/waitAll(_:)`` before reading (receive) or reusing (send) its buffer.
public final class MessageRequest: @unchecked Sendable {
    fileprivate var handle: MPI_Request?
    /// The buffer the operation reads or fills; kept alive until completion.
    public let buffer: MessageBuffer
    /// Number of floats sent or expected.
    public let count: Int
    /// Peer rank.
    public let peer: Int
    /// Message tag.
    public let tag: Int

    fileprivate init(handle: MPI_Request?, buffer: MessageBuffer, count: Int, peer: Int, tag: Int) {
        self.handle = handle
        self.buffer = buffer
        self.count = count
        self.peer = peer
        self.tag = tag
    }

    /// Whether the operation has completed (after a wait).
    public var isComplete: Bool { handle == nil }
}

extension Communicator {
    /// The largest tag every MPI implementation must accept (the standard guarantees
    /// `MPI_TAG_UB ≥ 32767`); callers wrap their tag scheme below it.
    public static let maxPortableTag = 32767

    /// Starts sending the first `count` floats of `buffer` to rank `destination` (`MPI_Isend`).
    /// Counts the payload in ``bytesSent``.
    /// - Throws: ``MPIError`` when MPI rejects the call.
    public func isend(_ buffer: MessageBuffer, count: Int, to destination: Int, tag: Int) throws(MPIError) -> MessageRequest {
        try checkMessage(count: count, capacity: buffer.capacity, peer: destination, tag: tag)
        var request: MPI_Request? = CMPI_REQUEST_NULL()
        try Self.check(MPI_Isend(buffer.pointer, Int32(count), CMPI_FLOAT(), Int32(destination), Int32(tag), comm, &request),
                       "MPI_Isend")
        recordSent(bytes: count * MemoryLayout<Float>.size)
        return MessageRequest(handle: request, buffer: buffer, count: count, peer: destination, tag: tag)
    }

    /// Starts receiving exactly `count` floats from rank `source` into `buffer` (`MPI_Irecv`).
    /// Counts the payload in ``bytesReceived``; ``wait(_:)`` checks the received length.
    /// - Throws: ``MPIError`` when MPI rejects the call.
    public func irecv(_ buffer: MessageBuffer, count: Int, from source: Int, tag: Int) throws(MPIError) -> MessageRequest {
        try checkMessage(count: count, capacity: buffer.capacity, peer: source, tag: tag)
        var request: MPI_Request? = CMPI_REQUEST_NULL()
        try Self.check(MPI_Irecv(buffer.pointer, Int32(count), CMPI_FLOAT(), Int32(source), Int32(tag), comm, &request),
                       "MPI_Irecv")
        recordReceived(bytes: count * MemoryLayout<Float>.size)
        return MessageRequest(handle: request, buffer: buffer, count: count, peer: source, tag: tag)
    }

    /// Blocks until `request` completes (`MPI_Wait`); a receive that got a different number of
    /// floats than expected throws.
    /// - Throws: ``MPIError``.
    public func wait(_ request: MessageRequest) throws(MPIError) {
        guard request.handle != nil else { return }
        var handle: MPI_Request? = request.handle
        var status = MPI_Status()
        try Self.check(MPI_Wait(&handle, &status), "MPI_Wait")
        request.handle = nil
        var received: Int32 = 0
        if MPI_Get_count(&status, CMPI_FLOAT(), &received) == MPI_SUCCESS, status.MPI_SOURCE >= 0,
           Int(received) != request.count {
            throw MPIError(function: "MPI_Wait", code: -1,
                           message: "expected \(request.count) floats from rank \(request.peer) (tag \(request.tag)), got \(received)")
        }
    }

    /// Waits for every request in order.
    /// - Throws: the first ``MPIError``.
    public func waitAll(_ requests: [MessageRequest]) throws(MPIError) {
        for r in requests { try wait(r) }
    }

    /// Copies `values` to every rank from `root` (`MPI_Bcast`); every rank passes an array of the
    /// same length.
    /// - Throws: ``MPIError``.
    public func broadcast(_ values: inout [Float], root: Int) throws(MPIError) {
        guard !values.isEmpty else { return }
        precondition(values.count <= Int(Int32.max), "broadcast: too many values for one call")
        recordCollective(bytes: values.count * MemoryLayout<Float>.size)
        let code = values.withUnsafeMutableBufferPointer { buf in
            MPI_Bcast(buf.baseAddress!, Int32(buf.count), CMPI_FLOAT(), Int32(root), comm)
        }
        try Self.check(code, "MPI_Bcast")
    }

    /// Copies `values` to every rank from `root` (`MPI_Bcast`); every rank passes an array of the
    /// same length. Used to share one rank's METIS result instead of recomputing it everywhere.
    /// - Throws: ``MPIError``.
    public func broadcast(_ values: inout [Int32], root: Int) throws(MPIError) {
        guard !values.isEmpty else { return }
        precondition(values.count <= Int(Int32.max), "broadcast: too many values for one call")
        recordCollective(bytes: values.count * MemoryLayout<Int32>.size)
        let code = values.withUnsafeMutableBufferPointer { buf in
            MPI_Bcast(buf.baseAddress!, Int32(buf.count), CMPI_INT32(), Int32(root), comm)
        }
        try Self.check(code, "MPI_Bcast")
    }

    /// Element-wise sum over all ranks, in place, in double precision.
    /// - Throws: ``MPIError``.
    public func allReduceSum(_ values: inout [Double]) throws(MPIError) {
        guard !values.isEmpty else { return }
        precondition(values.count <= Int(Int32.max), "allReduceSum: too many values for one call")
        recordCollective(bytes: values.count * MemoryLayout<Double>.size)
        let code = values.withUnsafeMutableBufferPointer { buf in
            MPI_Allreduce(CMPI_IN_PLACE(), buf.baseAddress!, Int32(buf.count), CMPI_DOUBLE(), CMPI_SUM(), comm)
        }
        try Self.check(code, "MPI_Allreduce")
    }

    /// Every rank's `values` (all of the same length), concatenated in rank order
    /// (`MPI_Allgather`): `[size × values.count]` row-major.
    /// - Throws: ``MPIError``.
    public func allGather(_ values: [Double]) throws(MPIError) -> [Double] {
        var out = [Double](repeating: 0, count: values.count * size)
        guard !values.isEmpty else { return out }
        let code = values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                MPI_Allgather(src.baseAddress!, Int32(src.count), CMPI_DOUBLE(), dst.baseAddress!, Int32(src.count),
                              CMPI_DOUBLE(), comm)
            }
        }
        try Self.check(code, "MPI_Allgather")
        return out
    }

    /// Every rank's `values` (lengths may differ) at rank `root`, in rank order (`MPI_Gather` of
    /// the lengths, then `MPI_Gatherv`); `nil` on the other ranks.
    /// - Throws: ``MPIError``.
    public func gather(_ values: [Double], root: Int) throws(MPIError) -> [[Double]]? {
        precondition(values.count <= Int(Int32.max), "gather: too many values for one call")
        var myCount = Int32(values.count)
        var counts = [Int32](repeating: 0, count: size)
        try Self.check(MPI_Gather(&myCount, 1, CMPI_INT32(), &counts, 1, CMPI_INT32(), Int32(root), comm), "MPI_Gather")
        var displacements = [Int32](repeating: 0, count: size)
        var total = 0
        if rank == root {
            for r in 0..<size {
                precondition(total + Int(counts[r]) <= Int(Int32.max), "gather: more than 2³¹ values in total")
                displacements[r] = Int32(total)
                total += Int(counts[r])
            }
        }
        var out = [Double](repeating: 0, count: max(1, total))
        var mine = values.isEmpty ? [0] : values
        let code = mine.withUnsafeMutableBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                MPI_Gatherv(src.baseAddress!, myCount, CMPI_DOUBLE(), dst.baseAddress!, &counts, &displacements,
                            CMPI_DOUBLE(), Int32(root), comm)
            }
        }
        try Self.check(code, "MPI_Gatherv")
        guard rank == root else { return nil }
        return (0..<size).map { r in Array(out[Int(displacements[r])..<Int(displacements[r]) + Int(counts[r])]) }
    }

    /// Every rank's bytes (lengths may differ) at rank `root`, in rank order; `nil` elsewhere.
    /// Used to collect text (trace events, logs) on one rank.
    /// - Throws: ``MPIError``.
    public func gather(_ bytes: [UInt8], root: Int) throws(MPIError) -> [[UInt8]]? {
        // Eight bytes per Double keep one code path; the length travels first.
        var padded = [Double](repeating: 0, count: (bytes.count + 7) / 8 + 1)
        padded[0] = Double(bytes.count)
        padded.withUnsafeMutableBytes { raw in
            bytes.withUnsafeBytes { src in raw.baseAddress!.advanced(by: 8).copyMemory(from: src.baseAddress!, byteCount: src.count) }
        }
        guard let parts = try gather(padded, root: root) else { return nil }
        return parts.map { part in
            let n = Int(part[0])
            return part.withUnsafeBytes { raw in Array(raw[8..<(8 + n)]) }
        }
    }

    private func checkMessage(count: Int, capacity: Int, peer: Int, tag: Int) throws(MPIError) {
        guard count >= 0 && count <= capacity else {
            throw MPIError(function: "message", code: -1, message: "\(count) floats do not fit a buffer of \(capacity)")
        }
        guard count <= Int(Int32.max) else {
            throw MPIError(function: "message", code: -1, message: "\(count) floats exceed MPI's 32-bit count")
        }
        guard peer >= 0 && peer < size else {
            throw MPIError(function: "message", code: -1, message: "rank \(peer) is outside 0..<\(size)")
        }
        guard tag >= 0 && tag <= Self.maxPortableTag else {
            throw MPIError(function: "message", code: -1, message: "tag \(tag) is outside 0...\(Self.maxPortableTag)")
        }
    }
}
