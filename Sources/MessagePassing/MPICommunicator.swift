import CMPI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// ``Communicating`` over Open MPI: `MPI_COMM_WORLD` from ``initialize()``, sub-communicators
/// from ``split(color:key:)``.
///
/// Every wait polls (`MPI_Test`, yielding, then sleeping up to 0.2 ms between polls) until the
/// operation completes or its deadline passes, so no call blocks forever and ranks waiting on a
/// peer leave the cores to ranks computing (several ranks often share a core here). The deadline
/// is ``timeout`` plus a stagger of `rank × min(1 s, timeout / 20)`: when every rank waits on one
/// stopped peer, the lowest rank reports first and ends the job (MPI_Abort) before the others
/// repeat it. Collectives are point-to-point messages through rank 0 on a private duplicate of
/// the communicator (MPICommunicator+Collectives.swift), so a collective that times out names the
/// ranks that did not arrive.
///
/// Run without `mpirun` it is a one-rank singleton. Keep every call on the thread that
/// initialised MPI (`MPI_THREAD_FUNNELED`).
///
/// `@unchecked Sendable`: it holds an MPI communicator handle, immutable after creation; the
/// funnelled threading level confines calls to one thread.
public final class MPICommunicator: Communicating, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public let hostName: String
    public var timeout: Double?
    public internal(set) var traffic = TrafficCounters()
    /// Every rank's host name, in rank order.
    public private(set) var hosts: [String] = []
    /// Every rank's rank in `MPI_COMM_WORLD` (messages name world ranks, also for sub-groups).
    public private(set) var worldRanks: [Int] = []
    /// Open MPI's functions and predefined handles (loaded at run time, see `OpenMPILibrary`).
    let mpi: CMPI_Library
    let comm: MPI_Comm
    /// A duplicate of ``comm`` for the collectives' own messages, so they never match a user tag.
    let collectiveComm: MPI_Comm

    private init(mpi: CMPI_Library, comm: MPI_Comm, hostName: String, timeout: Double?) throws(CommunicationError) {
        var r: Int32 = 0, s: Int32 = 0
        try mpi.check(mpi.Comm_rank(comm, &r), "MPI_Comm_rank")
        try mpi.check(mpi.Comm_size(comm, &s), "MPI_Comm_size")
        var duplicate: MPI_Comm? = nil
        try mpi.check(mpi.Comm_dup(comm, &duplicate), "MPI_Comm_dup")
        guard let duplicate else { throw CommunicationError(operation: "MPI_Comm_dup", message: "no communicator returned") }
        try mpi.check(mpi.Comm_set_errhandler(duplicate, mpi.ERRORS_RETURN), "MPI_Comm_set_errhandler")
        self.mpi = mpi
        self.comm = comm
        collectiveComm = duplicate
        rank = Int(r)
        size = Int(s)
        self.hostName = hostName
        self.timeout = timeout
        hosts = try Self.names(allGather(bytes: Self.fixedName(hostName)))
        var worldRank: Int32 = 0
        _ = mpi.Comm_rank(mpi.COMM_WORLD, &worldRank)
        worldRanks = try allGather([Int64(worldRank)]).map { Int($0) }
    }

    /// The host name of rank `r` (`?` outside the communicator).
    public func host(ofRank r: Int) -> String { r >= 0 && r < hosts.count ? hosts[r] : "?" }

    /// `rank 3 on node7` (the world rank).
    func who(_ r: Int) -> String { "rank \(r >= 0 && r < worldRanks.count ? worldRanks[r] : r) on \(host(ofRank: r))" }

    private static func fixedName(_ name: String) -> [UInt8] {
        let bytes = Array(name.utf8.prefix(63))
        return bytes + [UInt8](repeating: 0, count: 64 - bytes.count)
    }

    private static func names(_ all: [UInt8]) -> [String] {
        stride(from: 0, to: all.count, by: 64).map { i in
            String(decoding: all[i..<(i + 64)].prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Loads Open MPI into the process (the first time; see <doc:LoadingOpenMPI>), initialises
    /// MPI (once per process) and returns the world communicator. Errors are set to return codes
    /// (`MPI_ERRORS_RETURN`) so that failures become ``CommunicationError`` values.
    /// - Throws: ``CommunicationError`` when Open MPI's library cannot be loaded (the message
    ///   names the library and how to install it), when MPI cannot start, or when it lacks
    ///   funnelled threading.
    public static func initialize() throws(CommunicationError) -> MPICommunicator {
        let mpi = try OpenMPILibrary.load()
        var flag: Int32 = 0
        _ = mpi.Initialized(&flag)
        if flag == 0 {
            // Started without mpirun: Open MPI's singleton would fork a daemon inside MPI_Init, and
            // OpenBLAS's pre-fork handler can hang there joining its worker threads (seen in the
            // test process). An isolated singleton does not fork; it cannot MPI_Comm_spawn, which
            // nothing here uses. An explicit user setting wins.
            let isolate = getenv("OMPI_COMM_WORLD_SIZE") == nil && getenv("PMIX_RANK") == nil
                && getenv("OMPI_MCA_ess_singleton_isolated") == nil
            if isolate { setenv("OMPI_MCA_ess_singleton_isolated", "1", 1) }
            var provided: Int32 = 0
            try mpi.check(mpi.Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
            if isolate {
                // MPI_Init exported these; an `mpirun` started from this process would pass them
                // on and its ranks would each start as isolated singletons.
                for name in ["OMPI_MCA_ess_singleton_isolated", "OMPI_MCA_ess", "OMPI_MCA_pmix"] { unsetenv(name) }
            }
            if provided < Int32(MPI_THREAD_FUNNELED) {
                throw CommunicationError(operation: "MPI_Init_thread",
                                         message: "the MPI library provides thread level \(provided), below MPI_THREAD_FUNNELED")
            }
        }
        let world = mpi.COMM_WORLD
        try mpi.check(mpi.Comm_set_errhandler(world, mpi.ERRORS_RETURN), "MPI_Comm_set_errhandler")
        let communicator = try MPICommunicator(mpi: mpi, comm: world, hostName: processorName(mpi), timeout: nil)
        if MPILiveness.shared == nil {
            MPILiveness.shared = try MPILiveness(mpi: mpi, world: world, rank: communicator.rank, size: communicator.size,
                                                 hosts: communicator.hosts)
        }
        return communicator
    }

    /// `$GRAPHLEARNING_HOST`, else `MPI_Get_processor_name`.
    private static func processorName(_ mpi: CMPI_Library) -> String {
        if let host = ProcessInfo.processInfo.environment["GRAPHLEARNING_HOST"], !host.isEmpty { return host }
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1)
        var length: Int32 = 0
        guard mpi.Get_processor_name(&buffer, &length) == MPI_SUCCESS else { return ProcessInfo.processInfo.hostName }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Shuts MPI down (`MPI_Finalize`); no MPI call may follow.
    public func finalize() {
        var finalized: Int32 = 0
        _ = mpi.Finalized(&finalized)
        if finalized == 0 { _ = mpi.Finalize() }
    }

    public func resetTraffic() { traffic = TrafficCounters() }

    // MARK: Point-to-point

    public func isend(_ buffer: MessageBuffer, count: Int, to destination: Int, tag: Int) throws(CommunicationError) -> MessageRequest {
        try post(buffer, count: count, peer: destination, tag: tag, isSend: true)
    }

    public func irecv(_ buffer: MessageBuffer, count: Int, from source: Int, tag: Int) throws(CommunicationError) -> MessageRequest {
        try post(buffer, count: count, peer: source, tag: tag, isSend: false)
    }

    /// `MPI_Isend` or `MPI_Irecv` of `count` floats, counted in ``traffic``.
    private func post(_ buffer: MessageBuffer, count: Int, peer: Int, tag: Int, isSend: Bool) throws(CommunicationError) -> MessageRequest {
        let name = isSend ? "MPI_Isend" : "MPI_Irecv"
        try validateMessage(count: count, capacity: buffer.capacity, peer: peer, size: size, tag: tag, operation: name)
        let request = MessageRequest(buffer: buffer, count: count, peer: peer, tag: tag, isSend: isSend)
        var handle: MPI_Request? = mpi.REQUEST_NULL
        let code = isSend
            ? mpi.Isend(buffer.pointer, Int32(count), mpi.FLOAT, Int32(peer), Int32(tag), comm, &handle)
            : mpi.Irecv(buffer.pointer, Int32(count), mpi.FLOAT, Int32(peer), Int32(tag), comm, &handle)
        try mpi.check(code, name)
        request.handle = handle
        let bytes = Int64(count * MemoryLayout<Float>.size)
        if isSend { traffic.bytesSent += bytes } else { traffic.bytesReceived += bytes }
        return request
    }

    /// `MPI_Iprobe` on this communicator: one turn of Open MPI's progress engine, which serves
    /// every communicator of the process.
    public func progress() {
        var flag: Int32 = 0
        var status = MPI_Status()
        _ = mpi.Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &status)
    }

    public func waitAll(_ requests: [MessageRequest]) throws(CommunicationError) {
        var poll = Poll(timeout: timeout, rank: rank)
        for request in requests where !request.isComplete {
            var handle: MPI_Request? = request.handle
            var status = MPI_Status()
            var done: Int32 = 0
            while true {
                try mpi.check(mpi.Test(&handle, &done, &status), "MPI_Test")
                if done != 0 { break }
                try poll.pause(operation: "wait",
                               what: request.isSend ? "\(who(request.peer)) did not take \(request.count) floats (tag \(request.tag))"
                                                    : "no message from \(who(request.peer)) (tag \(request.tag))")
            }
            request.handle = nil
            request.isComplete = true
            if !request.isSend {
                var received: Int32 = 0
                if mpi.Get_count(&status, mpi.FLOAT, &received) == MPI_SUCCESS, Int(received) != request.count {
                    throw CommunicationError(.invalidMessage, operation: "wait",
                                             message: "expected \(request.count) floats from rank \(request.peer) (tag \(request.tag)), got \(received)")
                }
            }
        }
    }

    public func split(color: Int, key: Int) throws(CommunicationError) -> any Communicating {
        var newComm: MPI_Comm? = nil
        try mpi.check(mpi.Comm_split(comm, Int32(color), Int32(key), &newComm), "MPI_Comm_split")
        guard let newComm else { throw CommunicationError(operation: "MPI_Comm_split", message: "no communicator returned") }
        try mpi.check(mpi.Comm_set_errhandler(newComm, mpi.ERRORS_RETURN), "MPI_Comm_set_errhandler")
        return try MPICommunicator(mpi: mpi, comm: newComm, hostName: hostName, timeout: timeout)
    }

    public func abort(code: Int32, reason: String) throws(CommunicationError) -> Never {
        _ = mpi.Abort(comm, code)
        fatalError("MPI_Abort returned")
    }

}

/// The pause between polls of a pending operation, and its deadline: yields the core for the
/// first 0.1 ms, then sleeps 10 µs, doubling up to 0.2 ms. The deadline is `timeout` plus
/// `rank × min(1 s, timeout / 20)` (see ``MPICommunicator``).
struct Poll {
    private let start: UInt64
    private let deadline: UInt64?
    private let timeout: Double?
    private var sleep: UInt32 = 10

    init(timeout: Double?, rank: Int = 0) {
        self.timeout = timeout
        let now = DispatchTime.now().uptimeNanoseconds
        start = now
        deadline = timeout.map { t in now + UInt64(max(0, t + Double(rank) * min(1, t / 20)) * 1e9) }
    }

    mutating func pause(operation: String, what: @autoclosure () -> String) throws(CommunicationError) {
        let liveness = MPILiveness.shared
        liveness?.serve()
        let now = DispatchTime.now().uptimeNanoseconds
        if let deadline, now > deadline {
            // Another rank reports a timeout and ends the job: hold this report (for one more
            // timeout at most, in case that rank cannot end it).
            if let liveness, liveness.someoneReports, now < deadline + UInt64(max(1, timeout!) * 1e9) {
                usleep(1000)
                return
            }
            var message = "\(what()) within \(Self.seconds(timeout!))"
            if let liveness {
                let silent = liveness.unresponsiveRanks(grace: min(5, max(1, timeout! / 4)))
                message += silent.isEmpty
                    ? "; every other rank answers (a rank may be computing for longer than the timeout)"
                    : "; \(liveness.names(silent)) \(silent.count == 1 ? "does" : "do") not answer (stopped, cut off, or dead)"
            }
            throw CommunicationError(.timedOut, operation: operation, message: message)
        }
        if now - start < 100_000 {
            sched_yield()
        } else {
            usleep(sleep)
            sleep = min(200, sleep * 2)
        }
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
