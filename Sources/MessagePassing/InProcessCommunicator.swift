import Foundation

/// ``Communicating`` among P threads of one process, with the semantics of
/// ``MPICommunicator``: tagged point-to-point messages matched in posting order, collectives in
/// call order with results in rank order, sub-communicators, deadlines and abort. Protocol
/// tests (schedules, halo exchanges, rank agreement, checkpoints) run on it without `mpirun`.
///
/// ```swift
/// let results = InProcessCommunicator.run(ranks: 4) { comm in
///     var x: [Float] = [Float(comm.rank)]
///     try comm.allReduceSum(&x)
///     return x[0]                                    // 6 on every rank
/// }
/// ```
///
/// Sends are eager: the payload is copied when posted, so a send completes at once (a valid
/// MPI behaviour for any message size). A rank whose body has returned or thrown has ended: a
/// wait that needs something from it fails at once (as Open MPI ends a job whose process died)
/// instead of hanging; ``abort(code:reason:)`` wakes every rank with an
/// ``CommunicationError/Kind-swift.enum/aborted`` error.
///
/// `@unchecked Sendable`: each instance is used by its own rank's thread; shared state lives in
/// the world behind one lock.
public final class InProcessCommunicator: Communicating, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public var hostName: String { "in-process" }
    public var timeout: Double?
    public private(set) var traffic = TrafficCounters()
    private let world: InProcessWorld
    private let context: Int
    /// The thread (world rank) of each rank of this communicator.
    private let threads: [Int]
    private var collectiveSequence = 0

    private init(world: InProcessWorld, context: Int, rank: Int, threads: [Int], timeout: Double?) {
        self.world = world
        self.context = context
        self.rank = rank
        self.threads = threads
        size = threads.count
        self.timeout = timeout
    }

    /// Runs `body` on `ranks` threads, each with its rank's communicator, and returns every
    /// rank's outcome in rank order once all have finished.
    /// - Parameters:
    ///   - ranks: the number of ranks (threads), at least 1.
    ///   - timeout: every wait's deadline in seconds (see ``Communicating/timeout``).
    ///   - body: the work of one rank, given that rank's communicator.
    public static func run<T>(ranks: Int, timeout: Double? = 300,
                              _ body: @escaping @Sendable (InProcessCommunicator) throws -> T) -> [Result<T, any Error>] {
        precondition(ranks >= 1, "InProcessCommunicator.run needs at least one rank")
        let world = InProcessWorld()
        let outcomes = OutcomeBox<T>(count: ranks)
        let group = DispatchGroup()
        for r in 0..<ranks {
            let communicator = InProcessCommunicator(world: world, context: 0, rank: r, threads: Array(0..<ranks), timeout: timeout)
            group.enter()
            let thread = Thread {
                let outcome = Result { try body(communicator) }
                world.end(thread: r)
                outcomes.set(r, outcome)
                group.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        group.wait()
        return outcomes.results
    }

    public func resetTraffic() { traffic = TrafficCounters() }

    // MARK: Point-to-point

    public func isend(_ buffer: MessageBuffer, count: Int, to destination: Int, tag: Int) throws(CommunicationError) -> MessageRequest {
        try validateMessage(count: count, capacity: buffer.capacity, peer: destination, size: size, tag: tag, operation: "isend")
        let request = MessageRequest(buffer: buffer, count: count, peer: destination, tag: tag, isSend: true)
        let payload = Array(buffer.buffer(count: count))
        try world.locked { () throws(CommunicationError) in
            try world.checkAbort()
            world.post(payload, key: InProcessWorld.Key(context: context, source: rank, destination: destination, tag: tag))
        }
        request.isComplete = true
        traffic.bytesSent += Int64(count * MemoryLayout<Float>.size)
        return request
    }

    public func irecv(_ buffer: MessageBuffer, count: Int, from source: Int, tag: Int) throws(CommunicationError) -> MessageRequest {
        try validateMessage(count: count, capacity: buffer.capacity, peer: source, size: size, tag: tag, operation: "irecv")
        let request = MessageRequest(buffer: buffer, count: count, peer: source, tag: tag, isSend: false)
        try world.locked { () throws(CommunicationError) in
            try world.checkAbort()
            world.expect(request, key: InProcessWorld.Key(context: context, source: source, destination: rank, tag: tag))
        }
        traffic.bytesReceived += Int64(count * MemoryLayout<Float>.size)
        return request
    }

    /// Nothing to do: in-process messages are copied when both sides arrive.
    public func progress() {}

    public func waitAll(_ requests: [MessageRequest]) throws(CommunicationError) {
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        try world.locked { () throws(CommunicationError) in
            for request in requests {
                try world.wait(until: deadline, operation: "wait",
                               what: "no message from rank \(request.peer) (tag \(request.tag)) within \(Poll.seconds(timeout ?? 0))",
                               gone: { [threads[request.peer]] },
                               goneMessage: "rank \(request.peer) ended without sending (tag \(request.tag))") {
                    request.isComplete
                }
                if let failure = request.failure { throw failure }
            }
        }
    }

    // MARK: Collectives

    public func allGather(bytes: [UInt8]) throws(CommunicationError) -> [UInt8] {
        guard size > 1 else { return bytes }
        traffic.collectiveBytes += Int64(bytes.count)
        let parts = try collective("all-gather", contribution: bytes, readers: Array(0..<size))
        guard let parts else { return [] }
        precondition(parts.allSatisfy { $0.count == bytes.count }, "allGather: ranks passed blocks of different lengths")
        return parts.flatMap { $0 }
    }

    public func allToAll(_ blocks: [[UInt8]], receiveCounts: [Int]) throws(CommunicationError) -> [[UInt8]] {
        precondition(blocks.count == size && receiveCounts.count == size, "allToAll: one block and one count per rank")
        guard size > 1 else { return blocks }
        // One round: every rank deposits its blocks, framed by their lengths, and reads its own from each.
        var framed: [UInt8] = []
        for (q, b) in blocks.enumerated() {
            if q != rank { traffic.collectiveBytes += Int64(b.count) }
            withUnsafeBytes(of: Int64(b.count).littleEndian) { framed += $0 }
            framed += b
        }
        guard let parts = try collective("all-to-all", contribution: framed, readers: Array(0..<size)) else { return [] }
        return parts.enumerated().map { q, part in
            var offset = 0
            for target in 0..<size {
                let count = Int(part[offset..<offset + 8].withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) })
                offset += 8
                if target == rank {
                    precondition(count == receiveCounts[q], "allToAll: rank \(q) sent \(count) bytes, \(receiveCounts[q]) expected")
                    return Array(part[offset..<offset + count])
                }
                offset += count
            }
            preconditionFailure("allToAll: no block for this rank")
        }
    }

    public func gather(bytes: [UInt8], root: Int) throws(CommunicationError) -> [[UInt8]]? {
        guard size > 1 else { return [bytes] }
        traffic.collectiveBytes += Int64(bytes.count)
        return try collective("gather", contribution: bytes, readers: [root])
    }

    public func broadcast(bytes: inout [UInt8], root: Int) throws(CommunicationError) {
        guard size > 1, !bytes.isEmpty else { return }
        traffic.collectiveBytes += Int64(bytes.count)
        let parts = try collective("broadcast", contribution: rank == root ? bytes : nil, readers: Array(0..<size),
                                   waitFor: [root])
        if let parts { bytes = parts[root] }
    }

    public func barrier() throws(CommunicationError) {
        guard size > 1 else { return }
        _ = try collective("barrier", contribution: [], readers: Array(0..<size))
    }

    public func split(color: Int, key: Int) throws(CommunicationError) -> any Communicating {
        let sequence = collectiveSequence
        let all: [Int64] = try allGather([Int64(color), Int64(key)])
        let members = (0..<size).filter { all[2 * $0] == Int64(color) }
            .sorted { (all[2 * $0 + 1], $0) < (all[2 * $1 + 1], $1) }
        let id = world.locked { world.context(parent: context, sequence: sequence, color: color) }
        return InProcessCommunicator(world: world, context: id, rank: members.firstIndex(of: rank)!,
                                     threads: members.map { threads[$0] }, timeout: timeout)
    }

    /// `rank 2` or `ranks 1, 3`.
    static func ranks(_ list: [Int]) -> String {
        list.count == 1 ? "rank \(list[0])" : "ranks " + list.map(String.init).joined(separator: ", ")
    }

    public func abort(code: Int32, reason: String) throws(CommunicationError) -> Never {
        world.abort(rank: rank, code: code, reason: reason)
        throw CommunicationError(.aborted, operation: "abort", code: code, message: "rank \(rank) aborted the job: \(reason)")
    }

    /// One collective round: this rank deposits `contribution` (if any), then the `readers`
    /// wait for the contributions of `waitFor` (every rank by default) and get them in rank
    /// order; other ranks return nil at once.
    private func collective(_ operation: String, contribution: [UInt8]?, readers: [Int],
                            waitFor: [Int]? = nil) throws(CommunicationError) -> [[UInt8]]? {
        let sequence = collectiveSequence
        collectiveSequence += 1
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        let needed = waitFor ?? Array(0..<size)
        return try world.locked { () throws(CommunicationError) -> [[UInt8]]? in
            try world.checkAbort()
            let round = world.round(context: context, sequence: sequence, size: size)
            if let contribution { round.contributions[rank] = contribution }
            world.condition.broadcast()
            var result: [[UInt8]]?
            if readers.contains(rank) {
                try world.wait(until: deadline, operation: operation,
                               what: "\(Self.ranks(needed.filter { round.contributions[$0] == nil })) did not arrive within \(Poll.seconds(timeout ?? 0))",
                               gone: { needed.filter { round.contributions[$0] == nil }.map { self.threads[$0] } },
                               goneMessage: "a rank ended before the \(operation)") {
                    needed.allSatisfy { round.contributions[$0] != nil }
                }
                result = round.contributions.map { $0 ?? [] }
            }
            round.departed += 1
            if round.departed == size { world.rounds[InProcessWorld.RoundKey(context: context, sequence: sequence)] = nil }
            return result
        }
    }
}

/// What the ranks of one ``InProcessCommunicator/run(ranks:timeout:_:)`` share, behind one lock.
final class InProcessWorld: @unchecked Sendable {
    struct Key: Hashable { var context: Int, source: Int, destination: Int, tag: Int }
    struct RoundKey: Hashable { var context: Int, sequence: Int }
    struct SplitKey: Hashable { var parent: Int, sequence: Int, color: Int }
    final class Round {
        var contributions: [[UInt8]?]
        var departed = 0
        init(size: Int) { contributions = Array(repeating: nil, count: size) }
    }
    struct Mailbox {
        var messages: [[Float]] = []
        var receives: [MessageRequest] = []
    }

    let condition = NSCondition()
    var mailboxes: [Key: Mailbox] = [:]
    var rounds: [RoundKey: Round] = [:]
    private var contexts: [SplitKey: Int] = [:]
    private var nextContext = 1
    private(set) var aborted: CommunicationError?
    /// Threads whose body has returned or thrown.
    private var ended: Set<Int> = []

    func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    func checkAbort() throws(CommunicationError) {
        if let aborted { throw aborted }
    }

    /// Marks the world aborted and wakes every waiting rank (the first abort wins).
    func abort(rank: Int, code: Int32, reason: String) {
        locked {
            if aborted == nil {
                aborted = CommunicationError(.aborted, operation: "abort", code: code, message: "rank \(rank) aborted the job: \(reason)")
            }
            condition.broadcast()
        }
    }

    /// Marks a thread's body as finished and wakes the waiting ranks.
    func end(thread: Int) {
        locked {
            ended.insert(thread)
            condition.broadcast()
        }
    }

    /// Under the lock: waits until `done()`, the deadline, an abort, or one of the threads in
    /// `gone` (whose part is still missing) ends.
    func wait(until deadline: Date?, operation: String, what: @autoclosure () -> String, gone: () -> [Int],
              goneMessage: @autoclosure () -> String, _ done: () -> Bool) throws(CommunicationError) {
        while !done() {
            try checkAbort()
            if gone().contains(where: ended.contains) {
                throw CommunicationError(.failed, operation: operation, message: goneMessage())
            }
            if let deadline {
                if !condition.wait(until: deadline), !done() {
                    try checkAbort()
                    throw CommunicationError(.timedOut, operation: operation, message: what())
                }
            } else {
                condition.wait()
            }
        }
    }

    /// Under the lock: delivers `payload` to the oldest receive posted for `key`, or queues it.
    func post(_ payload: [Float], key: Key) {
        var box = mailboxes[key] ?? Mailbox()
        if box.receives.isEmpty {
            box.messages.append(payload)
        } else {
            deliver(payload, to: box.receives.removeFirst())
        }
        mailboxes[key] = box
        condition.broadcast()
    }

    /// Under the lock: fills `request` from the oldest queued message for `key`, or queues it.
    func expect(_ request: MessageRequest, key: Key) {
        var box = mailboxes[key] ?? Mailbox()
        if box.messages.isEmpty {
            box.receives.append(request)
        } else {
            deliver(box.messages.removeFirst(), to: request)
        }
        mailboxes[key] = box.messages.isEmpty && box.receives.isEmpty ? nil : box
    }

    private func deliver(_ payload: [Float], to request: MessageRequest) {
        if payload.count != request.count {
            request.failure = CommunicationError(.invalidMessage, operation: "wait",
                                                 message: "expected \(request.count) floats from rank \(request.peer) (tag \(request.tag)), got \(payload.count)")
        } else {
            payload.withUnsafeBufferPointer { src in
                if let base = src.baseAddress { request.buffer.pointer.update(from: base, count: src.count) }
            }
        }
        request.isComplete = true
    }

    func round(context: Int, sequence: Int, size: Int) -> Round {
        let key = RoundKey(context: context, sequence: sequence)
        if let r = rounds[key] { return r }
        let r = Round(size: size)
        rounds[key] = r
        return r
    }

    /// The id of the sub-communicator `color` of split number `sequence` of `parent`.
    func context(parent: Int, sequence: Int, color: Int) -> Int {
        let key = SplitKey(parent: parent, sequence: sequence, color: color)
        if let id = contexts[key] { return id }
        let id = nextContext
        nextContext += 1
        contexts[key] = id
        return id
    }
}

/// The ranks' outcomes, written from their threads.
private final class OutcomeBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<T, any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<T, any Error>) { lock.lock(); values[i] = value; lock.unlock() }
    var results: [Result<T, any Error>] { lock.lock(); defer { lock.unlock() }; return values.map { $0! } }
}
