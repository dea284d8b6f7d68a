import Foundation
import Testing
import TestSupport

/// The grammar every tool shares (issue 16), checked on the five binaries side by side: the
/// same option gives the same behaviour and the same words in each.
@Suite("shared grammar of the five tools")
struct SharedGrammarTests {
    /// A command of each tool that takes `--metrics`, on a bundled dataset (run from the
    /// repository root).
    static let metricsCommands: [(tool: String, arguments: [String])] = [
        ("graphlearning", ["summary", "graphs/karate"]),
        ("graphlearning", ["partition", "graphs/karate", "-k", "2"]),
        ("fastrp", ["embed", "graphs/karate/edges.tsv", "-o", "/tmp/never-written.npy"]),
        ("fastrp", ["link-prediction", "graphs/karate/edges.tsv"]),
        ("fastrp", ["evaluate", "--embeddings", "e.npy", "--labels", "graphs/karate/labels.tsv"]),
        ("gnnpipe", ["train", "graphs/cora", "--epochs", "1"]),
        ("rphgnn", ["train", "graphs/hgb/ACM.zip", "--epochs", "1", "--no-cache"]),
        ("lighthgnn", ["train", "graphs/cocitation-cora", "--epochs", "1", "--seed", "0"]),
    ]

    /// `--metrics` in a folder that accepts no files (/proc, even for root) is a usage error that
    /// names the file and what was expected, in every tool, before any data is read.
    @Test(arguments: metricsCommands.indices)
    func unwritableMetricsFileIsNamedBeforeLoading(index: Int) throws {
        let (tool, arguments) = Self.metricsCommands[index]
        let r = try CommandRunner.run(tool, arguments + ["--metrics", "/proc/m.jsonl"], directory: Fixtures.repositoryRoot)
        #expect(r.status == 64, "\(tool) \(arguments): \(r.stderr)")
        let expected = "error: --metrics /proc/m.jsonl: cannot create the metrics file in '/proc': No such file or directory (expected a folder that accepts new files)"
        #expect(r.stderr.hasPrefix(expected), "\(tool) \(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(tool) \(arguments) ran before refusing: \(r.stdout)")
        #expect(!r.stderr.contains(" info "), "\(tool) \(arguments) loaded data before refusing: \(r.stderr)")
    }

    /// A command of each tool that takes a DATASET (or GRAPH) argument, with an option value its
    /// own `validate()` refuses after the dataset argument's check: reaching that message shows
    /// the dataset was accepted. `{}` stands for the dataset.
    static let datasetCommands: [(tool: String, arguments: [String], dataset: String, laterError: String)] = [
        ("gnnpipe", ["train", "{}", "--epochs", "0"], "graphs/cora", "--epochs must be at least 1, got 0"),
        ("gnnpipe", ["partition", "{}", "--chunks", "0"], "graphs/cora", "--chunks must be at least 1, got 0"),
        ("gnnpipe", ["plan", "{}", "--ranks", "0"], "graphs/cora", "--ranks must be at least 1, got 0"),
        ("rphgnn", ["train", "{}", "--epochs", "0"], "graphs/hgb/ACM.zip", "--epochs must be at least 1, got 0"),
        ("lighthgnn", ["train", "{}", "--epochs", "0"], "graphs/cocitation-cora", "--epochs must be at least 1, got 0"),
        ("graphlearning", ["summary", "{}", "--parts", "0"], "graphs/karate", "--parts must be at least 1, got 0"),
        ("graphlearning", ["partition", "{}", "-k", "0"], "graphs/karate", "--parts must be at least 1, got 0"),
        ("fastrp", ["embed", "{}", "--dim", "0"], "graphs/karate/edges.tsv", "--dim must be in 1...65535, got 0"),
        ("fastrp", ["link-prediction", "{}", "--hold-out", "2"], "graphs/karate/edges.tsv", "--hold-out must be in (0, 1), got 2.0"),
    ]

    /// The same dataset as the argument and as the older --dataset, spelt two ways (./, a
    /// trailing slash, .., absolute, a symbolic link), is one dataset, not "given twice".
    @Test(arguments: datasetCommands.indices)
    func sameDatasetSpeltTwoWaysIsAccepted(index: Int) throws {
        let (tool, arguments, dataset, laterError) = Self.datasetCommands[index]
        let root = Fixtures.repositoryRoot.path
        let link = TemporaryFiles.folder().appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: root + "/" + dataset)
        for other in [dataset, "./" + dataset, dataset + "/", root + "/" + dataset, "graphs/../" + dataset, link] {
            let r = try CommandRunner.run(tool, arguments.map { $0 == "{}" ? dataset : $0 } + ["--dataset", other], directory: Fixtures.repositoryRoot)
            #expect(!r.stderr.contains("given twice"), "\(tool) \(dataset) --dataset \(other): \(r.stderr)")
            #expect(r.status == 64 && r.stderr.contains("error: \(laterError)"), "\(tool) \(dataset) --dataset \(other): \(r.stderr)")
        }
        // Two different datasets are still a usage error.
        let different = dataset == "graphs/cora" ? "graphs/karate" : "graphs/cora"
        let r = try CommandRunner.run(tool, arguments.map { $0 == "{}" ? dataset : $0 } + ["--dataset", different], directory: Fixtures.repositoryRoot)
        #expect(r.status == 64)
        #expect(r.stderr.contains("error: the dataset is given twice, as the argument '\(dataset)' and as --dataset '\(different)'; give it once"), "\(r.stderr)")
    }

    /// The whole run goes through with the same dataset given both ways.
    @Test func sameDatasetBothWaysRuns() throws {
        let r = try CommandRunner.run("gnnpipe", ["partition", "graphs/cora", "--dataset", "./graphs/cora/", "--chunks", "2"],
                                      directory: Fixtures.repositoryRoot)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("graphs/cora: 2,708 nodes"), "\(r.stdout)")
    }

    /// `--dataset PATH` (hidden in their help) stands for the first argument in the commands
    /// that read a graph or an edge list too, as in rphgnn, lighthgnn and gnnpipe.
    @Test func datasetOptionWorksWhereTheArgumentIsAGraphOrEdgeList() throws {
        let summary = try CommandRunner.run("graphlearning", ["summary", "--dataset", "graphs/karate"], directory: Fixtures.repositoryRoot)
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(summary.stdout.hasPrefix("graph graphs/karate\n  34 nodes"), "\(summary.stdout)")
        let out = TemporaryFiles.folder().appendingPathComponent("k.tsv").path
        let embed = try CommandRunner.run("fastrp", ["embed", "--dataset", "graphs/karate/edges.tsv", "--dim", "4", "-o", out, "-q"],
                                          directory: Fixtures.repositoryRoot)
        #expect(embed.status == 0, "\(embed.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count == 34)
        let missing = try CommandRunner.run("fastrp", ["embed", "-o", out])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("error: Missing expected argument '<edges>'"), "\(missing.stderr)")
    }

    /// A quick command of each tool that prints more than its results; `{tmp}` is a fresh
    /// folder per run, `{model}` a student saved by lighthgnn train, `{emb}` karate embeddings.
    static let outputCommands: [(tool: String, arguments: [String])] = [
        ("graphlearning", ["summary", "graphs/karate"]),
        ("graphlearning", ["partition", "graphs/karate", "-k", "2", "-o", "{tmp}/parts.npy"]),
        ("graphlearning", ["generate", "{tmp}/g", "--scale", "5", "--edge-factor", "4"]),
        ("fastrp", ["embed", "graphs/karate/edges.tsv", "--dim", "8", "-o", "{tmp}/e.npy"]),
        ("fastrp", ["link-prediction", "graphs/karate/edges.tsv", "--dim", "8"]),
        ("fastrp", ["evaluate", "--embeddings", "{emb}", "--labels", "graphs/karate/labels.tsv", "--ratios", "0.5"]),
        ("gnnpipe", ["train", "graphs/cora", "--epochs", "2"]),
        ("gnnpipe", ["partition", "graphs/cora", "--chunks", "2", "-o", "{tmp}/chunks.tsv"]),
        ("lighthgnn", ["train", "graphs/cocitation-cora", "--epochs", "2", "--seed", "0", "--save", "{tmp}/m"]),
        ("lighthgnn", ["predict", "--model", "{model}", "--features", "graphs/cocitation-cora/features.mtx", "-o", "{tmp}/p.npy"]),
    ]

    /// The rule of -q and --log-level, the same in every tool (rphgnn's commands are checked
    /// on a toy dataset in RpHGNNCLITests): without them, stdout holds the results and the
    /// progress (epoch lines) and stderr the notes, timing lines and info log lines; -q leaves
    /// the results alone, unchanged, with nothing on stderr; --log-level warning (without -q)
    /// keeps stdout and silences the info lines on stderr; -q --log-level info brings them back.
    @Test(arguments: outputCommands.indices)
    func quietAndLogLevelFollowOneRule(index: Int) throws {
        let (tool, arguments) = Self.outputCommands[index]
        let shared = TemporaryFiles.folder().path
        let emb = shared + "/karate.npy", model = shared + "/model"
        if arguments.contains("{emb}") {
            #expect(try CommandRunner.run("fastrp", ["embed", "graphs/karate/edges.tsv", "--dim", "8", "-o", emb, "-q"],
                                          directory: Fixtures.repositoryRoot).status == 0)
        }
        if arguments.contains("{model}") {
            #expect(try CommandRunner.run("lighthgnn", ["train", "graphs/cocitation-cora", "--epochs", "2", "--seed", "0", "--save", model, "-q"],
                                          directory: Fixtures.repositoryRoot).status == 0)
        }
        func run(_ extra: [String]) throws -> CommandResult {
            let tmp = TemporaryFiles.folder().path
            let filled = arguments.map {
                $0.replacingOccurrences(of: "{tmp}", with: tmp).replacingOccurrences(of: "{emb}", with: emb)
                    .replacingOccurrences(of: "{model}", with: model)
            }
            let r = try CommandRunner.run(tool, filled + extra, directory: Fixtures.repositoryRoot)
            #expect(r.status == 0, "\(tool) \(arguments) \(extra): \(r.stderr)")
            return r
        }
        let name = "\(tool) \(arguments.prefix(2).joined(separator: " "))"
        let loud = try run([])
        #expect(!loud.stderr.isEmpty, "\(name) printed nothing for -q to hide")
        for line in loud.stdout.split(separator: "\n") {
            #expect(!line.hasPrefix("note:") && !line.hasPrefix("time:") && !line.contains("peak memory")
                    && !line.hasPrefix("wrote ") && !line.hasPrefix("mean epoch time"),
                    "\(name): a note or timing line on stdout: \(line)")
        }
        let results = loud.stdout.split(separator: "\n").filter { !$0.hasPrefix("epoch ") }
        let quiet = try run(["-q"])
        #expect(quiet.stderr.isEmpty, "\(name) -q: \(quiet.stderr)")
        #expect(quiet.stdout.split(separator: "\n") == results, "\(name) -q: \(quiet.stdout)")
        let warning = try run(["--log-level", "warning"])
        #expect(warning.stderr.isEmpty, "\(name) --log-level warning: \(warning.stderr)")
        #expect(warning.stdout.split(separator: "\n").count == loud.stdout.split(separator: "\n").count, "\(name) --log-level warning: \(warning.stdout)")
        let info = try run(["-q", "--log-level", "info"])
        #expect(info.stderr.split(separator: "\n").count == loud.stderr.split(separator: "\n").count, "\(name) -q --log-level info: \(info.stderr)")
        #expect(info.stdout == quiet.stdout, "\(name) -q --log-level info: \(info.stdout)")
    }

    /// Runs `tool` with its stdout on /dev/full (every write fails with ENOSPC).
    static func runIntoFullDevice(_ tool: String, _ arguments: [String]) throws -> CommandResult {
        let path = CommandRunner.productsDirectory.appendingPathComponent(tool).path
        return try CommandRunner.runPath("/bin/sh", ["-c", "exec \"$0\" \"$@\" > /dev/full", path] + arguments,
                                         directory: Fixtures.repositoryRoot)
    }

    /// A command of each tool whose results go to stdout (rphgnn train: RpHGNNCLITests).
    static let stdoutCommands: [(tool: String, arguments: [String])] = [
        ("graphlearning", ["summary", "graphs/karate", "-q"]),
        ("fastrp", ["link-prediction", "graphs/karate/edges.tsv", "--dim", "8", "-q"]),
        ("gnnpipe", ["partition", "graphs/cora", "--chunks", "2"]),
        ("gnnpipe", ["train", "graphs/cora", "--epochs", "1", "-q"]),
        ("lighthgnn", ["train", "graphs/cocitation-cora", "--epochs", "1", "--seed", "0", "-q"]),
        ("graphlearning", ["--help"]), ("fastrp", ["embed", "--help"]), ("gnnpipe", ["train", "--help"]),
        ("rphgnn", ["--help"]), ("lighthgnn", ["predict", "--help"]),
    ]

    /// Results that cannot be written to stdout end the run with an error on stderr and exit 1,
    /// not a silent exit 0.
    @Test(arguments: stdoutCommands.indices)
    func failedStandardOutputIsAnError(index: Int) throws {
        let (tool, arguments) = Self.stdoutCommands[index]
        let r = try Self.runIntoFullDevice(tool, arguments)
        #expect(r.status == 1, "\(tool) \(arguments): \(r.stderr)")
        #expect(r.stderr.hasSuffix("error: cannot write to standard output (/dev/full): a write failed, so the printed results are incomplete\n"),
                "\(tool) \(arguments): \(r.stderr)")
    }

    /// A command that prints nothing on stdout is not disturbed by a stdout it never writes.
    @Test func unusedStandardOutputIsNoError() throws {
        let out = TemporaryFiles.folder().appendingPathComponent("k.npy").path
        let r = try Self.runIntoFullDevice("fastrp", ["embed", "graphs/karate/edges.tsv", "--dim", "4", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("error"), "\(r.stderr)")
    }

    /// A dataset, graph or edge list given on the command line that does not exist is a usage
    /// error (exit 64) in the same words in every tool (issue 16b item 1).
    static let missingDatasetCommands: [(tool: String, arguments: [String])] = [
        ("graphlearning", ["summary"]), ("graphlearning", ["partition", "-k", "2"]),
        ("fastrp", ["embed", "-o", "/tmp/never-written.npy"]), ("fastrp", ["link-prediction"]),
        ("gnnpipe", ["train"]), ("gnnpipe", ["partition"]), ("gnnpipe", ["plan"]),
        ("rphgnn", ["train"]), ("lighthgnn", ["train"]),
    ]

    @Test(arguments: missingDatasetCommands.indices)
    func missingDatasetIsOneUsageError(index: Int) throws {
        let (tool, arguments) = Self.missingDatasetCommands[index]
        for spelling in [["/nonexist"], ["--dataset", "/nonexist"]] {
            let r = try CommandRunner.run(tool, [arguments[0]] + spelling + arguments.dropFirst(), directory: Fixtures.repositoryRoot)
            #expect(r.status == 64, "\(tool) \(arguments): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: dataset '/nonexist' does not exist\n"), "\(tool) \(arguments): \(r.stderr)")
        }
    }

    /// A default dataset that is missing (run outside the repository) is named as the default,
    /// resolved against the current folder.
    @Test(arguments: ["train", "partition", "plan"])
    func missingDefaultDatasetSaysItIsTheDefault(subcommand: String) throws {
        let dir = TemporaryFiles.folder()
        let r = try CommandRunner.run("gnnpipe", [subcommand], directory: dir)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: the default dataset 'graphs/cora' does not exist in \(dir.path); give a dataset"), "\(r.stderr)")
    }

    /// A metrics file whose first write fails says it cannot be written, not appended to.
    @Test func metricsFileThatCannotBeWrittenSaysSo() throws {
        let r = try CommandRunner.run("graphlearning", ["summary", "graphs/karate", "-q", "--metrics", "/dev/full"], directory: Fixtures.repositoryRoot)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("error: cannot write to metrics file /dev/full: No space left on device"), "\(r.stderr)")
        #expect(!r.stderr.contains("append"), "\(r.stderr)")
    }

    /// `gnnpipe plan --ranks 2` with more chunks than nodes names --chunks, as train and partition do.
    @Test func planNamesChunksWhenTheGraphIsTooSmall() throws {
        let cg = try GraphLearningCLITests.generatedDataset()
        let r = try CommandRunner.run("gnnpipe", ["plan", cg, "--ranks", "2", "--chunks", "100"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("error: --chunks 100: \(cg) has 64 nodes and every chunk needs at least one, so at most 64 chunks"), "\(r.stderr)")
    }

    /// A PyG edge_index .npy (int64, shape (2, 3)): edges 0-1, 1-2, 2-0.
    static func edgeIndexFile() throws -> String {
        let header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }"
        let padded = header + String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.utf8.count & 0xff), UInt8(padded.utf8.count >> 8)]
        bytes += Array(padded.utf8)
        for v: Int64 in [0, 1, 2, 1, 2, 0] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        let path = TemporaryFiles.folder().appendingPathComponent("ei.npy").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Text-edge-list options with an edge_index .npy are usage errors naming the flag as spelt
    /// (issue 16b item 2), in every tool that takes them with an edge-list input.
    @Test func textEdgeListOptionsWithAnEdgeIndexAreUsageErrors() throws {
        let ei = try Self.edgeIndexFile()
        let ok = try CommandRunner.run("graphlearning", ["summary", ei, "-q"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let cases: [(String, [String], String)] = [
            ("fastrp", ["embed", ei, "-o", "/tmp/never-written.npy", "--skip-rows", "1"], "error: --skip-rows 1 applies to text edge lists"),
            ("fastrp", ["link-prediction", ei, "--skip-rows", "1"], "error: --skip-rows 1 applies to text edge lists"),
            ("fastrp", ["embed", ei, "-o", "/tmp/never-written.npy", "--weighted"], "error: --weighted: '\(ei)' is a PyG edge_index .npy"),
            ("fastrp", ["embed", ei, "-o", "/tmp/never-written.npy", "--id-mode", "string"], "error: --id-mode string applies to text edge lists"),
            ("graphlearning", ["summary", ei, "--skip-rows", "2"], "error: --skip-rows 2 applies to text edge lists"),
            ("graphlearning", ["summary", ei, "--id-mode", "string"], "error: --id-mode string applies to text edge lists"),
            ("graphlearning", ["partition", ei, "-k", "2", "--skip-rows", "1"], "error: --skip-rows 1 applies to text edge lists"),
            ("gnnpipe", ["partition", ei, "--chunks", "2", "--skip-rows", "1"], "error: --skip-rows 1 applies to text edge lists"),
        ]
        for (tool, arguments, expected) in cases {
            let r = try CommandRunner.run(tool, arguments)
            #expect(r.status == 64, "\(tool) \(arguments): \(r.stderr)")
            #expect(r.stderr.hasPrefix(expected), "\(tool) \(arguments): \(r.stderr)")
        }
    }

    /// `fastrp embed` given a dataset folder names the folder's edge list (issue 16b item 5).
    @Test func fastrpGivenAFolderNamesItsEdgeList() throws {
        let r = try CommandRunner.run("fastrp", ["embed", "graphs/karate", "-o", "/tmp/never-written.npy"], directory: Fixtures.repositoryRoot)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: 'graphs/karate' is a folder; fastrp reads an edge-list file: give the folder's edge list, 'graphs/karate/edges.tsv'"), "\(r.stderr)")
        let empty = TemporaryFiles.folder().path
        let e = try CommandRunner.run("fastrp", ["link-prediction", empty])
        #expect(e.status == 64, "\(e.stderr)")
        #expect(e.stderr.hasPrefix("error: '\(empty)' is a folder, expected an edge-list file"), "\(e.stderr)")
    }

    /// A run whose training loss becomes NaN stops with an error (exit 1) naming the epoch and
    /// --lr; the records before it stay in --metrics (issue 16b item 3).
    static let divergingCommands: [(tool: String, arguments: [String])] = [
        ("gnnpipe", ["train", "graphs/cora", "--model", "gcn", "--epochs", "6", "--lr", "1e30"]),
        ("rphgnn", ["train", "graphs/hgb/ACM.zip", "--epochs", "6", "--lr", "1e30", "--no-cache", "--hops", "1"]),
        ("lighthgnn", ["train", "graphs/cocitation-cora", "--epochs", "6", "--lr", "1e30", "--seed", "0"]),
    ]

    @Test(arguments: divergingCommands.indices)
    func divergingTrainingIsAnError(index: Int) throws {
        let (tool, arguments) = Self.divergingCommands[index]
        let metrics = TemporaryFiles.folder().appendingPathComponent("m.jsonl").path
        let r = try CommandRunner.run(tool, arguments + ["-q", "--metrics", metrics], directory: Fixtures.repositoryRoot)
        #expect(r.status == 1, "\(tool): \(r.stderr)")
        let pattern = #/error: the (training|validation) loss became (NaN|infinite) at epoch (\d+): training diverged \(lower --lr, now 1e\+30\)/#
        let match = r.stderr.firstMatch(of: pattern)
        #expect(match != nil, "\(tool): \(r.stderr)")
        let records = (try? String(contentsOfFile: metrics, encoding: .utf8))?.split(separator: "\n") ?? []
        if let match, let epoch = Int(match.3) {
            #expect(epoch <= 6)
            // Every epoch up to the diverged one is recorded (lighthgnn: of teacher first).
            #expect(records.count >= epoch, "\(tool): \(records.count) records, stopped at epoch \(epoch)")
        }
        #expect(!records.contains { $0.contains("\"summary\"") }, "\(tool) wrote a summary record")
    }
}
