import Foundation
import Testing
import TestSupport

@Suite("graphlearning CLI", .serialized)
struct GraphLearningCLITests {
    @Test func summaryOfCora() throws {
        let r = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("cora"), "--parts", "4", "--seed", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2,708 nodes   5,278 undirected edges"))
        #expect(r.stdout.contains("features 2,708 × 1,433 (49,216 non-zeros)"))
        #expect(r.stdout.contains("labels: 7 classes, 2,708 labelled nodes, single-label"))
        #expect(r.stdout.contains("split: train 140 / val 500 / test 1,000"))
        #expect(r.stdout.contains("78 connected components (largest 2,485 nodes)"))
        #expect(r.stdout.contains("METIS 4 parts: edge cut"))
        #expect(r.stdout.contains("of 5,278 undirected edges"))
    }

    @Test func generateWritesADatasetFolderTheReadersAccept() throws {
        let dir = try CommandRunner.temporaryDirectory().appendingPathComponent("rmat6").path
        let r = try CommandRunner.run("graphlearning", ["generate", dir, "--scale", "6", "--edge-factor", "4",
                                                         "--features", "5", "--classes", "3", "--train", "0.25", "--val", "0.25"])
        #expect(r.status == 0, "\(r.stderr)")
        // What was written is a note for a human (stderr); the dataset folder is the result.
        #expect(r.stdout.isEmpty && r.stderr.contains("5 features, 3 classes (16 train / 16 val / 32 test)"), "\(r.stderr)")
        let edgeLines = try String(contentsOfFile: dir + "/edges.tsv", encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }
        #expect(r.stderr.contains("wrote \(dir): 64 nodes, \(edgeLines.count) edges (self-loops dropped)"))
        #expect(edgeLines.count > 200 && edgeLines.count <= 256)  // 256 draws minus self-loops
        #expect(edgeLines.allSatisfy { line in let f = line.split(separator: "\t"); return f.count == 2 && f[0] != f[1] })
        let s = try CommandRunner.run("graphlearning", ["summary", dir])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stdout.contains("features 64 × 5"))
        #expect(s.stdout.contains("labels: 3 classes, 64 labelled nodes, single-label"))
        #expect(s.stdout.contains("split: train 16 / val 16 / test 32"))
        // Feature j of node v carries the signal 0.5 exactly when j mod 3 is v's class.
        let labels = try String(contentsOfFile: dir + "/labels.tsv", encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t").map { Int($0)! } }
        let npy = try Data(contentsOf: URL(fileURLWithPath: dir + "/features.npy"))
        let header = Int(npy[8]) | Int(npy[9]) << 8
        let values: [Float] = npy.dropFirst(10 + header).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values.count == 64 * 5)
        for row in labels {
            let (v, c) = (row[0], row[1])
            for j in 0..<5 {
                let x = values[v * 5 + j]
                #expect(j % 3 == c ? (x >= 0.5 && x < 1.5) : (x >= 0 && x < 1))
            }
        }
        // Same seed, same files.
        let again = try CommandRunner.temporaryDirectory().appendingPathComponent("again").path
        _ = try CommandRunner.run("graphlearning", ["generate", again, "--scale", "6", "--edge-factor", "4",
                                                    "--features", "5", "--classes", "3", "--train", "0.25", "--val", "0.25"])
        for f in ["edges.tsv", "labels.tsv", "split.tsv", "features.npy"] {
            #expect(FileManager.default.contents(atPath: dir + "/" + f) == FileManager.default.contents(atPath: again + "/" + f))
        }
    }

    /// A one-letter dataset folder relative to the working directory (Foundation's NSString path
    /// arithmetic trapped on it).
    @Test(arguments: ["g", "g/", "g/h"])
    func generateIntoAOneLetterFolder(folder: String) throws {
        let cwd = TemporaryFiles.folder()
        let r = try CommandRunner.run("graphlearning", ["generate", folder, "--scale", "5", "--edge-factor", "4"], directory: cwd)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: cwd.appendingPathComponent(folder).appendingPathComponent("edges.tsv").path))
    }

    @Test func generateRejectsBadOptions() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let file = dir.appendingPathComponent("plain.txt")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let asFile = try CommandRunner.run("graphlearning", ["generate", file.path, "--scale", "6"])
        #expect(asFile.status == 64)
        #expect(asFile.stderr.contains("error: output \(file.path) is a file, not a folder"), "\(asFile.stderr)")
        // Below a file: the message names the file, as for every output folder.
        for below in [file.path + "/x", file.path + "/x/y"] {
            let r = try CommandRunner.run("graphlearning", ["generate", below, "--scale", "6"])
            #expect(r.status == 64)
            #expect(r.stderr.contains("error: output \(below): '\(file.path)' is a file, not a folder"), "\(r.stderr)")
            #expect(!r.stderr.contains("exists and is not a folder"), "\(r.stderr)")
        }
        let scale = try CommandRunner.run("graphlearning", ["generate", dir.path + "/g", "--scale", "40"])
        #expect(scale.status == 64)
        #expect(scale.stderr.contains("--scale must be in 1...26, got 40"))
        let split = try CommandRunner.run("graphlearning", ["generate", dir.path + "/g", "--train", "0.7", "--val", "0.4"])
        #expect(split.status == 64)
        #expect(split.stderr.contains("train + val < 1"))
        let tiny = try CommandRunner.run("graphlearning", ["generate", dir.path + "/g", "--scale", "3", "--edge-factor", "1"])
        #expect(tiny.status == 64)
        #expect(tiny.stderr.contains("8 nodes give 0 train / 0 val / 8 test nodes"))
    }

    @Test func summaryOfBlogCatalogIsMultiLabel() throws {
        let r = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("blogcatalog")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("10,312 nodes   333,983 undirected edges"))
        #expect(r.stdout.contains("39 classes"))
        #expect(r.stdout.contains("multi-label"))
    }

    @Test func partitionWritesNumPyAndMetrics() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let out = dir.appendingPathComponent("parts.npy").path
        let metrics = dir.appendingPathComponent("m.jsonl").path
        let r = try CommandRunner.run("graphlearning", ["partition", Fixtures.graphPath("karate/edges.tsv"), "-k", "2", "--seed", "3", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(data.starts(with: [0x93] + Array("NUMPY".utf8)))
        #expect(String(decoding: data, as: UTF8.self).contains("'shape': (34,)"))
        try "stale record of an older run\n".write(toFile: metrics, atomically: true, encoding: .utf8)
        let s = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("karate/edges.tsv"), "--metrics", metrics])
        #expect(s.status == 0)
        let line = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(!line.contains("stale"), "--metrics replaces the file")
        #expect(line.contains("\"nodes\":34"))
        #expect(line.hasSuffix("\n"))
        // Paths as written, without JSON's optional `\/` escapes.
        #expect(line.contains("\"graph\":\"\(Fixtures.graphPath("karate/edges.tsv"))\""), "\(line)")
    }

    @Test func stringIDsRoundTripToTSV() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let input = dir.appendingPathComponent("friends.csv")
        try "alice,bob\nbob,carol\ncarol,alice\ndave,erin\n".write(to: input, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("parts.tsv").path
        let r = try CommandRunner.run("graphlearning", ["partition", input.path, "-k", "2", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.map { $0.split(separator: "\t")[0] } == ["alice", "bob", "carol", "dave", "erin"])
        let parts = lines.map { $0.split(separator: "\t")[1] }
        #expect(parts[0] == parts[1] && parts[1] == parts[2])
        #expect(parts[3] == parts[4] && parts[3] != parts[0])
    }

    @Test(arguments: [
        (["summary", "/nonexistent/edges.tsv"], "/nonexistent/edges.tsv"),
        (["partition", "graphs/karate/edges.tsv", "-k", "0"], "--parts must be at least 1"),
        (["partition", "graphs/karate/edges.tsv", "-k", "35"], "cannot cut 34 nodes into 35 parts"),
        (["partition", "graphs/karate/edges.tsv", "-k", "2", "-o", "parts.csv"], "must end in .npy or .tsv"),
        (["partition", "graphs/karate/edges.tsv", "-k", "2", "-o", "graphs"], "graphs"),
        (["summary", "graphs/karate/edges.tsv", "--metrics", "graphs"], "is a folder"),
        (["summary", "graphs/karate/edges.tsv", "--metrics", "/nonexistent/m.jsonl"], "does not exist"),
        (["summary", "graphs/karate/edges.tsv", "--parts", "35"], "only 34 nodes"),
        (["partition", "graphs/karate/edges.tsv", "-k", "2", "-o", "/nonexistent/dir/p.npy"], "/nonexistent/dir"),
        (["summary", "graphs/karate/edges.tsv", "--duplicates", "bogus"], "bogus"),
    ])
    func badInputFailsClearly(arguments: [String], expected: String) throws {
        let r = try CommandRunner.run("graphlearning", arguments, directory: Fixtures.repositoryRoot)
        #expect(r.status != 0)
        #expect(r.stderr.lowercased().contains("error: "))
        #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
    }

    @Test func badEdgeLineNamesFileAndLine() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let input = dir.appendingPathComponent("bad.tsv")
        try "0\t1\n1\t2\n2\n".write(to: input, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("graphlearning", ["summary", input.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad.tsv:3"), "stderr was: \(r.stderr)")
    }

    /// Needs Open MPI's mpirun (installed by launch/install-deps.sh); fails, not skips, without it.
    @Test
    func mpiCheckWithTwoRanks() throws {
        let bin = CommandRunner.productsDirectory.appendingPathComponent("graphlearning").path
        let r = try CommandRunner.runPath("/usr/bin/env", ["mpirun", "-n", "2", bin, "mpi-check"],
                                          environment: CommandRunner.mpiEnvironment)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("rank 0 of 2"))
        #expect(r.stdout.contains("rank 1 of 2"))
        #expect(r.stdout.contains("all-reduce OK (sum of ranks 1, 2 ranks)"))
    }

    /// Every collective over Open MPI's TCP transport, in the optimised build users run: there
    /// Swift frees an object after its last use, and a collective's send buffer whose last use
    /// was `MPI_Isend` went while TCP still read it (sums came back as garbage across hosts).
    /// Debug builds keep objects to the end of their scope and shared memory copies small
    /// messages at once, so only this combination shows it. launch/test.sh builds the release
    /// binary first; without it this test fails naming the command.
    @Test(arguments: [2, 3, 4])
    func collectivesOverTCPInTheReleaseBuild(ranks: Int) throws {
        let bin = Fixtures.repositoryRoot.appendingPathComponent(".build/release/graphlearning").path
        #expect(FileManager.default.isExecutableFile(atPath: bin), "no \(bin): run swift build -c release --product graphlearning (launch/test.sh does)")
        let r = try CommandRunner.runPath("/usr/bin/env", ["timeout", "--kill-after=10", "300", "mpirun", "--oversubscribe", "--mca", "btl", "tcp,self",
                                                           "-n", "\(ranks)", bin, "mpi-check"],
                                          environment: CommandRunner.mpiEnvironment)
        #expect(r.status == 0, "\(r.stderr)")
        let sum = ranks * (ranks - 1) / 2
        #expect(r.stdout.split(separator: "\n").filter { $0.contains("all-reduce OK (sum of ranks \(sum), \(ranks) ranks), collectives OK") }.count == ranks,
                "\(r.stdout)")
    }

    @Test func outputIsCheckedBeforeAnyWork() throws {
        let r = try CommandRunner.run("graphlearning", ["partition", Fixtures.graphPath("cora"), "-k", "2", "-o", "/nonexistent/p.npy"])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty, "no statistics should be printed before the output check: \(r.stdout)")
    }

    @Test func sparseIntegerIDsAreRelabelledNotAllocated() throws {
        // Id 2,000,000,000 with two edges: dense arrays would need tens of GiB.
        let dir = TemporaryFiles.folder()
        let input = dir.appendingPathComponent("sparse.tsv")
        try "0 1\n1 2000000000\n".write(to: input, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("graphlearning", ["summary", input.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("3 nodes   2 undirected edges"))
        #expect(r.stderr.contains("relabelled"))
        let strict = try CommandRunner.run("graphlearning", ["summary", input.path, "--id-mode", "integer"])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("node ids reach 2000000000 but there are only 2 edges"), "\(strict.stderr)")
    }

    @Test func rejectPoliciesNameTheOriginalIDs() throws {
        let dir = TemporaryFiles.folder()
        let input = dir.appendingPathComponent("both.csv")
        try "ann,bob\nbob,ann\n".write(to: input, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("graphlearning", ["summary", input.path, "--duplicates", "reject"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("both.csv:2: edge ann → bob appears more than once"), "\(r.stderr)")
    }

    /// Issue 15b item 4: the refused duplicate names the line of its second occurrence (it named
    /// only the file), counting comments, blank lines and skipped rows like the self-loop does.
    @Test func rejectedDuplicateNamesItsLine() throws {
        let dir = TemporaryFiles.folder()
        let dup = dir.appendingPathComponent("dup.tsv")
        try "src dst\n0 1\n1 2\n# again\n\n0 1\n".write(to: dup, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("graphlearning", ["summary", dup.path, "--duplicates", "reject", "--skip-rows", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(dup.path):6: edge 0 → 1 appears more than once (counting both directions) and --duplicates is reject"), "\(r.stderr)")
        // Directed, 1 → 0 is another edge; the repeated 1 → 2 on line 4 is the one refused.
        let directed = dir.appendingPathComponent("directed.tsv")
        try "0 1\n1 0\n1 2\n1 2\n".write(to: directed, atomically: true, encoding: .utf8)
        let d = try CommandRunner.run("graphlearning", ["summary", directed.path, "--directed", "--duplicates", "reject"])
        #expect(d.status == 1)
        #expect(d.stderr.contains("error: \(directed.path):4: edge 1 → 2 appears more than once and --duplicates is reject"), "\(d.stderr)")
    }

    /// Issue 15b item 3: a dataset folder with string ids says how feature rows meet the names.
    @Test func stringIDFolderNotesHowFeatureRowsAreMatched() throws {
        let dir = TemporaryFiles.folder()
        try "ann\tbob\nbob\tcid\n".write(to: dir.appendingPathComponent("edges.tsv"), atomically: true, encoding: .utf8)
        try "%%MatrixMarket matrix array real general\n3 1\n1\n2\n3\n".write(to: dir.appendingPathComponent("features.mtx"), atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("graphlearning", ["summary", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("note: node ids are not all dense non-negative integers (first: 'ann', 'bob', 'cid'); they were relabelled 0..<3 in order of first appearance in edges.tsv, and row i of features.mtx is taken as the i-th of them (row 0 is 'ann', row 1 is 'bob', …) (pass --id-mode integer to refuse)\n"), "\(r.stderr)")
        let quiet = try CommandRunner.run("graphlearning", ["summary", dir.path, "-q"])
        #expect(!quiet.stderr.contains("note:"), "\(quiet.stderr)")
    }

    /// Issue 15 item 7: the refused self-loop names its file and line (it named only the file).
    @Test func rejectedSelfLoopNamesItsLine() throws {
        let dir = TemporaryFiles.folder()
        let loops = dir.appendingPathComponent("loops.tsv")
        try "# a comment\nsrc dst\n0 1\n\n1 1\n2 2\n".write(to: loops, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("graphlearning", ["summary", loops.path, "--self-loops", "reject", "--skip-rows", "2"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(loops.path):5: self-loop on node 1 and --self-loops is reject"), "\(r.stderr)")
        // A dataset folder names its edges.tsv.
        try FileManager.default.copyItem(at: loops, to: dir.appendingPathComponent("edges.tsv"))
        let p = try CommandRunner.run("graphlearning", ["partition", dir.path, "-k", "2", "--self-loops", "reject", "--skip-rows", "2"])
        #expect(p.status == 1)
        #expect(p.stderr.contains("edges.tsv:5: self-loop on node 1 and --self-loops is reject"), "\(p.stderr)")
    }

    @Test func selfLoopsAndDirectedCounts() throws {
        let dir = TemporaryFiles.folder()
        let loops = dir.appendingPathComponent("loops.tsv")
        try "0 0\n0 1\n".write(to: loops, atomically: true, encoding: .utf8)
        let kept = try CommandRunner.run("graphlearning", ["summary", loops.path, "--self-loops", "keep"])
        #expect(kept.stdout.contains("2 nodes   2 undirected edges (1 self-loop)"), "\(kept.stdout)")
        // Cora as directed: every node has an in- or out-edge, so none is isolated.
        let directed = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("cora/edges.tsv"), "--directed"])
        #expect(directed.stdout.contains("isolated 0"), "\(directed.stdout)")
        // Path 0–1–2–3 as directed pairs; a 2-way cut crosses 1 of 3 undirected edges.
        let path = dir.appendingPathComponent("path.tsv")
        try "0 1\n1 0\n1 2\n2 1\n2 3\n3 2\n".write(to: path, atomically: true, encoding: .utf8)
        let cut = try CommandRunner.run("graphlearning", ["partition", path.path, "--directed", "-k", "2"])
        #expect(cut.stdout.contains("edge cut 1 of 3 undirected edges (33.33%)"), "\(cut.stdout)")
    }

    @Test func heterogeneousAndHypergraphSummaries() throws {
        let hgb = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("hgb/ACM.zip")])
        #expect(hgb.status == 0, "\(hgb.stderr)")
        #expect(hgb.stdout.contains("3,025 nodes"))
        #expect(hgb.stdout.contains("← target"))
        let hyper = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("cocitation-cora")])
        #expect(hyper.status == 0, "\(hyper.stderr)")
        #expect(hyper.stdout.contains("2,708 vertices   1,579 hyperedges"))
        #expect(hyper.stdout.contains("1,274 vertices in no hyperedge"))
    }

    @Test func bothFeatureFilesIsAnError() throws {
        let dir = TemporaryFiles.folder()
        try "0\t1\n".write(to: dir.appendingPathComponent("edges.tsv"), atomically: true, encoding: .utf8)
        try "%%MatrixMarket matrix array real general\n2 1\n1\n2\n".write(to: dir.appendingPathComponent("features.mtx"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("features.mtx"), to: dir.appendingPathComponent("features.npy"))
        let r = try CommandRunner.run("graphlearning", ["summary", dir.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("both features.npy and features.mtx"))
    }

    /// A small generated dataset folder (edges.tsv, features.npy, labels.tsv, split.tsv).
    static func generatedDataset() throws -> String {
        let dir = TemporaryFiles.folder().appendingPathComponent("cg").path
        let r = try CommandRunner.run("graphlearning", ["generate", dir, "--scale", "6", "--edge-factor", "4", "--features", "3",
                                                         "--classes", "2", "--train", "0.25", "--val", "0.25"])
        #expect(r.status == 0, "\(r.stderr)")
        return dir
    }

    static let datasetFileNames = ["edges.tsv", "features.npy", "labels.tsv", "split.tsv"]

    static func contents(of folder: String) -> [Data?] {
        datasetFileNames.map { FileManager.default.contents(atPath: folder + "/" + $0) }
    }

    @Test func partitionAndSummaryRefuseToWriteTheirInputs() throws {
        let cg = try Self.generatedDataset()
        let before = Self.contents(of: cg)
        #expect(!before.contains(nil))
        let edgeFile = TemporaryFiles.folder().appendingPathComponent("g.tsv")
        try "0\t1\n1\t2\n".write(to: edgeFile, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["partition", cg, "-k", "2", "-o", cg + "/edges.tsv"], "--output \(cg)/edges.tsv is the same file as the dataset file"),
            (["partition", cg, "-k", "2", "-o", cg + "/labels.tsv"], "--output \(cg)/labels.tsv is the same file as the dataset file"),
            (["partition", cg, "-k", "2", "-o", cg + "/./split.tsv"], "is the same file as the dataset file"),
            (["partition", cg, "-k", "2", "-o", cg + "/features.npy"], "is the same file as the dataset file"),
            (["summary", cg, "--metrics", cg + "/labels.tsv"], "--metrics \(cg)/labels.tsv is the same file as the dataset file"),
            (["summary", cg, "--metrics", cg + "/edges.tsv"], "is the same file as the dataset file"),
            (["partition", edgeFile.path, "-k", "2", "-o", edgeFile.path], "is the same file as the input graph"),
            (["summary", edgeFile.path, "--metrics", edgeFile.path], "is the same file as the input graph"),
        ]
        for (arguments, message) in cases {
            let r = try CommandRunner.run("graphlearning", arguments)
            #expect(r.status == 64, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(arguments) did work before refusing: \(r.stdout)")
        }
        #expect(Self.contents(of: cg) == before)
        #expect(try String(contentsOf: edgeFile, encoding: .utf8) == "0\t1\n1\t2\n")
        // The same dataset still partitions to another file.
        let out = TemporaryFiles.folder().appendingPathComponent("p.tsv").path
        let ok = try CommandRunner.run("graphlearning", ["partition", cg, "-k", "2", "-o", out])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func summaryMetricsOnAReadOnlyFolderFailsFirst() throws {
        let r = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("karate/edges.tsv"), "--metrics", "/proc/m.jsonl"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("--metrics /proc/m.jsonl: cannot create the metrics file in '/proc'"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func generateRefusesANonEmptyFolderAndAcceptsAnEmptyOne() throws {
        let cg = try Self.generatedDataset()
        let before = Self.contents(of: cg)
        let again = try CommandRunner.run("graphlearning", ["generate", cg, "--scale", "5"])
        #expect(again.status == 64, "\(again.stderr)")
        #expect(again.stderr.contains("output folder '\(cg)' exists and is not empty (4 entries)"), "\(again.stderr)")
        #expect(Self.contents(of: cg) == before)
        let empty = TemporaryFiles.folder().path
        let fresh = try CommandRunner.run("graphlearning", ["generate", empty, "--scale", "5", "--train", "0.25", "--val", "0.25"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(Self.datasetFileNames.allSatisfy { FileManager.default.fileExists(atPath: empty + "/" + $0) })
        let readOnly = try CommandRunner.run("graphlearning", ["generate", "/proc/g", "--scale", "5"])
        #expect(readOnly.status == 64, "\(readOnly.stderr)")
        #expect(readOnly.stderr.contains("output /proc/g: cannot create files in '/proc'"), "\(readOnly.stderr)")
    }

    /// Negative numbers reach the tools' own checks instead of "Missing value for '--X'".
    @Test(arguments: [
        (["partition", "graphs/karate/edges.tsv", "-k", "-2"], "--parts must be at least 1, got -2"),
        (["partition", "graphs/karate/edges.tsv", "--parts", "-2"], "--parts must be at least 1, got -2"),
        (["partition", "graphs/karate/edges.tsv", "-k", "2", "--imbalance", "-0.1"], "--imbalance must be in (0, 10), got -0.1"),
        (["summary", "graphs/karate/edges.tsv", "--parts", "-1"], "--parts must be at least 1, got -1"),
        (["generate", "/tmp/never-written", "--scale", "-5"], "--scale must be in 1...26, got -5"),
        (["generate", "/tmp/never-written", "--edge-factor", "-1"], "--edge-factor must be in 1...1024, got -1"),
        (["generate", "/tmp/never-written", "--features", "-1"], "--features must be in 1...100000, got -1"),
        (["generate", "/tmp/never-written", "--classes", "-3"], "--classes must be in 2...1000, got -3"),
        (["generate", "/tmp/never-written", "--train", "-0.1"], "--train and --val must be > 0 and train + val < 1, got -0.1 and 0.1"),
        (["generate", "/tmp/never-written", "--val", "-0.1"], "got 0.1 and -0.1"),
        (["generate", "/tmp/never-written", "--seed", "-1"], "'-1' is invalid for '--seed"),
    ])
    func negativeNumbersAreValidated(arguments: [String], expected: String) throws {
        let r = try CommandRunner.run("graphlearning", arguments, directory: Fixtures.repositoryRoot)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
        #expect(!r.stderr.contains("Missing value"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
    }

    /// `--seed` is the shared option of every tool: 0…2^64−1, so a negative seed is a usage
    /// error here as in fastrp, gnnpipe, rphgnn and lighthgnn (it was any Int before).
    @Test func negativeSeedsAreUsageErrorsAsInEveryTool() throws {
        let karate = Fixtures.graphPath("karate/edges.tsv")
        for arguments in [["partition", karate, "-k", "2", "--seed", "-7"], ["summary", karate, "--parts", "2", "--seed", "-7"]] {
            let r = try CommandRunner.run("graphlearning", arguments)
            #expect(r.status == 64, "\(r.stderr)")
            #expect(r.stderr.contains("The value '-7' is invalid for '--seed <seed>'"), "\(r.stderr)")
        }
        let big = try CommandRunner.run("graphlearning", ["partition", karate, "-k", "2", "--seed", "18446744073709551615"])
        #expect(big.status == 0, "\(big.stderr)")
        #expect(big.stdout.contains("METIS 2 parts"))
    }
}
