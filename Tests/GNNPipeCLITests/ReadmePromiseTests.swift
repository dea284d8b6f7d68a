import Foundation
import Testing
import TestSupport

/// Issue 15, item 6: messages that keep the README's promise (`FILE:LINE: what was expected`).
@Suite("Messages the README promises", .serialized)
struct ReadmePromiseTests {
    /// A copy of graphs/cora with `split.tsv` or `labels.tsv` replaced.
    func cora(split: String? = nil, extraLabels: String = "") throws -> URL {
        let dir = TemporaryFiles.folder().appendingPathComponent("cora")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in ["edges.tsv", "features.mtx", "labels.tsv", "split.tsv"] {
            try FileManager.default.copyItem(atPath: Fixtures.graphPath("cora/" + f), toPath: dir.appendingPathComponent(f).path)
        }
        if let split { try split.write(to: dir.appendingPathComponent("split.tsv"), atomically: true, encoding: .utf8) }
        if !extraLabels.isEmpty {
            let handle = try FileHandle(forWritingTo: dir.appendingPathComponent("labels.tsv"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(extraLabels.utf8))
            try handle.close()
        }
        return dir
    }

    @Test func emptyTrainingSetNamesSplitFile() throws {
        let dir = try cora(split: "0\tval\n1\ttest\n")
        let r = try CommandRunner.run("gnnpipe", ["train", dir.path, "--epochs", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(dir.path)/split.tsv: no node is marked train (lines `node<TAB>train`); the model needs training nodes"), "\(r.stderr)")
    }

    @Test func secondLabelNamesItsLine() throws {
        // Node 5 has label 2 on line 7 of cora/labels.tsv; the appended line 2,710 gives it another.
        let dir = try cora(extraLabels: "5\t6\n")
        let r = try CommandRunner.run("gnnpipe", ["train", dir.path, "--epochs", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(dir.path)/labels.tsv:2710: field 2: node '5' already has label '2' (line 7); one label per node is expected, found a second, '6'"),
                "\(r.stderr)")
    }

    @Test func damagedZipSaysTruncated() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.graphPath("hgb/ACM.zip")))
        let path = TemporaryFiles.folder().appendingPathComponent("ACM.zip").path
        _ = FileManager.default.createFile(atPath: path, contents: whole.prefix(100_000))
        for (tool, arguments) in [("graphlearning", ["summary", path]), ("rphgnn", ["train", path, "--no-cache"])] {
            let r = try CommandRunner.run(tool, arguments)
            #expect(r.status == 1, "\(tool)")
            #expect(r.stderr.contains("\(path): truncated or not a zip archive"), "\(tool): \(r.stderr)")
            #expect(!r.stderr.contains("EndOfCentralDirectory"), "\(tool): \(r.stderr)")
        }
    }

    /// A checkpoint folder below a file: the message says the parent is a file (not that it
    /// does not exist), before the data is loaded.
    @Test func checkpointFolderBelowAFileNamesTheFile() throws {
        let file = TemporaryFiles.folder().appendingPathComponent("notes.txt").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("gnnpipe", ["train", Fixtures.graphPath("cora"), "--epochs", "1", "--checkpoint", file + "/sub"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("error: --checkpoint \(file)/sub: '\(file)' is a file, not a folder"), "\(r.stderr)")
    }

    @Test(arguments: ["/proc/ckpt", "/proc/ckpt/inner"])
    func unwritableCheckpointFolderIsRefusedBeforeLoading(folder: String) throws {
        let r = try CommandRunner.run("gnnpipe", ["train", Fixtures.graphPath("cora"), "--epochs", "1", "--checkpoint", folder])
        #expect(r.status == 64)
        #expect(r.stderr.contains("error: --checkpoint \(folder): "), "\(r.stderr)")
        #expect(!r.stderr.contains("does its parent folder exist"), "the parent exists: \(r.stderr)")
        #expect(!r.stderr.contains("2708 nodes"), "checked before the data is loaded: \(r.stderr)")
    }

    /// Graphs whose parts would hold one or two nodes, where METIS k-way leaves a part empty:
    /// every tool that cuts a graph gives every part a node (the empty part takes the node of the
    /// largest part whose move adds least to the edge cut), the same way, with a note.
    @Test(arguments: [("0\t1\n", 2), ("0\t1\n2\t3\n", 3), ("0\t1\n", 1)])
    func everyToolFillsEveryPartOfATinyGraph(edgeText: String, parts: Int) throws {
        let dir = TemporaryFiles.folder()
        let edges = dir.appendingPathComponent("tiny.tsv").path
        try edgeText.write(toFile: edges, atomically: true, encoding: .utf8)
        let numNodes = edgeText.split(separator: "\n").count * 2
        let out = dir.appendingPathComponent("parts.tsv").path
        let g = try CommandRunner.run("graphlearning", ["partition", edges, "-k", "\(parts)", "-o", out])
        #expect(g.status == 0, "\(g.stderr)")
        let assigned = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t")[1] }
        #expect(assigned.count == numNodes)
        #expect(Set(assigned).count == parts, "every part has a node: \(assigned)")
        let s = try CommandRunner.run("graphlearning", ["summary", edges, "--parts", "\(parts)"])
        #expect(s.status == 0, "\(s.stderr)")
        let sizes = s.stdout.split(separator: "\n").first { $0.contains("part sizes") }.map { $0.split(separator: " ").dropFirst(2).compactMap { Int($0) } }
        #expect(sizes?.count == parts && sizes?.contains(0) == false, "\(s.stdout)")
        let p = try CommandRunner.run("gnnpipe", ["partition", edges, "--chunks", "\(parts)"])
        #expect(p.status == 0, "\(p.stderr)")
        let rows = p.stdout.split(separator: "\n").dropFirst(2).prefix(parts).map { $0.split(separator: "\t") }
        #expect(rows.count == parts && rows.allSatisfy { $0.count == 4 && $0[1] != "0" }, "\(p.stdout)")
        // libmetis 5.1.0 leaves a part empty on both graphs cut 2 and 3 ways (sizes 0 2 and
        // 2 2 0 before the move); the tools say a node was moved.
        if parts > 1 {
            #expect(g.stderr.contains("note: METIS left 1 part empty; it takes the node of the largest part whose move adds least to the edge cut"), "\(g.stderr)")
            #expect(s.stderr.contains("note: METIS left 1 part empty;"), "\(s.stderr)")
        }
        // gnnpipe's cut balances two weights per node; of these three it leaves a chunk empty
        // only for the 4-node graph in 3 chunks, and says so.
        #expect(p.stderr.contains("note: METIS left 1 chunk empty; it takes the node of the largest chunk") == (parts == 3), "\(p.stderr)")
        // The notes are level info, as in every tool: -q leaves the same results and no note.
        for (tool, arguments, loud) in [("graphlearning", ["partition", edges, "-k", "\(parts)"], g), ("graphlearning", ["summary", edges, "--parts", "\(parts)"], s),
                                        ("gnnpipe", ["partition", edges, "--chunks", "\(parts)"], p)] {
            let quiet = try CommandRunner.run(tool, arguments + ["-q"])
            #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(tool) \(arguments) -q: \(quiet.stderr)")
            #expect(quiet.stdout == loud.stdout, "\(tool) \(arguments) -q: \(quiet.stdout)")
        }
    }
}
