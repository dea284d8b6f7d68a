import DenseMath
import Foundation
import GraphCore
import GraphIO
import Testing
import TestSupport

/// OGB node-property folders load as the native dataset they were made from; malformed ones
/// fail naming the file, line and field, or the folder and what disagrees.
@Suite("OGB node-property folders")
struct OGBNodeFolderTests {
    /// 5 nodes, 4 edges, 2 features, classes 0…2 (node 4 unlabelled), split `a`.
    static var tiny: OGBFixture.Tables {
        OGBFixture.Tables(edges: [(0, 1), (1, 2), (2, 3), (3, 0)], numNodes: 5,
                          features: [["0.5", "1"], ["-2", "0"], ["1e-3", "3.25"], ["0", "0"], ["7", "8"]],
                          labels: ["0", "2", "1", "2", ""], splits: ["a": (train: [0, 1], valid: [2], test: [3])])
    }

    static func folder(_ tables: OGBFixture.Tables, compress: Bool = true) throws -> String {
        try OGBFixture.write(tables, to: TestFiles.temporaryFolder() + "/ogbn_tiny", compress: compress)
    }

    @Test func coraInOGBLayoutLoadsLikeGraphsCora() throws {
        let ogb = try OGBFixture.write(OGBFixture.coraTables(), to: TestFiles.temporaryFolder() + "/ogbn_cora")
        #expect(OGBNodeFolder.isOGBFolder(ogb) && !OGBNodeFolder.isOGBFolder(TestFiles.graph("cora")))
        #expect(try OGBNodeFolder.splitNames(ogb) == ["planetoid"])
        let native = try NodeDataset.load(TestFiles.graph("cora"))
        let loaded = try NodeDataset.load(ogb)
        #expect(loaded.edges == native.edges && loaded.features == native.features)
        #expect(loaded.labels == native.labels && loaded.split == native.split)
        #expect(loaded == native)
        #expect(try NodeDataset.load(ogb + "/", parts: [.split]) == NodeDataset(edges: native.edges, split: native.split))
    }

    @Test func tinyFolderValuesAndUncompressedFiles() throws {
        for compress in [true, false] {
            let data = try OGBNodeFolder.load(try Self.folder(Self.tiny, compress: compress))
            #expect(data.edges.sources == [0, 1, 2, 3] && data.edges.targets == [1, 2, 3, 0] && data.numNodes == 5)
            #expect(data.features == Matrix(rows: 5, cols: 2, values: [0.5, 1, -2, 0, 0.001, 3.25, 0, 0, 7, 8]))
            #expect(data.labels?.singleLabels() == [0, 2, 1, 2, -1] && data.labels?.numClasses == 3)
            #expect(data.split == NodeSplit(train: [0, 1], val: [2], test: [3]))
        }
        var nan = Self.tiny
        nan.labels = ["0.0", "nan", "2", "NaN", "1.0"]
        #expect(try OGBNodeFolder.load(try Self.folder(nan)).labels?.singleLabels() == [0, -1, 2, -1, 1])
    }

    /// Issue 15b item 5: a split node without a class is named by its split file and line (the
    /// trainer said only "validation node 2 has no label").
    @Test func unlabelledSplitNodeNamesItsLine() throws {
        var tables = Self.tiny
        tables.splits["a"] = (train: [0, 1], valid: [3, 2], test: [])
        tables.labels![2] = ""
        let path = try Self.folder(tables)
        let data = try OGBNodeFolder.load(path)
        expectParseError(file: path + "/split/a/valid.csv.gz", line: 2, column: .some(1),
                         containing: "valid node 2 has no class in \(path)/raw/node-label.csv.gz (its line 3 there gives none); every train, valid and test node needs one") {
            try OGBNodeFolder.refuseUnlabelled(path, labels: data.labels!, numNodes: data.numNodes)
        }
        // The tiny folder's split nodes all have classes (node 4, unlabelled, is in none).
        let good = try Self.folder(Self.tiny)
        let loaded = try OGBNodeFolder.load(good)
        try OGBNodeFolder.refuseUnlabelled(good, labels: loaded.labels!, numNodes: loaded.numNodes)
    }

    @Test func splitsAreChosenByName() throws {
        var two = Self.tiny
        two.splits["b"] = (train: [4], valid: [3], test: [])
        let path = try Self.folder(two)
        #expect(throws: GraphIOError.dataset(folder: path, message: "split/ holds several splits (a, b); name the one to use")) {
            try OGBNodeFolder.load(path)
        }
        #expect(try OGBNodeFolder.load(path, split: "b").split == NodeSplit(train: [4], val: [3], test: []))
        #expect(throws: GraphIOError.dataset(folder: path, message: "no split 'c' under split/ (found: a, b)")) {
            try OGBNodeFolder.load(path, split: "c")
        }
        var none = Self.tiny
        none.splits = [:]
        let noSplit = try Self.folder(none)
        #expect(!FileManager.default.fileExists(atPath: noSplit + "/split"))
        #expect(throws: GraphIOError.dataset(folder: noSplit, message: "no split/ folder: an OGB node-property folder has split/<name>/train.csv.gz, valid.csv.gz and test.csv.gz")) {
            try OGBNodeFolder.load(noSplit)
        }
        // Without the split part, no split is needed.
        #expect(try OGBNodeFolder.load(noSplit, parts: [.features, .labels]).split == nil)
    }

    /// Each broken folder: what is wrong with it, and the error that names it.
    @Test func malformedFoldersAreNamed() throws {
        func expectFailure(_ edit: (inout OGBFixture.Tables) -> Void, after: (String) throws -> Void = { _ in },
                           sourceLocation: SourceLocation = #_sourceLocation, _ expected: (String) -> GraphIOError) throws {
            var tables = Self.tiny
            edit(&tables)
            let path = try Self.folder(tables)
            try after(path)
            #expect(throws: expected(path), sourceLocation: sourceLocation) { try NodeDataset.load(path) }
        }
        try expectFailure({ _ in }, after: { try FileManager.default.removeItem(atPath: $0 + "/raw/num-node-list.csv.gz") }) {
            .fileNotFound($0 + "/raw/num-node-list.csv.gz")
        }
        try expectFailure({ $0.edges.append((4, 5)) }) {
            .parse(file: $0 + "/raw/edge.csv.gz", line: 5, column: 2, message: "node id '5' is not below numNodes = 5")
        }
        try expectFailure({ _ in }, after: { p in
            try Data("3\n".utf8).write(to: URL(fileURLWithPath: p + "/raw/num-edge-list.csv"))
            try FileManager.default.removeItem(atPath: p + "/raw/num-edge-list.csv.gz")
        }) { .dataset(folder: $0, message: "\($0)/raw/edge.csv.gz has 4 edges, but num-edge-list says 3 (a truncated file?)") }
        try expectFailure({ _ in }, after: { p in
            try Data("5\n6\n".utf8).write(to: URL(fileURLWithPath: p + "/raw/num-node-list.csv"))
            try FileManager.default.removeItem(atPath: p + "/raw/num-node-list.csv.gz")
        }) { .parse(file: $0 + "/raw/num-node-list.csv", line: 2, column: nil,
                    message: "expected one line (the node count of the one graph of a node-property dataset), found a second: a dataset of several graphs?") }
        try expectFailure({ $0.features!.removeLast() }) {
            .dataset(folder: $0, message: "\($0)/raw/node-feat.csv.gz has 4 rows, but num-node-list says 5 nodes")
        }
        try expectFailure({ $0.features![2][1] = "abc" }) {
            .parse(file: $0 + "/raw/node-feat.csv.gz", line: 3, column: 2, message: "expected a finite number, found 'abc'")
        }
        try expectFailure({ $0.features![3] = ["1"] }) {
            .parse(file: $0 + "/raw/node-feat.csv.gz", line: 4, column: nil, message: "expected 2 comma-separated values like the first line (line 1), found 1")
        }
        try expectFailure({ $0.labels![1] = "x" }) {
            .parse(file: $0 + "/raw/node-label.csv.gz", line: 2, column: 1,
                   message: "expected a class id (a non-negative integer below 2^20) or an empty field / nan for no label, found 'x'")
        }
        try expectFailure({ $0.labels![0] = "0,1" }) {
            .parse(file: $0 + "/raw/node-label.csv.gz", line: 1, column: 2,
                   message: "expected one class id per line, found 2 fields (multi-task labels, such as ogbn-proteins' binary tasks, are not supported)")
        }
        try expectFailure({ $0.labels!.removeLast() }) {
            .dataset(folder: $0, message: "\($0)/raw/node-label.csv.gz has 4 lines, but num-node-list says 5 nodes (one line per node, empty for no label)")
        }
        try expectFailure({ $0.splits["a"]!.test = [3, 1] }) {
            .parse(file: $0 + "/split/a/test.csv.gz", line: 2, column: 1,
                   message: "node 1 is already in \($0)/split/a/train.csv.gz (line 2); the split lists must be disjoint")
        }
        try expectFailure({ $0.splits["a"]!.valid = [9] }) {
            .parse(file: $0 + "/split/a/valid.csv.gz", line: 1, column: 1, message: "node id '9' is not below numNodes = 5")
        }
        // A truncated download of one file.
        try expectFailure({ _ in }, after: { p in
            let bytes = try Data(contentsOf: URL(fileURLWithPath: p + "/raw/node-feat.csv.gz"))
            try bytes.prefix(bytes.count - 9).write(to: URL(fileURLWithPath: p + "/raw/node-feat.csv.gz"))
        }) { p in
            let compressed = try! Data(contentsOf: URL(fileURLWithPath: p + "/raw/node-feat.csv.gz")).count
            return .compressed(file: p + "/raw/node-feat.csv.gz", message: "the gzip data ends early, inside member 1 (after \(compressed) compressed bytes): the file is truncated or was not completely downloaded")
        }
    }

    @Test func unsupportedLayoutsSaySo() throws {
        let binary = TestFiles.temporaryFolder()
        try FileManager.default.createDirectory(atPath: binary + "/raw", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: binary + "/raw/data.npz"))
        #expect(OGBNodeFolder.isOGBFolder(binary))
        #expect(throws: GraphIOError.dataset(folder: binary, message: "OGB's binary layout (raw/data.npz, as ogbn-papers100M ships) is not supported; the CSV layout (raw/edge.csv.gz, …) is")) {
            try NodeDataset.load(binary)
        }
        let hetero = TestFiles.temporaryFolder()
        try FileManager.default.createDirectory(atPath: hetero + "/raw/relations", withIntermediateDirectories: true)
        #expect(throws: GraphIOError.dataset(folder: hetero, message: "a heterogeneous OGB dataset (raw/relations/, as ogbn-mag) is not supported; homogeneous node-property folders are")) {
            try NodeDataset.load(hetero)
        }
        // A folder that is neither native nor OGB still asks for edges.tsv.
        let empty = TestFiles.temporaryFolder()
        #expect(throws: GraphIOError.fileNotFound(empty + "/edges.tsv")) { try NodeDataset.load(empty) }
    }
}
