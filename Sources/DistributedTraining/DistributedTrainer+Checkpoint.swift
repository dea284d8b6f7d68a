import DenseMath
import Foundation
import GNNModels
import NeuralNet

extension DistributedTrainer {
    /// Checkpoint format name in the metadata.
    public static let checkpointFormat = "gnnpipe-rank-3"

    /// What a checkpoint must match to resume this run: format, model, grid, rank, chunking and
    /// optimiser settings.
    private var setupDescription: [String: String] {
        [
            "format": Self.checkpointFormat, "configuration": Self.json(model.configuration),
            "stages": String(grid.stages), "group_size": String(grid.groupSize), "rank": String(world.rank),
            "chunks": String(pipelineOptions.chunks), "partition_seed": String(pipelineOptions.partitionSeed),
            "stale_gradients": pipelineOptions.staleGradients.rawValue, "warmup_epochs": String(pipelineOptions.warmupEpochs),
            "history_momentum": pipelineOptions.historyMomentum.description,
            "shuffle_chunks": String(pipelineOptions.shuffleChunks),
            "learning_rate": options.learningRate.description, "weight_decay_mode": options.weightDecayMode.rawValue,
        ]
    }

    static func json(_ configuration: GNNConfiguration) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(configuration)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// This rank's state: its parameters and Adam moments, and per owned graph layer k with
    /// chunks `history.k` (`[slots × d]`: own boundary rows' history; remote rows' part is
    /// re-sent every epoch) and with deferred stale gradients `pending.k` (`[slots × d]`:
    /// gradients that wait for next epoch). Fresh tables are not saved: every epoch rewrites
    /// them before reading. Metadata names the setup and the epoch.
    public func checkpoint() -> Checkpoint {
        var tensors = ownedParameters.map { ($0.name, $0.value) }
        tensors += optimizer.stateTensors()
        for (j, k) in layout.graphLayers(ofStage: stage).enumerated() {
            guard let table = executor.tables[j] else { continue }
            if let h = table.history { tensors.append(("history.\(k)", h)) }
            if pipelineOptions.staleGradients == .defer { tensors.append(("pending.\(k)", table.pending)) }
        }
        var metadata = setupDescription
        metadata["epoch"] = String(epoch)
        metadata["smoothed_ready"] = String(executor.tables.contains { $0?.smoothedReady == true })
        return Checkpoint(tensors: tensors, metadata: metadata)
    }

    /// Restores ``checkpoint()`` of the same rank and setup; changes nothing when it throws.
    /// - Throws: ``DistributedTrainingError/checkpoint(_:)`` naming the first mismatch or
    ///   missing tensor.
    public func restore(from checkpoint: Checkpoint) throws(DistributedTrainingError) {
        let m = checkpoint.metadata
        guard m["format"] == Self.checkpointFormat else {
            throw .checkpoint("format is \(m["format"] ?? "missing"), expected \(Self.checkpointFormat) (a distributed-training checkpoint of this version)")
        }
        for (key, value) in setupDescription.sorted(by: { $0.key < $1.key }) where m[key] != value {
            if key == "configuration", let differences = configurationDifferences(saved: m[key] ?? "", current: value) {
                throw .checkpointMismatch(differences)
            }
            throw .checkpointMismatch([SettingDifference(setting: key, saved: m[key] ?? "missing", current: value, isModelField: false)])
        }
        guard let e = m["epoch"].flatMap(Int.init), e >= 0 else { throw .checkpoint("missing training position 'epoch'") }
        let tensors = checkpoint.tensorsByName
        func load(_ name: String, like shape: Matrix) throws(DistributedTrainingError) -> Matrix {
            guard let t = tensors[name] else { throw .checkpoint("missing tensor '\(name)'") }
            guard t.rows == shape.rows && t.cols == shape.cols else {
                throw .checkpoint("'\(name)' is \(t.rows)×\(t.cols), expected \(shape.rows)×\(shape.cols)")
            }
            return t
        }
        let values = try ownedParameters.map { p throws(DistributedTrainingError) in try load(p.name, like: p.value) }
        var histories: [Matrix?] = [], pendings: [Matrix?] = []
        for (j, k) in layout.graphLayers(ofStage: stage).enumerated() {
            let table = executor.tables[j]
            histories.append(try table?.history.map { h throws(DistributedTrainingError) in try load("history.\(k)", like: h) })
            pendings.append(pipelineOptions.staleGradients == .defer && table != nil
                            ? try load("pending.\(k)", like: table!.pending) : nil)
        }
        do { try optimizer.restoreState(from: tensors) } catch { throw .checkpoint(error.description) }
        for (p, v) in zip(ownedParameters, values) { p.value = v }
        for (j, table) in executor.tables.enumerated() {
            guard let table else { continue }
            if let h = histories[j] { table.history = h }
            if let d = pendings[j] { table.pending = d }
            table.smoothedReady = m["smoothed_ready"] == "true"
        }
        epoch = e
    }
}

/// The fields in which two JSON-encoded configurations differ (checkpoint's, then this run's),
/// for resume errors; `nil` if either is not a JSON object or they do not differ.
func configurationDifferences(saved: String, current: String) -> [SettingDifference]? {
    func object(_ s: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(s.utf8))) as? [String: Any]
    }
    guard let a = object(saved), let b = object(current) else { return nil }
    let keys = Set(a.keys).union(b.keys).sorted()
    let differences = keys.compactMap { key -> SettingDifference? in
        let x = a[key].map { "\($0)" } ?? "missing", y = b[key].map { "\($0)" } ?? "missing"
        return x == y ? nil : SettingDifference(setting: key, saved: x, current: y, isModelField: true)
    }
    return differences.isEmpty ? nil : differences
}
