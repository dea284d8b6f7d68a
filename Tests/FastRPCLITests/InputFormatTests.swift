import Foundation
import GraphLearning
import Testing
import TestSupport

/// `fastrp` on the formats people have: a gzip edge list, a PyG edge_index .npy and gzip
/// features, labels and embeddings give the bytes / tables the plain files give.
@Suite("fastrp input formats", .serialized)
struct InputFormatTests {
    static let coraEdges = Fixtures.graphPath("cora/edges.tsv")

    /// Runs `fastrp embed INPUT -o out.<ext>` with `options`; returns the output's bytes.
    static func embed(_ input: String, ext: String = "npy", _ options: [String] = [], in dir: URL) throws -> Data {
        let out = dir.appendingPathComponent(UUID().uuidString + "." + ext).path
        let r = try CommandRunner.run("fastrp", ["embed", input, "-o", out, "--dim", "32", "--threads", "2"] + options)
        #expect(r.status == 0, "\(r.stderr)")
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    @Test func gzipEdgeListAndFeaturesGiveTheSameBytes() throws {
        let dir = TemporaryFiles.folder()
        let plain = dir.appendingPathComponent("graph.txt").path
        try FileManager.default.copyItem(atPath: Self.coraEdges, toPath: plain)
        let gz = try GzipFiles.compress(plain)
        #expect(gz.hasSuffix("graph.txt.gz"))
        let expected = try Self.embed(plain, in: dir)
        #expect(expected.count == 128 + 2708 * 32 * 4)
        #expect(try Self.embed(gz, in: dir) == expected)
        #expect(try Self.embed(gz, ext: "tsv", in: dir) == Self.embed(plain, ext: "tsv", in: dir))
        let features = dir.appendingPathComponent("features.mtx").path
        try FileManager.default.copyItem(atPath: Fixtures.graphPath("cora/features.mtx"), toPath: features)
        let withFeatures = ["--features", features, "--property-ratio", "0.25"]
        #expect(try Self.embed(gz, ["--features", GzipFiles.compress(features), "--property-ratio", "0.25"], in: dir)
                == Self.embed(plain, withFeatures, in: dir))
    }

    @Test func edgeIndexNumPyGivesTheSameBytes() throws {
        let dir = TemporaryFiles.folder()
        let list = try EdgeListReader.read(Self.coraEdges)
        let npy = dir.appendingPathComponent("edge_index.npy").path
        try NPY.write(list.sources.map(Int64.init) + list.targets.map(Int64.init), shape: [2, list.count], to: npy)
        #expect(try Self.embed(npy, in: dir) == Self.embed(Self.coraEdges, in: dir))
        #expect(try Self.embed(npy, ["--directed"], in: dir) == Self.embed(Self.coraEdges, ["--directed"], in: dir))
    }

    @Test func evaluateReadsGzipEmbeddingsAndLabels() throws {
        let dir = TemporaryFiles.folder()
        let karate = Fixtures.graphPath("karate/edges.tsv")
        let embeddings = dir.appendingPathComponent("k.tsv").path
        let r = try CommandRunner.run("fastrp", ["embed", karate, "--dim", "16", "-o", embeddings])
        #expect(r.status == 0, "\(r.stderr)")
        let labels = dir.appendingPathComponent("labels.tsv").path
        try FileManager.default.copyItem(atPath: Fixtures.graphPath("karate/labels.tsv"), toPath: labels)
        func evaluate(_ e: String, _ l: String) throws -> String {
            let r = try CommandRunner.run("fastrp", ["evaluate", "--embeddings", e, "--labels", l, "--ratios", "0.5", "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout
        }
        let plain = try evaluate(embeddings, labels)
        #expect(plain.contains("0.50"))
        #expect(try evaluate(GzipFiles.compress(embeddings), GzipFiles.compress(labels)) == plain)
    }

    @Test func malformedGzipFailsClearly() throws {
        let dir = TemporaryFiles.folder()
        let bytes = try GzipFiles.compress(bytes: Array("0 1\n1 2\n".utf8))
        let truncated = dir.appendingPathComponent("edges.txt.gz").path
        try Data(bytes.prefix(bytes.count - 5)).write(to: URL(fileURLWithPath: truncated))
        let out = dir.appendingPathComponent("e.npy").path
        let r = try CommandRunner.run("fastrp", ["embed", truncated, "-o", out])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(truncated): the gzip data ends early, inside member 1"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // A bad line inside the compressed text: the plain file's error line, with the .gz name.
        let badText = dir.appendingPathComponent("bad.txt").path
        try "0 1\n1 x y z\n".write(toFile: badText, atomically: true, encoding: .utf8)
        let bad = try CommandRunner.run("fastrp", ["embed", try GzipFiles.compress(badText), "-o", out])
        let plainBad = try CommandRunner.run("fastrp", ["embed", badText, "-o", out])
        #expect(bad.status == 1 && plainBad.status == 1)
        #expect(bad.stderr.contains("error: \(badText).gz:2: field 4: expected at most 3 fields"), "\(bad.stderr)")
        #expect(bad.stderr.replacingOccurrences(of: badText + ".gz", with: badText) == plainBad.stderr)
    }
}
