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
        try "stale record of an older run\n".write(toFile: metrics, atomically: true, encoding: .utf8)
        let train = try CommandRunner.run("lighthgnn", ["train", data.path, "--student", "light+", "--seed", "2",
                                                        "--save", model, "--metrics", metrics, "--quiet"] + Self.smallRun)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("LightHGNN+"))
        for row in ["HGNN", "MLP", "LightHGNN+"] { #expect(train.stdout.contains("\n\(row) ")) }
        #expect(train.stdout.contains("Macro-F1"))
        let lines = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        // The 8 epoch records of each model as they happen, then each model's scores, then the
        // summary.
        #expect(lines.count == 3 * (8 + 1) + 1)
        #expect(lines.last!.contains("\"summary\":true"))
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        for (m, model) in ["teacher", "mlp", "student"].enumerated() {
            let epochs = records[(m * 8)..<(m * 8 + 8)], scores = records[24 + m]
            #expect(epochs.map { $0["model"] as? String } == Array(repeating: model, count: 8))
            #expect(epochs.map { $0["epoch"] as? Int } == (1...8).map { $0 })
            #expect(epochs.allSatisfy { ($0["seed"] as? Int) == 2 && ($0["loss"] as? Double)?.isFinite == true })
            // The kept epoch is the last that became best, with the validation accuracy reported.
            let lastBest = epochs.last { $0["best"] as? Bool == true }
            #expect(scores["model"] as? String == model && scores["best_epoch"] as? Int == lastBest?["epoch"] as? Int)
            #expect(scores["val_accuracy"] as? Double == lastBest?["val_accuracy"] as? Double)
        }

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

    /// Also: the older `--dataset PATH` reads the same dataset as the positional argument.
    @Test func sameSeedGivesTheSameTable() throws {
        let data = try Self.writeDataset()
        let options = ["--student", "light", "--seeds", "0,1", "--quiet"] + Self.smallRun
        let a = try CommandRunner.run("lighthgnn", ["train", data.path] + options)
        let b = try CommandRunner.run("lighthgnn", ["train", "--dataset", data.path] + options)
        #expect(a.status == 0 && b.status == 0)
        #expect(a.stdout == b.stdout)
        #expect(a.stdout.contains("2 seeds: 0 1"))
    }

    @Test func productionSettingPrintsThreeTables() throws {
        let data = try Self.writeDataset()
        let r = try CommandRunner.run("lighthgnn", ["train", data.path, "--setting", "production", "--seed", "0",
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
        let r = try CommandRunner.run("lighthgnn", ["train", data.path, "--seed", "0", "--metrics", metrics] + Self.smallRun)
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(file.path):\(line): "), "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: metrics))
    }

    @Test(arguments: [
        (["train", "/nonexistent/folder"], Int32(64), "dataset '/nonexistent/folder' does not exist"),
        (["train", "--dataset", "/nonexistent/folder"], 64, "dataset '/nonexistent/folder' does not exist"),
        (["train"], 64, "Missing expected argument '<dataset>'"),
        (["train", ".", "--dataset", "/elsewhere"], 64, "the dataset is given twice, as the argument '.' and as --dataset '/elsewhere'"),
        (["train", ".", "--seeds", "4-1"], 64, "--seeds '4-1'"),
        (["train", ".", "--seed", "1", "--seeds", "0-4"], 64, "not both"),
        (["train", ".", "--lambda", "1.5"], 64, "--lambda must be in [0, 1], got 1.5"),
        (["train", ".", "--lambda", "-0.5"], 64, "--lambda must be in [0, 1], got -0.5"),
        (["train", ".", "--epochs", "-3"], 64, "--epochs must be at least 1, got -3"),
        (["train", ".", "--seeds", "-1"], 64, "--seeds '-1': expected a range"),
        (["train", ".", "--threads", "-2"], 64, "--threads must be at least 1, got -2"),
        (["train", ".", "--teacher-hidden", "-8"], 64, "--teacher-hidden must be at least 1, got -8"),
        (["train", ".", "--student-hidden", "0"], 64, "--student-hidden must be at least 1, got 0"),
        (["train", ".", "--train-per-class", "-1"], 64, "--train-per-class must be at least 1, got -1"),
        (["train", ".", "--val-per-class", "-1"], 64, "--val-per-class must be at least 1, got -1"),
        (["train", ".", "--lr", "-0.01"], 64, "--lr must be positive, got -0.01"),
        (["train", ".", "--weight-decay", "-1"], 64, "--weight-decay must be ≥ 0, got -1"),
        (["train", ".", "--dropout", "-0.1"], 64, "--dropout must be in [0, 1), got -0.1"),
        (["train", ".", "--tau", "-1"], 64, "--tau must be positive, got -1"),
        (["train", ".", "--temperature", "-2"], 64, "--temperature must be positive, got -2"),
        (["train", ".", "--noise-level", "-1"], 64, "--noise-level must be ≥ 0, got -1"),
        (["train", ".", "--seed", "-1"], 64, "'-1' is invalid for '--seed"),
        (["predict", "--model", "m", "--features", "x.npy", "-o", "p.npy", "--threads", "-1"], 64,
         "--threads must be at least 1, got -1"),
        (["train", ".", "--student", "heavy"], 64, "heavy"),
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
        let r = try CommandRunner.run("lighthgnn", ["train", data.path, "--seed", "0"] + Self.smallRun)
        #expect(r.status == 1)
        #expect(r.stderr.contains("neither hyperedges.tsv nor edges.tsv"))
    }

    /// One-letter output folders relative to the working directory (`--save m`, `m/`): Foundation's
    /// NSString path arithmetic trapped on them.
    @Test(arguments: ["m", "m/", "m/x"])
    func saveIntoAOneLetterFolder(save: String) throws {
        let data = try Self.writeDataset()
        let cwd = TemporaryFiles.folder()
        let r = try CommandRunner.run("lighthgnn", ["train", data.path, "--student", "light", "--seed", "0",
                                                    "--save", save, "--quiet"] + Self.smallRun, directory: cwd)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: cwd.appendingPathComponent(save).appendingPathComponent("student.ckpt").path))
    }

    /// --metrics naming the --save folder is refused before training; a metrics file inside a
    /// --save folder this run creates is accepted.
    @Test func metricsAndTheSaveFolder() throws {
        let data = try Self.writeDataset()
        let out = TemporaryFiles.folder()
        let model = out.appendingPathComponent("model").path
        let clash = try CommandRunner.run("lighthgnn", ["train", data.path, "--student", "light", "--seed", "0",
                                                        "--save", model, "--metrics", model, "--quiet"] + Self.smallRun)
        #expect(clash.status == 64 && clash.stderr.contains("is the same file as the --save folder"), "\(clash.stderr)")
        #expect(!FileManager.default.fileExists(atPath: model))
        let inside = try CommandRunner.run("lighthgnn", ["train", data.path, "--student", "light", "--seed", "0",
                                                         "--save", model, "--metrics", model + "/run.jsonl", "--quiet"] + Self.smallRun)
        #expect(inside.status == 0, "\(inside.stderr)")
        #expect(FileManager.default.fileExists(atPath: model + "/run.jsonl"))
    }

    @Test func predictRejectsFeaturesOfTheWrongWidth() throws {
        let data = try Self.writeDataset()
        let out = TemporaryFiles.folder()
        let model = out.appendingPathComponent("model").path
        try Self.trainSmallModel(data, into: model)
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
    /// NaN or infinite values in `features.npy` stop `train` naming the file, the count and the
    /// first value (issue 15: it trained at chance on them), and `predict` the same way.
    @Test func nonFiniteNPYFeaturesAreRefusedByTrainAndPredict() throws {
        let data = try Self.writeDataset()
        let out = TemporaryFiles.folder()
        let model = out.appendingPathComponent("model").path
        try Self.trainSmallModel(data, into: model)
        try FileManager.default.removeItem(at: data.appendingPathComponent("features.mtx"))
        var x = Matrix(rows: 120, cols: 12)
        x[7, 3] = .nan
        x[50, 0] = .infinity
        let features = data.appendingPathComponent("features.npy").path
        try NPY.write(x, to: features)
        let message = "error: \(features): the features hold 2 NaN or infinite values (the first in row 7, column 3: nan); features must be finite\n"
        let train = try CommandRunner.run("lighthgnn", ["train", data.path, "--seed", "0", "--quiet"] + Self.smallRun)
        #expect(train.status == 1)
        #expect(train.stderr.contains(message), "\(train.stderr)")
        let pred = out.appendingPathComponent("p.npy").path
        let predict = try CommandRunner.run("lighthgnn", ["predict", "--model", model, "--features", features, "-o", pred])
        #expect(predict.status == 1)
        #expect(predict.stderr.contains(message), "\(predict.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pred))
    }

    /// A missing output folder is reported before the model is read; nothing is written.
    @Test func predictChecksTheOutputFolderFirst() throws {
        let r = try CommandRunner.run("lighthgnn", ["predict", "--model", "/nonexistent/model", "--features", "x.npy",
                                                    "-o", "/nonexistent/folder/p.npy"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("error: --output /nonexistent/folder/p.npy: the output folder"), "\(r.stderr)")
    }
}

/// Outputs never replace inputs, nor each other, and are checked before any work.
extension LightHGNNCLITests {
    /// Trains a LightHGNN student on `data` (seed 0, the small run) and saves it to `model`.
    static func trainSmallModel(_ data: URL, into model: String) throws {
        let train = try CommandRunner.run("lighthgnn", ["train", data.path, "--student", "light", "--seed", "0",
                                                        "--save", model, "--quiet"] + Self.smallRun)
        #expect(train.status == 0, "\(train.stderr)")
    }

    @Test func predictRefusesOutputsThatNameItsInputsOrEachOther() throws {
        let data = try Self.writeDataset()
        let out = TemporaryFiles.folder()
        let model = out.appendingPathComponent("model").path
        try Self.trainSmallModel(data, into: model)
        let fx = out.appendingPathComponent("fx.npy").path
        try NPY.write(Matrix(rows: 4, cols: 12, values: (0..<48).map { Float($0 % 5) }), to: fx)
        let link = out.appendingPathComponent("link.npy").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fx)
        let p = out.appendingPathComponent("p.npy").path
        let cases: [([String], String)] = [
            (["-o", fx], "--output \(fx) is the same file as --features"),
            (["-o", link], "--output \(link) is the same file as --features"),
            (["-o", out.path + "/./fx.npy"], "is the same file as --features"),
            (["-o", p, "--logits", fx], "--logits \(fx) is the same file as --features"),
            (["-o", p, "--logits", p], "--logits \(p) is the same file as --output \(p)"),
            (["-o", model + "/predictions.npy"], "is the same file as the model file"),
            (["-o", p, "--logits", model + "/logits.npy"], "is the same file as the model file"),
        ]
        let inputs = [fx, model + "/predictions.npy", model + "/logits.npy", model + "/student.ckpt"]
        let contents = { (path: String) in FileManager.default.contents(atPath: path) }
        let saved = inputs.map(contents)
        for (extra, message) in cases {
            let r = try CommandRunner.run("lighthgnn", ["predict", "--model", model, "--features", fx] + extra)
            #expect(r.status == 64, "\(extra): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains(message), "\(extra): \(r.stderr)")
            #expect(inputs.map(contents) == saved, "\(extra) changed an input")
            #expect(!FileManager.default.fileExists(atPath: p), "\(extra) wrote \(p)")
        }
        // Distinct outputs still work.
        let ok = try CommandRunner.run("lighthgnn", ["predict", "--model", model, "--features", link, "-o", p,
                                                     "--logits", out.appendingPathComponent("z.npy").path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try NPY.read(p).asInt32().count == 4)
    }

    @Test func trainRefusesOutputsThatNameDatasetFiles() throws {
        let data = try Self.writeDataset()
        let out = TemporaryFiles.folder()
        let model = out.appendingPathComponent("model").path
        let files = ["labels.tsv", "features.mtx", "hyperedges.tsv"].map { data.appendingPathComponent($0).path }
        let contents = { FileManager.default.contents(atPath: $0) }
        let saved = files.map(contents)
        let cases: [([String], String)] = [
            (["--metrics", files[0]], "--metrics \(files[0]) is the same file as the dataset file"),
            (["--metrics", data.path + "/../" + data.lastPathComponent + "/features.mtx"], "is the same file as the dataset file"),
            (["--metrics", files[2]], "is the same file as the dataset file"),
            (["--save", model, "--metrics", model + "/logits.npy"], "is the same file as the --save file"),
        ]
        for (extra, message) in cases {
            let r = try CommandRunner.run("lighthgnn", ["train", data.path, "--seed", "0", "--quiet"] + Self.smallRun + extra)
            #expect(r.status == 64, "\(extra): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(extra): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(extra): trained before refusing: \(r.stdout)")
            #expect(files.map(contents) == saved, "\(extra) changed a dataset file")
        }
        // A --save file that is a link to a dataset file is refused too.
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: model + "/logits.npy", withDestinationPath: files[1])
        let r = try CommandRunner.run("lighthgnn", ["train", data.path, "--seed", "0", "--quiet", "--save", model] + Self.smallRun)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("--save \(model)/logits.npy is the same file as the dataset file \(files[1])"), "\(r.stderr)")
        #expect(files.map(contents) == saved)
    }

    /// /proc accepts no new files, even for root: the run stops before training.
    @Test(arguments: [
        (["--metrics", "/proc/m.jsonl"], "--metrics /proc/m.jsonl: cannot create the metrics file in '/proc'"),
        (["--save", "/proc/m"], "--save /proc/m: cannot create files in '/proc'"),
        (["--save", "/proc/a/b/m"], "--save /proc/a/b/m: cannot create files in '/proc'"),
        (["--metrics", "/nonexistent/m.jsonl"], "--metrics /nonexistent/m.jsonl: the output folder '/nonexistent' does not exist"),
    ])
    func trainChecksOutputsAreWritableFirst(extra: [String], message: String) throws {
        let data = try Self.writeDataset()
        let r = try CommandRunner.run("lighthgnn", ["train", data.path, "--seed", "0", "--quiet"] + Self.smallRun + extra)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stdout.isEmpty, "trained before refusing: \(r.stdout)")
    }

    /// --save below an existing regular file names that file, in the words every output folder
    /// uses ("is a file, not a folder"), before training.
    @Test func saveFolderBelowAFileNamesTheFile() throws {
        let data = try Self.writeDataset()
        let file = TemporaryFiles.folder().appendingPathComponent("notes.txt").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        for save in [file + "/model", file + "/a/model", file] {
            let r = try CommandRunner.run("lighthgnn", ["train", data.path, "--seed", "0", "--quiet", "--save", save] + Self.smallRun)
            #expect(r.status == 64, "\(r.stderr)")
            let expected = save == file ? "error: --save \(file) is a file, not a folder"
                                        : "error: --save \(save): '\(file)' is a file, not a folder"
            #expect(r.stderr.contains(expected), "\(r.stderr)")
            #expect(!r.stderr.contains("exists and is not a folder"), "\(r.stderr)")
            #expect(r.stdout.isEmpty, "trained before refusing: \(r.stdout)")
        }
    }

    /// A --save folder that does not exist yet is created with its missing parents.
    @Test func trainCreatesAMissingSaveFolderWithParents() throws {
        let data = try Self.writeDataset()
        let model = TemporaryFiles.folder().appendingPathComponent("runs/a/model").path
        let r = try CommandRunner.run("lighthgnn", ["train", data.path, "--seed", "0", "--quiet", "--save", model] + Self.smallRun)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: model + "/student.ckpt"))
    }
}
