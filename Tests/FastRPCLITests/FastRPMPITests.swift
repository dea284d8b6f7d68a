import Foundation
import GraphLearning
import Testing
import TestSupport

/// `mpirun -n P fastrp embed …` against one process: the written files must be byte-identical
/// (issue 13). The one-process run is the slow checker.
///
/// Debug builds make FastRP slow, so the default suite covers BlogCatalog with default options
/// and a small R-MAT graph (2^12 nodes, generated once by `graphlearning generate`) with integer
/// and string ids, default options and --paper-blogcatalog, for P = 1…4. BlogCatalog with
/// --paper-blogcatalog and with string ids (minutes in a debug build) runs when
/// `GRAPHLEARNING_SLOW_TESTS=1`.
@Suite("fastrp under mpirun", .serialized)
struct FastRPMPITests {
    static let blogCatalog = Fixtures.graphPath("blogcatalog/edges.tsv")
    static var slow: Bool { ProcessInfo.processInfo.environment["GRAPHLEARNING_SLOW_TESTS"] == "1" }

    static func mpirun(_ ranks: Int, _ args: [String]) throws -> CommandResult {
        #expect(CommandRunner.hasMPIRun, "mpirun is not on the PATH")
        let fastrp = CommandRunner.productsDirectory.appendingPathComponent("fastrp").path
        return try CommandRunner.runPath("/usr/bin/env", ["timeout", "--kill-after=10", "600", "mpirun", "-n", String(ranks), fastrp] + args,
                                         directory: Fixtures.repositoryRoot, environment: CommandRunner.mpiEnvironment)
    }

    /// Runs one process, then P = each of `ranks` under mpirun, and compares the output bytes.
    static func expectIdentical(_ edges: String, _ options: [String], ranks: [Int] = [1, 2, 3, 4], ext: String = "npy") throws {
        let dir = TemporaryFiles.folder()
        let reference = dir.appendingPathComponent("single.\(ext)").path
        let single = try CommandRunner.run("fastrp", ["embed", edges, "-o", reference, "--threads", "2"] + options)
        #expect(single.status == 0, "\(single.stderr)")
        let expected = try Data(contentsOf: URL(fileURLWithPath: reference))
        for p in ranks {
            let out = dir.appendingPathComponent("p\(p).\(ext)").path
            let r = try mpirun(p, ["embed", edges, "-o", out, "--threads", "1"] + options)
            #expect(r.status == 0, "P = \(p): \(r.stderr)")
            let written = try? Data(contentsOf: URL(fileURLWithPath: out))
            #expect(written == expected, "P = \(p) \(options): \(out) differs from one process")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    /// A small R-MAT graph (2^12 nodes, 4 draws per node) with integer ids, and the same edges
    /// with string ids (`v<id>`), written once per test run.
    static let rmat: (integer: String, strings: String) = {
        let dir = TemporaryFiles.folder()
        let folder = dir.appendingPathComponent("rmat12").path
        let r = try? CommandRunner.run("graphlearning", ["generate", folder, "--scale", "12", "--edge-factor", "4", "--features", "1", "--seed", "3"])
        precondition(r?.status == 0, "graphlearning generate failed: \(r?.stderr ?? "")")
        let integer = folder + "/edges.tsv"
        let text = (try? String(contentsOfFile: integer, encoding: .utf8)) ?? ""
        let named = text.split(separator: "\n").map { line in
            line.hasPrefix("#") ? String(line) : line.split(separator: "\t").prefix(2).map { "v\($0)" }.joined(separator: "\t")
        }
        let strings = dir.appendingPathComponent("rmat12-names.tsv").path
        try? (named.joined(separator: "\n") + "\n").write(toFile: strings, atomically: true, encoding: .utf8)
        return (integer, strings)
    }()

    @Test("BlogCatalog, default options: .npy byte-identical for P = 1…4")
    func blogCatalogDefaults() throws {
        try Self.expectIdentical(Self.blogCatalog, [])
    }

    @Test("R-MAT 2^12, integer and string ids, default options and --paper-blogcatalog: P = 1…4",
          arguments: [false, true], [[], ["--paper-blogcatalog"]])
    func rmat(strings: Bool, options: [String]) throws {
        try Self.expectIdentical(strings ? Self.rmat.strings : Self.rmat.integer, options)
    }

    @Test("text outputs (.tsv, word2vec) under mpirun equal one process's")
    func textOutputs() throws {
        try Self.expectIdentical(Self.rmat.strings, ["--dim", "16"], ranks: [3], ext: "tsv")
        try Self.expectIdentical(Self.rmat.integer, ["--dim", "16", "--weights", "1,2"], ranks: [2], ext: "txt")
    }

    @Test("other options: directed, weighted, β, self-influence, dense H₀, features",
          arguments: [["--directed", "--normalization-strength", "-0.5"], ["--self-influence", "0.5", "--sparsity", "1", "--dim", "24"],
                      ["--weights", "1,0,3,2,1", "--no-normalize-iterations", "--standardize"]])
    func otherOptions(_ options: [String]) throws {
        try Self.expectIdentical(Self.rmat.integer, ["--dim", "32"] + options, ranks: [2, 4])
    }

    @Test("BlogCatalog --paper-blogcatalog and string ids: P = 1…4 (GRAPHLEARNING_SLOW_TESTS=1)")
    func blogCatalogSlow() throws {
        guard Self.slow else { return }
        try Self.expectIdentical(Self.blogCatalog, ["--paper-blogcatalog"])
        try Self.expectIdentical(Self.blogCatalog, ["--id-mode", "string"])
        try Self.expectIdentical(Self.blogCatalog, ["--id-mode", "string", "--paper-blogcatalog"], ranks: [3])
    }

    @Test("timing line per rank and --metrics bytes exchanged per step")
    func reporting() throws {
        let dir = TemporaryFiles.folder()
        let metrics = dir.appendingPathComponent("m.jsonl").path
        let r = try Self.mpirun(3, ["embed", Self.rmat.integer, "--dim", "16", "-o", dir.appendingPathComponent("e.npy").path, "--metrics", metrics])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("3 ranks") && r.stderr.contains("rank 2: load ") && r.stderr.contains("exchange ")
                && r.stderr.contains("compute ") && r.stderr.contains("peak "), "\(r.stderr)")
        let line = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        #expect(line.count == 1)
        let record = try JSONSerialization.jsonObject(with: Data(line[0].utf8)) as? [String: Any] ?? [:]
        let steps = record["exchange_bytes_per_step"] as? [Double] ?? []
        #expect(steps.count == 2 && steps.allSatisfy { $0 > 0 }, "\(record)")
        #expect((record["ranks_detail"] as? [Any])?.count == 3)
    }

    @Test("a bad line in rank 3's byte range: one error naming file, line and rank; no output")
    func badLineInLastRank() throws {
        let dir = TemporaryFiles.folder()
        var lines = (0..<400).map { "\($0 % 50)\t\(($0 * 7 + 1) % 50)" }
        lines[371] = "12\tx7\t3"  // line 372: three fields after two-field lines
        let edges = dir.appendingPathComponent("bad.tsv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: edges, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("e.npy").path
        let single = try CommandRunner.run("fastrp", ["embed", edges, "-o", out])
        let r = try Self.mpirun(4, ["embed", edges, "-o", out])
        #expect(r.status == 1)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(errors.count == 1, "\(r.stderr)")
        #expect(errors.first?.contains("bad.tsv:372") == true && errors.first?.contains("rank 3") == true, "\(r.stderr)")
        // The same message as one process, plus where it was read.
        let singleError = single.stderr.split(separator: "\n").first { $0.hasPrefix("error:") } ?? ""
        #expect(errors.first?.hasPrefix(singleError) == true, "\(singleError) vs \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["bad.tsv"])
    }

    @Test("a header line above integer edges is refused as one process refuses it, not read as names")
    func headerLine() throws {
        let dir = TemporaryFiles.folder()
        let edges = dir.appendingPathComponent("h.tsv").path
        try ("# comment\nsource\ttarget\n" + (0..<300).map { "\($0 % 40)\t\(($0 * 3 + 1) % 40)" }.joined(separator: "\n") + "\n")
            .write(toFile: edges, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("e.npy").path
        // With --weighted too (issue 15 item 6): the header, not its missing weight.
        for extra in [[], ["--weighted"]] {
            let single = try CommandRunner.run("fastrp", ["embed", edges, "-o", out] + extra)
            let r = try Self.mpirun(3, ["embed", edges, "-o", out] + extra)
            #expect(single.status == 1 && r.status == 1)
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
            #expect(errors.count == 1 && errors.first?.contains("h.tsv:2: expected an edge, found a header line") == true, "\(extra): \(r.stderr)")
            #expect(single.stderr.split(separator: "\n").first { $0.hasPrefix("error:") } == errors.first, "\(extra): \(single.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test("a stray line below integer edges is refused as one process refuses it, not read as names")
    func strayLine() throws {
        let dir = TemporaryFiles.folder()
        let edges = dir.appendingPathComponent("s.tsv").path
        var lines = (0..<300).map { "\($0 % 40)\t\(($0 * 3 + 1) % 40)" }
        lines.insert("source\ttarget", at: 250)  // in the last rank's byte range
        try (lines.joined(separator: "\n") + "\n").write(toFile: edges, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("e.npy").path
        let single = try CommandRunner.run("fastrp", ["embed", edges, "-o", out])
        #expect(single.status == 1)
        for ranks in [2, 3] {
            let r = try Self.mpirun(ranks, ["embed", edges, "-o", out])
            #expect(r.status == 1)
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
            #expect(errors.count == 1 && errors.first?.contains("s.tsv:251: expected an edge with integer node ids like the other lines") == true,
                    "\(ranks): \(r.stderr)")
            #expect(single.stderr.split(separator: "\n").first { $0.hasPrefix("error:") } == errors.first, "\(single.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("an output folder that does not exist: one usage error, exit 64, nothing written")
    func unwritableOutput() throws {
        let r = try Self.mpirun(3, ["embed", Self.rmat.integer, "-o", "/nonexistent-folder-13/e.npy"])
        #expect(r.status == 64)
        #expect(r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count == 1, "\(r.stderr)")
    }
}

extension FastRPMPITests {
    @Test("a gzip edge list and an edge_index .npy under mpirun equal one process on the plain file")
    func compressedAndNumPyInputs() throws {
        let dir = TemporaryFiles.folder()
        let gz = try GzipFiles.compress(Self.rmat.integer, to: dir.appendingPathComponent("rmat.tsv.gz").path)
        let list = try EdgeListReader.read(Self.rmat.integer)
        let npy = dir.appendingPathComponent("rmat.npy").path
        try NPY.write(list.sources.map(Int64.init) + list.targets.map(Int64.init), shape: [2, list.count], to: npy)
        let reference = dir.appendingPathComponent("plain.npy").path
        let single = try CommandRunner.run("fastrp", ["embed", Self.rmat.integer, "-o", reference, "--dim", "32"])
        #expect(single.status == 0, "\(single.stderr)")
        let expected = try Data(contentsOf: URL(fileURLWithPath: reference))
        for input in [gz, npy] {
            let out = dir.appendingPathComponent("p3.npy").path
            let r = try Self.mpirun(3, ["embed", input, "-o", out, "--dim", "32", "--threads", "1"])
            #expect(r.status == 0, "\(input): \(r.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == expected, "\(input) under mpirun differs")
        }
    }
}
