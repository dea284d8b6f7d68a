import DenseMath
import Foundation
import GraphCore
import GraphIO
import Testing

/// The bundled graphs under `graphs/` load with the counts their README states.
@Suite("Bundled graphs")
struct RealGraphTests {
    @Test func cora() throws {
        let edges = try EdgeListReader.read(TestFiles.graph("cora/edges.tsv"))
        #expect(edges.count == 5278)
        #expect(edges.numNodes == 2708)
        #expect(edges.nodeIDs == nil && edges.weights == nil)
        #expect(edges.sources.first == 0 && edges.targets.first == 633)
        let graph = try GraphBuilder.build(edges)
        #expect(graph.nnz == 2 * 5278)

        let features = try MatrixMarketReader.read(TestFiles.graph("cora/features.mtx"))
        #expect(features.rows == 2708 && features.cols == 1433)

        let labels = try LabelReader.read(TestFiles.graph("cora/labels.tsv"), numNodes: edges.numNodes)
        #expect(labels.numClasses == 7 && !labels.isMultiLabel)
        #expect(labels.labelledNodes.count == 2708)
        #expect(labels.singleLabels().prefix(3) == [3, 4, 4])

        let split = try SplitReader.read(TestFiles.graph("cora/split.tsv"), numNodes: edges.numNodes)
        #expect(split.train.count == 140 && split.val.count == 500 && split.test.count == 1000)
        #expect(Set(split.train).isDisjoint(with: split.test) && Set(split.val).isDisjoint(with: split.test))
    }

    @Test func blogCatalog() throws {
        let edges = try EdgeListReader.read(TestFiles.graph("blogcatalog/edges.tsv"))
        #expect(edges.count == 333_983)
        #expect(edges.numNodes == 10_312)
        // Same result on one thread and on several.
        let sequential = try EdgeListReader.read(TestFiles.graph("blogcatalog/edges.tsv"), options: .init(threadCount: 1))
        let parallel = try EdgeListReader.read(TestFiles.graph("blogcatalog/edges.tsv"), options: .init(threadCount: 4))
        #expect(sequential == edges && parallel == edges)

        let labels = try LabelReader.read(TestFiles.graph("blogcatalog/labels.tsv"), numNodes: edges.numNodes)
        #expect(labels.isMultiLabel)
        #expect(labels.numClasses == 39)
        #expect(labels.classes.count == 14_476)
        let perNode = (0..<labels.numNodes).map { labels.labels(of: $0).count }
        #expect(perNode.min() == 1 && perNode.max() == 11)
    }

    @Test func coraAsADatasetFolder() throws {
        let d = try NodeDataset.load(TestFiles.graph("cora"))
        #expect(d.numNodes == 2708 && d.edges.count == 5278)
        #expect(d.features.map { [$0.rows, $0.cols] } == [2708, 1433])
        #expect(d.labels?.numClasses == 7)
        #expect(d.split.map { [$0.train.count, $0.val.count, $0.test.count] } == [140, 500, 1000])
        let single = try NodeDataset.load(TestFiles.graph("karate/edges.tsv"))
        #expect(single.numNodes == 34 && single.features == nil && single.labels == nil && single.split == nil)
    }

    @Test func datasetFolderFeatureRowsAndNodeCount() throws {
        let folder = TestFiles.temporaryFolder()
        TestFiles.write("0 1\n1 2\n", to: "edges.tsv", in: folder)
        try NPY.write(Matrix(rows: 5, cols: 2), to: folder + "/features.npy")
        TestFiles.write("4\ttrain\n0\ttest\n", to: "split.tsv", in: folder)
        let d = try NodeDataset.load(folder)
        #expect(d.numNodes == 5) // nodes 3 and 4 are isolated
        #expect(d.split == NodeSplit(train: [4], val: [], test: [0]))
        // An edge to a node without a feature row: the edge list's line is named.
        try NPY.write(Matrix(rows: 2, cols: 2), to: folder + "/features.npy")
        #expect(throws: GraphIOError.parse(file: folder + "/edges.tsv", line: 2, column: 2,
                                           message: "node id '2' is not below 2, the row count of \(folder)/features.npy")) {
            try NodeDataset.load(folder)
        }
        // String ids cannot be checked line by line: the counts are compared.
        TestFiles.write("a b\nb c\n", to: "edges.tsv", in: folder)
        #expect(throws: GraphIOError.shapeMismatch("\(folder)/features.npy has 2 rows, but the graph has 3 nodes")) {
            try NodeDataset.load(folder)
        }
        let empty = TestFiles.temporaryFolder()
        #expect(throws: GraphIOError.fileNotFound(empty + "/edges.tsv")) { try NodeDataset.load(empty) }
    }

    @Test func karate() throws {
        let edges = try EdgeListReader.read(TestFiles.graph("karate/edges.tsv"))
        #expect(edges.count == 78 && edges.numNodes == 34)
        let labels = try LabelReader.read(TestFiles.graph("karate/labels.tsv"), numNodes: 34)
        #expect(labels.numClasses == 2 && labels.labelledNodes.count == 34)
    }
}
