import DenseMath
import MessagePassing

/// Chunk rows between neighbouring pipeline stages: non-blocking sends from reused buffers and
/// receives posted one chunk ahead, with the blocked time split into waits and bubbles.
///
/// Tags: `((epoch mod E) · 3 + direction) · C + chunk` with direction 0 = forward rows,
/// 1 = backward gradients, 2 = evaluation rows, and E the number of epochs that fit below
/// ``MessagePassing/maxPortableTag``: a message cannot match another epoch's, chunk's or
/// direction's receive.
final class MessageChannel {
    let communicator: any Communicating
    private let trace: TraceRecorder?
    private let chunks: Int
    private let tagEpochs: Int
    private var buffers: [String: MessageBuffer] = [:]
    private var pendingSends: [String: MessageRequest] = [:]
    /// Send buffers per direction, reused round-robin (a chunk's rows stay in flight while the
    /// next chunks are computed).
    let sendSlots = 3

    /// The largest chunk count the tags can tell apart.
    static let maxChunks = (maxPortableTag + 1) / 3

    init(communicator: any Communicating, chunks: Int, trace: TraceRecorder?) {
        precondition(chunks >= 1 && chunks <= Self.maxChunks, "MessageChannel: \(chunks) chunks exceed the tag range")
        self.communicator = communicator
        self.chunks = chunks
        self.trace = trace?.isEnabled == true ? trace : nil
        tagEpochs = max(1, (maxPortableTag + 1) / (3 * chunks))
    }

    enum Direction: Int { case forward = 0, backward = 1, evaluation = 2 }

    func tag(_ direction: Direction, chunk: Int, epoch: Int) -> Int {
        ((epoch % tagEpochs) * 3 + direction.rawValue) * chunks + chunk
    }

    private func buffer(_ key: String, count: Int) -> MessageBuffer {
        if let b = buffers[key], b.capacity >= count { return b }
        let b = MessageBuffer(capacity: count)
        buffers[key] = b
        return b
    }

    /// Sends `m` to `peer` from buffer `key`, first waiting (time added to `seconds`) for the
    /// send that last used that buffer.
    func send(_ m: Matrix, to peer: Int, key: String, tag: Int, seconds: inout Double) throws(DistributedTrainingError) {
        if let previous = pendingSends.removeValue(forKey: key) {
            try wait([previous], seconds: &seconds, label: "wait send buffer")
        }
        let b = buffer(key, count: m.values.count)
        m.values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { b.pointer.update(from: base, count: src.count) }
        }
        pendingSends[key] = try communicating { () throws(CommunicationError) in
            try communicator.isend(b, count: m.values.count, to: peer, tag: tag)
        }
    }

    /// Posts a receive of `rows × cols` floats from `peer` into buffer `key`.
    func receive(rows: Int, cols: Int, from peer: Int, key: String, tag: Int) throws(DistributedTrainingError) -> MessageRequest {
        let b = buffer(key, count: rows * cols)
        return try communicating { () throws(CommunicationError) in
            try communicator.irecv(b, count: rows * cols, from: peer, tag: tag)
        }
    }

    /// Waits for `request` and returns its rows `[rows × cols]`; the blocked time goes to
    /// `seconds` and to a trace event of category `category`.
    func complete(_ request: MessageRequest, rows: Int, cols: Int, seconds: inout Double, label: String,
                  category: String = "wait") throws(DistributedTrainingError) -> Matrix {
        try wait([request], seconds: &seconds, label: label, category: category)
        var m = Matrix(rows: rows, cols: cols)
        m.values.withUnsafeMutableBufferPointer { dst in
            if let base = dst.baseAddress { base.update(from: request.buffer.pointer, count: rows * cols) }
        }
        return m
    }

    /// Waits for every send still in flight (before their buffers may change).
    func finishSends(seconds: inout Double) throws(DistributedTrainingError) {
        try wait(Array(pendingSends.values), seconds: &seconds, label: "wait sends")
        pendingSends.removeAll()
    }

    /// Frees the buffers whose keys start with `prefix` (large evaluation messages).
    func release(prefix: String) {
        for key in buffers.keys where key.hasPrefix(prefix) { buffers[key] = nil }
    }

    private func wait(_ requests: [MessageRequest], seconds: inout Double, label: String,
                      category: String = "wait") throws(DistributedTrainingError) {
        guard !requests.isEmpty else { return }
        let start = TraceRecorder.now()
        try communicating { () throws(CommunicationError) in try communicator.waitAll(requests) }
        let end = TraceRecorder.now()
        seconds += Double(end - start) / 1e9
        trace?.record(label, category: category, start: start, end: end)
    }
}

/// What one stage receives from one neighbour over a pass of the schedule: step i's rows, with
/// the receive of step i + 1 posted as soon as step i's rows are in (two buffers in turn). A wait
/// before a step that the schedule marks as idle (``PipelineSchedule/Step/bubbleBefore``) counts
/// as bubble, any other as wait.
final class StepInbox {
    private let channel: MessageChannel
    private let peer: Int?
    private let steps: [PipelineSchedule.Step]
    private let rows: [Int]
    private let width: Int
    private let tags: [Int]
    private let key: String
    private let phase: String
    private var pending: MessageRequest?

    /// `rows[i] × width` floats for step i from `peer` (nil: nothing to receive), tagged
    /// `tags[i]`; buffers `key0`, `key1`.
    init(channel: MessageChannel, peer: Int?, steps: [PipelineSchedule.Step], width: Int, key: String, phase: String,
         rows: [Int], tags: [Int]) throws(DistributedTrainingError) {
        self.channel = channel
        self.peer = peer
        self.steps = steps
        self.rows = rows
        self.width = width
        self.tags = tags
        self.key = key
        self.phase = phase
        try post(0)
    }

    private func post(_ i: Int) throws(DistributedTrainingError) {
        guard let peer, i < steps.count else { return }
        pending = try channel.receive(rows: rows[i], cols: width, from: peer, key: "\(key)\(i % 2)", tag: tags[i])
    }

    /// Step `i`'s rows (nil without a peer), then posts step i + 1's receive.
    func take(_ i: Int, wait: inout Double, bubble: inout Double) throws(DistributedTrainingError) -> Matrix? {
        guard let request = pending else { return nil }
        let c = steps[i].chunk
        let m = steps[i].bubbleBefore > 0
            ? try channel.complete(request, rows: rows[i], cols: width, seconds: &bubble, label: "\(phase == "forward" ? "fill" : "drain") bubble", category: "bubble")
            : try channel.complete(request, rows: rows[i], cols: width, seconds: &wait, label: "wait \(phase) c\(c)")
        pending = nil
        try post(i + 1)
        return m
    }
}
