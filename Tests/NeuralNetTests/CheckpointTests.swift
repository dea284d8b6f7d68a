import DenseMath
import Foundation
import NeuralNet
import Testing
import TestSupport

@Suite("Checkpoints")
struct CheckpointTests {
    func sample() -> Checkpoint {
        Checkpoint(tensors: [("a", Matrix(rows: 2, cols: 3, values: [1, -2, 3.5, .leastNonzeroMagnitude, -0.0, 1e30])),
                             ("empty", Matrix(rows: 0, cols: 4)), ("b", Matrix(rows: 1, cols: 1, values: [7]))],
                   metadata: ["epoch": "12", "note": "ünïcode ✓"])
    }

    @Test func roundTripIsExact() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let path = dir.appendingPathComponent("state.ckpt").path
        try sample().write(to: path)
        let back = try Checkpoint.read(from: path)
        #expect(back == sample())
        #expect(back.tensors.map(\.value.values) .flatMap { $0 }.map(\.bitPattern) == sample().tensors.flatMap { $0.value.values }.map(\.bitPattern))
        // Overwriting replaces the file whole and leaves no temporary file behind.
        try Checkpoint(tensors: [], metadata: [:]).write(to: path)
        #expect(try Checkpoint.read(from: path).tensors.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["state.ckpt"])
    }

    @Test func missingFolderIsAnIOError() {
        #expect(throws: NeuralNetError.self) { try sample().write(to: "/nonexistent-folder/x.ckpt") }
        do {
            _ = try Checkpoint.read(from: "/nonexistent-folder/x.ckpt")
            Issue.record("expected an error")
        } catch {
            guard case .io(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == "/nonexistent-folder/x.ckpt")
        }
    }

    @Test func truncatedAndForeignFilesAreRejected() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let good = dir.appendingPathComponent("good.ckpt").path
        try sample().write(to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = dir.appendingPathComponent("truncated.ckpt").path
        try bytes.dropLast(3).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: NeuralNetError.corruptCheckpoint(path: truncated, reason: "checksum mismatch: the file is damaged or truncated")) {
            try Checkpoint.read(from: truncated)
        }
        // One flipped bit in the middle of the tensor data (same size) is caught too.
        var flipped = [UInt8](bytes)
        flipped[flipped.count - 12] ^= 0x10
        let damaged = dir.appendingPathComponent("damaged.ckpt").path
        try Data(flipped).write(to: URL(fileURLWithPath: damaged))
        #expect(throws: NeuralNetError.corruptCheckpoint(path: damaged, reason: "checksum mismatch: the file is damaged or truncated")) {
            try Checkpoint.read(from: damaged)
        }
        let foreign = dir.appendingPathComponent("foreign.ckpt").path
        try Data("hello world, not a checkpoint".utf8).write(to: URL(fileURLWithPath: foreign))
        #expect(throws: NeuralNetError.corruptCheckpoint(path: foreign, reason: "missing GLCKPT02 header")) {
            try Checkpoint.read(from: foreign)
        }
    }

    @Test func sequentialStateLoadsByName() throws {
        var rng = SplitMix64(seed: 1)
        let a = Sequential([Linear(inputDim: 3, outputDim: 2, rng: &rng), ReLU(), BatchNorm1d(channels: 2)])
        let b = Sequential([Linear(inputDim: 3, outputDim: 2, rng: &rng), ReLU(), BatchNorm1d(channels: 2)])
        #expect(a.stateTensors().map(\.name) == ["0.linear.weight", "0.linear.bias", "2.batchnorm.scale", "2.batchnorm.shift",
                                                 "2.batchnorm.running_mean", "2.batchnorm.running_var"])
        #expect(a.stateTensors().map(\.value) != b.stateTensors().map(\.value))
        try b.loadState(from: Dictionary(uniqueKeysWithValues: a.stateTensors().map { ($0.name, $0.value) }))
        #expect(a.stateTensors().map(\.value) == b.stateTensors().map(\.value))
        #expect(throws: NeuralNetError.checkpointMismatch("missing tensor '0.linear.weight'")) { try b.loadState(from: [:]) }
    }
}
