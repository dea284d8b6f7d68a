import Foundation
import Testing
import TestSupport

@Suite("fastrp CLI", .serialized)
struct FastRPCLITests {
    let karate = Fixtures.graphPath("karate/edges.tsv")

    func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func embedWritesNumPyTSVAndWord2Vec() throws {
        let dir = TemporaryFiles.folder()
        for name in ["k.npy", "k.tsv", "k.txt"] {
            let out = dir.appendingPathComponent(name).path
            let r = try CommandRunner.run("fastrp", ["embed", karate, "--dim", "16", "-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            // One timing line: load / embed / write seconds and peak memory.
            #expect(r.stderr.contains("load ") && r.stderr.contains("embed ") && r.stderr.contains("write ")
                    && r.stderr.contains("peak memory"), "\(r.stderr)")
        }
        let npy = try Data(contentsOf: dir.appendingPathComponent("k.npy"))
        #expect(npy.starts(with: [0x93] + Array("NUMPY".utf8)))
        #expect(String(decoding: npy.prefix(128), as: UTF8.self).contains("'descr': '<f4', 'fortran_order': False, 'shape': (34, 16)"))
        #expect(npy.count == 128 + 34 * 16 * 4)
        let tsv = try String(contentsOf: dir.appendingPathComponent("k.tsv"), encoding: .utf8).split(separator: "\n")
        #expect(tsv.count == 34)
        #expect(tsv.allSatisfy { $0.split(separator: "\t").count == 17 })
        #expect(tsv[0].hasPrefix("0\t") && tsv[33].hasPrefix("33\t"))
        let w2v = try String(contentsOf: dir.appendingPathComponent("k.txt"), encoding: .utf8).split(separator: "\n")
        #expect(w2v[0] == "34 16")
        #expect(w2v.count == 35 && w2v[1].split(separator: " ").count == 17)
        // The .npy values equal the .tsv values.
        let firstRow = tsv[0].split(separator: "\t").dropFirst().map { Float($0)! }
        let fromNPY = npy.subdata(in: 128..<(128 + 64)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(firstRow == fromNPY)
    }

    @Test func stringIDsRoundTripToTSV() throws {
        let dir = TemporaryFiles.folder()
        let edges = try write("# friends\nalice,bob\nbob,carol\ncarol,alice\ndave,erin\nerin,frank\n", "friends.csv", in: dir)
        let out = dir.appendingPathComponent("friends.tsv").path
        let r = try CommandRunner.run("fastrp", ["embed", edges, "--dim", "8", "--weights", "1,1", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.map { String($0.split(separator: "\t")[0]) } == ["alice", "bob", "carol", "dave", "erin", "frank"])
        // Evaluate reads the names back and matches them with a label file by name.
        let labels = try write("alice\tx\nbob\tx\ncarol\tx\ndave\ty\nerin\ty\nfrank\ty\n", "labels.tsv", in: dir)
        let e = try CommandRunner.run("fastrp", ["evaluate", "--embeddings", out, "--labels", labels, "--ratios", "0.5", "--shuffles", "2"])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stderr.contains("6 labelled nodes, 2 classes, dim 8"), "\(e.stderr)")
    }

    @Test func outputDoesNotDependOnThreads() throws {
        let dir = TemporaryFiles.folder()
        var outputs: [Data] = []
        for threads in ["1", "2"] {
            let out = dir.appendingPathComponent("bc\(threads).npy").path
            let r = try CommandRunner.run("fastrp", ["embed", Fixtures.graphPath("blogcatalog/edges.tsv"), "--dim", "32",
                                                     "--weights", "1,1,7.81,45.28", "--normalization-strength", "-0.628",
                                                     "--threads", threads, "-o", out, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.isEmpty)
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0].count == 128 + 10_312 * 32 * 4)
    }

    @Test func optionsChangeTheOutput() throws {
        let dir = TemporaryFiles.folder()
        func embed(_ extra: [String]) throws -> Data {
            let out = dir.appendingPathComponent("o.npy").path
            let r = try CommandRunner.run("fastrp", ["embed", karate, "--dim", "8", "-o", out, "--quiet"] + extra)
            #expect(r.status == 0, "\(extra): \(r.stderr)")
            return try Data(contentsOf: URL(fileURLWithPath: out))
        }
        let base = try embed([])
        #expect(try embed([]) == base)
        for extra in [["--seed", "7"], ["--weights", "1,2,3"], ["--normalization-strength", "-0.5"], ["--sparsity", "3"],
                      ["--no-normalize-iterations"], ["--standardize"], ["--self-influence", "1"], ["--directed"]] {
            #expect(try embed(extra) != base, "\(extra)")
        }
    }

    @Test func weightedInputAndMetrics() throws {
        let dir = TemporaryFiles.folder()
        let edges = try write("0 1 2.0\n1 2 0.5\n2 0 1\n2 3 4\n", "w.txt", in: dir)
        let metrics = dir.appendingPathComponent("m.jsonl").path
        var outs: [Data] = []
        for extra in [[], ["--weighted"], ["--weighted", "--transition", "degree"]] {
            let out = dir.appendingPathComponent("w.npy").path
            let r = try CommandRunner.run("fastrp", ["embed", edges, "--dim", "8", "--weights", "1", "--no-normalize-iterations",
                                                     "-o", out, "--metrics", metrics] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            outs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        #expect(outs[0] != outs[1] && outs[1] != outs[2])
        // Each run replaces the metrics file (the same --metrics rule in every tool).
        let lines = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines[0].contains("\"command\":\"embed\"") && lines[0].contains("\"nodes\":4"))
    }

    @Test func evaluateAndLinkPredictionOnKarate() throws {
        let dir = TemporaryFiles.folder()
        let out = dir.appendingPathComponent("k.npy").path
        #expect(try CommandRunner.run("fastrp", ["embed", karate, "--dim", "32", "-o", out]).status == 0)
        let e = try CommandRunner.run("fastrp", ["evaluate", "--embeddings", out, "--labels", Fixtures.graphPath("karate/labels.tsv"),
                                                 "--ratios", "0.5,0.8", "--shuffles", "3", "-C", "1"])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("ratio  train   Micro-F1  Macro-F1"))
        #expect(e.stdout.contains("0.50   17") && e.stdout.contains("0.80   27"))
        let l = try CommandRunner.run("fastrp", ["link-prediction", karate, "--dim", "32"])
        #expect(l.status == 0, "\(l.stderr)")
        #expect(l.stdout.contains("23 held-out edges of 78, score 0."))
    }

    @Test(arguments: [
        (["embed", "/nonexistent/edges.tsv"], "dataset '/nonexistent/edges.tsv' does not exist"),
        (["embed", "graphs/karate/edges.tsv", "--dim", "0"], "--dim must be in 1...65535, got 0"),
        (["embed", "graphs/karate/edges.tsv", "--dim", "x"], "--dim"),
        (["embed", "graphs/karate/edges.tsv", "--weights", "1,a"], "--weights must be comma-separated numbers"),
        (["embed", "graphs/karate/edges.tsv", "--weights", ""], "--weights must not be empty"),
        (["embed", "graphs/karate/edges.tsv", "--sparsity", "0.5"], "--sparsity must be a finite number ≥ 1, got 0.5"),
        (["embed", "graphs/karate/edges.tsv", "--sparsity", "dense"], "--sparsity must be 'sqrt' or a number"),
        (["embed", "graphs/karate/edges.tsv", "--normalization-strength", "abc"], "--normalization-strength"),
        (["embed", "graphs/karate/edges.tsv", "--self-influence", "-1"], "--self-influence must be ≥ 0"),
        (["embed", "graphs/karate/edges.tsv", "--transition", "sideways"], "sideways"),
        (["embed", "graphs/karate/edges.tsv", "--threads", "0"], "--threads must be at least 1"),
        (["embed", "graphs/karate/edges.tsv", "--property-ratio", "0.5"], "--property-ratio needs --features"),
        (["embed", "graphs/karate/edges.tsv", "--features", "f.npy"], "--features needs --property-ratio"),
        (["embed", "graphs/karate/edges.tsv", "--features", "/nonexistent/f.npy", "--property-ratio", "0.5"], "/nonexistent/f.npy: no such file"),
        (["embed", "graphs/karate/edges.tsv", "-o", "emb.csv"], "--output must end in .npy, .tsv or .txt"),
        (["embed", "graphs/karate/edges.tsv", "-o", "/nonexistent/dir/e.npy"], "the output folder '/nonexistent/dir' does not exist"),
        (["embed", "graphs/karate/edges.tsv", "--metrics", "/nonexistent/dir/m.jsonl"], "the output folder '/nonexistent/dir'"),
        (["embed", "graphs"], "'graphs' is a folder, expected an edge-list file"),
        (["evaluate", "--embeddings", "/nonexistent/e.npy", "--labels", "graphs/karate/labels.tsv"], "/nonexistent/e.npy: no such file"),
        (["evaluate", "--embeddings", "e.csv", "--labels", "graphs/karate/labels.tsv"], "expected a .npy, .tsv or .txt (word2vec) file"),
        (["evaluate", "--embeddings", "e.npy", "--labels", "l.tsv", "--ratios", "0.5,1.5"], "--ratios must be comma-separated numbers in (0, 1)"),
        (["evaluate", "--embeddings", "e.npy", "--labels", "l.tsv", "-C", "0"], "-C must be a positive number"),
        (["evaluate", "--embeddings", "e.npy", "--labels", "l.tsv", "--shuffles", "0"], "--shuffles must be at least 1"),
        (["link-prediction", "graphs/karate/edges.tsv", "--hold-out", "1.5"], "--hold-out must be in (0, 1)"),
        (["link-prediction", "graphs/karate/edges.tsv", "--directed"], "drop --directed"),
        (["frobnicate"], "frobnicate"),
    ])
    func badInputFailsClearly(arguments: [String], expected: String) throws {
        let r = try CommandRunner.run("fastrp", arguments, directory: Fixtures.repositoryRoot)
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("error: "), "stderr was: \(r.stderr)")
        #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
    }

    /// Negative numbers reach the options' validation (exit 64) instead of "Missing value".
    @Test(arguments: [
        (["embed", "graphs/karate/edges.tsv", "--dim", "-5"], "--dim must be in 1...65535, got -5"),
        (["embed", "graphs/karate/edges.tsv", "--num-nodes", "-1"], "--num-nodes must be in 0...2147483647 (32-bit node ids), got -1"),
        (["embed", "graphs/karate/edges.tsv", "--num-nodes", "10000000000"], "--num-nodes must be in 0...2147483647 (32-bit node ids), got 10000000000"),
        (["evaluate", "--embeddings", "graphs/cora/features.mtx", "--labels", "l.tsv"], "--embeddings graphs/cora/features.mtx: expected a .npy, .tsv or .txt (word2vec) file"),
        (["embed", "graphs/karate/edges.tsv", "--threads", "-2"], "--threads must be at least 1, got -2"),
        (["embed", "graphs/karate/edges.tsv", "--sparsity", "-3"], "--sparsity must be a finite number ≥ 1, got -3.0"),
        (["embed", "graphs/karate/edges.tsv", "--self-influence", "-1"], "--self-influence must be ≥ 0, got -1.0"),
        (["embed", "graphs/karate/edges.tsv", "--property-ratio", "-0.5"], "--property-ratio must be in [0, 1], got -0.5"),
        (["embed", "graphs/karate/edges.tsv", "--seed", "-1"], "The value '-1' is invalid for '--seed <seed>'"),
        (["evaluate", "--embeddings", "e.npy", "--labels", "l.tsv", "--shuffles", "-1"], "--shuffles must be at least 1, got -1"),
        (["evaluate", "--embeddings", "e.npy", "--labels", "l.tsv", "-C", "-0.1"], "-C must be a positive number, got -0.1"),
        (["evaluate", "--embeddings", "e.npy", "--labels", "l.tsv", "--ratios", "-0.5"], "--ratios must be comma-separated numbers in (0, 1), got '-0.5'"),
        (["link-prediction", "graphs/karate/edges.tsv", "--hold-out", "-0.3"], "--hold-out must be in (0, 1), got -0.3"),
        (["link-prediction", "graphs/karate/edges.tsv", "--split-seed", "-4"], "The value '-4' is invalid for '--split-seed <seed>'"),
    ])
    func negativeNumbersReachValidation(arguments: [String], expected: String) throws {
        let r = try CommandRunner.run("fastrp", arguments, directory: Fixtures.repositoryRoot)
        #expect(r.status == 64, "stderr was: \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: \(expected)"), "stderr was: \(r.stderr)")
        #expect(!r.stderr.contains("Missing value"), "stderr was: \(r.stderr)")
    }

    @Test func malformedInputNamesFileAndLine() throws {
        let dir = TemporaryFiles.folder()
        let bad = try write("0\t1\n1\t2\n2\n", "bad.tsv", in: dir)
        let out = dir.appendingPathComponent("e.npy").path
        let r = try CommandRunner.run("fastrp", ["embed", bad, "-o", out])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: \(bad):3: "), "stderr was: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["bad.tsv"])
        // A label file naming a node the embeddings lack.
        let emb = dir.appendingPathComponent("k.npy").path
        #expect(try CommandRunner.run("fastrp", ["embed", karate, "--dim", "4", "-o", emb, "--quiet"]).status == 0)
        let labels = try write("0\t1\n99\t0\n", "labels.tsv", in: dir)
        let e = try CommandRunner.run("fastrp", ["evaluate", "--embeddings", emb, "--labels", labels])
        #expect(e.status == 1)
        #expect(e.stderr.contains("labels.tsv:2: field 1: node id '99' is not below numNodes = 34"), "stderr was: \(e.stderr)")
        // Features with the wrong number of rows.
        let features = dir.appendingPathComponent("f.npy").path
        #expect(try CommandRunner.run("fastrp", ["embed", bad.replacingOccurrences(of: "bad.tsv", with: "x.tsv"), "-o", features]).status != 0)
        let small = try write("0 1\n", "small.tsv", in: dir)
        #expect(try CommandRunner.run("fastrp", ["embed", small, "--dim", "3", "-o", features, "--quiet"]).status == 0)
        let f = try CommandRunner.run("fastrp", ["embed", karate, "--features", features, "--property-ratio", "0.5", "-o", out])
        #expect(f.status == 1)
        #expect(f.stderr.contains("features have 2 rows, the graph has 34 nodes"), "stderr was: \(f.stderr)")
    }

    /// An output that is the input (same path, another spelling, a symbolic or hard link) is
    /// refused before anything is written.
    @Test func outputThatIsAnInputIsRefused() throws {
        let dir = TemporaryFiles.folder()
        let original = try String(contentsOfFile: karate, encoding: .utf8)
        let edges = try write(original, "x.tsv", in: dir)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link.tsv").path, withDestinationPath: edges)
        try FileManager.default.linkItem(atPath: edges, toPath: dir.appendingPathComponent("hard.tsv").path)
        for output in [edges, "x.tsv", "./x.tsv", "sub/../x.tsv", "link.tsv", "hard.tsv"] {
            try? FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
            let r = try CommandRunner.run("fastrp", ["embed", "x.tsv", "--dim", "4", "-o", output], directory: dir)
            #expect(r.status == 64, "\(output): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: --output \(output) is the same file as the edge list x.tsv"), "\(r.stderr)")
        }
        #expect(try String(contentsOfFile: edges, encoding: .utf8) == original)
        // The metrics file is checked the same way, for embed and evaluate.
        let m = try CommandRunner.run("fastrp", ["embed", "x.tsv", "--dim", "4", "-o", "e.npy", "--metrics", "./x.tsv"], directory: dir)
        #expect(m.status == 64 && m.stderr.contains("--metrics ./x.tsv is the same file as the edge list x.tsv"), "\(m.stderr)")
        let labels = try write("0\t1\n1\t0\n", "labels.tsv", in: dir)
        let e = try CommandRunner.run("fastrp", ["evaluate", "--embeddings", "e.npy", "--labels", labels, "--metrics", "labels.tsv"], directory: dir)
        #expect(e.status == 64 && e.stderr.contains("--metrics labels.tsv is the same file as --labels \(labels)"), "\(e.stderr)")
        #expect(try String(contentsOfFile: edges, encoding: .utf8) == original)
        #expect(try String(contentsOfFile: labels, encoding: .utf8) == "0\t1\n1\t0\n")
    }

    /// Upper-case extensions choose the same formats as lower-case ones, on output and input.
    @Test func extensionsAreMatchedInAnyCase() throws {
        let dir = TemporaryFiles.folder()
        var written: [String: Data] = [:]
        for name in ["k.npy", "K.NPY", "k.tsv", "K.TSV", "k.txt", "K.Txt"] {
            let out = dir.appendingPathComponent(name).path
            let r = try CommandRunner.run("fastrp", ["embed", karate, "--dim", "8", "-o", out, "--quiet"])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            written[name] = try Data(contentsOf: URL(fileURLWithPath: out))
        }
        #expect(written["K.NPY"] == written["k.npy"] && written["K.TSV"] == written["k.tsv"] && written["K.Txt"] == written["k.txt"])
        for name in ["K.NPY", "K.TSV", "K.Txt"] {
            let e = try CommandRunner.run("fastrp", ["evaluate", "--embeddings", dir.appendingPathComponent(name).path,
                                                     "--labels", Fixtures.graphPath("karate/labels.tsv"), "--ratios", "0.5", "--shuffles", "1"])
            #expect(e.status == 0, "\(name): \(e.stderr)")
            #expect(e.stderr.contains("34 labelled nodes"), "\(name): \(e.stderr)")
        }
        // Features given as .NPY are read as NumPy.
        let f = try CommandRunner.run("fastrp", ["embed", karate, "--dim", "8", "--features", dir.appendingPathComponent("K.NPY").path,
                                                 "--property-ratio", "0.5", "-o", dir.appendingPathComponent("f.npy").path, "--quiet"])
        #expect(f.status == 0, "\(f.stderr)")
    }

    /// `evaluate --quiet` prints the results table (the command's output) and nothing else.
    @Test func evaluateQuietPrintsOnlyTheTable() throws {
        let dir = TemporaryFiles.folder()
        let emb = dir.appendingPathComponent("k.npy").path
        #expect(try CommandRunner.run("fastrp", ["embed", karate, "--dim", "8", "-o", emb, "--quiet"]).status == 0)
        let arguments = ["evaluate", "--embeddings", emb, "--labels", Fixtures.graphPath("karate/labels.tsv"), "--ratios", "0.3,0.6", "--shuffles", "2"]
        let loud = try CommandRunner.run("fastrp", arguments)
        let quiet = try CommandRunner.run("fastrp", arguments + ["--quiet"])
        #expect(loud.status == 0 && quiet.status == 0, "\(quiet.stderr)")
        #expect(loud.stderr.contains("node classification: 34 labelled nodes") && loud.stderr.contains("fastrp evaluate: load"))
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        let lines = quiet.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0] == "ratio  train   Micro-F1  Macro-F1", "\(quiet.stdout)")
        #expect(loud.stdout == quiet.stdout)
    }

    @Test func helpDocumentsDefaults() throws {
        let r = try CommandRunner.run("fastrp", ["embed", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("--weights <list>") && r.stdout.contains("(default: 0,1,1)"))
        #expect(r.stdout.contains("--paper-blogcatalog"))
    }

    /// Values beyond Float32 stop the run before anything is written, instead of NaN, ±∞ or
    /// all-zero embeddings with exit 0 (found by a new user).
    @Test func overflowingWeightsAreAnErrorAndWriteNothing() throws {
        let dir = TemporaryFiles.folder()
        let output = dir.appendingPathComponent("e.tsv").path
        let huge = try CommandRunner.run("fastrp", ["embed", "graphs/karate/edges.tsv", "--weights", "1e38,1e38", "--dim", "8",
                                                    "-o", output, "-q"], directory: Fixtures.repositoryRoot)
        #expect(huge.status == 1 && huge.stderr.contains("the embeddings overflow Float32"), "\(huge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let edges = dir.appendingPathComponent("w.tsv").path
        try "0\t1\t3e38\n1\t2\t3e38\n".write(toFile: edges, atomically: true, encoding: .utf8)
        let weighted = try CommandRunner.run("fastrp", ["embed", edges, "--weighted", "--dim", "8", "-o", output, "-q"])
        #expect(weighted.status == 1, "\(weighted.stderr)")
        #expect(weighted.stderr.contains("the weighted degree of node 1 (the sum of its edge weights) is beyond Float32's range"),
                "\(weighted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

