import DenseMath
import Foundation
import GraphCore
@testable import GraphIO
import Testing

@Suite("Atomic output and embedding writers")
struct OutputTests {
    func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func writesAndReplacesAtomically() throws {
        let folder = TestFiles.temporaryFolder()
        let path = folder + "/out.txt"
        try AtomicFile.write(Array("first".utf8), to: path)
        #expect(contents(path) == "first")
        try AtomicFile.write(Data("second".utf8), to: path)
        #expect(contents(path) == "second")
        #expect(TestFiles.listing(folder) == ["out.txt"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test func failedBodyLeavesNothingBehind() throws {
        let folder = TestFiles.temporaryFolder()
        let path = folder + "/out.txt"
        let failure = GraphIOError.write(path, reason: "simulated failure")
        #expect(throws: failure) {
            try AtomicFile.write(to: path) { (out: inout FileWriter) throws(GraphIOError) in
                try out.write(String(repeating: "x", count: 3 << 20)) // past the buffer: really on disk
                throw failure
            }
        }
        #expect(TestFiles.listing(folder) == [])
        // An existing file survives a failed rewrite untouched.
        try AtomicFile.write(Array("keep".utf8), to: path)
        #expect(throws: failure) {
            try AtomicFile.write(to: path) { (out: inout FileWriter) throws(GraphIOError) in
                try out.write("partial")
                throw failure
            }
        }
        #expect(contents(path) == "keep")
        #expect(TestFiles.listing(folder) == ["out.txt"])
    }

    @Test func largeWritesGoThroughTheBuffer() throws {
        let folder = TestFiles.temporaryFolder()
        let path = folder + "/big.bin"
        let chunk = [UInt8](repeating: 7, count: 700_000)
        try AtomicFile.write(to: path) { (out: inout FileWriter) throws(GraphIOError) in
            for _ in 0..<3 { try out.write(bytes: chunk) }
            try out.write(bytes: [UInt8](repeating: 8, count: 2 << 20))
            try out.write(byte: 9)
        }
        let data = FileManager.default.contents(atPath: path)!
        #expect(data.count == 3 * 700_000 + (2 << 20) + 1)
        #expect(data.first == 7 && data[2_100_000] == 8 && data.last == 9)
    }

    @Test func outputPathErrors() {
        let folder = TestFiles.temporaryFolder()
        #expect(throws: GraphIOError.outputDirectoryMissing(folder + "/missing/out.npy")) {
            try NPY.write(Matrix(rows: 1, cols: 1), to: folder + "/missing/out.npy")
        }
        #expect(GraphIOError.outputDirectoryMissing(folder + "/missing/out.npy").description
            == "\(folder)/missing/out.npy: the output folder '\(folder)/missing' does not exist")
        #expect(throws: GraphIOError.isDirectory(folder)) { try AtomicFile.write([UInt8](), to: folder) }
        let file = TestFiles.write("x", to: "file", in: folder)
        #expect(throws: GraphIOError.write(file + "/out", reason: "'\(file)' is not a folder")) {
            try AtomicFile.write([UInt8](), to: file + "/out")
        }
        #expect(TestFiles.listing(folder) == ["file"])
    }

    @Test func parentFolderOfRelativeAndAbsolutePaths() {
        #expect(GraphIOError.parentFolder(of: "relative.txt") == ".")
        #expect(GraphIOError.parentFolder(of: "out/relative.txt") == "out")
        #expect(GraphIOError.parentFolder(of: "/root.txt") == "/")
        #expect(GraphIOError.parentFolder(of: "/a/b/c.npy") == "/a/b")
    }

    @Test func embeddingsAsTSVAndWord2Vec() throws {
        let folder = TestFiles.temporaryFolder()
        let matrix = Matrix(rows: 2, cols: 3, values: [0.25, -1.5, 0, 1e-05, 2, 0.1])
        try EmbeddingWriter.writeTSV(matrix, to: folder + "/plain.tsv")
        #expect(contents(folder + "/plain.tsv") == "0\t0.25\t-1.5\t0.0\n1\t1e-05\t2.0\t0.1\n")
        let names = try NodeIDMap(names: ["alice", "bob"])
        try EmbeddingWriter.writeTSV(matrix, nodeIDs: names, to: folder + "/named.tsv")
        #expect(contents(folder + "/named.tsv") == "alice\t0.25\t-1.5\t0.0\nbob\t1e-05\t2.0\t0.1\n")
        try EmbeddingWriter.writeWord2Vec(matrix, nodeIDs: names, to: folder + "/vectors.txt")
        #expect(contents(folder + "/vectors.txt") == "2 3\nalice 0.25 -1.5 0.0\nbob 1e-05 2.0 0.1\n")
        // The values read back exactly.
        let back = try EdgeListReader.parse(text: "0 1 1e-05\n0 1 0.1\n")
        #expect(back.weights == [1e-05, 0.1])
    }

    @Test func partitionsAsTSV() throws {
        let folder = TestFiles.temporaryFolder()
        try PartitionWriter.writeTSV([1, 0, 1], to: folder + "/parts.tsv")
        #expect(contents(folder + "/parts.tsv") == "0\t1\n1\t0\n2\t1\n")
        try PartitionWriter.writeTSV([2, 0], nodeIDs: try NodeIDMap(names: ["x", "y"]), to: folder + "/named.tsv")
        #expect(contents(folder + "/named.tsv") == "x\t2\ny\t0\n")
        let back = try LabelReader.read(folder + "/parts.tsv", numNodes: 3)
        #expect(back.singleLabels() == [1, 0, 1])
        try NPY.write(NPYArray(int32: [1, 0, 1], shape: [3]), to: folder + "/parts.npy")
        #expect(try NPY.read(folder + "/parts.npy").asInt32() == [1, 0, 1])
    }
}
