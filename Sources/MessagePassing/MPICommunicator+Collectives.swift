import CMPI
import Foundation

/// Collectives as point-to-point messages through rank 0 on ``MPICommunicator/collectiveComm``:
/// every rank sends its block to rank 0, which waits for each by name and sends the result
/// back. A collective that passes its deadline therefore says which ranks did not arrive (on
/// rank 0) or that rank 0 did not answer (elsewhere). Each collective completes before the next
/// starts, so one tag keeps them in order (messages between two ranks never overtake).
///
/// Cost: rank 0 receives and sends P − 1 messages per collective; the result of an all-gather
/// goes back whole to every rank, so rank 0 sends P · (P − 1) blocks. Sums therefore do not use
/// it: ``allToAll(_:receiveCounts:)`` sends each block straight to its rank, and
/// ``Communicating/allReduceSum(_:)-([Float])`` is two of those (every rank sends
/// 2 · (P − 1) / P of the vector).
extension MPICommunicator {
    private static let collectiveTag: Int32 = 1

    public func allGather(bytes: [UInt8]) throws(CommunicationError) -> [UInt8] {
        guard size > 1 else { return bytes }
        traffic.collectiveBytes += Int64(bytes.count)
        let n = bytes.count
        var out = [UInt8](repeating: 0, count: n * size)
        let buffer = RawBuffer(count: n * size)
        if rank == 0 {
            buffer.write(bytes, at: 0)
            let receives = try (1..<size).map { r throws(CommunicationError) in
                (r, try post(buffer, offset: r * n, count: n, peer: r, isSend: false))
            }
            try complete(receives, operation: "all-gather") { "\(self.names($0)) did not arrive" }
            let sends = try (1..<size).map { r throws(CommunicationError) in (r, try post(buffer, offset: 0, count: n * size, peer: r, isSend: true)) }
            try complete(sends, operation: "all-gather") { "\(self.names($0)) did not take the result" }
        } else {
            let send = RawBuffer(count: n)
            send.write(bytes, at: 0)
            let requests = [(0, try post(send, offset: 0, count: n, peer: 0, isSend: true)),
                            (0, try post(buffer, offset: 0, count: n * size, peer: 0, isSend: false))]
            try complete(requests, operation: "all-gather") { _ in "\(self.who(0)), which collects the all-gather, did not answer" }
        }
        buffer.read(into: &out)
        return out
    }

    public func allToAll(_ blocks: [[UInt8]], receiveCounts: [Int]) throws(CommunicationError) -> [[UInt8]] {
        precondition(blocks.count == size && receiveCounts.count == size, "allToAll: one block and one count per rank")
        guard size > 1 else { return blocks }
        let peers = (0..<size).filter { $0 != rank }
        let incoming = peers.filter { receiveCounts[$0] > 0 }.map { ($0, RawBuffer(count: receiveCounts[$0])) }
        var requests = try incoming.map { q, buffer throws(CommunicationError) in
            (q, try post(buffer, offset: 0, count: buffer.count, peer: q, isSend: false))
        }
        let outgoing = peers.filter { !blocks[$0].isEmpty }.map { q in
            let b = RawBuffer(count: blocks[q].count)
            b.write(blocks[q], at: 0)
            traffic.collectiveBytes += Int64(blocks[q].count)
            return (q, b)
        }
        requests += try outgoing.map { q, buffer throws(CommunicationError) in
            (q, try post(buffer, offset: 0, count: buffer.count, peer: q, isSend: true))
        }
        try complete(requests, operation: "all-to-all") { "\(self.names($0)) did not exchange" }
        var out = receiveCounts.map { [UInt8](repeating: 0, count: $0) }
        out[rank] = blocks[rank]
        for (q, buffer) in incoming { buffer.read(into: &out[q]) }
        return out
    }

    public func gather(bytes: [UInt8], root: Int) throws(CommunicationError) -> [[UInt8]]? {
        guard size > 1 else { return [bytes] }
        let lengths: [Int64] = try allGather([Int64(bytes.count)])
        traffic.collectiveBytes += Int64(bytes.count)
        if rank == root {
            let buffers = lengths.map { RawBuffer(count: Int($0)) }
            let receives = try (0..<size).filter { $0 != root }.map { r throws(CommunicationError) in
                (r, try post(buffers[r], offset: 0, count: Int(lengths[r]), peer: r, isSend: false))
            }
            try complete(receives, operation: "gather") { "\(self.names($0)) did not arrive" }
            return (0..<size).map { r in
                if r == root { return bytes }
                var part = [UInt8](repeating: 0, count: Int(lengths[r]))
                buffers[r].read(into: &part)
                return part
            }
        }
        let send = RawBuffer(count: bytes.count)
        send.write(bytes, at: 0)
        try complete([(root, try post(send, offset: 0, count: bytes.count, peer: root, isSend: true))], operation: "gather") { _ in
            "\(self.who(root)), which collects the gather, did not answer"
        }
        return nil
    }

    public func broadcast(bytes: inout [UInt8], root: Int) throws(CommunicationError) {
        guard size > 1, !bytes.isEmpty else { return }
        traffic.collectiveBytes += Int64(bytes.count)
        let buffer = RawBuffer(count: bytes.count)
        if rank == root {
            buffer.write(bytes, at: 0)
            let sends = try (0..<size).filter { $0 != root }.map { r throws(CommunicationError) in
                (r, try post(buffer, offset: 0, count: bytes.count, peer: r, isSend: true))
            }
            try complete(sends, operation: "broadcast") { "\(self.names($0)) did not take the broadcast" }
        } else {
            try complete([(root, try post(buffer, offset: 0, count: bytes.count, peer: root, isSend: false))], operation: "broadcast") { _ in
                "\(self.who(root)), which sends the broadcast, did not answer"
            }
            buffer.read(into: &bytes)
        }
    }

    public func barrier() throws(CommunicationError) {
        _ = try allGather(bytes: [])
    }

    /// `ranks 2, 3 on vm, vm` or `rank 2 on vm`.
    private func names(_ ranks: [Int]) -> String {
        ranks.count == 1 ? who(ranks[0])
            : "ranks " + ranks.map(String.init).joined(separator: ", ") + " on " + ranks.map { host(ofRank: $0) }.joined(separator: ", ")
    }

    /// A posted message and the buffer it reads or fills. Holding the buffer here keeps it alive
    /// until the message completes: Swift may free an object after its last use, and a send
    /// buffer's last use in the code is the `MPI_Isend`, while Open MPI's TCP transport reads
    /// it later (shared memory copies small messages at once, which hid this).
    struct PendingMessage {
        var handle: MPI_Request?
        let buffer: RawBuffer
    }

    private func post(_ buffer: RawBuffer, offset: Int, count: Int, peer: Int, isSend: Bool) throws(CommunicationError) -> PendingMessage {
        precondition(count <= Int(Int32.max), "collective message of \(count) bytes exceeds MPI's 32-bit count")
        var handle: MPI_Request? = mpi.REQUEST_NULL
        let p = buffer.pointer + offset
        let code = isSend
            ? mpi.Isend(p, Int32(count), mpi.BYTE, Int32(peer), Self.collectiveTag, collectiveComm, &handle)
            : mpi.Irecv(p, Int32(count), mpi.BYTE, Int32(peer), Self.collectiveTag, collectiveComm, &handle)
        try mpi.check(code, isSend ? "MPI_Isend" : "MPI_Irecv")
        return PendingMessage(handle: handle, buffer: buffer)
    }

    /// Waits for every request until the deadline; then `missing(peers still pending)` says why.
    private func complete(_ requests: [(peer: Int, message: PendingMessage)], operation: String,
                          missing: ([Int]) -> String) throws(CommunicationError) {
        var pending = requests
        var poll = Poll(timeout: timeout, rank: rank)
        while !pending.isEmpty {
            var i = 0
            while i < pending.count {
                var done: Int32 = 0
                try mpi.check(mpi.Test(&pending[i].message.handle, &done, CMPI_STATUS_IGNORE()), "MPI_Test")
                if done != 0 { pending.remove(at: i) } else { i += 1 }
            }
            if pending.isEmpty { break }
            try poll.pause(operation: operation, what: missing(Array(Set(pending.map(\.peer))).sorted()))
        }
    }
}

/// Bytes at a fixed address for the life of a collective (non-blocking MPI calls hold pointers).
final class RawBuffer {
    let pointer: UnsafeMutableRawPointer
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(byteCount: max(1, count), alignment: 16)
    }

    deinit { pointer.deallocate() }

    func write(_ bytes: [UInt8], at offset: Int) {
        bytes.withUnsafeBytes { if let base = $0.baseAddress { (pointer + offset).copyMemory(from: base, byteCount: $0.count) } }
    }

    func read(into bytes: inout [UInt8]) {
        let n = min(count, bytes.count)
        bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { base.copyMemory(from: pointer, byteCount: n) } }
    }
}
