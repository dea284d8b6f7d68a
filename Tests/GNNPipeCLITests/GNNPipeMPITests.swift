import DistributedTraining
import Foundation
import Testing
import TestSupport

/// Runs the built `gnnpipe` under a real `mpirun` (1, 2 and 4 ranks) on graphs/cora.
@Suite("gnnpipe under mpirun", .serialized)
struct GNNPipeMPITests {
    static let cora = Fixtures.graphPath("cora")

    /// `mpirun -n ranks gnnpipe args…` with root/oversubscribe allowed and one OpenBLAS thread.
    static func mpirun(_ ranks: Int, _ args: [String], environment: [String: String] = [:]) throws -> CommandResult {
        #expect(CommandRunner.hasMPIRun, "mpirun is not on the PATH")
        let gnnpipe = CommandRunner.productsDirectory.appendingPathComponent("gnnpipe").path
        var env = CommandRunner.mpiEnvironment
        for (k, v) in environment { env[k] = v }
        return try CommandRunner.runPath("/usr/bin/env", ["mpirun", "-n", String(ranks), gnnpipe] + args,
                                         directory: Fixtures.repositoryRoot, environment: env)
    }

    /// `mpirun` with `arguments` (ranks and programs, e.g. an MPMD `A : B` line) under a watchdog:
    /// a job that hangs is killed after 10 minutes and shows as status 124 instead of blocking
    /// the test run.
    static func mpirunWatched(_ arguments: [String]) throws -> CommandResult {
        #expect(CommandRunner.hasMPIRun, "mpirun is not on the PATH")
        return try CommandRunner.runPath("/usr/bin/env", ["timeout", "--kill-after=10", "600", "mpirun"] + arguments,
                                         directory: Fixtures.repositoryRoot, environment: CommandRunner.mpiEnvironment)
    }

    static var gnnpipePath: String { CommandRunner.productsDirectory.appendingPathComponent("gnnpipe").path }


    /// How many times `text` occurs in `s`.
    static func occurrences(of text: String, in s: String) -> Int {
        s.components(separatedBy: text).count - 1
    }

    /// The JSON lines of a metrics file: epoch records and the summary.
    static func records(_ path: String) throws -> (epochs: [[String: Any]], summary: [String: Any]?) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let all = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        return (all.filter { $0["summary"] == nil }, all.first { $0["summary"] as? Bool == true })
    }

    static func losses(_ path: String) throws -> [Double] {
        try records(path).epochs.map { $0["loss"] as? Double ?? .nan }
    }

    struct Equivalence: CustomTestStringConvertible, Sendable {
        var model: String
        var layers: Int
        var ranks: Int
        var testDescription: String { "\(model) \(layers) layers on \(ranks) stages" }
    }

    /// The issue's central check: with C = 1 and dropout 0, P stages give the single process's
    /// per-epoch losses to 1e-4 relative.
    @Test(arguments: [
        Equivalence(model: "gcn", layers: 2, ranks: 1), Equivalence(model: "gcn", layers: 2, ranks: 2),
        Equivalence(model: "gcnii", layers: 4, ranks: 2), Equivalence(model: "gcnii", layers: 4, ranks: 4),
    ])
    func oneChunkMatchesSingleProcessLosses(_ c: Equivalence) throws {
        let dir = try CommandRunner.temporaryDirectory()
        let single = dir.appendingPathComponent("single.jsonl").path
        let piped = dir.appendingPathComponent("pipe.jsonl").path
        let common = ["train", Self.cora, "--model", c.model, "--layers", String(c.layers), "--hidden", "16",
                      "--dropout", "0", "--epochs", "3", "--threads", "1"]
        let s = try CommandRunner.run("gnnpipe", common + ["--metrics", single], directory: Fixtures.repositoryRoot)
        #expect(s.status == 0, "\(s.stderr)")
        let p = try Self.mpirun(c.ranks, common + ["--parallelism", "pipeline", "--chunks", "1", "--metrics", piped])
        #expect(p.status == 0, "\(p.stderr)")
        let expected = try Self.losses(single), got = try Self.losses(piped)
        #expect(expected.count == 3 && got.count == 3)
        for (e, g) in zip(expected, got) {
            #expect(abs(e - g) <= 1e-4 * abs(e), "single \(expected), pipeline \(got)")
        }
        let summary = try Self.records(piped).summary
        #expect(summary?["ranks"] as? Int == c.ranks && summary?["parallelism"] as? String == "pipeline")
    }

    /// C = 4 chunks over 2 stages: the loss goes down and every epoch moves exactly the
    /// analytic 2·(P−1)·N·d floats; the per-rank statistics are there.
    @Test func chunkedPipelineLearnsAndMovesTheAnalyticVolume() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let metrics = dir.appendingPathComponent("m.jsonl").path
        let r = try Self.mpirun(2, ["train", Self.cora, "--model", "gcnii", "--layers", "4", "--hidden", "16",
                                    "--dropout", "0.5", "--epochs", "8", "--chunks", "4", "--metrics", metrics])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(analytic ×1.000)"))
        let (epochs, summary) = try Self.records(metrics)
        #expect(epochs.count == 8)
        let losses = epochs.map { $0["loss"] as? Double ?? .nan }
        #expect(losses[7] < losses[0], "losses \(losses)")
        let analytic = 2 * 1 * 2708 * 16 * 4  // 2·(P−1)·N·d floats × 4 bytes
        for e in epochs {
            #expect(e["training_bytes"] as? Int == analytic && e["analytic_bytes"] as? Int == analytic)
            let ranks = e["ranks"] as? [[String: Any]] ?? []
            #expect(ranks.map { $0["rank"] as? Int } == [0, 1])
            #expect(ranks.allSatisfy { ($0["bytes_sent"] as? Int) == analytic / 2 && ($0["bytes_received"] as? Int) == analytic / 2 })
            let stale = e["stale_fraction"] as? Double ?? -1
            #expect(stale > 0 && stale < 0.5)
        }
        #expect(summary?["chunks"] as? Int == 4)
    }

    @Test func moreStagesThanLayersIsAClearError() throws {
        let r = try Self.mpirun(4, ["train", Self.cora, "--model", "gcn", "--epochs", "1"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("4 pipeline stages need at least 4 graph layers; the model has 2"), "\(r.stderr)")
    }

    /// A rank that throws: the job ends (no hang) with a non-zero exit and stderr names the rank
    /// and the reason; a rank killed by SIGKILL also ends the job with a non-zero exit.
    @Test func failingOrKilledRankEndsTheJob() throws {
        let args = ["train", Self.cora, "--model", "gcnii", "--layers", "4", "--hidden", "8", "--epochs", "5", "--chunks", "2"]
        let thrown = try Self.mpirun(2, args, environment: ["GNNPIPE_FAIL_RANK": "1", "GNNPIPE_FAIL_EPOCH": "2"])
        #expect(thrown.status != 0)
        // One message naming the rank and its host.
        let host = ProcessInfo.processInfo.environment["GRAPHLEARNING_HOST"] ?? ProcessInfo.processInfo.hostName
        #expect(thrown.stderr.contains("error: rank 1 on \(host): injected failure before epoch 2"), "\(thrown.stderr)")
        #expect(Self.occurrences(of: "error: ", in: thrown.stderr) == 1, "\(thrown.stderr)")
        let killed = try Self.mpirun(2, args, environment: ["GNNPIPE_FAIL_RANK": "0", "GNNPIPE_FAIL_EPOCH": "2",
                                                            "GNNPIPE_FAIL_MODE": "kill"])
        #expect(killed.status != 0)
        #expect(!killed.stdout.contains("best epoch"))
    }

    /// A rank that stops (SIGSTOP) without dying: the others' waits pass `--timeout`, the lowest
    /// waiting rank reports the stopped one by rank and host, and the job ends (no hang).
    @Test func aStoppedRankEndsTheJobNamingIt() throws {
        let start = Date()
        let r = try Self.mpirunWatched(["-n", "3", "-x", "GNNPIPE_FAIL_RANK=1", "-x", "GNNPIPE_FAIL_EPOCH=2", "-x", "GNNPIPE_FAIL_MODE=stop",
                                        Self.gnnpipePath, "train", Self.cora, "--model", "gcnii", "--layers", "3",
                                        "--hidden", "8", "--epochs", "5", "--chunks", "2", "--timeout", "10"])
        let host = ProcessInfo.processInfo.environment["GRAPHLEARNING_HOST"] ?? ProcessInfo.processInfo.hostName
        #expect(r.status != 0 && r.status != 124, "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(Self.occurrences(of: "error: ", in: r.stderr) == 1, "\(r.stderr)")
        #expect(r.stderr.contains("rank 1 on \(host)") && r.stderr.contains("within 10 s"), "\(r.stderr)")
    }

    /// Per-stage checkpoints at epoch 2 and 4, then --resume to epoch 6: the same epochs and
    /// result as one uninterrupted run; only the last two saved epochs are kept.
    @Test func resumeContinuesEveryStageExactly() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let ckpt = dir.appendingPathComponent("ckpt").path
        let args = ["train", Self.cora, "--model", "gcnii", "--layers", "4", "--hidden", "8", "--chunks", "3",
                    "--stale-gradients", "defer", "--history-momentum", "0.5"]
        let full = try Self.mpirun(2, args + ["--epochs", "6"])
        let first = try Self.mpirun(2, args + ["--epochs", "4", "--checkpoint", ckpt, "--checkpoint-every", "2"])
        #expect(full.status == 0 && first.status == 0, "\(full.stderr)\(first.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: ckpt).sorted()
        #expect(names == ["complete.json", "rank-0.epoch-2.ckpt", "rank-0.epoch-4.ckpt", "rank-1.epoch-2.ckpt", "rank-1.epoch-4.ckpt"])
        let complete = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ckpt + "/complete.json"))) as? [String: Any]
        #expect(complete?["epoch"] as? Int == 4 && complete?["stages"] as? Int == 2)
        let second = try Self.mpirun(2, args + ["--epochs", "6", "--checkpoint", ckpt, "--checkpoint-every", "2", "--resume"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("resumed every rank from"))
        let expected = GNNPipeCLITests.epochLines(full.stdout)
        #expect(expected.count == 6)
        #expect(GNNPipeCLITests.epochLines(first.stdout) == Array(expected[0..<4]))
        #expect(GNNPipeCLITests.epochLines(second.stdout) == Array(expected[4..<6]))
        let result = { (s: String) in s.split(separator: "\n").first { $0.hasPrefix("best epoch") } }
        #expect(result(full.stdout) != nil && result(full.stdout) == result(second.stdout))
        let after = try FileManager.default.contentsOfDirectory(atPath: ckpt).filter { $0.hasPrefix("rank-0") }.sorted()
        #expect(after == ["rank-0.epoch-4.ckpt", "rank-0.epoch-6.ckpt"])
        // Another stage count cannot resume these files.
        let other = try Self.mpirun(1, args + ["--parallelism", "pipeline", "--epochs", "8", "--checkpoint", ckpt, "--resume"])
        #expect(other.status != 0)
        #expect(other.status == 64)
        #expect(other.stderr.contains("complete.json was written by 2 ranks as a pipeline (2 stages × 1); this run has 1 rank as a pipeline (1 stage × 1) (resume with mpirun -n 2 and --parallelism pipeline)"), "\(other.stderr)")
        // Other options cannot either; the error names them as options.
        let chunks = try Self.mpirun(2, args.map { $0 == "3" ? "4" : $0 } + ["--epochs", "8", "--checkpoint", ckpt, "--resume"])
        #expect(chunks.status == 64)
        #expect(Self.occurrences(of: "error: --resume: the checkpoint was saved with --chunks 3; this run has --chunks 4 (resume with the options it was saved with)", in: chunks.stderr) == 1, "\(chunks.stderr)")
    }

    /// The trace is valid Chrome trace JSON with one named track per rank and forward/backward
    /// events per chunk.
    @Test func traceHasOneTrackPerRank() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let trace = dir.appendingPathComponent("trace.json").path
        let r = try Self.mpirun(2, ["train", Self.cora, "--model", "gcnii", "--layers", "2", "--hidden", "8",
                                    "--epochs", "2", "--chunks", "3", "--trace", trace])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trace))) as? [String: Any]
        let events = json?["traceEvents"] as? [[String: Any]] ?? []
        let tracks = events.filter { $0["ph"] as? String == "M" }.compactMap { $0["tid"] as? Int }
        #expect(tracks.sorted() == [0, 1])
        for rank in 0..<2 {
            let mine = events.filter { $0["tid"] as? Int == rank && $0["ph"] as? String == "X" }
            #expect(mine.filter { $0["cat"] as? String == "forward" && ($0["name"] as? String ?? "").hasPrefix("forward c") }.count == 6)
            #expect(mine.filter { $0["cat"] as? String == "backward" && ($0["name"] as? String ?? "").hasPrefix("backward c") }.count == 6)
            #expect(mine.contains { $0["cat"] as? String == "optimizer" })
            #expect(mine.contains { $0["cat"] as? String == "evaluation" })
        }
    }

    /// A usage error or a bad dataset under 4 ranks is printed once (by rank 0), and the job
    /// ends with a non-zero status.
    @Test(arguments: [
        (["train", "graphs/cora", "--dropout", "2"], "error: --dropout must be in [0, 1), got 2.0", Int32(64)),
        (["train", "/nonexistent/dataset"], "error: dataset '/nonexistent/dataset' does not exist", Int32(64)),
        (["train", "graphs/cora", "--model", "gat"], "error: The value 'gat' is invalid for '--model <model>'", Int32(64)),
        (["train", "graphs/karate"], "error: graphs/karate has no features.mtx or features.npy", Int32(1)),
        (["train", "graphs/cora", "--parallelism", "single"], "error: --parallelism single runs one process, but mpirun started 4 ranks", Int32(64)),
    ])
    func anErrorOfEveryRankIsPrintedOnce(arguments: [String], expected: String, status: Int32) throws {
        let r = try Self.mpirunWatched(["-n", "4", Self.gnnpipePath] + arguments)
        #expect(r.status == status, "\(r.stderr)")
        #expect(Self.occurrences(of: expected, in: r.stderr) == 1, "stderr was: \(r.stderr)")
        #expect(Self.occurrences(of: "error: ", in: r.stderr) == 1, "stderr was: \(r.stderr)")
    }

    /// An output naming a dataset file under mpirun: refused once (by rank 0) with exit 64, the
    /// file unchanged.
    @Test func anOutputNamingTheDatasetIsRefusedOnceUnderMPI() throws {
        let (cg, files) = try GNNPipeCLITests.standInDataset()
        for option in ["--metrics", "--trace"] {
            let r = try Self.mpirunWatched(["-n", "2", Self.gnnpipePath, "train", cg, option, cg + "/split.tsv"])
            #expect(r.status == 64, "\(r.stderr)")
            #expect(Self.occurrences(of: "error: \(option) \(cg)/split.tsv is the same file as the dataset file", in: r.stderr) == 1,
                    "stderr was: \(r.stderr)")
            #expect(Self.occurrences(of: "error: ", in: r.stderr) == 1, "stderr was: \(r.stderr)")
        }
        #expect(try String(contentsOfFile: cg + "/split.tsv", encoding: .utf8) == files["split.tsv"])
    }

    /// `train --help` under mpirun: the help text once.
    @Test func helpUnderMPIIsPrintedOnce() throws {
        let r = try Self.mpirunWatched(["-n", "2", Self.gnnpipePath, "train", "--help"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.occurrences(of: "USAGE: gnnpipe train", in: r.stdout) == 1, "stdout was: \(r.stdout)")
    }

    /// Ranks that disagree (rank 1 got other arguments, as when a file differs on one host): the
    /// failing rank's error is printed once with its rank, and no rank waits for the others.
    @Test func anErrorOfOneRankNamesTheRank() throws {
        let good = ["train", "graphs/cora", "--model", "gcnii", "--layers", "2", "--hidden", "8", "--epochs", "1"]
        let r = try Self.mpirunWatched(["-n", "1", Self.gnnpipePath] + good + [":", "-n", "1", Self.gnnpipePath]
                                       + good + ["--dropout", "2"])
        #expect(r.status == 64, "\(r.stderr)")
        let host = ProcessInfo.processInfo.environment["GRAPHLEARNING_HOST"] ?? ProcessInfo.processInfo.hostName
        #expect(Self.occurrences(of: "error: rank 1 on \(host): --dropout must be in [0, 1), got 2.0", in: r.stderr) == 1,
                "stderr was: \(r.stderr)")
        #expect(Self.occurrences(of: "error: ", in: r.stderr) == 1, "stderr was: \(r.stderr)")
        #expect(!r.stdout.contains("epoch "))
    }

    /// Each log line of a 2-rank run says the tool and its rank once:
    /// `… info gnnpipe rank 0: pipeline: …` (was `info gnnpipe: [gnnpipe] pipeline: …`).
    @Test func logLinesSayTheirRankOnce() throws {
        let r = try Self.mpirun(2, ["train", Self.cora, "--model", "gcnii", "--layers", "2", "--hidden", "8",
                                    "--epochs", "1", "--chunks", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let logLines = r.stderr.split(separator: "\n").filter { $0.contains(" info ") }
        #expect(logLines.contains { $0.contains("info gnnpipe rank 0: pipeline: 2 stages") }, "stderr was: \(r.stderr)")
        for line in logLines {
            // "<timestamp> info gnnpipe rank R: <message>": the prefix, then the message itself.
            guard let colon = line.range(of: ": ") else {
                Issue.record("no prefix in \(line)")
                continue
            }
            let prefix = line[..<colon.lowerBound].split(separator: " ").dropFirst(2).joined(separator: " ")
            let message = line[colon.upperBound...]
            #expect(prefix == "gnnpipe rank 0", "\(line)")
            #expect(!message.hasPrefix("[") && !message.hasPrefix("rank "), "\(line)")
        }
    }

    /// `--chunks` beyond what the graph-parallel parts of a hybrid run can fill (each part of m
    /// nodes gets at most m chunks): exit 64 once, naming the largest count that works; beyond
    /// the node count: the bound.
    @Test func tooManyChunksIsAUsageErrorUnderMPI() throws {
        let common = ["train", "graphs/cora", "--model", "gcnii", "--layers", "2", "--hidden", "8", "--epochs", "1"]
        let empty = try Self.mpirunWatched(["-n", "4", Self.gnnpipePath] + common
                                           + ["--parallelism", "hybrid", "--stages", "2", "--chunks", "2000"])
        #expect(empty.status == 64, "\(empty.stderr)")
        #expect(Self.occurrences(of: "error: --chunks 2000: each of the 2 graph-parallel parts of graphs/cora (2708 nodes, METIS --partition-seed 0) is cut into at most as many chunks as it has nodes, and the largest part has ",
                                 in: empty.stderr) == 1, "\(empty.stderr)")
        #expect(Self.occurrences(of: "error: ", in: empty.stderr) == 1, "\(empty.stderr)")
        let over = try Self.mpirunWatched(["-n", "2", Self.gnnpipePath] + common + ["--chunks", "3000"])
        #expect(over.status == 64, "\(over.stderr)")
        #expect(Self.occurrences(of: "error: --chunks 3000: graphs/cora has 2708 nodes and every chunk needs at least one, so at most 2708 chunks",
                                 in: over.stderr) == 1, "\(over.stderr)")
    }

    @Test func partitionWritesChunksAndStatistics() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let out = dir.appendingPathComponent("chunks.tsv").path
        let r = try CommandRunner.run("gnnpipe", ["partition", Self.cora, "--chunks", "4", "-o", out],
                                      directory: Fixtures.repositoryRoot)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").filter { $0.first?.isNumber == true && $0.split(separator: "\t").count == 4 }
        #expect(rows.count == 4)
        #expect(rows.map { Int($0.split(separator: "\t")[1]) ?? 0 }.reduce(0, +) == 2708)
        #expect(rows.map { Int($0.split(separator: "\t")[3]) ?? 0 }.reduce(0, +) == 140)
        #expect(r.stdout.contains("stale fraction"))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 2708)
        let chunks = Set(lines.compactMap { Int($0.split(separator: "\t")[1]) })
        #expect(chunks == [0, 1, 2, 3])
        let bad = try CommandRunner.run("gnnpipe", ["partition", Self.cora, "--chunks", "0"], directory: Fixtures.repositoryRoot)
        #expect(bad.status == 64 && bad.stderr.contains("--chunks must be at least 1"))
    }
}

/// `gnnpipe probe-link` under mpirun: the table, both fits and the plan's options; usage errors once.
@Suite("gnnpipe probe-link", .serialized)
struct ProbeLinkMPITests {
    @Test func probeLinkPrintsTheFitForPlan() throws {
        let profile = try CommandRunner.temporaryDirectory().appendingPathComponent("link.json").path
        let r = try GNNPipeMPITests.mpirunWatched(["-n", "2", GNNPipeMPITests.gnnpipePath, "probe-link", "--sizes", "1k,64k,1m", "--repetitions", "2",
                                                   "-o", profile])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "2 ranks on 1 host; 2 repetitions per size, slowest rank, median", "stdout: \(r.stdout)")
        // 3 halo rows (2 ranks: one peer, so the bytes a rank sends equal the message) and 3 pipeline rows.
        for (pattern, size) in [("halo", "1 KiB"), ("halo", "64 KiB"), ("halo", "1 MiB"), ("pipeline", "1 KiB"), ("pipeline", "1 MiB")] {
            #expect(lines.contains { $0.hasPrefix(pattern) && $0.split(separator: " ").joined(separator: " ").contains("\(size) \(size)") },
                    "no \(pattern) row of \(size): \(r.stdout)")
        }
        let plan = try #require(lines.first { $0.hasPrefix("for gnnpipe plan: --bandwidth ") }, "stdout: \(r.stdout)")
        let words = plan.split(separator: " ")
        let bandwidth = String(words[words.firstIndex(of: "--bandwidth")! + 1])
        let delay = String(words[words.firstIndex(of: "--delay")! + 1])
        #expect(bandwidth.hasSuffix("mbit") && Double(bandwidth.dropLast(4))! > 0, "\(plan)")
        #expect(delay.hasSuffix("ms") && Double(delay.dropLast(2))! >= 0, "\(plan)")
        // The printed options are accepted by plan.
        let p = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora", "--ranks", "2", "--layers", "2", "--bandwidth", bandwidth, "--delay", delay],
                                       directory: Fixtures.repositoryRoot)
        #expect(p.status == 0, "\(p.stderr)")
        // The written table: all six rows, read back by plan --link-profile.
        #expect(r.stderr.contains("wrote \(profile) (for gnnpipe plan --link-profile)"), "stderr: \(r.stderr)")
        let written = try LinkProfile.read(path: profile)
        #expect(written.ranks == 2 && written.hosts == 1 && written.repetitions == 2)
        #expect(written.samples.map(\.messageBytes) == [1024, 65536, 1 << 20, 1024, 65536, 1 << 20])
        let q = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora", "--ranks", "2", "--layers", "2", "--link-profile", profile],
                                      directory: Fixtures.repositoryRoot)
        #expect(q.status == 0, "\(q.stderr)")
        #expect(q.stdout.contains("links as probe-link measured them (\(profile): 2 ranks on 1 host)"), "\(q.stdout)")
        // Measured on one host (shared memory) for a plan of one rank per host, or on another rank count: a note says so.
        #expect(q.stderr.contains("note: \(profile) was measured on 2 ranks on 1 host; this plan has 2 ranks, one per host."), "\(q.stderr)")
        let four = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora", "--ranks", "4", "--layers", "4", "--link-profile", profile],
                                         directory: Fixtures.repositoryRoot)
        #expect(four.status == 0 && four.stderr.contains("for this plan, measure with mpirun -n 4, one rank per host"), "\(four.stderr)")
    }

    @Test func probeLinkUsageErrors() throws {
        let alone = try CommandRunner.run("gnnpipe", ["probe-link"])
        #expect(alone.status == 64)
        #expect(alone.stderr.contains("start it with mpirun -n P"), "\(alone.stderr)")
        let one = try GNNPipeMPITests.mpirunWatched(["-n", "1", GNNPipeMPITests.gnnpipePath, "probe-link"])
        #expect(one.status == 64)
        #expect(one.stderr.contains("probe-link needs at least 2 ranks"), "\(one.stderr)")
    }

    /// Bad options end every rank with one message and exit 64 (the ranks agree before measuring).
    @Test(arguments: [(["-o", "/tmp/link.txt"], "error: --output /tmp/link.txt: the file name must end in .json"),
                      (["--sizes", "1m"], "error: --sizes needs at least two sizes"),
                      (["--sizes", "1k,64k,1024"], "error: --sizes lists 1 KiB more than once"),
                      (["--sizes", "5,6"], "error: --sizes lists 4 B more than once (sizes are rounded down to whole 4-byte floats)"),
                      (["--sizes", "1k,lots"], "'lots' is not a size")])
    func probeLinkBadOptions(_ arguments: [String], _ message: String) throws {
        let r = try GNNPipeMPITests.mpirunWatched(["-n", "2", GNNPipeMPITests.gnnpipePath, "probe-link"] + arguments)
        #expect(r.status == 64)
        #expect(GNNPipeMPITests.occurrences(of: message, in: r.stderr) == 1, "\(r.stderr)")
    }
}
