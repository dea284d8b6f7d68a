import Foundation
import Testing
import TestSupport

@Suite("graphlearning CLI", .serialized)
struct GraphLearningCLITests {
    @Test func summaryOfCora() throws {
        let r = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("cora"), "--parts", "4", "--seed", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("nodes 2,708"))
        #expect(r.stdout.contains("edges 5,278 (undirected"))
        #expect(r.stdout.contains("features 2708 × 1433"))
        #expect(r.stdout.contains("labels 7 classes, 2,708 labelled nodes, single-label"))
        #expect(r.stdout.contains("split train 140 / val 500 / test 1000"))
        #expect(r.stdout.contains("connected components 78 (largest 2,485 nodes)"))
        #expect(r.stdout.contains("METIS 4 parts: edge cut"))
    }

    @Test func summaryOfBlogCatalogIsMultiLabel() throws {
        let r = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("blogcatalog")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("nodes 10,312"))
        #expect(r.stdout.contains("edges 333,983"))
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
        let s = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("karate/edges.tsv"), "--metrics", metrics])
        #expect(s.status == 0)
        let line = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(line.contains("\"nodes\":34"))
        #expect(line.hasSuffix("\n"))
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
        (["partition", "graphs/karate/edges.tsv", "-k", "2", "-o", "/nonexistent/dir/p.npy"], "/nonexistent/dir"),
        (["summary", "graphs/karate/edges.tsv", "--duplicates", "bogus"], "bogus"),
    ])
    func badInputFailsClearly(arguments: [String], expected: String) throws {
        let r = try CommandRunner.run("graphlearning", arguments, directory: Fixtures.repositoryRoot)
        #expect(r.status != 0)
        #expect(r.stderr.contains("rror"))
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
        #expect(r.stdout.contains("all-reduce sum of ranks 1 (expected 1), count 2"))
    }
}
