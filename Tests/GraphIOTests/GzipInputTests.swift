import DenseMath
import Foundation
import GraphCore
@testable import GraphIO
import Testing
import TestSupport

/// gzip inputs give what the plain file gives: the same values, or the same error with the `.gz`
/// path in place of the plain one. The `.gz` files are written by the system's `gzip`.
@Suite("gzip inputs")
struct GzipInputTests {
    /// Writes `text` as `name` and `name.gz` in a fresh folder; returns both paths.
    static func pair(_ text: String, name: String = "edges.tsv") throws -> (plain: String, gz: String) {
        let folder = TestFiles.temporaryFolder()
        let plain = TestFiles.write(text, to: name, in: folder)
        return (plain, try GzipFiles.compress(plain))
    }

    /// `read(plain)` and `read(gz)` agree: equal values, or errors that read the same once the
    /// plain path is replaced by the `.gz` one.
    static func expectSame<T: Equatable>(_ files: (plain: String, gz: String), sourceLocation: SourceLocation = #_sourceLocation,
                                         _ read: (String) throws -> T) {
        let plain = Result { try read(files.plain) }, gz = Result { try read(files.gz) }
        switch (plain, gz) {
        case let (.success(a), .success(b)):
            #expect(a == b, sourceLocation: sourceLocation)
        case let (.failure(a), .failure(b)):
            #expect("\(a)".replacingOccurrences(of: files.plain, with: files.gz) == "\(b)", sourceLocation: sourceLocation)
        default:
            Issue.record("plain: \(plain), gzip: \(gz)", sourceLocation: sourceLocation)
        }
    }

    static let edgeTexts: [String] = [
        "0 1\n1 2\n2 0\n",
        "# comment\n% other\n\n0\t1\t0.5\r\n3,4,1.5\r\n",
        "\u{FEFF}a b\nb c\nc a\n",                        // BOM, string ids
        "src dst\n0 1\n1 2\n",                              // a header line (an error naming it)
        "0 1\n1 x\n2 3\n",                                  // automatic mode: names
        "0 1\n1 2 3 4\n",                                   // too many fields, line 2
        "0 1 0.5\n1 2\n",                                   // field count differs, line 2
        "0 1\n1 -2\n",                                      // negative id
        "0 1\n\u{0}1 2\n",                                  // NUL byte
        "# only comments\n",
        "5 6",                                              // no final newline
        "0,1,\n",                                           // trailing comma
        "0 3000000000\n",                                   // beyond 32-bit ids: names
        "0 20000000\n",                                     // sparse ids: names in automatic mode
    ]

    static let edgeOptions: [EdgeListReadOptions] = [
        .init(), .init(skipRows: 1), .init(idMode: .integer), .init(idMode: .string),
        .init(weighted: true), .init(weighted: false, numNodes: 7), .init(threadCount: 3),
    ]

    @Test("edge lists read the same from .gz", arguments: edgeTexts.indices)
    func edgeListsMatchPlainFiles(index: Int) throws {
        let files = try Self.pair(Self.edgeTexts[index])
        for options in Self.edgeOptions {
            Self.expectSame(files) { try EdgeListReader.read($0, options: options) }
            // Streamed in blocks of whole lines, down to one line per block.
            for blockBytes in [1, 5, 64] {
                Self.expectSame(files) { path in
                    path == files.plain ? try EdgeListReader.read(path, options: options)
                                        : try EdgeListReader.readCompressed(path, options: options, blockBytes: blockBytes)
                }
            }
        }
    }

    @Test func largeRandomEdgeListStreamsInBlocksWithTheSameResult() throws {
        let list = Fixtures.randomEdgeList(numNodes: 5000, numEdges: 60_000, seed: 3, weighted: true)
        var text = "# random\n"
        for e in 0..<list.count {
            text += "\(list.sources[e])\t\(list.targets[e])\t\(list.weights![e])\n"
            if e % 997 == 0 { text += "% a comment\n\n" }
        }
        let files = try Self.pair(text)
        let plain = try EdgeListReader.read(files.plain, options: .init(weighted: true))
        #expect(plain.count == 60_000)
        for blockBytes in [4096, 100_000, 1 << 24] {
            #expect(try EdgeListReader.readCompressed(files.gz, options: .init(weighted: true, threadCount: 2), blockBytes: blockBytes) == plain)
        }
        #expect(try EdgeListReader.read(files.gz, options: .init(weighted: true)) == plain)
    }

    @Test func otherTextReadersMatchPlainFiles() throws {
        let labels = try Self.pair("# node class\n0\t3\n1\t4\n1\t7\n2 some name\n", name: "labels.tsv")
        Self.expectSame(labels) { try LabelReader.read($0, numNodes: 3) }
        Self.expectSame(try Self.pair("0\t1\n0\t2\n", name: "labels.tsv")) { try LabelReader.read($0, numNodes: 3, singleLabel: true) }
        let split = try Self.pair("0\ttrain\n1\tval\n2\ttest\n", name: "split.tsv")
        Self.expectSame(split) { try SplitReader.read($0, numNodes: 3) }
        Self.expectSame(try Self.pair("0\ttrain\n1\tvalid\n", name: "split.tsv")) { try SplitReader.read($0, numNodes: 3) }
        let mtx = try Self.pair("%%MatrixMarket matrix coordinate real general\n2 3 2\n1 1 0.5\n2 3 -2\n", name: "features.mtx")
        Self.expectSame(mtx) { try MatrixMarketReader.read($0) }
        Self.expectSame(mtx) { try MatrixMarketReader.header(ofFile: $0).rows }
        Self.expectSame(try Self.pair("%%MatrixMarket matrix coordinate real general\n2 3 2\n1 1 0.5\n9 3 -2\n", name: "f.mtx")) {
            try MatrixMarketReader.read($0)
        }
        let hyperedges = try Self.pair("0\t1\t2\n2\t3\n", name: "hyperedges.tsv")
        Self.expectSame(hyperedges) { try HyperedgeListReader.read($0, numVertices: 4) }
        let embeddings = try Self.pair("a\t0.5\t1\nb\t-1\t2\n", name: "emb.tsv")
        Self.expectSame(embeddings) { try EmbeddingReader.read($0).embeddings }
        let folder = TestFiles.temporaryFolder()
        try NPY.write([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3], to: folder + "/x.npy")
        Self.expectSame((folder + "/x.npy", try GzipFiles.compress(folder + "/x.npy"))) { try NPY.read($0) }
    }

    @Test func datasetFolderWithCompressedFilesLoadsLikeTheOriginal() throws {
        let folder = TestFiles.temporaryFolder()
        for name in ["edges.tsv", "features.mtx", "labels.tsv", "split.tsv"] {
            try FileManager.default.copyItem(atPath: TestFiles.graph("cora/" + name), toPath: folder + "/" + name)
            try GzipFiles.compress(folder + "/" + name)
            try FileManager.default.removeItem(atPath: folder + "/" + name)
        }
        #expect(try NodeDataset.load(folder) == NodeDataset.load(TestFiles.graph("cora")))
        // A part given twice is refused.
        try FileManager.default.copyItem(atPath: TestFiles.graph("cora/labels.tsv"), toPath: folder + "/labels.tsv")
        #expect(throws: GraphIOError.dataset(folder: folder, message: "has both labels.tsv and labels.tsv.gz; keep one")) {
            try NodeDataset.load(folder)
        }
    }

    @Test func concatenatedMembersAreOneStream() throws {
        let a = try GzipFiles.compress(bytes: Array("0 1\n1 2\n".utf8)), b = try GzipFiles.compress(bytes: Array("2 3\n".utf8), level: 1)
        let folder = TestFiles.temporaryFolder()
        let both = TestFiles.write(bytes: a + b, to: "both.tsv.gz", in: folder)
        #expect(try EdgeListReader.read(both) == EdgeListReader.parse(text: "0 1\n1 2\n2 3\n", file: both))
        // An empty member (gzip of nothing) in between changes nothing.
        let empty = try GzipFiles.compress(bytes: [])
        let three = TestFiles.write(bytes: a + empty + b, to: "three.tsv.gz", in: folder)
        #expect(try EdgeListReader.read(three).sources == [0, 1, 2])
    }

    /// A magic number without the `.gz` name is gzip too (no text starts with 1f 8b).
    @Test func gzipWithoutTheNameIsRecognised() throws {
        let folder = TestFiles.temporaryFolder()
        let path = TestFiles.write(bytes: try GzipFiles.compress(bytes: Array("0 1\n".utf8)), to: "edges.tsv", in: folder)
        #expect(try EdgeListReader.read(path).count == 1)
    }

    // MARK: - Malformed gzip

    static func gz(_ bytes: [UInt8], name: String = "edges.tsv.gz") -> String {
        TestFiles.write(bytes: bytes, to: name, in: TestFiles.temporaryFolder())
    }

    @Test func notGzipAndEmptyFilesAreRefused() {
        let text = Self.gz(Array("0 1\n".utf8))
        #expect(throws: GraphIOError.compressed(file: text, message: "expected gzip data (starting with the bytes 1f 8b), found 30 20: not a gzip file")) {
            try EdgeListReader.read(text)
        }
        let empty = Self.gz([])
        #expect(throws: GraphIOError.compressed(file: empty, message: "expected gzip data, found an empty file")) {
            try LabelReader.read(empty, numNodes: 1)
        }
        let folder = TestFiles.temporaryFolder() + "/x.gz"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        #expect(throws: GraphIOError.isDirectory(folder)) { try EdgeListReader.read(folder) }
        #expect(throws: GraphIOError.fileNotFound(folder + "/none.gz")) { try EdgeListReader.read(folder + "/none.gz") }
    }

    /// Every prefix of a gzip file fails cleanly: none reads as valid, none hangs or crashes.
    @Test func everyTruncationIsAnError() throws {
        var text = ""
        for i in 0..<300 { text += "\(i) \((i * 7) % 300)\n" }
        let full = try GzipFiles.compress(bytes: Array(text.utf8))
        let path = Self.gz(full)
        #expect(try EdgeListReader.read(path).count == 300)
        for cut in 0..<full.count {
            let prefix = Self.gz(Array(full[..<cut]))
            guard let error = expectError({ try EdgeListReader.read(prefix) }) else { continue }
            guard case let .compressed(file, message) = error else {
                Issue.record("prefix of \(cut) bytes: \(error)")
                continue
            }
            #expect(file == prefix)
            if cut >= 10 {
                #expect(message.hasPrefix("the gzip data ends early, inside member 1"), "\(cut): \(message)")
            }
        }
    }

    @Test func corruptDataAndTrailersAreNamed() throws {
        let full = try GzipFiles.compress(bytes: Array(String(repeating: "0 1\n", count: 50).utf8))
        var crc = full
        crc[crc.count - 8] ^= 0xFF  // the trailer's CRC-32
        let crcPath = Self.gz(crc)
        // zlib checks the CRC-32 before it reads the length, the last 4 bytes.
        #expect(throws: GraphIOError.compressed(file: crcPath, message: "corrupt gzip data in member 1, near compressed byte \(full.count - 4): the CRC-32 in the trailer does not match the decompressed data (incorrect data check)")) {
            try EdgeListReader.read(crcPath)
        }
        var length = full
        length[length.count - 1] ^= 0x01  // the trailer's length
        let lengthPath = Self.gz(length)
        #expect(throws: GraphIOError.compressed(file: lengthPath, message: "corrupt gzip data in member 1, near compressed byte \(full.count): the length in the trailer does not match the decompressed data (incorrect length check)")) {
            try EdgeListReader.read(lengthPath)
        }
        for trailing in [[0x0A], [0, 0, 0, 0], Array("junk after the data".utf8)] as [[UInt8]] {
            let path = Self.gz(full + trailing)
            #expect(throws: GraphIOError.compressed(file: path, message: "the bytes from compressed byte \(full.count) on, after the end of gzip member 1, are not a complete gzip member")) {
                try EdgeListReader.read(path)
            }
        }
        // Flipping any single byte fails cleanly or (in header fields zlib ignores, such as the
        // modification time and OS) reads the same edges.
        let good = try EdgeListReader.read(Self.gz(full))
        for i in 0..<full.count {
            var bad = full
            bad[i] ^= 0x5A
            let path = Self.gz(bad)
            do {
                #expect(try EdgeListReader.read(path) == good, "flip at \(i)")
            } catch {
                if case .compressed = error {} else if case .parse = error {} else { Issue.record("flip at \(i): \(error)") }
            }
        }
    }

    @Test func formatExtensionsIgnoreGzip() {
        #expect(FilePaths.formatExtension(of: "a/edges.txt.gz") == "txt")
        #expect(FilePaths.formatExtension(of: "x.NPY") == "npy")
        #expect(FilePaths.formatExtension(of: "x.npy.GZ") == "npy")
        #expect(FilePaths.formatExtension(of: "a.gz") == "")
        #expect(FilePaths.formatExtension(of: "dir.v2/edges") == "")
        #expect(FilePaths.formatExtension(of: ".hidden") == "")
    }
}
