import DenseMath
import Foundation
import GraphCore
import GraphIO
import Testing

@Suite("Labels and splits")
struct LabelAndSplitTests {
    func labels(_ text: String, nodeIDs: NodeIDMap? = nil, numNodes: Int = 5) throws(GraphIOError) -> NodeLabels {
        try LabelReader.parse(Array(text.utf8), file: "l.tsv", nodeIDs: nodeIDs, numNodes: numNodes)
    }

    @Test func integerLabelsAreClassIDs() throws {
        let l = try labels("# node class\n0\t3\n1\t0\r\n3\t1\n")
        #expect(l.numNodes == 5)
        #expect(l.numClasses == 4)
        #expect(l.classNames == ["0", "1", "2", "3"])
        #expect(l.singleLabels() == [3, 0, -1, 1, -1])
        #expect(!l.isMultiLabel)
        #expect(l.labelledNodes == [0, 1, 3])
    }

    /// `-1` (PyG's and OGB's mark of a node without a class) leaves the node unlabelled; it is
    /// not a class "-1" that would shift every class id (names sort "-1" before "0").
    @Test func negativeIntegerLabelsMarkUnlabelledNodes() throws {
        let l = try labels("0\t2\n1\t-1\n2\t0\n3\t-7\n4\t10\n", numNodes: 5)
        #expect(l.classNames == (0...10).map(String.init))
        #expect(l.singleLabels() == [2, -1, 0, -1, 10])
        #expect(l.labelledNodes == [0, 2, 4])
    }

    /// Issue 15: `-1` was a class as soon as one label in the file was a name (names sort "-1"
    /// first, so it became class 0). A negative integer label leaves its node unlabelled in
    /// every file (the rule in README's data formats).
    @Test func minusOneIsUnlabelledAmongNamesToo() throws {
        let named = try labels("0\tcat\n1\t-1\n2\tdog\n3\t-12\n", numNodes: 4)
        #expect(named.classNames == ["cat", "dog"])
        #expect(named.singleLabels() == [0, -1, 1, -1])
        #expect(named.labelledNodes == [0, 2])
        // Not a second label of a node either.
        let single = try LabelReader.parse(Array("0\tcat\n0\t-1\n".utf8), file: "l.tsv", numNodes: 1, singleLabel: true)
        #expect(single.singleLabels() == [0] && single.classNames == ["cat"])
    }

    /// Issue 15: a negative label beyond 64 bits did not parse as an integer, so the whole file
    /// silently became names (class "-9…" and "0", "1" sorted as text).
    @Test func negativeLabelBeyond64BitsIsAnErrorNamingTheLine() throws {
        #expect(throws: GraphIOError.parse(file: "l.tsv", line: 3, column: 2,
                                           message: "label '-9223372036854775809' is a negative integer beyond 64 bits; a negative integer label (-1) marks a node without a class")) {
            try labels("0\t1\n1\t0\n2\t-9223372036854775809\n")
        }
        #expect(throws: GraphIOError.self) { try labels("0\tcat\n1\t-000099999999999999999999\n") }
        // −2^63 itself (and leading zeros) is a 64-bit integer: unlabelled.
        let l = try labels("0\t1\n1\t-9223372036854775808\n2\t-0009223372036854775808\n")
        #expect(l.singleLabels() == [1, -1, -1, -1, -1] && l.numClasses == 2)
    }

    /// Issue 15: a file of `-1` labels only reported one phantom class "0"; it says that no node
    /// is labelled, naming the file.
    @Test func onlyUnlabelledNodesIsAnErrorNamingTheFile() throws {
        let expected = GraphIOError.dataset(folder: "l.tsv", message: "no labelled nodes: every label is a negative integer, which marks a node without a class")
        #expect(throws: expected) { try labels("# none yet\n0\t-1\n1\t-1\n") }
        #expect(expected.description == "l.tsv: no labelled nodes: every label is a negative integer, which marks a node without a class")
    }

    @Test func severalLinesPerNodeMakeMultiLabel() throws {
        let l = try labels("0 2\n0 1\n0 2\n1 0\n")
        #expect(l.isMultiLabel)
        #expect(Array(l.labels(of: 0)) == [1, 2])
        #expect(Array(l.labels(of: 1)) == [0])
        #expect(l.labels(of: 2).isEmpty)
        #expect(l.offsets == [0, 2, 3, 3, 3, 3])
        let y = l.indicatorMatrix()
        #expect(y.rows == 5 && y.cols == 3)
        #expect(y.row(0) == [0, 1, 1])
        #expect(y.row(1) == [1, 0, 0])
    }

    @Test func stringLabelsAreSortedNamesAndMayContainSpaces() throws {
        let l = try labels("0\tdata mining\n1 wireless\n2,databases\n3\tdata mining\n")
        #expect(l.classNames == ["data mining", "databases", "wireless"])
        #expect(l.singleLabels() == [0, 2, 1, 0, -1])
    }

    @Test func nodesByNameWhenTheGraphUsedStringIDs() throws {
        let edges = try EdgeListReader.parse(text: "alice bob\nbob carol\n")
        let l = try labels("carol\tx\nalice\ty\n", nodeIDs: edges.nodeIDs, numNodes: edges.numNodes)
        #expect(l.singleLabels() == [1, -1, 0])
        expectParseError(file: "l.tsv", line: 1, column: 1, containing: "'dave' does not appear in the graph") {
            try labels("dave\tx\n", nodeIDs: edges.nodeIDs, numNodes: edges.numNodes)
        }
    }

    @Test func badLabelFiles() {
        expectParseError(file: "l.tsv", line: 2, column: 2, containing: "expected a label after the node id") { try labels("0 1\n1\n") }
        expectParseError(file: "l.tsv", line: 1, column: 3, containing: "expected 2 tab-separated fields") { try labels("0\t1\t2\n") }
        expectParseError(file: "l.tsv", line: 1, column: 1, containing: "not below numNodes = 5") { try labels("5\t1\n") }
        expectParseError(file: "l.tsv", line: 1, column: 1, containing: "expected a non-negative node id") { try labels("-1\t1\n") }
        expectParseError(file: "l.tsv", line: 1, column: 1, containing: "expected an integer node id, found 'x'") { try labels("x\t1\n") }
        expectParseError(file: "l.tsv", line: 2, containing: "NUL byte") { try labels("0\t1\n1\t\u{0}\n") }
        #expect(throws: GraphIOError.empty("l.tsv")) { try labels("# nothing\n") }
        #expect(throws: GraphIOError.fileNotFound("/nonexistent/labels.tsv")) {
            try LabelReader.read("/nonexistent/labels.tsv", numNodes: 3)
        }
    }

    // MARK: Splits

    func split(_ text: String, numNodes: Int = 6) throws(GraphIOError) -> NodeSplit {
        try SplitReader.parse(Array(text.utf8), file: "s.tsv", numNodes: numNodes)
    }

    @Test func splitListsInFileOrder() throws {
        let s = try split("# node split\n3\ttrain\n0\ttest\n1\tval\n2 train\r\n")
        #expect(s == NodeSplit(train: [3, 2], val: [1], test: [0]))
    }

    @Test func badSplitFiles() {
        expectParseError(file: "s.tsv", line: 2, column: 2, containing: "expected 'train', 'val' or 'test', found 'valid'") {
            try split("0\ttrain\n1\tvalid\n")
        }
        expectParseError(file: "s.tsv", line: 3, column: 1, containing: "already assigned a split on line 1") {
            try split("0\ttrain\n1\ttest\n0\ttest\n")
        }
        expectParseError(file: "s.tsv", line: 1, column: 1, containing: "not below numNodes = 6") { try split("6\ttrain\n") }
        expectParseError(file: "s.tsv", line: 1, column: 2, containing: "expected a split") { try split("1\n") }
        #expect(throws: GraphIOError.empty("s.tsv")) { try split("\n\n") }
    }

    /// Issue 15: "test node 2 has no label" named no file; the split file's line of the first
    /// node without a class is named, by its name for string ids.
    @Test func splitNodeWithoutAClassNamesTheSplitLine() throws {
        let folder = TestFiles.temporaryFolder()
        let labelFile = TestFiles.write("0\ta\n1\tb\n3\t-1\n4\ta\n", to: "labels.tsv", in: folder)
        let splitFile = TestFiles.write("# node split\n0\ttrain\n4\tval\n\n3\ttest\n2\ttest\n", to: "split.tsv", in: folder)
        let l = try LabelReader.read(labelFile, numNodes: 5)
        let s = try SplitReader.read(splitFile, numNodes: 5)
        #expect(throws: GraphIOError.parse(file: splitFile, line: 5, column: 1,
                                           message: "test node '3' has no class in \(labelFile) (no line there, or only a negative label); every train, val and test node needs one")) {
            try SplitReader.refuseUnlabelled(s, path: splitFile, labels: l, labelFile: labelFile, numNodes: 5)
        }
        // Every split node labelled: nothing to say.
        try SplitReader.refuseUnlabelled(NodeSplit(train: [0], val: [4], test: [1]), path: splitFile, labels: l,
                                         labelFile: labelFile, numNodes: 5)
        // String ids: the name as written.
        let edges = try EdgeListReader.parse(text: "ann bob\nbob cy\n")
        let named = TestFiles.write("ann\ttrain\ncy\tval\n", to: "named.tsv", in: folder)
        let namedLabels = try LabelReader.parse(Array("ann\tx\n".utf8), file: "l.tsv", nodeIDs: edges.nodeIDs, numNodes: 3)
        let namedSplit = try SplitReader.read(named, nodeIDs: edges.nodeIDs, numNodes: 3)
        #expect(throws: GraphIOError.parse(file: named, line: 2, column: 1,
                                           message: "val node 'cy' has no class in l.tsv (no line there, or only a negative label); every train, val and test node needs one")) {
            try SplitReader.refuseUnlabelled(namedSplit, path: named, labels: namedLabels, labelFile: "l.tsv", nodeIDs: edges.nodeIDs, numNodes: 3)
        }
    }
}

@Suite("One label per node")
struct SingleLabelTests {
    @Test func secondDifferentLabelNamesBothLines() {
        let text = "# node label\n0\ta\n1\tb\n0\ta\n2\tc\n1\td\n"
        #expect(throws: GraphIOError.parse(file: "l.tsv", line: 6, column: 2,
                                           message: "node '1' already has label 'b' (line 3); one label per node is expected, found a second, 'd'")) {
            try LabelReader.parse(Array(text.utf8), file: "l.tsv", numNodes: 3, singleLabel: true)
        }
        // Without singleLabel the same file is multi-label; a repeated pair is harmless either way.
        #expect((try? LabelReader.parse(Array(text.utf8), file: "l.tsv", numNodes: 3))?.isMultiLabel == true)
        #expect((try? LabelReader.parse(Array("0\ta\n0\ta\n".utf8), file: "l.tsv", numNodes: 1, singleLabel: true))?.isMultiLabel == false)
    }
}
