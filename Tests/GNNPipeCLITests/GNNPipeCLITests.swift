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
        try "stale record of an older run\n".write(toFile: metrics, atomically: true, encoding: .utf8)
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

    /// --metrics or --trace naming the --checkpoint folder is refused before training; a metrics
    /// file inside a checkpoint folder this run creates is accepted.
    @Test func metricsAndTheCheckpointFolder() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let ck = dir.appendingPathComponent("ck").path
        for option in ["--metrics", "--trace"] {
            // (--trace belongs to distributed training.)
            let mode = option == "--trace" ? ["--parallelism", "pipeline"] : []
            let clash = try CommandRunner.run("gnnpipe", ["train", Self.cora, "--epochs", "1", "--checkpoint", ck, option, ck] + mode)
            #expect(clash.status == 64 && clash.stderr.contains("is the same file as the --checkpoint folder"), "\(clash.stderr)")
            #expect(!FileManager.default.fileExists(atPath: ck))
        }
        let inside = try CommandRunner.run("gnnpipe", ["train", Self.cora, "--epochs", "1", "--checkpoint", ck,
                                                       "--metrics", ck + "/run.jsonl"])
        #expect(inside.status == 0, "\(inside.stderr)")
        #expect(FileManager.default.fileExists(atPath: ck + "/run.jsonl") && FileManager.default.fileExists(atPath: ck + "/last.ckpt"))
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
        (["train", "/nonexistent/dataset"], "dataset '/nonexistent/dataset' does not exist"),
        (["train", "graphs/cora", "--dropout", "1.5"], "--dropout must be in [0, 1)"),
        (["train", "graphs/cora", "--model", "gat"], "gat"),
        (["train", "graphs/cora", "--lr", "0"], "--lr must be positive"),
        (["train", "graphs/cora", "--layers", "0"], "--layers must be at least 1"),
        (["train", "graphs/cora", "--epochs", "ten"], "ten"),
        (["train", "graphs/cora", "--resume"], "--resume needs --checkpoint"),
        (["train", "graphs/karate"], "no features.mtx or features.npy"),
        (["train", "graphs/cora", "--epochs", "1", "--metrics", "/nonexistent/dir/m.jsonl"], "/nonexistent/dir"),
        (["train", "graphs/cora", "--epochs", "1", "--checkpoint", "/nonexistent/dir/ckpt"], "--checkpoint /nonexistent/dir/ckpt: the parent folder '/nonexistent/dir' does not exist"),
        // Unwritable outputs are found before training, not after it.
        (["train", "graphs/cora", "--epochs", "1", "--metrics", "/proc/m.jsonl"], "--metrics /proc/m.jsonl: cannot create the metrics file in '/proc'"),
        (["train", "graphs/cora", "--epochs", "1", "--parallelism", "pipeline", "--trace", "/proc/t.json"], "--trace /proc/t.json: cannot create files in '/proc'"),
        (["train", "graphs/cora", "--epochs", "1", "--metrics", "graphs"], "--metrics graphs is a folder"),
        (["train", "graphs/cora", "--epochs", "1", "--parallelism", "pipeline", "--checkpoint", "/tmp", "--resume"], "complete.json does not exist"),
        // Options of another mode are refused, not ignored.
        (["train", "graphs/cora", "--chunks", "4"], "--chunks applies to distributed training (mpirun with --parallelism pipeline, graph or hybrid); this run is one process"),
        (["train", "graphs/cora", "--timeout", "30"], "--timeout applies to distributed training"),
        (["train", "graphs/cora", "--trace", "t.json"], "--trace applies to distributed training"),
        (["train", "graphs/cora", "--parallelism", "graph", "--stale-gradients", "defer"], "--stale-gradients applies to pipeline and hybrid training; --parallelism graph runs without chunks"),
        (["train", "graphs/cora", "--parallelism", "pipeline", "--stages", "2"], "--stages needs --parallelism hybrid"),
        (["train", "graphs/cora", "--parallelism", "hybrid", "--stages", "0"], "--stages must be at least 1, got 0"),
        (["train", "graphs/cora", "--parallelism", "pipeline", "--timeout", "0"], "--timeout must be a positive number of seconds, got 0.0"),
        (["train", "graphs/cora", "--checkpoint", "graphs/cora/edges.tsv", "--resume"], "--checkpoint graphs/cora/edges.tsv is a file, not a folder"),
    ])
    func badInputFailsWithAClearError(arguments: [String], expected: String) throws {
        let r = try CommandRunner.run("gnnpipe", arguments, directory: Fixtures.repositoryRoot)
        #expect(r.status != 0)
        #expect(r.stderr.contains("error: "), "stderr was: \(r.stderr)")
        #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
    }

    /// A negative number after a numeric option reaches the command's own check (it used to be
    /// read as an option name: "Missing value for '--epochs'").
    @Test(arguments: [
        (["train", "graphs/cora", "--epochs", "-3"], "--epochs must be at least 1, got -3"),
        (["train", "graphs/cora", "--hidden", "-1"], "--hidden must be at least 1, got -1"),
        (["train", "graphs/cora", "--layers", "-2"], "--layers must be at least 1, got -2"),
        (["train", "graphs/cora", "--dropout", "-0.5"], "--dropout must be in [0, 1), got -0.5"),
        (["train", "graphs/cora", "--lr", "-0.01"], "--lr must be positive, got -0.01"),
        (["train", "graphs/cora", "--weight-decay", "-1"], "--weight-decay must be ≥ 0, got -1.0"),
        (["train", "graphs/cora", "--patience", "-1"], "--patience must be ≥ 0, got -1"),
        (["train", "graphs/cora", "--threads", "-4"], "--threads must be at least 1, got -4"),
        (["train", "graphs/cora", "--chunks", "-8"], "--chunks must be at least 1, got -8"),
        (["train", "graphs/cora", "--warmup-epochs", "-1"], "--warmup-epochs must be ≥ 0, got -1"),
        (["train", "graphs/cora", "--seed", "-1"], "The value '-1' is invalid for '--seed <seed>'"),
        (["partition", "graphs/cora", "--chunks", "-2"], "--chunks must be at least 1, got -2"),
    ])
    func negativeNumbersReachValidation(arguments: [String], expected: String) throws {
        let r = try CommandRunner.run("gnnpipe", arguments, directory: Fixtures.repositoryRoot)
        #expect(r.status == 64)
        #expect(r.stderr.contains("error: \(expected)"), "stderr was: \(r.stderr)")
        #expect(!r.stderr.contains("Missing value"), "stderr was: \(r.stderr)")
    }

    /// A dataset folder whose files only stand in for a dataset: the refusals below come before
    /// anything is read, and the files must come out unchanged.
    static func standInDataset() throws -> (folder: String, files: [String: String]) {
        let folder = TemporaryFiles.folder().path + "/cg"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let files = ["edges.tsv": "0\t1\n", "labels.tsv": "0\t0\n1\t1\n", "split.tsv": "0\ttrain\n1\tval\n",
                     "features.mtx": "%%MatrixMarket matrix coordinate real general\n2 1 0\n"]
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        return (folder, files)
    }

    /// Outputs that name a dataset file (under any spelling) or another output are refused with
    /// exit 64 before anything runs; the dataset is left as it was.
    @Test func outputsThatNameAnInputOrEachOtherAreRefused() throws {
        let (cg, files) = try Self.standInDataset()
        let work = (cg as NSString).deletingLastPathComponent
        let cases: [([String], String)] = [
            (["train", cg, "--metrics", cg + "/split.tsv"], "--metrics \(cg)/split.tsv is the same file as the dataset file \(cg)/split.tsv"),
            (["train", cg, "--metrics", work + "/./cg/labels.tsv"], "is the same file as the dataset file \(cg)/labels.tsv"),
            (["train", cg, "--parallelism", "pipeline", "--trace", cg + "/edges.tsv"],
             "--trace \(cg)/edges.tsv is the same file as the dataset file \(cg)/edges.tsv"),
            (["train", cg, "--metrics", cg + "/features.mtx"], "is the same file as the dataset file \(cg)/features.mtx"),
            (["train", cg, "--parallelism", "pipeline", "--metrics", work + "/m.jsonl", "--trace", work + "/m.jsonl"],
             "--trace \(work)/m.jsonl is the same file as --metrics \(work)/m.jsonl"),
            (["train", cg, "--checkpoint", work + "/ck", "--metrics", work + "/ck/last.ckpt"],
             "--metrics \(work)/ck/last.ckpt is the same file as the checkpoint file \(work)/ck/last.ckpt"),
            (["partition", cg, "-o", cg + "/edges.tsv"], "--output \(cg)/edges.tsv is the same file as the dataset file \(cg)/edges.tsv"),
            (["partition", cg + "/edges.tsv", "-o", cg + "/edges.tsv"], "--output \(cg)/edges.tsv is the same file as the dataset \(cg)/edges.tsv"),
        ]
        try FileManager.default.createDirectory(atPath: work + "/ck", withIntermediateDirectories: true)
        for (arguments, message) in cases {
            let r = try CommandRunner.run("gnnpipe", arguments)
            #expect(r.status == 64, "\(arguments): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        for (name, text) in files {
            #expect(try String(contentsOfFile: cg + "/" + name, encoding: .utf8) == text, "\(name) changed")
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/m.jsonl"))
    }

    /// Log lines name the tool once: `… info gnnpipe: graphs/cora: …`, not `gnnpipe: [gnnpipe]`.
    @Test func logLinesNameTheToolOnce() throws {
        let r = try CommandRunner.run("gnnpipe", ["train", Self.cora, "--epochs", "1", "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let logLines = r.stderr.split(separator: "\n").filter { $0.contains(" info ") }
        #expect(logLines.count >= 2, "stderr was: \(r.stderr)")
        for line in logLines {
            #expect(line.contains(" info gnnpipe: ") && !line.contains("[gnnpipe]"), "\(line)")
        }
    }

    /// `partition` reads the graph and the split only: the feature file's header gives the node
    /// count (rows beyond the edges' ids are isolated nodes, as for `train`), its values are not
    /// parsed, so a bad value that `train` rejects does not stop it.
    @Test func partitionReadsOnlyTheFeatureHeader() throws {
        for format in ["mtx", "npy"] {
            let dir = try CommandRunner.temporaryDirectory()
            let edges = (0..<8).map { "\($0)\t\(($0 + 1) % 8)" } + ["0\t4"]
            try (edges.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("edges.tsv"), atomically: true, encoding: .utf8)
            // 10 rows (nodes 8 and 9 are isolated), one value the full readers reject.
            let features = dir.appendingPathComponent("features.\(format)")
            if format == "mtx" {
                try "%%MatrixMarket matrix coordinate real general\n10 3 2\n1 1 1.0\n2 2 banana\n"
                    .write(to: features, atomically: true, encoding: .utf8)
            } else {
                var values = [Float](repeating: 0.5, count: 30)
                values[4] = .nan
                try Self.npyBytes(values, rows: 10, cols: 3).write(to: features)
            }
            let p = try CommandRunner.run("gnnpipe", ["partition", dir.path, "--chunks", "2"])
            #expect(p.status == 0, "\(format): \(p.stderr)")
            #expect(p.stdout.contains("\(dir.path): 10 nodes, 9 edges, 2 chunks"), "\(format): \(p.stdout)")
            let rows = p.stdout.split(separator: "\n").filter { $0.first?.isNumber == true && $0.split(separator: "\t").count == 4 }
            #expect(rows.map { Int($0.split(separator: "\t")[1]) ?? 0 }.reduce(0, +) == 10)
            // train reads the values and refuses them.
            let t = try CommandRunner.run("gnnpipe", ["train", dir.path, "--epochs", "1"])
            #expect(t.status != 0)
            #expect(t.stderr.contains(format == "mtx" ? "features.mtx:4" : "features must be finite"), "\(format): \(t.stderr)")
        }
    }

    /// A float32 `.npy` file (format 1.0) of shape (rows, cols).
    static func npyBytes(_ values: [Float], rows: Int, cols: Int) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(cols)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// Chunks close to the node count: every chunk gets a node (METIS k-way leaves many empty
    /// at 2700 of Cora's 2708 nodes; each takes a node). Nested in 2 parts, more chunks than the
    /// largest part has nodes is a usage error naming the largest count that works, and that
    /// count works while its successor does not.
    @Test func tooManyChunksNamesACountThatWorks() throws {
        let all = try CommandRunner.run("gnnpipe", ["partition", Self.cora, "--chunks", "2700"])
        #expect(all.status == 0, "\(all.stderr)")
        let rows = all.stdout.split(separator: "\n").dropFirst(2).prefix(2700).map { $0.split(separator: "\t") }
        #expect(rows.count == 2700 && rows.allSatisfy { $0.count == 4 && Int($0[1])! >= 1 }, "every chunk has a node")
        let r = try CommandRunner.run("gnnpipe", ["partition", Self.cora, "--parts", "2", "--chunks", "2000"])
        #expect(r.status == 64)
        let prefix = "error: --chunks 2000: each of the 2 graph-parallel parts of \(Self.cora) (2708 nodes, METIS --seed 0) is cut into at most as many chunks as it has nodes, and the largest part has "
        #expect(r.stderr.contains(prefix), "stderr was: \(r.stderr)")
        let suggested = r.stderr.components(separatedBy: prefix).dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        guard let suggested else {
            Issue.record("no suggested count in: \(r.stderr)")
            return
        }
        #expect(suggested >= 1354 && suggested < 2000, "the larger of two parts of 2708 nodes")
        let works = try CommandRunner.run("gnnpipe", ["partition", Self.cora, "--parts", "2", "--chunks", String(suggested)])
        #expect(works.status == 0, "\(works.stderr)")
        let next = try CommandRunner.run("gnnpipe", ["partition", Self.cora, "--parts", "2", "--chunks", String(suggested + 1)])
        #expect(next.status == 64 && next.stderr.contains("use --chunks \(suggested) or fewer"), "\(next.stderr)")
        // More chunks than nodes: the bound is the node count.
        let over = try CommandRunner.run("gnnpipe", ["partition", Self.cora, "--chunks", "3000"])
        #expect(over.status == 64)
        #expect(over.stderr.contains("error: --chunks 3000: \(Self.cora) has 2708 nodes and every chunk needs at least one, so at most 2708 chunks"),
                "stderr was: \(over.stderr)")
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

    /// Issue 15b item 3: string ids in edges.tsv are matched to feature rows in order of first
    /// appearance; train says so (info level, as `graphlearning summary` does), and -q hides it.
    @Test func stringIDsNoteHowFeatureRowsAreMatched() throws {
        let dir = try CommandRunner.temporaryDirectory()
        try "ann\tbob\nbob\tcid\ncid\tdan\ndan\tann\n".write(to: dir.appendingPathComponent("edges.tsv"), atomically: true, encoding: .utf8)
        try "%%MatrixMarket matrix array real general\n4 1\n1\n2\n3\n4\n"
            .write(to: dir.appendingPathComponent("features.mtx"), atomically: true, encoding: .utf8)
        try "ann\t0\nbob\t1\ncid\t0\ndan\t1\n".write(to: dir.appendingPathComponent("labels.tsv"), atomically: true, encoding: .utf8)
        try "ann\ttrain\nbob\ttrain\ncid\tval\ndan\ttest\n".write(to: dir.appendingPathComponent("split.tsv"), atomically: true, encoding: .utf8)
        let note = "note: node ids are not all dense non-negative integers (first: 'ann', 'bob', 'cid'); they were relabelled 0..<4 in order of first appearance in edges.tsv, and row i of features.mtx is taken as the i-th of them (row 0 is 'ann', row 1 is 'bob', …)\n"
        let r = try CommandRunner.run("gnnpipe", ["train", dir.path, "--epochs", "1"])
        #expect(r.status == 0, "stderr was: \(r.stderr)")
        #expect(r.stderr.contains(note), "stderr was: \(r.stderr)")
        let quiet = try CommandRunner.run("gnnpipe", ["train", dir.path, "--epochs", "1", "-q"])
        #expect(quiet.status == 0 && !quiet.stderr.contains("note:"), "stderr was: \(quiet.stderr)")
        let partition = try CommandRunner.run("gnnpipe", ["partition", dir.path, "--chunks", "2"])
        #expect(partition.status == 0 && partition.stderr.contains(note), "stderr was: \(partition.stderr)")
    }

    /// A split node without a label: the split file's line (it said "test node 2 has no label").
    @Test func aSplitNodeWithoutALabelNamesItsLine() throws {
        let dir = try CommandRunner.temporaryDirectory()
        try "0\t1\n1\t2\n2\t3\n3\t0\n".write(to: dir.appendingPathComponent("edges.tsv"), atomically: true, encoding: .utf8)
        try "%%MatrixMarket matrix array real general\n4 1\n1\n2\n3\n4\n"
            .write(to: dir.appendingPathComponent("features.mtx"), atomically: true, encoding: .utf8)
        try "0\t0\n1\t1\n3\t0\n".write(to: dir.appendingPathComponent("labels.tsv"), atomically: true, encoding: .utf8)
        try "# node split\n0\ttrain\n1\tval\n2\ttest\n3\ttrain\n".write(to: dir.appendingPathComponent("split.tsv"), atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("gnnpipe", ["train", dir.path, "--epochs", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("split.tsv:4: field 1: test node '2' has no class in \(dir.path)/labels.tsv"), "stderr was: \(r.stderr)")
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
