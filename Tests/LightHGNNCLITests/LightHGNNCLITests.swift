import Foundation
import GraphLearning
import Testing
import TestSupport

/// End-to-end runs of the `lighthgnn` binary on a small generated dataset folder.
@Suite("lighthgnn CLI", .serialized)
struct LightHGNNCLITests {
    /// 3 classes × 40 vertices, 12 features (4 per class plus noise), hyperedges of 3 same-class
    /// vertices (one mixed), the last vertex of each class in no hyperedge.
    static func writeDataset(hyperedgeLines: [String]? = nil) throws -> URL {
        let folder = TemporaryFiles.folder()
        var rng = SplitMix64(seed: 5)
        let n = 120
        var mtx = "%%MatrixMarket matrix coordinate real general\n"
        var entries: [String] = []
        for v in 0..<n {
            var cols = Set<Int>()
            cols.insert((v % 3) * 4 + rng.nextInt(below: 4))
            cols.insert(rng.nextInt(below: 12))
            for j in cols.sorted() { entries.append("\(v + 1) \(j + 1) 1") }
        }
        mtx += "\(n) 12 \(entries.count)\n" + entries.joined(separator: "\n") + "\n"
        try mtx.write(to: folder.appendingPathComponent("features.mtx"), atomically: true, encoding: .utf8)
        let labels = "# vertex\tclass\n" + (0..<n).map { "\($0)\t\($0 % 3)" }.joined(separator: "\n") + "\n"
        try labels.write(to: folder.appendingPathComponent("labels.tsv"), atomically: true, encoding: .utf8)
        var lines = hyperedgeLines ?? []
        if hyperedgeLines == nil {
            lines.append("# hyperedges")
            for k in 0..<36 {
                let c = k % 3
                let members = (0..<3).map { _ in c + 3 * rng.nextInt(below: 39) }
                lines.append(members.map(String.init).joined(separator: "\t"))
            }
            lines.append("0\t1\t2")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("hyperedges.tsv"), atomically: true, encoding: .utf8)
        return folder
    }

    static let smallRun = ["--epochs", "8", "--train-per-class", "5", "--val-per-class", "10",
                           "--student-hidden", "16", "--threads", "1"]

    @Test func trainSaveAndPredictReproduceTrainingTimePredictions() throws {
        let data = try Self.writeDataset()
        let out = TemporaryFiles.folder()
        let model = out.appendingPathComponent("model").path
        let metrics = out.appendingPathComponent("run.jsonl").path
        let train = try CommandRunner.run("lighthgnn", ["train", "--dataset", data.path, "--student", "light+", "--seed", "2",
                                                        "--save", model, "--metrics", metrics, "--quiet"] + Self.smallRun)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("LightHGNN+"))
        for row in ["HGNN", "MLP", "LightHGNN+"] { #expect(train.stdout.contains("\n\(row) ")) }
        #expect(train.stdout.contains("Macro-F1"))
        let lines = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)  // teacher, MLP, student, summary
        #expect(lines.last!.contains("\"summary\":true"))

        for features in ["features.mtx"] {
            let pred = out.appendingPathComponent("pred.npy").path
            let run = try CommandRunner.run("lighthgnn", ["predict", "--model", model, "--features",
                                                          data.appendingPathComponent(features).path, "-o", pred,
                                                          "--logits", out.appendingPathComponent("logits.npy").path])
            #expect(run.status == 0, "\(run.stderr)")
            let saved = try NPY.read(model + "/predictions.npy").asInt32()
            let predicted = try NPY.read(pred).asInt32()
            #expect(saved.count == 120)
            #expect(predicted == saved)
            #expect(try NPY.read(out.appendingPathComponent("logits.npy").path).asMatrix()
                    == NPY.read(model + "/logits.npy").asMatrix())
        }
    }

    @Test func sameSeedGivesTheSameTable() throws {
        let data = try Self.writeDataset()
        let args = ["train", "--dataset", data.path, "--student", "light", "--seeds", "0,1", "--quiet"] + Self.smallRun
        let a = try CommandRunner.run("lighthgnn", args)
        let b = try CommandRunner.run("lighthgnn", args)
        #expect(a.status == 0 && b.status == 0)
        #expect(a.stdout == b.stdout)
        #expect(a.stdout.contains("2 seeds: 0 1"))
    }

    @Test func productionSettingPrintsThreeTables() throws {
        let data = try Self.writeDataset()
        let r = try CommandRunner.run("lighthgnn", ["train", "--dataset", data.path, "--setting", "production", "--seed", "0",
                                                    "--quiet"] + Self.smallRun)
        #expect(r.status == 0, "\(r.stderr)")
        for set in ["[trans]", "[ind]", "[prod]"] { #expect(r.stdout.contains(set)) }
    }

    /// Malformed hyperedge lines are reported with file and line, and nothing is written.
    @Test(arguments: [
        ("0\t1\t2\n3\tx\t5\n", 2, "field 2: expected an integer vertex id"),
        ("# c\n0\t1\n4\t500\n", 3, "vertex id '500' is not below numVertices = 120"),
        ("0\t-3\n", 1, "expected a non-negative vertex id"),
    ])
    func malformedHyperedgeLines(text: String, line: Int, message: String) throws {
        let data = try Self.writeDataset(hyperedgeLines: [])
        let file = data.appendingPathComponent("hyperedges.tsv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let metrics = TemporaryFiles.folder().appendingPathComponent("m.jsonl").path
        let r = try CommandRunner.run("lighthgnn", ["train", "--dataset", data.path, "--seed", "0", "--metrics", metrics] + Self.smallRun)
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(file.path):\(line): "), "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: metrics))
    }

    @Test(arguments: [
        (["train", "--dataset", "/nonexistent/folder"], Int32(64), "is not a folder"),
        (["train", "--dataset", ".", "--seeds", "4-1"], 64, "--seeds '4-1'"),
        (["train", "--dataset", ".", "--seed", "1", "--seeds", "0-4"], 64, "not both"),
        (["train", "--dataset", ".", "--lambda", "1.5"], 64, "lambda must be in [0, 1]"),
        (["train", "--dataset", ".", "--student", "heavy"], 64, "heavy"),
        (["predict", "--model", "m", "--features", "x.csv", "-o", "p.npy"], 64, ".npy or .mtx"),
        (["predict", "--model", "/nonexistent/model", "--features", "x.npy", "-o", "p.npy"], 1, "not a LightHGNN model folder"),
    ])
    func usageAndRuntimeErrors(arguments: [String], status: Int32, message: String) throws {
        let r = try CommandRunner.run("lighthgnn", arguments)
        #expect(r.status == status, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "), "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func datasetWithoutLabelsOrHyperedgesFails() throws {
        let data = try Self.writeDataset()
        try FileManager.default.removeItem(at: data.appendingPathComponent("hyperedges.tsv"))
        let r = try CommandRunner.run("lighthgnn", ["train", "--dataset", data.path, "--seed", "0"] + Self.smallRun)
        #expect(r.status == 1)
        #expect(r.stderr.contains("neither hyperedges.tsv nor edges.tsv"))
    }

    @Test func predictRejectsFeaturesOfTheWrongWidth() throws {
        let data = try Self.writeDataset()
        let out = TemporaryFiles.folder()
        let model = out.appendingPathComponent("model").path
        let train = try CommandRunner.run("lighthgnn", ["train", "--dataset", data.path, "--student", "light", "--seed", "0",
                                                        "--save", model, "--quiet"] + Self.smallRun)
        #expect(train.status == 0, "\(train.stderr)")
        let x = out.appendingPathComponent("x.npy").path
        try NPY.write(Matrix(rows: 4, cols: 5), to: x)
        let pred = out.appendingPathComponent("p.npy").path
        let r = try CommandRunner.run("lighthgnn", ["predict", "--model", model, "--features", x, "-o", pred])
        #expect(r.status == 1)
        #expect(r.stderr.contains("5 feature columns, the model expects 12"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pred))
    }
}

extension LightHGNNCLITests {
    /// A missing output folder is reported before the model is read; nothing is written.
    @Test func predictChecksTheOutputFolderFirst() throws {
        let r = try CommandRunner.run("lighthgnn", ["predict", "--model", "/nonexistent/model", "--features", "x.npy",
                                                    "-o", "/nonexistent/folder/p.npy"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("error: --output /nonexistent/folder/p.npy: the output folder"), "\(r.stderr)")
    }
}
