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
        FileManager.default.createFile(atPath: path, contents: whole.prefix(100_000))
        for (tool, arguments) in [("graphlearning", ["summary", path]), ("rphgnn", ["train", "--dataset", path, "--no-cache"])] {
            let r = try CommandRunner.run(tool, arguments)
            #expect(r.status == 1, "\(tool)")
            #expect(r.stderr.contains("\(path): truncated or not a zip archive"), "\(tool): \(r.stderr)")
            #expect(!r.stderr.contains("EndOfCentralDirectory"), "\(tool): \(r.stderr)")
        }
    }

    @Test(arguments: ["/proc/ckpt", "/proc/ckpt/inner"])
    func unwritableCheckpointFolderIsRefusedBeforeLoading(folder: String) throws {
        let r = try CommandRunner.run("gnnpipe", ["train", Fixtures.graphPath("cora"), "--epochs", "1", "--checkpoint", folder])
        #expect(r.status == 64)
        #expect(r.stderr.contains("error: --checkpoint \(folder): "), "\(r.stderr)")
        #expect(!r.stderr.contains("does its parent folder exist"), "the parent exists: \(r.stderr)")
        #expect(!r.stderr.contains("2708 nodes"), "checked before the data is loaded: \(r.stderr)")
    }

    /// Two pairs of nodes cut 3 ways: METIS k-way leaves a part empty, and both tools refuse
    /// it the same way. (A 2-node graph cut 2 ways no longer shows it for gnnpipe: its cuts
    /// balance rows as a second METIS constraint, which fills both chunks.)
    @Test func partitionLeavingAPartEmptyIsRefusedLikeGNNPipe() throws {
        let dir = TemporaryFiles.folder()
        let edges = dir.appendingPathComponent("pairs.tsv").path
        try "0\t1\n2\t3\n".write(toFile: edges, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("parts.npy").path
        let g = try CommandRunner.run("graphlearning", ["partition", edges, "-k", "3", "-o", out])
        #expect(g.status == 64)
        #expect(g.stderr.contains("error: -k 3: METIS (--seed 0) leaves 1 of the 3 parts empty on \(edges) (4 nodes, 1.3 per part; METIS k-way cannot fill parts this small); with this graph and seed -k 2 fills every part"),
                "\(g.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "no output for a refused partition")
        let p = try CommandRunner.run("gnnpipe", ["partition", edges, "--chunks", "3"])
        #expect(p.status == 64)
        #expect(p.stderr.contains("error: --chunks 3: METIS (--seed 0) leaves 1 of the 3 chunks empty on \(edges) (4 nodes, 1.3 per chunk; METIS k-way cannot fill chunks this small); with this graph and seed --chunks 2 fills every chunk"),
                "\(p.stderr)")
    }
}
