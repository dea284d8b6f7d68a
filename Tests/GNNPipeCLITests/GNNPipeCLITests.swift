import Foundation
import Testing
import TestSupport

/// Runs the real `gnnpipe` binary (built next to the test bundle) on graphs/cora.
@Suite("gnnpipe CLI", .serialized)
struct GNNPipeCLITests {
    static let cora = Fixtures.graphPath("cora")

    /// The epoch lines without their timing column, e.g. "epoch    1  loss 1.9460  train … val loss 1.9417".
    static func epochLines(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.map { line in
            String(line.split(separator: "  ").prefix(5).joined(separator: "  "))
        }
    }

    @Test func shortCoraTrainingWritesMetrics() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let metrics = dir.appendingPathComponent("run.jsonl").path
        let r = try CommandRunner.run("gnnpipe", ["train", Self.cora, "--epochs", "3", "--threads", "2", "--metrics", metrics])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.epochLines(r.stdout).count == 3)
        #expect(r.stdout.contains("epoch    1  loss 1.94"))
        #expect(r.stdout.contains("best epoch "))
        #expect(r.stdout.contains("test accuracy"))
        #expect(r.stderr.contains("2708 nodes, 5278 edges, 1433 features, 7 classes, split 140/500/1000"))
        let lines = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        let summary = try JSONSerialization.jsonObject(with: Data(lines[3].utf8)) as? [String: Any]
        #expect(summary?["summary"] as? Bool == true)
        #expect(summary?["model"] as? String == "gcn")
        #expect(summary?["last_epoch"] as? Int == 3)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["epoch"] as? Int == 1)
        #expect((first?["train_seconds"] as? Double ?? -1) > 0)
    }

    @Test func sameSeedSameNumbersOtherSeedOtherNumbers() throws {
        let args = ["train", Self.cora, "--model", "gcnii", "--layers", "4", "--epochs", "3", "--threads", "2"]
        let a = try CommandRunner.run("gnnpipe", args + ["--seed", "5"])
        let b = try CommandRunner.run("gnnpipe", args + ["--seed", "5"])
        let c = try CommandRunner.run("gnnpipe", args + ["--seed", "6"])
        #expect(a.status == 0 && b.status == 0 && c.status == 0, "\(a.stderr)\(c.stderr)")
        #expect(Self.epochLines(a.stdout).count == 3)
        #expect(Self.epochLines(a.stdout) == Self.epochLines(b.stdout))
        #expect(Self.epochLines(a.stdout) != Self.epochLines(c.stdout))
    }

    @Test func resumeContinuesLikeAnUninterruptedRun() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let ckpt = dir.appendingPathComponent("ckpt").path
        let args = ["train", Self.cora, "--model", "sage", "--threads", "2"]
        let full = try CommandRunner.run("gnnpipe", args + ["--epochs", "6"])
        let first = try CommandRunner.run("gnnpipe", args + ["--epochs", "3", "--checkpoint", ckpt, "--checkpoint-every", "2"])
        #expect(FileManager.default.fileExists(atPath: ckpt + "/last.ckpt"))
        #expect(FileManager.default.fileExists(atPath: ckpt + "/best.ckpt"))
        let second = try CommandRunner.run("gnnpipe", args + ["--epochs", "6", "--checkpoint", ckpt, "--resume"])
        #expect(full.status == 0 && first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        #expect(second.stderr.contains("resumed from"))
        let expected = Self.epochLines(full.stdout)
        #expect(expected.count == 6)
        #expect(Self.epochLines(first.stdout) == Array(expected[0..<3]))
        #expect(Self.epochLines(second.stdout) == Array(expected[3..<6]))
        let fullResult = full.stdout.split(separator: "\n").first { $0.hasPrefix("best epoch") }
        let resumedResult = second.stdout.split(separator: "\n").first { $0.hasPrefix("best epoch") }
        #expect(fullResult != nil && fullResult == resumedResult)
    }

    @Test(arguments: [
        (["train", "/nonexistent/dataset"], "dataset folder '/nonexistent/dataset' does not exist"),
        (["train", "graphs/cora", "--dropout", "1.5"], "--dropout must be in [0, 1)"),
        (["train", "graphs/cora", "--model", "gat"], "gat"),
        (["train", "graphs/cora", "--lr", "0"], "--lr must be positive"),
        (["train", "graphs/cora", "--layers", "0"], "--layers must be at least 1"),
        (["train", "graphs/cora", "--epochs", "ten"], "ten"),
        (["train", "graphs/cora", "--resume"], "--resume needs --checkpoint"),
        (["train", "graphs/karate"], "no features.mtx or features.npy"),
        (["train", "graphs/cora", "--epochs", "1", "--metrics", "/nonexistent/dir/m.jsonl"], "/nonexistent/dir"),
        (["train", "graphs/cora", "--epochs", "1", "--checkpoint", "/nonexistent/dir/ckpt"], "cannot create checkpoint folder"),
        // Unwritable outputs are found before training, not after it.
        (["train", "graphs/cora", "--epochs", "1", "--metrics", "/proc/m.jsonl"], "--metrics /proc/m.jsonl: cannot create files in '/proc'"),
        (["train", "graphs/cora", "--epochs", "1", "--parallelism", "pipeline", "--trace", "/proc/t.json"], "--trace /proc/t.json: cannot create files in '/proc'"),
        (["train", "graphs/cora", "--epochs", "1", "--metrics", "graphs"], "--metrics graphs is a folder"),
        (["train", "graphs/cora", "--epochs", "1", "--parallelism", "pipeline", "--checkpoint", "/tmp", "--resume"], "complete.json does not exist"),
    ])
    func badInputFailsWithAClearError(arguments: [String], expected: String) throws {
        let r = try CommandRunner.run("gnnpipe", arguments, directory: Fixtures.repositoryRoot)
        #expect(r.status != 0)
        #expect(r.stderr.contains("error: "), "stderr was: \(r.stderr)")
        #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
    }

    @Test func resumeWithoutACheckpointFileFails() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let r = try CommandRunner.run("gnnpipe", ["train", Self.cora, "--checkpoint", dir.path, "--resume"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("error: --resume: \(dir.path)/last.ckpt does not exist"), "stderr was: \(r.stderr)")
        // A checkpoint folder that does not exist is not created by a failed resume.
        let missing = dir.appendingPathComponent("never").path
        let m = try CommandRunner.run("gnnpipe", ["train", Self.cora, "--checkpoint", missing, "--resume"])
        #expect(m.status == 64)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func aSplitWithoutValidationNodesIsRefused() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let g = try CommandRunner.run("graphlearning", ["generate", dir.path, "--scale", "5", "--features", "4", "--classes", "2"])
        #expect(g.status == 0, "\(g.stderr)")
        let split = dir.appendingPathComponent("split.tsv").path
        let noVal = try String(contentsOfFile: split, encoding: .utf8).replacingOccurrences(of: "\tval", with: "\ttest")
        try noVal.write(toFile: split, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("gnnpipe", ["train", dir.path, "--epochs", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("split.tsv has no val nodes"), "stderr was: \(r.stderr)")
    }

    @Test func resumeRefusesAnotherModel() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let ckpt = dir.appendingPathComponent("c").path
        let a = try CommandRunner.run("gnnpipe", ["train", Self.cora, "--epochs", "1", "--checkpoint", ckpt])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try CommandRunner.run("gnnpipe", ["train", Self.cora, "--epochs", "2", "--hidden", "8", "--checkpoint", ckpt, "--resume"])
        #expect(b.status == 1)
        #expect(b.stderr.contains("error: checkpoint does not match the model"), "stderr was: \(b.stderr)")
    }

    @Test func helpListsTheOptions() throws {
        let r = try CommandRunner.run("gnnpipe", ["train", "--help"])
        #expect(r.status == 0)
        for option in ["--model", "--layers", "--hidden", "--dropout", "--lr", "--weight-decay", "--epochs", "--patience",
                       "--seed", "--threads", "--metrics", "--checkpoint", "--resume"] {
            #expect(r.stdout.contains(option), "missing \(option)")
        }
    }
}
