import DenseMath
import Foundation
import NeuralNet

/// A distilled student saved for inference: `<folder>/student.ckpt`, a ``/NeuralNet/Checkpoint``
/// holding the MLP's parameters and batch-norm statistics plus its shape and the feature
/// preprocessing as metadata.
///
/// Metadata keys: `model` (`"lighthgnn-student-mlp"`), `input_dim`, `hidden_dim`, `num_classes`,
/// `dropout`, `feature_normalization` (`"l1"` or `"none"`), `class_names` (JSON array), and
/// free-form entries from the caller (student kind, KD loss, seed, dataset).
public enum StudentModelFolder {
    /// File name of the checkpoint inside the folder.
    public static let checkpointName = "student.ckpt"
    static let modelTag = "lighthgnn-student-mlp"

    /// What ``load(from:)`` returns.
    public struct Loaded {
        public var student: MLPStudent
        /// Whether rows must be L1-normalised before ``MLPStudent/predict(_:threads:)``.
        public var l1Normalize: Bool
        /// Class names, `[numClasses]`.
        public var classNames: [String]
        /// All metadata of the checkpoint.
        public var metadata: [String: String]
    }

    /// Writes `student` to `folder/student.ckpt` atomically, creating `folder` when missing.
    /// - Throws: ``/NeuralNet/NeuralNetError/io(path:reason:)`` when the folder or file cannot be written.
    public static func save(_ student: MLPStudent, to folder: String, l1Normalize: Bool, classNames: [String],
                            metadata extra: [String: String] = [:]) throws(NeuralNetError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .io(path: folder, reason: "cannot create folder: \((error as NSError).localizedDescription)")
        }
        var metadata = extra
        metadata["model"] = modelTag
        metadata["input_dim"] = String(student.inputDim)
        metadata["hidden_dim"] = String(student.hiddenDim)
        metadata["num_classes"] = String(student.numClasses)
        metadata["dropout"] = String(student.dropout)
        metadata["feature_normalization"] = l1Normalize ? "l1" : "none"
        let names = (try? JSONSerialization.data(withJSONObject: classNames)) ?? Data("[]".utf8)
        metadata["class_names"] = String(decoding: names, as: UTF8.self)
        try Checkpoint(tensors: student.network.stateTensors(), metadata: metadata)
            .write(to: (folder as NSString).appendingPathComponent(checkpointName))
    }

    /// Reads a folder written by ``save(_:to:l1Normalize:classNames:metadata:)``.
    /// - Throws: ``HypergraphLearningError/invalidModel(path:reason:)`` for a missing folder or
    ///   file, a file that is not a student checkpoint, or tensors that do not fit the recorded shape.
    public static func load(from folder: String) throws(HypergraphLearningError) -> Loaded {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .invalidModel(path: folder, reason: "no such folder")
        }
        let path = (folder as NSString).appendingPathComponent(checkpointName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw .invalidModel(path: folder, reason: "\(checkpointName) is missing")
        }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.read(from: path)
        } catch {
            throw .invalidModel(path: folder, reason: error.description)
        }
        let m = checkpoint.metadata
        guard m["model"] == modelTag else { throw .invalidModel(path: folder, reason: "\(checkpointName) is not a LightHGNN student") }
        guard let d = m["input_dim"].flatMap(Int.init), let h = m["hidden_dim"].flatMap(Int.init),
              let c = m["num_classes"].flatMap(Int.init), let p = m["dropout"].flatMap(Float.init),
              d > 0, h > 0, c > 0, p >= 0, p < 1 else {
            throw .invalidModel(path: folder, reason: "missing or invalid shape metadata")
        }
        let student = MLPStudent(inputDim: d, hiddenDim: h, numClasses: c, dropout: p, seed: 0)
        do {
            try student.load(checkpoint.tensorsByName)
        } catch {
            throw .invalidModel(path: folder, reason: error.description)
        }
        let names = m["class_names"].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String] }
            ?? (0..<c).map(String.init)
        return Loaded(student: student, l1Normalize: m["feature_normalization"] == "l1", classNames: names, metadata: m)
    }
}
