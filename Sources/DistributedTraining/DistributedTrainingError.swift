import GNNModels
import MessagePassing

/// Errors of distributed training. Messages name the library's concepts (stages, chunks,
/// ranks), never a command-line option: a command-line tool maps the structured cases to its
/// own flags.
public enum DistributedTrainingError: Error, Sendable, CustomStringConvertible {
    /// A message-passing call failed (a transport error, a deadline passed, a job aborted).
    case communication(CommunicationError)
    /// More pipeline stages than the model has graph layers.
    case tooManyStages(stages: Int, graphLayers: Int)
    /// The rank count is not stages × group size.
    case ranksDoNotFit(ranks: Int, stages: Int)
    /// Some chunks have no node: an assignment given by hand, or chunks nested in graph-parallel
    /// parts that all have fewer nodes than there are chunks (a part of m nodes is cut into at
    /// most m chunks; METIS cuts themselves never leave a part empty).
    case emptyChunks(empty: Int, chunks: Int, numNodes: Int)
    /// Some graph-parallel parts (ranks of a group) have no node (an assignment given by hand).
    case emptyParts(empty: Int, parts: Int, numNodes: Int)
    /// More chunks than the message tags can tell apart.
    case tooManyChunks(chunks: Int, limit: Int)
    /// Options, model or data that distributed training cannot run.
    case invalidSetup(String)
    /// A checkpoint that cannot resume this run.
    case checkpoint(String)
    /// A checkpoint saved with other settings (or another model) than this run's.
    case checkpointMismatch([SettingDifference])
    /// A checkpoint folder saved by another arrangement of ranks.
    case gridMismatch(path: String, saved: RankGrid, current: RankGrid)
    /// Model or data errors from GNNModels.
    case model(GNNModelsError)

    public var description: String {
        switch self {
        case .communication(let e): e.description
        case .tooManyStages(let s, let l):
            "\(s) pipeline stages need at least \(s) graph layers; the model has \(l)"
        case .ranksDoNotFit(let r, let s): "\(r) ranks do not split into \(s) pipeline stages of equal groups"
        case .emptyChunks(let e, let c, let n):
            "\(e) of the \(c) chunks \(e == 1 ? "has" : "have") no node (\(n) nodes); use fewer chunks"
        case .emptyParts(let e, let p, let n):
            "\(e) of the \(p) graph-parallel parts \(e == 1 ? "has" : "have") no node (\(n) nodes); use fewer ranks per stage"
        case .tooManyChunks(let c, let limit): "\(c) chunks exceed the message tag range (at most \(limit))"
        case .invalidSetup(let s): s
        case .checkpoint(let s): "checkpoint: \(s)"
        case .checkpointMismatch(let d) where d.first?.isModelField == true:
            "checkpoint: the model differs: " + d.map { "\($0.setting) \($0.saved) in the checkpoint, \($0.current) in this run" }.joined(separator: "; ")
        case .checkpointMismatch(let d):
            "checkpoint: " + d.map { "\($0.setting) was \($0.saved), this run uses \($0.current)" }.joined(separator: "; ")
        case .gridMismatch(let path, let saved, let current):
            "checkpoint: \(path) was written by \(saved.rankDescription); this run has \(current.rankDescription)"
        case .model(let e): e.description
        }
    }
}

/// A setting in which a checkpoint and the run that wants to resume from it differ.
public struct SettingDifference: Sendable, Equatable {
    /// The checkpoint's metadata key (`chunks`, `partition_seed`, …) or, for the model, the
    /// ``/GNNModels/GNNConfiguration`` field (`hiddenDim`, `seed`, …).
    public let setting: String
    /// The checkpoint's value and this run's.
    public let saved: String, current: String
    /// Whether `setting` is a model configuration field.
    public let isModelField: Bool

    public init(setting: String, saved: String, current: String, isModelField: Bool) {
        self.setting = setting
        self.saved = saved
        self.current = current
        self.isModelField = isModelField
    }
}

extension RankGrid {
    /// `4 ranks (2 stages × 2)`.
    public var rankDescription: String {
        "\(ranks) rank\(ranks == 1 ? "" : "s") (\(stages) stage\(stages == 1 ? "" : "s") × \(groupSize))"
    }
}

/// Runs a message-passing call, wrapping its error.
@inline(__always)
func communicating<T>(_ body: () throws(CommunicationError) -> T) throws(DistributedTrainingError) -> T {
    do { return try body() } catch { throw .communication(error) }
}
