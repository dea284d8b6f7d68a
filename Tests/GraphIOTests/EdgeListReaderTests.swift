import DenseMath
import Foundation
import GraphCore
@testable import GraphIO
import Testing
import TestSupport

@Suite("Edge lists")
struct EdgeListReaderTests {
    func parse(_ text: String, _ options: EdgeListReadOptions = .init()) throws(GraphIOError) -> EdgeList {
        try EdgeListReader.parse(text: text, file: "e.tsv", options: options)
    }

    @Test func separatorsCommentsAndBlankLines() throws {
        let text = """
        # a comment
        % another comment
        0\t1
          1 2\t
        2,3

        3 , 0
        \t# indented comment
        4\t\t  4
        """
        let e = try parse(text)
        #expect(e.sources == [0, 1, 2, 3, 4])
        #expect(e.targets == [1, 2, 3, 0, 4])
        #expect(e.weights == nil)
        #expect(e.numNodes == 5)
        #expect(e.nodeIDs == nil)
    }

    @Test func weightsAreDetectedFromAThirdColumn() throws {
        let e = try parse("0 1 0.5\n1 2 2\n2 0 1e-3\n")
        #expect(e.weights == [0.5, 2, 0.001])
        let unweighted = try parse("0 1 0.5\n1 2 2\n", .init(weighted: false))
        #expect(unweighted.weights == nil)
        #expect(unweighted.sources == [0, 1])
    }

    @Test func requiredWeightMissing() {
        expectParseError(file: "e.tsv", line: 2, column: 3, containing: "expected a weight") {
            try parse("0 1 1\n1 2\n", .init(weighted: true))
        }
    }

    @Test func duplicatesAndSelfLoopsAreKeptAsListed() throws {
        let e = try parse("0 1\n0 1\n1 0\n2 2\n")
        #expect(e.sources == [0, 0, 1, 2])
        #expect(e.targets == [1, 1, 0, 2])
        #expect(e.numNodes == 3)
    }

    @Test func crlfAndByteOrderMark() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("# c\r\n0\t1\r\n\r\n1\t2 \r\n2\t0".utf8)
        let e = try EdgeListReader.parse(bytes, file: "bom.tsv")
        #expect(e.sources == [0, 1, 2])
        #expect(e.targets == [1, 2, 0])
        let strings = try EdgeListReader.parse(bytes, file: "bom.tsv", options: .init(idMode: .string))
        #expect(strings.nodeIDs?.names == ["0", "1", "2"])
    }

    @Test func stringIDsInOrderOfFirstAppearance() throws {
        let e = try parse("alice\tbob\nbob\tcarol\ncarol alice\n")
        #expect(e.sources == [0, 1, 2])
        #expect(e.targets == [1, 2, 0])
        #expect(e.numNodes == 3)
        #expect(e.nodeIDs?.names == ["alice", "bob", "carol"])
        #expect(e.nodeIDs?.lookup("carol") == 2)
    }

    @Test func automaticModeFallsBackToStringsOnAnyNonIntegerID() throws {
        let e = try parse("10 20\n20 x\n-1 10\n")
        #expect(e.nodeIDs?.names == ["10", "20", "x", "-1"])
        #expect(e.sources == [0, 1, 3])
        #expect(e.targets == [1, 2, 0])
        let forced = try parse("10 20\n", .init(idMode: .string))
        #expect(forced.nodeIDs?.names == ["10", "20"])
        #expect(forced.numNodes == 2)
        let big = try parse("0 4294967296\n")
        #expect(big.nodeIDs?.names == ["0", "4294967296"])
    }

    @Test func numNodesOption() throws {
        let e = try parse("0 1\n", .init(numNodes: 10))
        #expect(e.numNodes == 10)
        expectParseError(file: "e.tsv", line: 2, column: 2, containing: "not below numNodes = 3") {
            try parse("0 1\n1 3\n", .init(numNodes: 3))
        }
        expectParseError(file: "e.tsv", line: 2, column: 2, containing: "more than numNodes = 2") {
            try parse("a b\nb c\n", .init(numNodes: 2))
        }
        let s = try parse("a b\n", .init(idMode: .string, numNodes: 5))
        #expect(s.numNodes == 5)
    }

    @Test func sparseIDsAreRelabelledInAutomaticMode() throws {
        // Max id 87,654,321 for one edge: dense arrays would be mostly empty.
        let e = try parse("12345678 87654321\n")
        #expect(e.numNodes == 2)
        #expect(e.nodeIDs?.names == ["12345678", "87654321"])
        // Ids up to 2^24 stay integers whatever the edge count.
        #expect(try parse("0 16777215\n").nodeIDs == nil)
        #expect(try parse("0 16777216\n").nodeIDs != nil)
        #expect(try parse("0 2000000000\n", .init(numNodes: 2_000_000_001)).nodeIDs == nil)
    }

    @Test func largestSupportedID() throws {
        let e = try parse("0 2147483646\n", .init(idMode: .integer))
        #expect(e.numNodes == 2147483647)
        expectParseError(file: "e.tsv", line: 1, column: 2, containing: "larger than the largest supported id 2147483646") {
            try parse("0 2147483647\n", .init(idMode: .integer))
        }
        expectParseError(file: "e.tsv", line: 2, column: 1, containing: "larger than the largest supported id") {
            try parse("0 1\n99999999999999999999999 1\n", .init(idMode: .integer))
        }
    }

    @Test func errorDescriptionNamesFileLineAndField() {
        var text = (0..<16).map { "\($0)\t\($0 + 1)\n" }.joined()
        text += "16\tabc\n"
        let error = expectError {
            try EdgeListReader.parse(text: text, file: "cora/edges.tsv", options: .init(idMode: .integer))
        }
        #expect(error?.description == "cora/edges.tsv:17: field 2: expected an integer node id, found 'abc'")
    }

    // MARK: Bad input

    @Test func missingFileAndDirectory() {
        let folder = TestFiles.temporaryFolder()
        #expect(throws: GraphIOError.fileNotFound(folder + "/nope.tsv")) { try EdgeListReader.read(folder + "/nope.tsv") }
        #expect(throws: GraphIOError.isDirectory(folder)) { try EdgeListReader.read(folder) }
    }

    @Test func emptyAndCommentOnlyFiles() {
        let folder = TestFiles.temporaryFolder()
        let empty = TestFiles.write("", to: "empty.tsv", in: folder)
        let comments = TestFiles.write("# only\n% comments\n\n  \n", to: "comments.tsv", in: folder)
        #expect(throws: GraphIOError.empty(empty)) { try EdgeListReader.read(empty) }
        #expect(throws: GraphIOError.empty(comments)) { try EdgeListReader.read(comments) }
        #expect(throws: GraphIOError.empty(comments)) { try EdgeListReader.read(comments, options: .init(idMode: .string)) }
    }

    @Test func lineWithOneField() {
        expectParseError(file: "e.tsv", line: 3, column: .some(nil), containing: "expected at least 2 fields") {
            try parse("0 1\n\n7\n")
        }
        expectParseError(file: "e.tsv", line: 2, containing: "expected at least 2 fields") {
            try parse("a b\nc\n")
        }
    }

    @Test func nonNumericAndNegativeIDsInIntegerMode() {
        expectParseError(file: "e.tsv", line: 2, column: 1, containing: "expected an integer node id, found 'x1'") {
            try parse("0 1\nx1 2\n", .init(idMode: .integer))
        }
        expectParseError(file: "e.tsv", line: 1, column: 2, containing: "expected a non-negative node id, found '-3'") {
            try parse("0 -3\n", .init(idMode: .integer))
        }
        expectParseError(file: "e.tsv", line: 1, column: 2, containing: "found '1.5'") {
            try parse("0 1.5\n", .init(idMode: .integer))
        }
    }

    @Test(arguments: [
        ("0 1 nan\n", "expected a finite weight, found 'nan'"),
        ("0 1 inf\n", "expected a finite weight, found 'inf'"),
        ("0 1 -Infinity\n", "expected a finite weight"),
        ("0 1 1e39\n", "expected a finite weight"),
        ("0 1 -0.5\n", "expected a non-negative weight, found '-0.5'"),
        ("0 1 heavy\n", "expected a weight (a number), found 'heavy'"),
        ("0 1 1.5.2\n", "expected a weight (a number)"),
    ])
    func badWeights(text: String, message: String) {
        for mode in EdgeListReadOptions.IDMode.allCases {
            expectParseError(file: "e.tsv", line: 1, column: 3, containing: message) { try parse(text, .init(idMode: mode)) }
        }
    }

    @Test func inconsistentColumnCount() {
        expectParseError(file: "e.tsv", line: 4, column: .some(nil), containing: "expected 2 fields like the first data line (line 2), found 3") {
            try parse("# h\n0 1\n1 2\n2 3 1.0\n")
        }
        expectParseError(file: "e.tsv", line: 3, containing: "expected 3 fields like the first data line (line 1), found 2") {
            try parse("a b 1\nb c 2\nc d\n")
        }
        expectParseError(file: "e.tsv", line: 1, column: 4, containing: "at most 3 fields") { try parse("0 1 2 3\n") }
    }

    @Test func emptyFieldsAroundCommas() {
        expectParseError(file: "e.tsv", line: 1, column: 2, containing: "empty field") { try parse("0,,1\n") }
        expectParseError(file: "e.tsv", line: 1, column: 3, containing: "trailing ','") { try parse("0,1,\n") }
    }

    @Test func binaryGarbage() {
        let nul: [UInt8] = Array("0 1\n1 2\n".utf8) + [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00, 0x0A]
        for mode in EdgeListReadOptions.IDMode.allCases {
            expectParseError(file: "bin", line: 3, containing: "NUL byte") {
                try EdgeListReader.parse(nul, file: "bin", options: .init(idMode: mode))
            }
        }
        let invalidUTF8: [UInt8] = Array("0 1\n".utf8) + [0xFF, 0xFE, 0x20, 0x31, 0x0A]
        expectParseError(file: "bin", line: 2, column: 1, containing: "not valid UTF-8") {
            try EdgeListReader.parse(invalidUTF8, file: "bin")
        }
        expectParseError(file: "bin", line: 2, column: 1, containing: "not valid UTF-8") {
            try EdgeListReader.parse(invalidUTF8, file: "bin", options: .init(idMode: .integer))
        }
        // Random bytes never crash the parser; they either parse or throw.
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let bytes = (0..<rng.nextInt(below: 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? EdgeListReader.parse(bytes, file: "random")
        }
    }

    // MARK: Against a slow reference

    /// The obvious parser: split lines, drop comments, `Int(_:)` and `Float(_:)` on the fields.
    static func referenceParse(_ text: String) -> (sources: [Int32], targets: [Int32], weights: [Float]) {
        var s: [Int32] = [], t: [Int32] = [], w: [Float] = []
        // "\r\n" is one Character in Swift: normalise line ends before splitting.
        for raw in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("%") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            s.append(Int32(fields[0])!)
            t.append(Int32(fields[1])!)
            if fields.count == 3 { w.append(Float(String(fields[2]))!) }
        }
        return (s, t, w)
    }

    @Test func matchesTheReferenceOnRandomIDsAndWeights() throws {
        var rng = SplitMix64(seed: 2024)
        func id() -> String {
            let digits = 1 + rng.nextInt(below: 10)
            var value = 0
            for _ in 0..<digits { value = value * 10 + rng.nextInt(below: 10) }
            value = min(value, EdgeListReader.largestNodeID)
            let zeros = rng.nextInt(below: 8) == 0 ? String(repeating: "0", count: rng.nextInt(below: 12)) : ""
            return zeros + String(value)
        }
        func weight() -> String {
            switch rng.nextInt(below: 6) {
            case 0: return String(rng.nextInt(below: 100_000))
            case 1: return "\(rng.nextInt(below: 1000)).\(rng.nextInt(below: 1_000_000))"
            case 2: return "\(rng.nextInt(below: 10)).\(rng.nextInt(below: 1000))e-\(rng.nextInt(below: 30))"
            case 3: return "\(rng.nextInt(below: 10))E+\(rng.nextInt(below: 20))"
            case 4: return String(rng.nextUnitDouble() * 1e6) // up to 17 significant digits
            default: return ".\(rng.nextInt(below: 100))"
            }
        }
        for weighted in [false, true] {
            var text = ""
            for _ in 0..<5000 {
                if rng.nextInt(below: 30) == 0 { text += "# comment 123\n"; continue }
                text += id() + ["\t", " ", ",", " \t "][rng.nextInt(below: 4)] + id()
                if weighted { text += "\t" + weight() }
                text += rng.nextInt(below: 4) == 0 ? "\r\n" : "\n"
            }
            text += id() + " " + id() + (weighted ? " 1" : "") // last line without newline, short tail
            let reference = Self.referenceParse(text)
            for threads in [1, 3] {
                let e = try parse(text, .init(idMode: .integer, threadCount: threads))
                #expect(e.sources == reference.sources && e.targets == reference.targets)
                #expect(e.numNodes == Int(max(reference.sources.max()!, reference.targets.max()!)) + 1)
                if weighted {
                    let w = try #require(e.weights)
                    #expect(w.count == reference.weights.count)
                    for (a, b) in zip(w, reference.weights) where a != b {
                        // Only the rare double-rounding case of the 17-digit path may differ, by one ulp.
                        #expect(abs(a - b) <= b.ulp, "\(a) vs \(b)")
                    }
                } else {
                    #expect(e.weights == nil)
                }
            }
        }
    }

    @Test func digitRunsAroundTheEightByteFastPath() throws {
        // Ids ending right at the buffer end, 8 and 9+ digits, leading zeros, digits then junk.
        let integer = EdgeListReadOptions(idMode: .integer)
        #expect(try parse("12345678 87654321", integer).sources == [12_345_678])
        #expect(try parse("123456789\t1", integer).sources == [123_456_789])
        #expect(try parse("0000000000000000000000042 7\n").sources == [42])
        #expect(try parse("1 2147483646\n", integer).targets == [2_147_483_646])
        #expect(try parse("7 8").targets == [8])
        expectParseError(file: "e.tsv", line: 1, column: 1, containing: "found '12345678x'") {
            try parse("12345678x 1\n", .init(idMode: .integer))
        }
        expectParseError(file: "e.tsv", line: 1, column: 2, containing: "found '1234567x'") {
            try parse("1 1234567x\n", .init(idMode: .integer))
        }
        expectParseError(file: "e.tsv", line: 1, column: 1, containing: "larger than the largest supported id") {
            try parse("000000002147483647 1\n", .init(idMode: .integer))
        }
    }

    // MARK: Parallel parse

    /// Random edge-list text with comments, blank lines, CRLF and varied separators.
    static func randomText(lines: Int, weighted: Bool, seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed)
        var out = ""
        let separators = ["\t", " ", "  ", ",", " , ", "\t\t"]
        for _ in 0..<lines {
            switch rng.nextInt(below: 20) {
            case 0: out += "# comment \(rng.nextInt(below: 100))\n"
            case 1: out += "\n"
            case 2: out += "  \r\n"
            default:
                out += "\(rng.nextInt(below: 5000))\(separators[rng.nextInt(below: separators.count)])\(rng.nextInt(below: 5000))"
                if weighted { out += "\t\(Float(rng.nextInt(below: 1000)) / 8)" }
                out += rng.nextInt(below: 3) == 0 ? "\r\n" : "\n"
            }
        }
        return out
    }

    @Test(arguments: [false, true])
    func parallelParseEqualsSequentialParse(weighted: Bool) throws {
        for seed: UInt64 in 1...4 {
            let text = Self.randomText(lines: 3000, weighted: weighted, seed: seed)
            let reference = try parse(text, .init(idMode: .integer, threadCount: 1))
            #expect((reference.weights != nil) == weighted)
            for threads in [2, 3, 5, 8, 64] {
                let e = try parse(text, .init(idMode: .automatic, threadCount: threads))
                #expect(e == reference, "threads \(threads)")
            }
        }
    }

    @Test func threadsAreStartedOnlyForEvery64KiB() throws {
        // A small input keeps its chunks but parses them on the calling thread; a large one
        // starts threads. Both give the sequential result.
        #expect(ParseThreads.workers(requested: 3, bytes: 500) == 1)
        #expect(ParseThreads.workers(requested: 3, bytes: (64 << 10) - 1) == 1)
        #expect(ParseThreads.workers(requested: 3, bytes: 2 * (64 << 10)) == 2)
        #expect(ParseThreads.workers(requested: 3, bytes: 1 << 30) == 3)
        #expect(ParseThreads.workers(requested: 0, bytes: 1 << 30) == 1)
        let text = Self.randomText(lines: 40_000, weighted: true, seed: 7)
        #expect(text.utf8.count > 4 * (64 << 10))
        let reference = try parse(text, .init(idMode: .integer, threadCount: 1))
        for threads in [2, 4] {
            #expect(try parse(text, .init(idMode: .integer, threadCount: threads)) == reference, "threads \(threads)")
        }
        let broken = text + "0 x\n"
        let sequential = expectError { try parse(broken, .init(idMode: .integer, threadCount: 1)) }
        #expect(expectError { try parse(broken, .init(idMode: .integer, threadCount: 4)) } == sequential)
    }

    @Test func parallelParseReportsTheFirstErrorInFileOrder() {
        var rng = SplitMix64(seed: 99)
        for trial in 0..<30 {
            var lines = Self.randomText(lines: 400, weighted: false, seed: UInt64(trial)).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
            // One or two defects at random lines; the earliest must win whatever the chunking.
            let defects = ["0 1 1.0", "5", "0 x", "0 -1", "0 1 2 3", "0,,1"]
            for _ in 0..<(1 + rng.nextInt(below: 2)) {
                lines[rng.nextInt(below: lines.count - 1)] = defects[rng.nextInt(below: defects.count)]
            }
            let text = lines.joined(separator: "\n")
            let sequential = expectError { try parse(text, .init(idMode: .integer, threadCount: 1)) }
            for threads in [2, 4, 7] {
                let parallel = expectError { try parse(text, .init(idMode: .integer, threadCount: threads)) }
                #expect(parallel == sequential, "trial \(trial), threads \(threads)")
            }
        }
    }

    @Test func largeFileReadThroughTheMappingMatchesTheInMemoryParse() throws {
        // Over 16 MiB, so the reader hands parsed pages back to the OS while it goes.
        var bytes: [UInt8] = Array("# big\n".utf8)
        let block = Array((0..<64).map { "\($0 * 7919 % 100_000)\t\($0 * 104_729 % 1_000_003)\n" }.joined().utf8)
        bytes.reserveCapacity(18 << 20)
        var lines = 1
        while bytes.count < 17 << 20 {
            bytes.append(contentsOf: block)
            lines += 64
        }
        let folder = TestFiles.temporaryFolder()
        let path = TestFiles.write(bytes: bytes, to: "big.tsv", in: folder)
        let reference = try EdgeListReader.parse(bytes, file: path, options: .init(threadCount: 1))
        #expect(reference.count == lines - 1)
        for threads in [1, 2] {
            #expect(try EdgeListReader.read(path, options: .init(threadCount: threads)) == reference)
        }
        // An error after the released pages still names the right line.
        bytes.append(contentsOf: Array("1\tx\n".utf8))
        TestFiles.write(bytes: bytes, to: "big.tsv", in: folder)
        expectParseError(file: path, line: lines + 1, column: 2, containing: "found 'x'") {
            try EdgeListReader.read(path, options: .init(idMode: .integer, threadCount: 1))
        }
    }

    @Test func readFromDiskMatchesInMemoryParse() throws {
        let folder = TestFiles.temporaryFolder()
        let text = Self.randomText(lines: 500, weighted: true, seed: 3)
        let path = TestFiles.write(text, to: "w.tsv", in: folder)
        #expect(try EdgeListReader.read(path) == EdgeListReader.parse(text: text, file: path))
    }

    /// Issue 15 item 7: the line of an edge the reader accepted, for later steps' errors (a
    /// self-loop under --self-loops reject named no line).
    @Test func lineOfAnEdgeCountsDataLinesOnly() throws {
        let folder = TestFiles.temporaryFolder()
        let text = "\u{FEFF}h1\n# c\r\n0 1\r\n\n  % m\n1 1\n2 0"
        let path = TestFiles.write(text, to: "e.tsv", in: folder)
        let options = EdgeListReadOptions(skipRows: 1)
        #expect(try EdgeListReader.read(path, options: options).count == 3)
        #expect(try (0..<4).map { try EdgeListReader.line(ofEdge: $0, in: path, options: options) } == [3, 6, 7, nil])
        #expect(try EdgeListReader.line(ofEdge: 1, in: GzipFiles.compress(path), options: options) == 6)
        let npy = folder + "/e.npy"
        try NPY.write([Int64(0), 1, 1, 1], shape: [2, 2], to: npy)
        #expect(try EdgeListReader.line(ofEdge: 0, in: npy) == nil)
    }
}
