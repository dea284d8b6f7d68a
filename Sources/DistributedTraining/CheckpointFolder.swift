import Foundation
import NeuralNet

/// The per-rank checkpoint protocol of distributed training, on a folder every rank can reach
/// (one host, or a shared file system).
///
/// ```
/// DIR/rank-R.epoch-E.ckpt   every rank's state after epoch E (DistributedTrainer.checkpoint()
///                           plus the model-selection state); the last two saved epochs are kept
/// DIR/complete.json         {"epoch": E, "stages": S, "group_size": G}, written by rank 0 after
///                           a barrier: every rank's file for epoch E is complete
/// ```
/// Saving: every rank writes its file (atomically: temporary file, then rename); barrier; rank 0
/// replaces `complete.json`; barrier; every rank deletes its files older than the previous
/// complete epoch. A job killed at any point leaves `complete.json` naming an epoch whose files
/// all exist, so resuming restarts every rank from the same epoch.
public enum CheckpointFolder {
    /// The content of `complete.json`.
    public struct Complete: Codable, Sendable, Equatable {
        /// The last epoch every rank saved.
        public var epoch: Int
        /// Pipeline stages S of the run that saved it.
        public var stages: Int
        /// Ranks per stage G.
        public var groupSize: Int

        enum CodingKeys: String, CodingKey { case epoch, stages, groupSize = "group_size" }

        public init(epoch: Int, stages: Int, groupSize: Int) {
            self.epoch = epoch
            self.stages = stages
            self.groupSize = groupSize
        }
    }

    /// `DIR/rank-R.epoch-E.ckpt`.
    public static func rankFile(_ dir: String, rank: Int, epoch: Int) -> String {
        "\(dir)/rank-\(rank).epoch-\(epoch).ckpt"
    }

    /// `DIR/complete.json`.
    public static func completePath(_ dir: String) -> String { dir + "/complete.json" }

    /// Reads `complete.json`.
    /// - Throws: ``DistributedTrainingError/checkpoint(_:)`` when it is missing or malformed.
    public static func complete(in dir: String) throws(DistributedTrainingError) -> Complete {
        let path = completePath(dir)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .checkpoint("\(path) does not exist: no epoch was saved by every rank, nothing to resume")
        }
        do { return try JSONDecoder().decode(Complete.self, from: data) } catch {
            throw .checkpoint("\(path): expected {\"epoch\", \"stages\", \"group_size\"}: \(error)")
        }
    }

    /// Writes `complete.json` atomically.
    /// - Throws: ``DistributedTrainingError/checkpoint(_:)``.
    public static func writeComplete(_ complete: Complete, in dir: String) throws(DistributedTrainingError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(complete) + Data("\n".utf8)
            try data.write(to: URL(fileURLWithPath: completePath(dir)), options: .atomic)
        } catch {
            throw .checkpoint("cannot write \(completePath(dir)): \((error as NSError).localizedDescription)")
        }
    }

    /// Removes what a job killed while saving leaves behind: Foundation's temporary files of an
    /// atomic write (`.dat.nosync…`) and rank files of epochs after `epoch`, the last complete
    /// one. Call on one rank, before any rank saves again.
    public static func removeLeftovers(_ dir: String, after epoch: Int) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names {
            let stale: Bool
            if name.hasPrefix(".dat.nosync") {
                stale = true
            } else if name.hasPrefix("rank-"), name.hasSuffix(".ckpt"), let dot = name.range(of: ".epoch-"),
                      let e = Int(name[dot.upperBound...].dropLast(".ckpt".count)) {
                stale = e > epoch
            } else {
                stale = false
            }
            if stale { try? FileManager.default.removeItem(atPath: dir + "/" + name) }
        }
    }

    /// Deletes this rank's files of epochs other than `keep`.
    public static func prune(_ dir: String, rank: Int, keep: [Int]) {
        let prefix = "rank-\(rank).epoch-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".ckpt") {
            let e = Int(name.dropFirst(prefix.count).dropLast(".ckpt".count))
            if let e, !keep.contains(e) { try? FileManager.default.removeItem(atPath: dir + "/" + name) }
        }
    }
}
