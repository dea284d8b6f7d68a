import CMPI
import Foundation

/// Liveness of the ranks of an Open MPI job, for naming the right rank when a wait times out.
///
/// When rank A waits for rank B and B waits for C, which a cut link or SIGSTOP froze, A's wait
/// is the first to pass its deadline, and "no message from B" blames the wrong rank. So every
/// wait's polling loop also answers small ping messages (``serve()``), on a private duplicate of
/// `MPI_COMM_WORLD`; a rank whose wait times out first tells the others it is reporting (they
/// then hold their own reports while the job is being ended), pings every rank, and names
/// those that do not answer within a grace period: stopped, cut off, dead, or computing without
/// waiting for that long.
///
/// One per process (Open MPI runs at `MPI_THREAD_FUNNELED`: only the thread that initialised MPI
/// calls it). `@unchecked Sendable`: a process-wide singleton touched from that thread only.
final class MPILiveness: @unchecked Sendable {
    nonisolated(unsafe) static var shared: MPILiveness?

    private static let pingTag: Int32 = 1, pongTag: Int32 = 2, reportTag: Int32 = 3
    private let mpi: CMPI_Library
    private let comm: MPI_Comm
    let rank: Int
    let size: Int
    /// Host of every world rank.
    let hosts: [String]
    /// Whether another rank announced it is reporting a timeout (and will end the job).
    private(set) var someoneReports = false
    private var replies: [MPI_Request?] = []
    private let byte = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 8)

    init(mpi: CMPI_Library, world: MPI_Comm, rank: Int, size: Int, hosts: [String]) throws(CommunicationError) {
        var duplicate: MPI_Comm? = nil
        try mpi.check(mpi.Comm_dup(world, &duplicate), "MPI_Comm_dup")
        guard let duplicate else { throw CommunicationError(operation: "MPI_Comm_dup", message: "no communicator returned") }
        try mpi.check(mpi.Comm_set_errhandler(duplicate, mpi.ERRORS_RETURN), "MPI_Comm_set_errhandler")
        self.mpi = mpi
        comm = duplicate
        self.rank = rank
        self.size = size
        self.hosts = hosts
    }

    /// `rank 2 on node3` or `ranks 2, 3 on node3, node4`.
    func names(_ ranks: [Int]) -> String {
        func host(_ r: Int) -> String { r < hosts.count ? hosts[r] : "?" }
        return ranks.count == 1 ? "rank \(ranks[0]) on \(host(ranks[0]))"
            : "ranks " + ranks.map(String.init).joined(separator: ", ") + " on " + ranks.map(host).joined(separator: ", ")
    }

    /// Answers pending pings and notes report announcements (cheap when there are none).
    func serve() {
        var flag: Int32 = 0
        var status = MPI_Status()
        while mpi.Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &status) == MPI_SUCCESS, flag != 0 {
            let source = status.MPI_SOURCE, tag = status.MPI_TAG
            _ = mpi.Recv(byte, 1, mpi.BYTE, source, tag, comm, CMPI_STATUS_IGNORE())
            switch tag {
            case Self.pingTag:
                var request: MPI_Request? = mpi.REQUEST_NULL
                _ = mpi.Isend(byte, 1, mpi.BYTE, source, Self.pongTag, comm, &request)
                replies.append(request)
            case Self.reportTag:
                someoneReports = true
            default:
                break  // a late pong of an earlier search
            }
        }
        replies.removeAll { request in
            var r = request, done: Int32 = 0
            _ = mpi.Test(&r, &done, CMPI_STATUS_IGNORE())
            return done != 0
        }
    }

    /// Announces that this rank reports a timeout, then pings every other rank and returns
    /// those that gave no answer within `grace` seconds.
    func unresponsiveRanks(grace: Double) -> [Int] {
        let others = (0..<size).filter { $0 != rank }
        var sends: [MPI_Request?] = []
        for r in others {
            var request: MPI_Request? = mpi.REQUEST_NULL
            _ = mpi.Isend(byte, 1, mpi.BYTE, Int32(r), Self.reportTag, comm, &request)
            sends.append(request)
            _ = mpi.Isend(byte, 1, mpi.BYTE, Int32(r), Self.pingTag, comm, &request)
            sends.append(request)
        }
        let answers = UnsafeMutableRawPointer.allocate(byteCount: max(1, size), alignment: 8)
        defer { answers.deallocate() }
        var pending: [(rank: Int, request: MPI_Request?)] = others.map { r in
            var request: MPI_Request? = mpi.REQUEST_NULL
            _ = mpi.Irecv(answers + r, 1, mpi.BYTE, Int32(r), Self.pongTag, comm, &request)
            return (r, request)
        }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, grace) * 1e9)
        while !pending.isEmpty && DispatchTime.now().uptimeNanoseconds < deadline {
            serve()
            pending.removeAll { item in
                var r = item.request, done: Int32 = 0
                _ = mpi.Test(&r, &done, CMPI_STATUS_IGNORE())
                return done != 0
            }
            usleep(200)
        }
        for i in pending.indices { _ = mpi.Cancel(&pending[i].request) }
        return pending.map(\.rank)
    }
}
