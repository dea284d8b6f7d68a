import Distributed
import Foundation
import GNNModels
import NeuralNet

/// Errors of distributed training.
public enum DistributedTrainingError: Error, Sendable, CustomStringConvertible {
    /// An MPI call failed.
    case mpi(MPIError)
    /// Options, model or data that this parallel mode cannot run (e.g. more stages than layers).
    case invalidSetup(String)
    /// A checkpoint that cannot resume this run.
    case checkpoint(String)
    /// Model or data errors from GNNModels.
    case model(GNNModelsError)

    public var description: String {
        switch self {
        case .mpi(let e): e.description
        case .invalidSetup(let s): s
        case .checkpoint(let s): "checkpoint: \(s)"
        case .model(let e): e.description
        }
    }
}

/// Full-graph node-classification training spread over the ranks of a ``Communicator``.
///
/// Collective: every rank calls the same methods in the same order. Losses and evaluations
/// are global (identical on every rank); statistics and checkpoints are per rank.
public protocol DistributedNodeTrainer: AnyObject {
    /// Last completed training step (epoch), from 0.
    var epoch: Int { get }
    /// Runs training step `epoch + 1` (forward, loss, backward, one optimizer step) and returns
    /// the global training loss and this rank's statistics for the step.
    /// - Throws: ``DistributedTrainingError``.
    func trainStep() throws(DistributedTrainingError) -> (loss: Double, statistics: RankEpochStatistics)
    /// Evaluation-mode forward pass over the whole graph (no dropout, no stale rows): global
    /// accuracies and validation loss; adds its traffic and seconds to `statistics`.
    /// - Throws: ``DistributedTrainingError``.
    func evaluate(statistics: inout RankEpochStatistics) throws(DistributedTrainingError) -> Evaluation
    /// This rank's training state: its parameters, optimizer moments and any per-rank state
    /// (e.g. historical embeddings), with metadata naming the epoch.
    func checkpoint() -> Checkpoint
    /// Restores a state from ``checkpoint()`` saved by the same rank of the same setup.
    /// - Throws: ``DistributedTrainingError/checkpoint(_:)``.
    func restore(from checkpoint: Checkpoint) throws(DistributedTrainingError)
    /// The analytic training-step volume of this setup, in floats per epoch summed over all
    /// ranks (``CommunicationModel``).
    var analyticTrainingFloats: Int64 { get }
}

/// The fields in which two JSON-encoded configurations differ, as
/// `"seed 1 in the checkpoint, 0 in this run"`, for resume errors; `nil` if either is not a JSON
/// object.
func configurationDifference(saved: String, current: String) -> String? {
    func object(_ s: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(s.utf8))) as? [String: Any]
    }
    guard let a = object(saved), let b = object(current) else { return nil }
    let keys = Set(a.keys).union(b.keys).sorted()
    let differences = keys.compactMap { key -> String? in
        let x = a[key].map { "\($0)" } ?? "missing", y = b[key].map { "\($0)" } ?? "missing"
        return x == y ? nil : "\(key) \(x) in the checkpoint, \(y) in this run"
    }
    return differences.isEmpty ? nil : differences.joined(separator: "; ")
}
