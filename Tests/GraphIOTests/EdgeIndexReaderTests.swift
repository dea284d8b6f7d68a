import Foundation
import GraphCore
@testable import GraphIO
import Testing
import TestSupport

/// PyG `edge_index` .npy files read as the same edges written as text.
@Suite("edge_index .npy")
struct EdgeIndexReaderTests {
    /// graphs/karate/edges.tsv as NumPy wrote it: `np.save(f, np.loadtxt("graphs/karate/edges.tsv",
    /// dtype=np.int64).T.copy())` (NumPy 2.4.6), base64.
    static let karateEdgeIndex = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDc4KSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAACAAAAAAAAAAIAAAAAAAAAAgAAAAAAAAACAAAAAAAAAAIAAAAAAAAAAgAAAAAAAAACAAAAAAAAAAIAAAAAAAAAAwAAAAAAAAADAAAAAAAAAAMAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAUAAAAAAAAABQAAAAAAAAAFAAAAAAAAAAYAAAAAAAAACAAAAAAAAAAIAAAAAAAAAAgAAAAAAAAACQAAAAAAAAANAAAAAAAAAA4AAAAAAAAADgAAAAAAAAAPAAAAAAAAAA8AAAAAAAAAEgAAAAAAAAASAAAAAAAAABMAAAAAAAAAFAAAAAAAAAAUAAAAAAAAABYAAAAAAAAAFgAAAAAAAAAXAAAAAAAAABcAAAAAAAAAFwAAAAAAAAAXAAAAAAAAABcAAAAAAAAAGAAAAAAAAAAYAAAAAAAAABgAAAAAAAAAGQAAAAAAAAAaAAAAAAAAABoAAAAAAAAAGwAAAAAAAAAcAAAAAAAAABwAAAAAAAAAHQAAAAAAAAAdAAAAAAAAAB4AAAAAAAAAHgAAAAAAAAAfAAAAAAAAAB8AAAAAAAAAIAAAAAAAAAABAAAAAAAAAAIAAAAAAAAAAwAAAAAAAAAEAAAAAAAAAAUAAAAAAAAABgAAAAAAAAAHAAAAAAAAAAgAAAAAAAAACgAAAAAAAAALAAAAAAAAAAwAAAAAAAAADQAAAAAAAAARAAAAAAAAABMAAAAAAAAAFQAAAAAAAAAfAAAAAAAAAAIAAAAAAAAAAwAAAAAAAAAHAAAAAAAAAA0AAAAAAAAAEQAAAAAAAAATAAAAAAAAABUAAAAAAAAAHgAAAAAAAAADAAAAAAAAAAcAAAAAAAAACAAAAAAAAAAJAAAAAAAAAA0AAAAAAAAAGwAAAAAAAAAcAAAAAAAAACAAAAAAAAAABwAAAAAAAAAMAAAAAAAAAA0AAAAAAAAABgAAAAAAAAAKAAAAAAAAAAYAAAAAAAAACgAAAAAAAAAQAAAAAAAAABAAAAAAAAAAHgAAAAAAAAAgAAAAAAAAACEAAAAAAAAAIQAAAAAAAAAhAAAAAAAAACAAAAAAAAAAIQAAAAAAAAAgAAAAAAAAACEAAAAAAAAAIAAAAAAAAAAhAAAAAAAAACEAAAAAAAAAIAAAAAAAAAAhAAAAAAAAACAAAAAAAAAAIQAAAAAAAAAZAAAAAAAAABsAAAAAAAAAHQAAAAAAAAAgAAAAAAAAACEAAAAAAAAAGQAAAAAAAAAbAAAAAAAAAB8AAAAAAAAAHwAAAAAAAAAdAAAAAAAAACEAAAAAAAAAIQAAAAAAAAAfAAAAAAAAACEAAAAAAAAAIAAAAAAAAAAhAAAAAAAAACAAAAAAAAAAIQAAAAAAAAAgAAAAAAAAACEAAAAAAAAAIQAAAAAAAAA="

    static func write(_ sources: [Int64], _ targets: [Int64], name: String = "edge_index.npy") throws -> String {
        let path = TestFiles.temporaryFolder() + "/" + name
        try NPY.write(sources + targets, shape: [2, sources.count], to: path)
        return path
    }

    @Test func numpyWrittenKarateEqualsTheTextFile() throws {
        let path = TestFiles.write(bytes: Array(Data(base64Encoded: Self.karateEdgeIndex)!), to: "karate.npy", in: TestFiles.temporaryFolder())
        let text = try EdgeListReader.read(TestFiles.graph("karate/edges.tsv"))
        #expect(text.count == 78)
        #expect(try EdgeListReader.read(path) == text)
        #expect(try EdgeIndexReader.read(path) == text)
        // Also compressed, and through the dataset loader.
        #expect(try EdgeListReader.read(GzipFiles.compress(path)) == text)
        #expect(try NodeDataset.load(path).edges == text)
    }

    @Test func int32AndOptionsBehaveAsForText() throws {
        let folder = TestFiles.temporaryFolder()
        let path32 = folder + "/e.npy"
        try NPY.write([0, 1, 5, 1, 2, 0] as [Int32], shape: [2, 3], to: path32)
        let text = TestFiles.write("0 1\n1 2\n5 0\n", to: "e.tsv", in: folder)
        for options in [EdgeListReadOptions(), .init(idMode: .integer), .init(idMode: .string), .init(numNodes: 9), .init(threadCount: 2)] {
            #expect(try EdgeListReader.read(path32, options: options) == EdgeListReader.read(text, options: options))
        }
        // Sparse ids: automatic mode relabels them as text does.
        let sparse = try Self.write([0, 40_000_000], [40_000_000, 7])
        let sparseText = TestFiles.write("0 40000000\n40000000 7\n", to: "s.tsv", in: folder)
        let list = try EdgeListReader.read(sparse)
        #expect(list == (try EdgeListReader.read(sparseText)))
        #expect(list.nodeIDs?.names == ["0", "40000000", "7"] && list.sources == [0, 1] && list.targets == [1, 2])
    }

    @Test func malformedArraysAreNamed() throws {
        let folder = TestFiles.temporaryFolder()
        let transposed = folder + "/t.npy"
        try NPY.write([0, 1, 1, 2, 2, 0] as [Int64], shape: [3, 2], to: transposed)
        #expect(throws: GraphIOError.npy(file: transposed, message: "expected a PyG edge_index of shape (2, E), found shape (3, 2) (this looks like its transpose, [E × 2]: save edge_index itself)")) {
            try EdgeListReader.read(transposed)
        }
        let floats = folder + "/f.npy"
        try NPY.write([0, 1, 1, 2] as [Float], shape: [2, 2], to: floats)
        #expect(throws: GraphIOError.npy(file: floats, message: "expected integer node ids (int64 or int32) in edge_index, found <f4 values")) {
            try EdgeListReader.read(floats)
        }
        let negative = try Self.write([0, 3, 1], [1, -4, 2])
        #expect(throws: GraphIOError.npy(file: negative, message: "edge_index[1, 1] = -4: node ids must be non-negative")) {
            try EdgeListReader.read(negative)
        }
        let big = try Self.write([0, 1], [1, 1 << 40])
        #expect(throws: GraphIOError.npy(file: big, message: "edge_index[1, 1] = 1099511627776 is larger than the largest supported id 2147483646 (32-bit ids)")) {
            try EdgeListReader.read(big)
        }
        let small = try Self.write([0, 1], [1, 9])
        #expect(throws: GraphIOError.npy(file: small, message: "edge_index[1, 1] = 9 is not below numNodes = 5")) {
            try EdgeListReader.read(small, options: .init(numNodes: 5))
        }
        #expect(throws: GraphIOError.npy(file: small, message: "a PyG edge_index holds no edge weights (PyG keeps them in a separate edge_weight array); read it unweighted")) {
            try EdgeListReader.read(small, options: .init(weighted: true))
        }
        #expect(throws: GraphIOError.shapeMismatch("\(small): the skipRows option (1) applies to text edge lists; an edge_index .npy has no header lines")) {
            try EdgeListReader.read(small, options: .init(skipRows: 1))
        }
        let empty = try Self.write([], [])
        #expect(throws: GraphIOError.empty(empty)) { try EdgeListReader.read(empty) }
        let notNumPy = TestFiles.write("0 1\n", to: "x.npy", in: folder)
        #expect(throws: GraphIOError.npy(file: notNumPy, message: "not a NumPy .npy file (missing the \\x93NUMPY magic string)")) {
            try EdgeListReader.read(notNumPy)
        }
    }

    /// The parts of a distributed read, in order, are the whole list (integer and string ids).
    @Test(arguments: [1, 2, 3, 5])
    func partsConcatenateToTheWhole(parts: Int) throws {
        let path = TestFiles.write(bytes: Array(Data(base64Encoded: Self.karateEdgeIndex)!), to: "karate.npy", in: TestFiles.temporaryFolder())
        let whole = try EdgeListReader.read(path)
        var sources: [Int32] = [], targets: [Int32] = [], names: [String] = []
        var summaries: [EdgeListPartSummary] = []
        for p in 0..<parts {
            let part = try EdgeListReader.readPart(path, part: p, of: parts, options: .init(), strings: false)
            sources += part.sources
            targets += part.targets
            summaries.append(part.summary)
            let named = try EdgeListReader.readPart(path, part: p, of: parts, options: .init(), strings: true)
            names += named.names.filter { !names.contains($0) }
            #expect(named.sources.count == part.sources.count && named.nameLines.count == named.names.count)
        }
        #expect(sources == whole.sources && targets == whole.targets)
        let merged = EdgeListPartSummary.merged(summaries)
        #expect(merged.edgeCount == 78 && merged.maxID == 33 && merged.fieldCount == 2 && merged.failureLine == nil)
        #expect(names == (try EdgeListReader.read(path, options: .init(idMode: .string))).nodeIDs?.names)
    }
}
