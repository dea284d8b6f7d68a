import Foundation

/// The frame of one rank of an MPI program: start MPI, run the rank's work, and end the whole
/// job with one message when something fails, so that no rank waits for a rank that gave up.
///
/// ```
/// body returns                  MPI is finalized; run returns
/// AgreedFailure                 a step every rank ran (Communicating.agree) failed somewhere: rank 0
///                               writes each distinct message once, prefixed `rank R on HOST: ` (or
///                               `ranks R, S on HOST, HOST: `) unless rank 0 failed too (then every
///                               rank most likely failed the same way); every rank finalizes and exits
///                               with the agreed status
/// any other error               this rank writes `rank R on HOST: message` and aborts the job
///                               (MPI_Abort ends every rank)
/// ```
/// The tools (`gnnpipe train`, `mpirun … fastrp embed`) and library programs under `mpirun` end
/// their jobs through it.
public enum MPIJob {
    /// Runs `body` on this rank with the world communicator (see the type).
    /// - Parameters:
    ///   - describe: the message of an error (default: its description).
    ///   - write: where a message goes (default: `error: message` on standard error).
    ///   - body: the rank's work.
    /// - Throws: ``CommunicationError`` when MPI cannot start; errors of `body` end the process
    ///   as described on the type.
    public static func run(describe: (any Error) -> String = { "\($0)" },
                           write: (String) -> Void = { FileHandle.standardError.write(Data("error: \($0)\n".utf8)) },
                           _ body: (MPICommunicator) throws -> Void) throws(CommunicationError) {
        let world = try MPICommunicator.initialize()
        do {
            try body(world)
        } catch let agreed as AgreedFailure {
            if world.rank == 0 {
                for report in agreed.reports {
                    write(agreed.rootFailed || world.size == 1 ? report.message
                          : "\(AgreedFailure.who(report.ranks)) on \(report.ranks.map { world.host(ofRank: $0) }.joined(separator: ", ")): \(report.message)")
                }
            }
            world.finalize()
            exit(agreed.code)
        } catch {
            let message = "rank \(world.rank) on \(world.hostName): \(describe(error))"
            write(message)
            try? world.abort(code: 1, reason: message)
            exit(1)
        }
        world.finalize()
    }
}
