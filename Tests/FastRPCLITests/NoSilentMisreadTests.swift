import Foundation
import GraphLearning
import Testing
import TestSupport

/// Issue 15, "no silent misreads", in `fastrp`: inputs a new user gave that were read as
/// something else, or failed without saying where.
@Suite("fastrp: no silent misreads", .serialized)
struct NoSilentMisreadTests {
    static let karate = Fixtures.graphPath("karate/edges.tsv")

    /// `--num-nodes` with string ids crashed the text writer (10 rows, 3 names) and wrote 10
    /// rows for a 3-node graph to `.npy`: it is a usage error naming the file, with every id
    /// mode and output, one process and under mpirun, and nothing is written.
    @Test(arguments: [("l.tsv", [String]()), ("l.npy", []), ("l.tsv", ["--id-mode", "string"]), ("l.txt", [])])
    func numNodesWithStringIDsIsAUsageError(output: String, extra: [String]) throws {
        let dir = TemporaryFiles.folder()
        let edges = dir.appendingPathComponent("str.tsv").path
        try "a b\nb c\nc a\n".write(toFile: edges, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent(output).path
        let r = try CommandRunner.run("fastrp", ["embed", edges, "--num-nodes", "10", "-o", out] + extra)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("--num-nodes applies to integer node ids"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["str.tsv"])
        if extra.isEmpty && output == "l.tsv" {
            let m = try FastRPMPITests.mpirun(2, ["embed", edges, "--num-nodes", "10", "-o", out])
            #expect(m.status != 0 && m.stderr.contains("error: \(edges) has string node ids: --num-nodes applies"), "\(m.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["str.tsv"], "no temporary file left")
        }
    }

    /// `--features` with a NaN: refused naming the file, the count and the first value (the
    /// library's own check named neither the file nor the column).
    @Test func nonFiniteFeaturesNameTheFile() throws {
        let dir = TemporaryFiles.folder()
        var x = Matrix(rows: 34, cols: 4, values: [Float](repeating: 0.5, count: 136))
        x[3, 2] = .nan
        let features = dir.appendingPathComponent("f.npy").path
        try NPY.write(x, to: features)
        let out = dir.appendingPathComponent("e.npy").path
        let r = try CommandRunner.run("fastrp", ["embed", Self.karate, "--features", features, "--property-ratio", "0.5", "-o", out])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(features): the features hold 1 NaN or infinite value (the first in row 3, column 2: nan); features must be finite"),
                "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A 1-D `.npy` as embeddings said only "shape mismatch:"; it names the file and the shape
    /// it expected. NaN embeddings name the file too.
    @Test func evaluateNamesTheEmbeddingFileAndTheExpectedShape() throws {
        let dir = TemporaryFiles.folder()
        let labels = dir.appendingPathComponent("labels.tsv").path
        try "0\t0\n1\t1\n2\t0\n3\t1\n4\t0\n".write(toFile: labels, atomically: true, encoding: .utf8)
        let flat = dir.appendingPathComponent("flat.npy").path
        try NPY.write([Float](repeating: 1, count: 5), shape: [5], to: flat)
        let r = try CommandRunner.run("fastrp", ["evaluate", "--embeddings", flat, "--labels", labels])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(flat): expected embeddings of shape [numNodes × dim] (a 2-D array), found shape [5]"), "\(r.stderr)")
        let nan = dir.appendingPathComponent("nan.npy").path
        try NPY.write(Matrix(rows: 5, cols: 2, values: [0, 1, 2, 3, .nan, 5, 6, 7, 8, 9]), to: nan)
        let n = try CommandRunner.run("fastrp", ["evaluate", "--embeddings", nan, "--labels", labels])
        #expect(n.status == 1)
        #expect(n.stderr.contains("error: \(nan): the embeddings hold 1 NaN or infinite value (the first in row 2, column 0: nan); embeddings must be finite"), "\(n.stderr)")
    }

    /// Embeddings of magnitude 1e19 and beyond printed chance scores (the fit overflowed Float
    /// and stalled); now an error, and nothing printed as a result.
    @Test func evaluateRefusesEmbeddingsThatOverflowTheFit() throws {
        let dir = TemporaryFiles.folder()
        let labels = dir.appendingPathComponent("labels.tsv").path
        try (0..<20).map { "\($0)\t\($0 % 2)" }.joined(separator: "\n").write(toFile: labels, atomically: true, encoding: .utf8)
        let huge = dir.appendingPathComponent("huge.npy").path
        try NPY.write(Matrix(rows: 20, cols: 2, values: (0..<40).map { $0 % 2 == 0 ? 4e19 : -4e19 }), to: huge)
        let r = try CommandRunner.run("fastrp", ["evaluate", "--embeddings", huge, "--labels", labels, "--ratios", "0.5", "--shuffles", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: the embeddings reach magnitude 4e+19, where the logistic regression overflows Float32"), "\(r.stderr)")
        #expect(!r.stdout.contains("0.50 "), "\(r.stdout)")
    }

    /// `--weighted` on a file with a header line gave "field 3: expected a weight" for the
    /// header instead of the hint naming --skip-rows 1 that the unweighted read gives.
    @Test func weightedReadNamesTheHeaderLineLikeTheUnweightedOne() throws {
        let dir = TemporaryFiles.folder()
        let edges = dir.appendingPathComponent("e.tsv").path
        try "source\ttarget\n0\t1\n1\t2\n".write(toFile: edges, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("e.npy").path
        let message = "error: \(edges):1: expected an edge, found a header line 'source target' (the lines after it are edges); skip it with --skip-rows 1 or start it with '#'"
        for extra in [[], ["--weighted"]] {
            let r = try CommandRunner.run("fastrp", ["embed", edges, "-o", out] + extra)
            #expect(r.status == 1)
            #expect(r.stderr.contains(message), "\(extra): \(r.stderr)")
        }
        // Skipped, --weighted then names the first line without a weight.
        let skipped = try CommandRunner.run("fastrp", ["embed", edges, "-o", out, "--weighted", "--skip-rows", "1"])
        #expect(skipped.status == 1)
        #expect(skipped.stderr.contains("error: \(edges):2: field 3: expected a weight (weighted edge list), found none"), "\(skipped.stderr)")
    }
}
