import ArgumentParser
import CLISupport
import Foundation
import GraphLearning

/// The one-line message and exit code `ToolMain` would give `error`: argument-parser errors keep
/// their message and code (64 for usage), a ``CommandFailure`` its own, the library's
/// distributed-training errors the command-line options they concern; anything else exits 1.
func errorReport(_ error: any Error) -> (message: String, code: Int32) {
    if let failure = error as? CommandFailure { return (failure.message, failure.code) }
    if let distributed = error as? DistributedTrainingError {
        switch distributed {
        case .tooManyStages(let s, let l):
            return ("\(s) pipeline stages need at least \(s) graph layers; the model has \(l) (use more --layers or fewer ranks)", 64)
        case .ranksDoNotFit(let r, let s):
            return ("--stages \(s) does not divide the \(r) ranks of mpirun into equal stage groups", 64)
        case .emptyParts(let e, let p, let n):
            return ("METIS leaves \(e) of the \(p) graph-parallel parts empty (\(n) nodes); run fewer ranks per stage", 64)
        case .tooManyChunks(let c, let limit):
            return ("--chunks \(c): at most \(limit) chunks fit the MPI tag range", 64)
        case .emptyChunks(let e, let c, let n):
            return ("--chunks \(c): METIS leaves \(e) of the \(c) chunks empty (\(n) nodes); use fewer chunks", 64)
        default: return (distributed.description, 1)
        }
    }
    let code = GNNPipeCommand.exitCode(for: error).rawValue
    var message = GNNPipeCommand.fullMessage(for: error)
    for prefix in ["Error: ", "error: "] where message.hasPrefix(prefix) { message = String(message.dropFirst(prefix.count)) }
    return (message, code == 0 ? 1 : code)
}

/// Rank 0 prints the agreed failure: its own message, or each message with the ranks that hit
/// it (`error: ranks 1, 3: …`, e.g. a file missing on one host).
func printAgreed(_ agreed: AgreedFailure, rank: Int) {
    guard rank == 0 else { return }
    for report in agreed.reports {
        ToolMain.printError(agreed.rootFailed ? report.message : "\(AgreedFailure.who(report.ranks)): \(report.message)")
    }
}

extension GNNPipeCommand {
    /// This process's rank as the MPI launcher exported it (Open MPI, PMIx, PMI), before MPI_Init.
    static var launcherRank: Int? {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"].lazy.compactMap { env[$0].flatMap(Int.init) }.first
    }

    /// Under mpirun every rank parses the same arguments. A usage error of `gnnpipe train` is
    /// agreed over MPI with the other ranks (those that parsed fine wait for it in the first
    /// step of ``Train/runDistributed()``), so rank 0 prints it once and every rank exits with its
    /// code; `--help` is printed by rank 0 only.
    static func failParsingUnderMPI(_ error: any Error, rank: Int) -> Never {
        let (message, code) = errorReport(error)
        if exitCode(for: error) == .success {
            if rank == 0 && !message.isEmpty { print(message) }
            Foundation.exit(0)
        }
        let world: MPICommunicator
        do { world = try MPICommunicator.initialize() } catch {
            // Without MPI the ranks cannot agree: each reports.
            ToolMain.printError("rank \(rank): \(message)")
            Foundation.exit(code)
        }
        do {
            _ = try world.agree({ () throws -> Void in throw error }, describe: errorReport)
        } catch let agreed as AgreedFailure {
            printAgreed(agreed, rank: world.rank)
            world.finalize()
            Foundation.exit(agreed.code)
        } catch {
            ToolMain.printError("rank \(rank): \(message) (and the ranks could not agree: \(error))")
            try? world.abort(code: code, reason: message)
        }
        world.finalize()
        Foundation.exit(code)
    }
}
