import Foundation
import Testing
import TestSupport

/// Issue 15, items 3 and 5: every tool reads an edge list the same way (the rule lives in
/// GraphIO's reader), and METIS is never handed a graph of nearly all isolated vertices.
@Suite("Every tool reads an edge list the same way", .serialized)
struct SameReadingTests {
    /// A folder usable by every tool: `edges.tsv` with `edgeText`, 3 nodes with features and
    /// labels for the trainers.
    func dataset(_ edgeText: String) throws -> URL {
        let dir = TemporaryFiles.folder().appendingPathComponent("d")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try edgeText.write(to: dir.appendingPathComponent("edges.tsv"), atomically: true, encoding: .utf8)
        try "%%MatrixMarket matrix array real general\n3 1\n1\n2\n3\n"
            .write(to: dir.appendingPathComponent("features.mtx"), atomically: true, encoding: .utf8)
        try "0\ta\n1\tb\n2\ta\n".write(to: dir.appendingPathComponent("labels.tsv"), atomically: true, encoding: .utf8)
        return dir
    }

    /// The runs of every tool that reads `edges.tsv` in `dir`, with extra arguments.
    func everyTool(_ dir: URL, _ extra: [String] = []) throws -> [(String, CommandResult)] {
        let edges = dir.appendingPathComponent("edges.tsv").path
        let out = TemporaryFiles.folder().appendingPathComponent("e.npy").path
        return [
            ("graphlearning summary", try CommandRunner.run("graphlearning", ["summary", edges] + extra)),
            ("fastrp embed", try CommandRunner.run("fastrp", ["embed", edges, "--dim", "4", "-o", out] + extra)),
            ("gnnpipe partition", try CommandRunner.run("gnnpipe", ["partition", dir.path, "--chunks", "1"] + extra)),
            ("lighthgnn train", try CommandRunner.run("lighthgnn", ["train", dir.path, "--seeds", "0",
                                                                    "--epochs", "1"] + extra)),
        ]
    }

    @Test func headerLineIsTheSameErrorInEveryTool() throws {
        let dir = try dataset("source\ttarget\n0\t1\n1\t2\n")
        for (tool, r) in try everyTool(dir) {
            #expect(r.status == 1, "\(tool): \(r.stderr)")
            #expect(r.stderr.contains("edges.tsv:1: expected an edge, found a header line 'source target' (the lines after it are edges); skip it with --skip-rows 1 or start it with '#'"),
                    "\(tool): \(r.stderr)")
        }
        for (tool, r) in try everyTool(dir, ["--skip-rows", "1"]) {
            #expect(!r.stderr.contains("header line") && !r.stderr.contains("edges.tsv:"), "\(tool): \(r.stderr)")
        }
    }

    /// Issue 15 item 5: `source target` below integer edges switched every tool to string ids
    /// (the line became an edge between two new nodes); it is an error naming the line.
    @Test func strayLineBelowIntegerEdgesIsTheSameErrorInEveryTool() throws {
        let dir = try dataset("0\t1\n1\t2\nsource\ttarget\n")
        for (tool, r) in try everyTool(dir) {
            #expect(r.status == 1, "\(tool): \(r.stderr)")
            #expect(r.stderr.contains("edges.tsv:3: expected an edge with integer node ids like the other lines, found 'source target'; only the first line can be a header"),
                    "\(tool): \(r.stderr)")
        }
    }

    @Test func nonNumericThirdFieldIsTheSameErrorInEveryTool() throws {
        // `Ann Lee<TAB>Bob`: fastrp without --weighted used to read the edge Ann–Lee.
        let dir = try dataset("0\t1\n1 2\tBob\n")
        for (tool, r) in try everyTool(dir) {
            #expect(r.status == 1, "\(tool): \(r.stderr)")
            #expect(r.stderr.contains("edges.tsv:2: field 3: expected a weight (a number), found 'Bob'"), "\(tool): \(r.stderr)")
        }
    }

    @Test func negativeSkipRowsIsAUsageError() throws {
        let r = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("karate"), "--skip-rows", "-1"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--skip-rows must be ≥ 0, got -1"), "\(r.stderr)")
    }

    @Test func sparseIDSpaceDoesNotHangMETIS() throws {
        // One edge 42 — 4967596 read as integers: 4,967,597 vertices, all but two isolated.
        // libmetis 5.1.0 spun in GrowBisection for minutes on it (issue 15, item 5).
        let file = TemporaryFiles.folder().appendingPathComponent("sparse.tsv")
        try "42\t4967596\n".write(to: file, atomically: true, encoding: .utf8)
        // CPU seconds, not wall-clock seconds: the spin burned CPU for minutes, while a busy
        // machine only stretches the wall clock of a correct run.
        let binary = CommandRunner.productsDirectory.appendingPathComponent("graphlearning").path
        let r = try CommandRunner.runPath("/usr/bin/time", ["-f", "cpu-seconds %U %S", binary, "summary", file.path, "--parts", "3",
                                                            "--id-mode", "integer"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("edge cut 0 of 1 undirected edge"), "\(r.stdout)")
        #expect(r.stdout.contains("part sizes 1,655,866 1,655,866 1,655,865"), "\(r.stdout)")
        let cpu = r.stderr.split(separator: "\n").last { $0.hasPrefix("cpu-seconds ") }?.split(separator: " ").dropFirst()
            .compactMap { Double($0) }.reduce(0, +)
        // Release builds take about a second; a debug build of the whole summary about 20 s.
        #expect(cpu != nil && cpu! < 60, "\(r.stderr)")
    }
}
