import ArgumentParser
import CLISupport
import Foundation
import GraphLearning

/// A failure the ranks agreed on and rank 0 already printed: every rank ends the job with `code`.
struct ReportedFailure: Error {
    let code: Int32
}

/// The one-line message and exit code `ToolMain` would give `error`: argument-parser errors keep
/// their message and code (64 for usage), a ``CommandFailure`` its own, anything else exits 1.
func errorReport(_ error: any Error) -> (message: String, code: Int32) {
    if let failure = error as? CommandFailure { return (failure.message, failure.code) }
    let code = GNNPipeCommand.exitCode(for: error).rawValue
    var message = GNNPipeCommand.fullMessage(for: error)
    for prefix in ["Error: ", "error: "] where message.hasPrefix(prefix) { message = String(message.dropFirst(prefix.count)) }
    return (message, code == 0 ? 1 : code)
}

extension Communicator {
    /// Runs `step` on every rank, then every rank learns whether some rank failed (one
    /// all-gather of exit codes). For steps every rank runs on the same input (parsing the
    /// arguments, loading the dataset, building the trainer), so an error is printed once
    /// instead of once per rank.
    ///
    /// When some rank failed, rank 0 prints the error: its own if it failed, else each distinct
    /// message with the ranks that hit it (`error: ranks 1, 3: …`, e.g. a file missing on one
    /// host). Then every rank throws ``ReportedFailure`` with the same code: rank 0's, else the
    /// lowest failing rank's. No rank is left waiting: `step` must not call collectives that a
    /// failing rank would skip (every collective of `step` is reached by all ranks or by none).
    /// - Throws: ``ReportedFailure``; ``Distributed/MPIError`` when the all-gather fails.
    func agree<T>(_ step: () throws -> T) throws -> T {
        let outcome = Result { try step() }
        var mine: (message: String, code: Int32)?
        if case .failure(let error) = outcome { mine = errorReport(error) }
        let codes = try allGather([Double(mine?.code ?? 0)]).map { Int32($0) }
        guard let firstFailing = codes.firstIndex(where: { $0 != 0 }) else { return try outcome.get() }
        if codes[0] != 0 {
            if let mine, rank == 0 { ToolMain.printError(mine.message) }
            throw ReportedFailure(code: codes[0])
        }
        let messages = try gather(Array((mine?.message ?? "").utf8), root: 0)
        if let messages {
            var ranksByMessage: [(message: String, ranks: [Int])] = []
            for (r, bytes) in messages.enumerated() where codes[r] != 0 {
                let text = String(decoding: bytes, as: UTF8.self)
                if let k = ranksByMessage.firstIndex(where: { $0.message == text }) { ranksByMessage[k].ranks.append(r) }
                else { ranksByMessage.append((text, [r])) }
            }
            for (message, ranks) in ranksByMessage {
                let who = ranks.count == 1 ? "rank \(ranks[0])" : "ranks " + ranks.map(String.init).joined(separator: ", ")
                ToolMain.printError("\(who): \(message)")
            }
        }
        throw ReportedFailure(code: codes[firstFailing])
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
        let communicator: Communicator
        do { communicator = try Communicator.initialize() } catch {
            // Without MPI the ranks cannot agree: each reports.
            ToolMain.printError("rank \(rank): \(message)")
            Foundation.exit(code)
        }
        do {
            _ = try communicator.agree { () throws -> Void in throw error }
        } catch let reported as ReportedFailure {
            communicator.finalize()
            Foundation.exit(reported.code)
        } catch {
            ToolMain.printError("rank \(rank): \(message) (and the ranks could not agree: \(error))")
            communicator.abort(code: code)
        }
        communicator.finalize()
        Foundation.exit(code)
    }
}
