import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// A communicator over Open MPI's `MPI_COMM_WORLD`.
///
/// Create it once per process with ``initialize()`` (it calls `MPI_Init_thread` requesting
/// `MPI_THREAD_FUNNELED`; keep every MPI call on the thread that initialised), and call
/// ``finalize()`` before exit. Run without `mpirun` it is a one-rank singleton.
///
/// `@unchecked Sendable`: it holds only the predefined `MPI_COMM_WORLD` handle, an immutable
/// process global; the funnelled threading level is what confines calls to one thread.
public final class Communicator: @unchecked Sendable {
    /// This process's rank in `0..<size`.
    public let rank: Int
    /// Number of ranks.
    public let size: Int
    let comm: MPI_Comm
    /// Point-to-point payload bytes this rank has sent since start (or ``resetTraffic()``).
    public private(set) var bytesSent: Int64 = 0
    /// Point-to-point payload bytes this rank has posted receives for.
    public private(set) var bytesReceived: Int64 = 0
    /// Payload bytes this rank contributed to collectives (all-reduce, broadcast), counted once
    /// per call at the local buffer size.
    public private(set) var collectiveBytes: Int64 = 0

    private init(comm: MPI_Comm, rank: Int, size: Int) {
        self.comm = comm
        self.rank = rank
        self.size = size
    }

    /// Initialises MPI (once per process) and returns the world communicator. Errors are set to
    /// return codes (`MPI_ERRORS_RETURN`) so that failures become ``MPIError`` values.
    /// - Throws: ``MPIError`` when MPI cannot start or lacks funnelled threading.
    public static func initialize() throws(MPIError) -> Communicator {
        var flag: Int32 = 0
        MPI_Initialized(&flag)
        if flag == 0 {
            // Started without mpirun: Open MPI's singleton would fork a daemon inside MPI_Init, and
            // OpenBLAS's pre-fork handler can hang there joining its worker threads (seen in the
            // test process). An isolated singleton does not fork; it cannot MPI_Comm_spawn, which
            // nothing here uses. An explicit user setting wins.
            let isolate = getenv("OMPI_COMM_WORLD_SIZE") == nil && getenv("PMIX_RANK") == nil
                && getenv("OMPI_MCA_ess_singleton_isolated") == nil
            if isolate { setenv("OMPI_MCA_ess_singleton_isolated", "1", 1) }
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
            if isolate {
                // MPI_Init exported these; an `mpirun` started from this process would pass them
                // on and its ranks would each start as isolated singletons.
                for name in ["OMPI_MCA_ess_singleton_isolated", "OMPI_MCA_ess", "OMPI_MCA_pmix"] { unsetenv(name) }
            }
            if provided < Int32(MPI_THREAD_FUNNELED) {
                throw MPIError(function: "MPI_Init_thread", code: -1,
                               message: "the MPI library provides thread level \(provided), below MPI_THREAD_FUNNELED")
            }
        }
        guard let world = CMPI_COMM_WORLD() else {
            throw MPIError(function: "MPI_COMM_WORLD", code: -1, message: "the world communicator is null")
        }
        try check(MPI_Comm_set_errhandler(world, CMPI_ERRORS_RETURN()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_rank(world, &rank), "MPI_Comm_rank")
        try check(MPI_Comm_size(world, &size), "MPI_Comm_size")
        return Communicator(comm: world, rank: Int(rank), size: Int(size))
    }

    /// Blocks until every rank reaches the barrier.
    public func barrier() throws(MPIError) {
        try Self.check(MPI_Barrier(comm), "MPI_Barrier")
    }

    /// Element-wise sum of `values` over all ranks, in place (`MPI_Allreduce` with `MPI_SUM`).
    /// Counts above `Int32.max` are sent in pieces.
    public func allReduceSum(_ values: inout [Float]) throws(MPIError) {
        let total = values.count
        recordCollective(bytes: total * MemoryLayout<Float>.size)
        var start = 0
        while start < total {
            let n = min(total - start, Int(Int32.max))
            let code = values.withUnsafeMutableBufferPointer { buf in
                MPI_Allreduce(CMPI_IN_PLACE(), buf.baseAddress! + start, Int32(n), CMPI_FLOAT(), CMPI_SUM(), comm)
            }
            try Self.check(code, "MPI_Allreduce")
            start += n
        }
    }

    /// Element-wise sum of `values` over all ranks, in place, for 64-bit integers.
    public func allReduceSum(_ values: inout [Int64]) throws(MPIError) {
        guard !values.isEmpty else { return }
        precondition(values.count <= Int(Int32.max), "allReduceSum: too many values for one call")
        let code = values.withUnsafeMutableBufferPointer { buf in
            MPI_Allreduce(CMPI_IN_PLACE(), buf.baseAddress!, Int32(buf.count), CMPI_INT64(), CMPI_SUM(), comm)
        }
        try Self.check(code, "MPI_Allreduce")
    }

    /// Zeroes ``bytesSent``, ``bytesReceived`` and ``collectiveBytes``.
    public func resetTraffic() {
        bytesSent = 0
        bytesReceived = 0
        collectiveBytes = 0
    }

    func recordSent(bytes: Int) { bytesSent += Int64(bytes) }
    func recordReceived(bytes: Int) { bytesReceived += Int64(bytes) }
    func recordCollective(bytes: Int) { collectiveBytes += Int64(bytes) }

    /// Ends the whole job: logs nothing itself; call after reporting the reason.
    /// Every rank's `mpirun` exits with `code`.
    public func abort(code: Int32) -> Never {
        MPI_Abort(comm, code)
        fatalError("MPI_Abort returned")
    }

    /// Shuts MPI down (`MPI_Finalize`); no MPI call may follow.
    public func finalize() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }

    static func check(_ code: Int32, _ function: String) throws(MPIError) {
        guard code != MPI_SUCCESS else { return }
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        let message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw MPIError(function: function, code: code, message: message)
    }
}
