import Foundation
import Testing
import TestSupport

/// `gnnpipe train path/to/ogbn_x` on an OGB node-property folder made from graphs/cora (the
/// layout the `ogb` package downloads, gzip-compressed by the system's `gzip`) trains exactly
/// as on graphs/cora itself.
@Suite("gnnpipe on an OGB folder", .serialized)
struct OGBFolderTests {
    static let ogbCora: String = {
        let folder = TemporaryFiles.folder().appendingPathComponent("ogbn_cora").path
        return try! OGBFixture.write(OGBFixture.coraTables(), to: folder)
    }()

    /// The JSON records of a metrics file without their timing and path fields.
    static func records(_ path: String) throws -> [NSDictionary] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object.filter { !$0.key.contains("seconds") && !$0.key.contains("memory") && $0.key != "dataset" } as NSDictionary
        }
    }

    @Test func trainingOnTheOGBFolderEqualsTrainingOnCora() throws {
        let dir = try CommandRunner.temporaryDirectory()
        var outputs: [(stdout: String, records: [NSDictionary])] = []
        var epochs: [Int] = []
        for dataset in [Fixtures.graphPath("cora"), Self.ogbCora] {
            let metrics = dir.appendingPathComponent(UUID().uuidString + ".jsonl").path
            let r = try CommandRunner.run("gnnpipe", ["train", dataset, "--epochs", "5", "--threads", "2", "--metrics", metrics])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("2708 nodes, 5278 edges, 1433 features, 7 classes, split 140/500/1000"), "\(r.stderr)")
            epochs.append(GNNPipeCLITests.epochLines(r.stdout).count)
            outputs.append((GNNPipeCLITests.epochLines(r.stdout).joined(separator: "\n")
                            + r.stdout.split(separator: "\n").filter { $0.hasPrefix("best epoch") }.joined(), try Self.records(metrics)))
        }
        #expect(epochs == [5, 5] && outputs[0].stdout.contains("best epoch 5 of 5: val accuracy"), "\(outputs[0].stdout)")
        #expect(outputs[0].records.count == 6)
        #expect(outputs[1].stdout == outputs[0].stdout)
        #expect(outputs[1].records == outputs[0].records)
    }

    /// Issue 15b item 5: an unlabelled validation node is named by split file and line, not by
    /// the trainer's bare "invalid training data: validation node 2 has no label".
    @Test func unlabelledSplitNodeNamesTheSplitFileLine() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let tables = OGBFixture.Tables(edges: [(0, 1), (1, 2), (2, 3), (3, 0)], numNodes: 4,
                                       features: [["1", "0"], ["0", "1"], ["1", "1"], ["0", "0"]],
                                       labels: ["0", "1", "", "1"], splits: ["a": (train: [0, 1], valid: [3, 2], test: [])])
        let folder = try OGBFixture.write(tables, to: dir.appendingPathComponent("ogbn_gap").path)
        let r = try CommandRunner.run("gnnpipe", ["train", folder, "--epochs", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(folder)/split/a/valid.csv.gz:2: field 1: valid node 2 has no class in \(folder)/raw/node-label.csv.gz"), "\(r.stderr)")
    }

    @Test func malformedOGBFolderFailsClearly() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let broken = dir.appendingPathComponent("ogbn_broken").path
        var tables = try OGBFixture.coraTables()
        tables.labels![10] = "seven"
        try OGBFixture.write(tables, to: broken)
        let r = try CommandRunner.run("gnnpipe", ["train", broken, "--epochs", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(broken)/raw/node-label.csv.gz:11: field 1: expected a class id"), "\(r.stderr)")
        try FileManager.default.removeItem(atPath: broken + "/raw/num-edge-list.csv.gz")
        let missing = try CommandRunner.run("gnnpipe", ["train", broken, "--epochs", "1"])
        #expect(missing.status == 1 && missing.stderr.contains("error: \(broken)/raw/num-edge-list.csv.gz: no such file"), "\(missing.stderr)")
    }
}
