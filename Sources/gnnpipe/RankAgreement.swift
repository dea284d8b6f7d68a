import ArgumentParser
import CLISupport
import DistributedTraining
import Foundation
import MessagePassing

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
            return ("\(e) of the \(p) graph-parallel parts \(e == 1 ? "has" : "have") no node (\(n) nodes); run fewer ranks per stage", 64)
        case .tooManyChunks(let c, let limit):
            return ("--chunks \(c): at most \(limit) chunks fit the MPI tag range", 64)
        case .emptyChunks(let e, let c, let n):
            return ("--chunks \(c): \(e) of the \(c) chunks \(e == 1 ? "has" : "have") no node (\(n) nodes); use fewer chunks", 64)
        case .checkpointMismatch(let differences):
            let options = differences.compactMap(ResumeOptions.describe)
            guard options.count == differences.count else { return (distributed.description, 64) }
            return ("--resume: the checkpoint was saved with \(options.map(\.saved).joined(separator: ", ")); this run has \(options.map(\.current).joined(separator: ", ")) (resume with the options it was saved with)", 64)
        case .gridMismatch(let path, let saved, let current):
            return ("--resume: \(path) was written by \(ResumeOptions.layout(saved)); this run has \(ResumeOptions.layout(current)) (resume with mpirun -n \(saved.ranks) and \(ResumeOptions.parallelism(saved)))", 64)
        default: return (distributed.description, 1)
        }
    }
    let code = GNNPipeCommand.exitCode(for: error).rawValue
    var message = GNNPipeCommand.fullMessage(for: error)
    for prefix in ["Error: ", "error: "] where message.hasPrefix(prefix) { message = String(message.dropFirst(prefix.count)) }
    return (message, code == 0 ? 1 : code)
}

/// The command-line spelling of the settings a checkpoint must share with the run resuming it.
enum ResumeOptions {
    static let flags: [String: String] = [
        "chunks": "--chunks", "partition_seed": "--partition-seed", "stale_gradients": "--stale-gradients",
        "warmup_epochs": "--warmup-epochs", "history_momentum": "--history-momentum", "shuffle_chunks": "--shuffle-chunks",
        "learning_rate": "--lr", "weight_decay_mode": "--optimizer", "hiddenDim": "--hidden", "layers": "--layers",
        "dropout": "--dropout", "seed": "--seed", "alpha": "--alpha", "lambda": "--lambda", "weightDecay": "--weight-decay",
        "convolutionWeightDecay": "--conv-weight-decay", "architecture": "--model",
    ]

    /// `--chunks 8` / `--chunks 4` for a difference, nil for a setting without an option.
    static func describe(_ d: SettingDifference) -> (saved: String, current: String)? {
        guard let flag = flags[d.setting] else { return nil }
        func value(_ v: String) -> String {
            switch (d.setting, v) {
            case ("shuffle_chunks", "true"): flag
            case ("shuffle_chunks", _): "no \(flag)"
            case ("weight_decay_mode", "l2"): "\(flag) adam"
            case ("weight_decay_mode", "decoupled"): "\(flag) adamw"
            default: "\(flag) \(v)"
            }
        }
        return (value(d.saved), value(d.current))
    }

    /// `4 ranks as a pipeline (4 stages × 1)`.
    static func layout(_ g: RankGrid) -> String {
        let mode = g.groupSize == 1 ? "a pipeline" : g.stages == 1 ? "graph parallelism" : "hybrid parallelism"
        return "\(g.ranks) rank\(g.ranks == 1 ? "" : "s") as \(mode) (\(g.stages) stage\(g.stages == 1 ? "" : "s") × \(g.groupSize))"
    }

    /// The `--parallelism` options that give grid `g`.
    static func parallelism(_ g: RankGrid) -> String {
        g.groupSize == 1 ? "--parallelism pipeline" : g.stages == 1 ? "--parallelism graph" : "--parallelism hybrid --stages \(g.stages)"
    }
}

extension GNNPipeCommand {
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
        do {
            try MPIJob.run(describe: { errorReport($0).message }, write: ToolMain.printError) { world in
                _ = try world.agree({ () throws -> Void in throw error }, describe: errorReport)
            }
        } catch {
            // Without MPI the ranks cannot agree: each reports.
            ToolMain.printError("rank \(rank): \(message)")
        }
        Foundation.exit(code)
    }
}
