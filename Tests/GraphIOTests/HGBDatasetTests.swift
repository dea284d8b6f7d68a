import DenseMath
import Foundation
import GraphCore
import GraphIO
import Testing

@Suite("HGB datasets")
struct HGBDatasetTests {
    /// The files of `Fixtures/tiny_hgb.zip` (member folder `tiny/`).
    static let tinyFiles: [String: String] = [
        "node.dat": "0\tp0\t0\t0.5,1\n1\tp1\t0\t-1,2e-1\n2\tp2\t0\t3,4\n4\ta1\t1\n3\ta0\t1\n5\tt0\t2\t1,2,3\n",
        "link.dat": "0\t3\t0\t1.0\r\n1\t3\t0\t1.0\r\n2\t4\t0\t1.0\r\n3\t0\t1\t1.0\r\n3\t1\t1\t1.0\r\n4\t2\t1\t1.0\r\n0\t5\t2\t2.5\r\n0\t5\t2\t1.5\r\n1\t5\t2\t1.0\r\n",
        "label.dat": "0\t\t0\t1\n1\tp1\t0\t0,2\n",
        "label.dat.test": "2\t\t0\t2\n",
        "label.dat.test_full": "2\t\t0\t2\n# x\n",
    ]

    /// A dataset folder holding `files`.
    func folder(_ files: [String: String]) -> String {
        let folder = TestFiles.temporaryFolder()
        for (name, text) in files { TestFiles.write(text, to: name, in: folder) }
        return folder
    }

    /// Checks the tiny dataset; `named` says whether info.dat names were available.
    func checkTiny(_ d: HGBDataset, named: Bool) throws {
        #expect(d.graph.nodeTypes.map(\.count) == [3, 2, 1])
        #expect(d.graph.nodeTypes.map(\.name) == (named ? ["paper", "author", "term"] : ["0", "1", "2"]))
        #expect(d.nodeTypeIDs == [0, 1, 2])
        #expect(d.relationTypeIDs == [0, 1, 2])
        #expect(d.graph.relations.map(\.name) == (named ? ["paper-author", "author-paper", "paper-term"] : ["0", "1", "2"]))
        #expect(d.graph.relations.map(\.sourceType) == [0, 1, 0])
        #expect(d.graph.relations.map(\.targetType) == [1, 0, 2])
        let paperAuthor = d.graph.relations[0].adjacency
        #expect(paperAuthor.numRows == 3 && paperAuthor.numColumns == 2)
        #expect(paperAuthor.rowOffsets == [0, 1, 2, 3] && paperAuthor.columnIndices == [0, 0, 1] && paperAuthor.weights == nil)
        let authorPaper = d.graph.relations[1].adjacency
        #expect(authorPaper.rowOffsets == [0, 2, 3] && authorPaper.columnIndices == [0, 1, 2])
        let paperTerm = d.graph.relations[2].adjacency
        #expect(paperTerm.rowOffsets == [0, 1, 2, 2] && paperTerm.columnIndices == [0, 0])
        #expect(paperTerm.weights == [2.5, 1]) // the repeated link keeps its largest weight

        #expect(d.features.count == 3)
        #expect(d.features[0] == Matrix(rows: 3, cols: 2, values: [0.5, 1, -1, 0.2, 3, 4]))
        #expect(d.features[1] == nil)
        #expect(d.features[2] == Matrix(rows: 1, cols: 3, values: [1, 2, 3]))

        #expect(d.local(ofGlobal: 3)! == (type: 1, id: 0))
        #expect(d.local(ofGlobal: 4)! == (type: 1, id: 1))
        #expect(d.local(ofGlobal: 5)! == (type: 2, id: 0))
        #expect(d.local(ofGlobal: 6) == nil)
        #expect(d.global(type: 1, local: 1) == 4)
        #expect(d.globalIDs == [[0, 1, 2], [3, 4], [5]])

        #expect(d.targetType == 0)
        #expect(d.numClasses == 3)
        #expect(d.classNames == (named ? ["A", "B", "C"] : ["0", "1", "2"]))
        #expect(d.isMultiLabel)
        #expect(d.trainLabels.numNodes == 3)
        #expect(Array(d.trainLabels.labels(of: 0)) == [1])
        #expect(Array(d.trainLabels.labels(of: 1)) == [0, 2])
        #expect(d.trainLabels.labels(of: 2).isEmpty)
        #expect(d.testLabels?.singleLabels() == [-1, -1, 2])
        #expect(d.testFullLabels?.singleLabels() == [-1, -1, 2])
    }

    @Test func tinyZipWithTopLevelFolderAndInfo() throws {
        let d = try HGBDataset.load(FixtureData.path("tiny_hgb.zip"))
        #expect(d.name == "tiny_hgb")
        try checkTiny(d, named: true)
    }

    @Test func tinyFolderWithoutInfo() throws {
        let path = folder(Self.tinyFiles)
        let d = try HGBDataset.load(path)
        try checkTiny(d, named: false)
        // A broken info.dat is ignored, never fatal.
        TestFiles.write("{ not json", to: "info.dat", in: path)
        try checkTiny(try HGBDataset.load(path), named: false)
    }

    @Test func optionalTestLabels() throws {
        var files = Self.tinyFiles
        files["label.dat.test"] = nil
        files["label.dat.test_full"] = nil
        let d = try HGBDataset.load(folder(files))
        #expect(d.testLabels == nil && d.testFullLabels == nil)
        #expect(d.numClasses == 3)
    }

    // MARK: Bad input

    @Test func malformedLinkInsideAZipNamesTheMember() {
        let zip = FixtureData.path("bad_link_hgb.zip")
        expectParseError(file: zip + "/bad/link.dat", line: 2, column: 2, containing: "expected a non-negative integer node id, found 'abc'") {
            try HGBDataset.load(zip)
        }
    }

    @Test func missingFiles() {
        #expect(throws: GraphIOError.fileNotFound("/nonexistent/ACM.zip")) { try HGBDataset.load("/nonexistent/ACM.zip") }
        var files = Self.tinyFiles
        files["link.dat"] = nil
        let path = folder(files)
        #expect(throws: GraphIOError.fileNotFound(path + "/link.dat")) { try HGBDataset.load(path) }
        let empty = folder([:])
        #expect(throws: GraphIOError.fileNotFound(empty + "/node.dat")) { try HGBDataset.load(empty) }
        let npz = FixtureData.path("stored.npz")
        #expect(throws: GraphIOError.fileNotFound(npz + "/node.dat")) { try HGBDataset.load(npz) }
    }

    /// Loading the tiny dataset with `file` replaced by `text` fails at `line`, `column`.
    func expectBad(_ file: String, _ text: String, line: Int, column: Int?, containing fragment: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
        var files = Self.tinyFiles
        files[file] = text
        let path = folder(files)
        expectParseError(file: path + "/" + file, line: line, column: .some(column), containing: fragment,
                         sourceLocation: sourceLocation) { try HGBDataset.load(path) }
    }

    @Test func malformedNodeLines() {
        let good = Self.tinyFiles["node.dat"]!
        expectBad("node.dat", good + "6\tx\n", line: 7, column: nil, containing: "expected 3 or 4 tab-separated fields")
        expectBad("node.dat", good + "6\tx\tpaper\n", line: 7, column: 3, containing: "expected an integer node type, found 'paper'")
        expectBad("node.dat", good + "-6\tx\t1\n", line: 7, column: 1, containing: "expected a non-negative integer node id")
        expectBad("node.dat", good + "2\tagain\t0\t1,1\n", line: 7, column: 1, containing: "node 2 is listed twice (first on line 3)")
        expectBad("node.dat", good + "2000000000\tx\t1\n", line: 7, column: 1, containing: "far beyond the 7 nodes listed")
        expectBad("node.dat", good + "6\tp\t0\t1,2,3\n", line: 7, column: 4, containing: "expected 2 comma-separated features like line 1, found more")
        expectBad("node.dat", good + "6\tp\t0\t1\n", line: 7, column: 4, containing: "expected 2 comma-separated features like line 1, found 1")
        expectBad("node.dat", good + "6\tp\t0\t1,abc\n", line: 7, column: 4, containing: "feature 2: expected a finite number, found 'abc'")
        expectBad("node.dat", good + "6\tp\t0\n", line: 7, column: 4, containing: "node 6 has no features, but nodes of type 0 have them (line 1)")
        expectBad("node.dat", good + "6\ta\t1\t1,2\n", line: 7, column: 4, containing: "node 6 has features, but nodes of type 1 have none (line 4)")
    }

    @Test func emptyNodeFile() {
        var files = Self.tinyFiles
        files["node.dat"] = "\n"
        let path = folder(files)
        #expect(throws: GraphIOError.empty(path + "/node.dat")) { try HGBDataset.load(path) }
    }

    @Test func malformedLinkLines() {
        let good = Self.tinyFiles["link.dat"]!
        expectBad("link.dat", good + "0\t9\t0\t1.0\r\n", line: 10, column: 2, containing: "node 9 does not appear in node.dat")
        expectBad("link.dat", good + "0\t4\t0\r\n1\r\n", line: 11, column: nil, containing: "expected 4 tab-separated fields")
        expectBad("link.dat", good + "0\t5\t0\t1.0\r\n", line: 10, column: nil,
                  containing: "link type 0 connects node types 0 → 1 on line 1, but 0 → 2 here (node 0 → node 5)")
        expectBad("link.dat", good + "0\t3\t0\tnan\r\n", line: 10, column: 4, containing: "expected a finite weight")
        expectBad("link.dat", good + "0\t3\tx\t1\r\n", line: 10, column: 3, containing: "expected an integer link type")
    }

    @Test func malformedLabelLines() {
        expectBad("label.dat", "0\t\t0\t1\n3\t\t1\t0\n", line: 2, column: 3, containing: "labelled nodes have type 0 (line 1), node 3 has type 1")
        expectBad("label.dat", "0\t\t1\t1\n", line: 1, column: 3, containing: "node 0 has type 0 in node.dat, found '1'")
        expectBad("label.dat", "0\t\t0\tx\n", line: 1, column: 4, containing: "expected comma-separated class ids, found 'x'")
        expectBad("label.dat", "0\t0\t1\n", line: 1, column: nil, containing: "expected 4 tab-separated fields")
        expectBad("label.dat.test", "3\t\t1\t0\n", line: 1, column: 3, containing: "labelled nodes have type 0 (label.dat), node 3 has type 1")
        expectBad("label.dat.test_full", "7\t\t0\t0\n", line: 1, column: 1, containing: "node 7 does not appear in node.dat")
    }

    /// A node on a second line is an error, not a silent extra class: HGB writes a multi-label
    /// node's classes as one comma list.
    @Test func repeatedLabelLine() {
        let train = Self.tinyFiles["label.dat"]!
        expectBad("label.dat", train + "0\t\t0\t2\n", line: 3, column: 1,
                  containing: "node 0 already has a label on line 1; HGB gives several classes as a comma-separated list on one line")
        expectBad("label.dat.test", "2\t\t0\t2\n2\t\t0\t2\n", line: 2, column: 1, containing: "node 2 already has a label on line 1")
        expectBad("label.dat.test_full", "2\t\t0\t2\n\n2\t\t0\t1\n", line: 3, column: 1, containing: "node 2 already has a label on line 1")
    }

    /// A test node that label.dat also labels would leak the test into training; the test
    /// files may share nodes with each other (test_full holds all test labels).
    @Test func trainAndTestOverlap() throws {
        var files = Self.tinyFiles
        files["label.dat.test"] = "2\t\t0\t2\n1\t\t0\t0\n"
        var path = folder(files)
        expectParseError(file: path + "/label.dat.test", line: 2, column: .some(1),
                         containing: "node 1 is also a training node (\(path)/label.dat:2); a node must not be both trained on and tested") {
            try HGBDataset.load(path)
        }
        files = Self.tinyFiles
        files["label.dat.test_full"] = "2\t\t0\t2\n0\t\t0\t1\n"
        path = folder(files)
        expectParseError(file: path + "/label.dat.test_full", line: 2, column: .some(1),
                         containing: "node 0 is also a training node (\(path)/label.dat:1)") {
            try HGBDataset.load(path)
        }
        // test and test_full sharing node 2 is fine.
        #expect(try HGBDataset.load(folder(Self.tinyFiles)).testLabels?.singleLabels() == [-1, -1, 2])
    }

    // MARK: Real data

    @Test func acm() throws {
        let d = try HGBDataset.load(TestFiles.graph("hgb/ACM.zip"))
        print("ACM node types:", d.graph.nodeTypes.map { "\($0.name)=\($0.count)" }.joined(separator: " "))
        #expect(d.graph.nodeTypes.map(\.name) == ["paper", "author", "subject", "term"])
        #expect(d.graph.nodeTypes.map(\.count) == [3025, 5959, 56, 1902])
        #expect(d.graph.relations.map(\.name) == ["paper-cite-paper", "paper-ref-paper", "paper-author", "author-paper",
                                                  "paper-subject", "subject-paper", "paper-term", "term-paper"])
        #expect(d.graph.relations.map(\.adjacency.nnz) == [5343, 5343, 9949, 9949, 3025, 3025, 255_619, 255_619])
        #expect(d.graph.relations.allSatisfy { $0.adjacency.weights == nil })
        #expect(d.features.map { $0.map { [$0.rows, $0.cols] } } == [[3025, 1902], [5959, 1902], [56, 1902], nil])
        #expect(d.features[0].map { $0.values.reduce(0, +) } == 255_619)
        #expect(d.targetType == 0 && d.numClasses == 3 && !d.isMultiLabel)
        #expect(d.classNames == ["database", "wireless communication", "data mining"])
        #expect(d.trainLabels.labelledNodes.count == 907)
        #expect(d.testLabels?.labelledNodes.count == 1059)
        #expect(d.testFullLabels?.labelledNodes.count == 2118)
        #expect(d.local(ofGlobal: 3025)! == (type: 1, id: 0))
    }

    @Test func dblp() throws {
        let d = try HGBDataset.load(TestFiles.graph("hgb/DBLP.zip"))
        print("DBLP node types:", d.graph.nodeTypes.map { "\($0.name)=\($0.count)" }.joined(separator: " "))
        #expect(d.graph.nodeTypes.map(\.name) == ["author", "paper", "term", "venue"])
        #expect(d.graph.nodeTypes.map(\.count) == [4057, 14328, 7723, 20])
        #expect(d.graph.relations.map(\.name) == ["author-paper", "paper-term", "paper-venue", "paper-author", "term-paper", "venue-paper"])
        #expect(d.graph.relations.map(\.adjacency.nnz) == [19645, 85810, 14328, 19645, 85810, 14328])
        #expect(d.graph.relations[0].adjacency.transposed() == d.graph.relations[3].adjacency)
        // info.dat claims author features have dimension 0: counted from the data instead.
        #expect(d.features.map { $0.map { [$0.rows, $0.cols] } } == [[4057, 334], [14328, 4231], [7723, 50], nil])
        #expect(d.features[2]!.row(0).prefix(3) == [-0.69241, -0.46592, 1.154])
        let termSum = d.features[2]!.values.reduce(0.0) { $0 + Double($1) }
        #expect(abs(termSum - 6849.119) < 0.01)
        #expect(d.targetType == 0 && d.numClasses == 4)
        #expect(d.classNames == ["Database", "Data Mining", "AI", "Information Retrieval"])
        #expect(d.trainLabels.labelledNodes.count == 1217)
        #expect(d.testLabels?.labelledNodes.count == 1420)
        #expect(d.testFullLabels?.labelledNodes.count == 2840)
    }
}
