import DenseMath
import Foundation
import GraphCore
@testable import GraphIO
import Testing
import TestSupport

/// Issue 15, item 5: `source target` below integer edges (a header repeated at the end, a
/// footer) switched automatic id mode to names, so every id was relabelled and the line became
/// an edge. Only the first data line may be a header; one stray line with non-integer ids among
/// integer edges is an error naming it. Files of names still read as names.
@Suite("Edge-list stray lines")
struct EdgeListStrayLineTests {
    func parse(_ text: String, _ options: EdgeListReadOptions = .init()) throws(GraphIOError) -> EdgeList {
        try EdgeListReader.parse(text: text, file: "e.tsv", options: options)
    }

    static func strayMessage(_ text: String) -> String {
        "expected an edge with integer node ids like the other lines, found '\(text)'; only the first line can be a header: delete this line or start it with '#' (or read every id as a name with id mode 'string')"
    }

    @Test(arguments: [
        ("0\t1\n1\t2\n2\t0\nsource\ttarget\n", 4, "source target"),
        ("0 1\n1 2\nsrc dst\n2 3\n", 3, "src dst"),
        ("# c\n0,1\n\n1,2\r\nsource,target\r\n", 5, "source,target"),
        ("0 1 0.5\n1 2 1\nfrom to 1\n", 3, "from to 1"),
        ("0 1\n1 -1\n1 2\n", 2, "1 -1"),
        ("0 1\n2 alice\n", 2, "2 alice"),
    ])
    func aStrayLineBelowIntegerEdgesIsAnErrorNamingIt(text: String, line: Int, shown: String) throws {
        for weighted in [nil, false] as [Bool?] {
            #expect(throws: GraphIOError.parse(file: "e.tsv", line: line, column: nil, message: Self.strayMessage(shown))) {
                try parse(text, .init(weighted: weighted))
            }
        }
        // Integer mode keeps its own error for the line; string mode reads names, as asked.
        #expect(throws: GraphIOError.self) { try parse(text, .init(idMode: .integer)) }
        #expect(try parse(text, .init(idMode: .string)).nodeIDs != nil)
    }

    @Test func filesOfNamesStillReadAsNames() throws {
        // Names on more than one line, a name on the first line, ids too large for 32 bits.
        for text in ["ann bob\nbob cy\n", "0 1\n1 alice\nalice 2\n", "alice 0\n0 1\n", "0 1\n1 9999999999\n",
                     "source target\nann bob\n", "0 1\nx y\nz w\n"] {
            let e = try parse(text)
            #expect(e.nodeIDs != nil, "\(text)")
        }
        // A line without the other lines' field count keeps its own error (read as names, the
        // file fails there anyway: nothing is misread).
        #expect(throws: GraphIOError.parse(file: "e.tsv", line: 2, column: 4, message: "expected at most 3 fields (source, target, weight), found 4")) {
            try parse("0 1\n1 x y z\n")
        }
        #expect(throws: GraphIOError.parse(file: "e.tsv", line: 3, column: nil, message: "expected 3 fields like the first data line (line 1), found 2")) {
            try parse("0 1 0.5\n1 2 1\nfrom to\n")
        }
    }

    /// The parallel chunks, the gzip stream and the distributed parts find the same line.
    @Test func everyReadingPathNamesTheSameLine() throws {
        var lines = (0..<4000).map { "\($0 % 500)\t\(($0 * 7 + 3) % 500)" }
        lines.insert("source\ttarget", at: 2345)
        let text = lines.joined(separator: "\n") + "\n"
        let expected = GraphIOError.parse(file: "e.tsv", line: 2346, column: nil, message: Self.strayMessage("source target"))
        for threads in [1, 3] {
            #expect(throws: expected) { try parse(text, .init(threadCount: threads)) }
        }
        let folder = TestFiles.temporaryFolder()
        let plain = TestFiles.write(text, to: "e.tsv", in: folder)
        #expect(throws: GraphIOError.parse(file: plain, line: 2346, column: nil, message: Self.strayMessage("source target"))) {
            try EdgeListReader.read(plain)
        }
        let gz = try GzipFiles.compress(plain)
        #expect(throws: GraphIOError.parse(file: gz, line: 2346, column: nil, message: Self.strayMessage("source target"))) {
            try EdgeListReader.read(gz)
        }
        // Parts, as ranks read them: the part holding the line finds it and the rest after it.
        for parts in [2, 3] {
            let summaries = try (0..<parts).map { try EdgeListReader.readPart(plain, part: $0, of: parts, options: .init(), strings: false).summary }
            let merged = EdgeListPartSummary.merged(summaries)
            #expect(merged.failureLine == 2346 && merged.idNotInteger)
            var before = 0, owner = 0
            while EdgeListPartSummary.merged(Array(summaries[...owner])).failureLine == nil { before += summaries[owner].lines; owner += 1 }
            let found = try EdgeListReader.partAfterStrayLine(plain, part: owner, of: parts, line: 2346 - before,
                                                              column: merged.failureColumn, fieldCount: 2, options: .init())
            #expect(found?.text == "'source target'")
            let after = EdgeListPartSummary.merged([found!.rest] + summaries[(owner + 1)...])
            #expect(after.failureLine == nil && after.edgeCount == 4000 - 2345)
        }
    }

    /// Slow reference: the reader reports a stray line exactly when the whole text fails in
    /// integer mode on a line below the first data line whose id is not digits and whose field
    /// count is the first data line's, and the text without that line reads in integer mode.
    @Test func strayLineRuleMatchesTheSlowReference() throws {
        var rng = SplitMix64(seed: 15)
        let tokens = ["0", "1", "7", "a", "src", "-1", "0.5", "#c", ""]
        var seen = 0
        for _ in 0..<600 {
            let lines = (0..<(2 + rng.next() % 4)).map { _ in
                (0..<(1 + rng.next() % 3)).map { _ in tokens[Int(rng.next() % UInt64(tokens.count))] }.joined(separator: " ")
            }
            let text = lines.joined(separator: "\n")
            let whole = Result { () throws(GraphIOError) in try parse(text) }
            let reported: Int?
            if case let .failure(.parse(_, line, _, message)) = whole, message.hasPrefix("expected an edge with integer node ids") {
                reported = line
            } else {
                reported = nil
            }
            var expected: Int?
            let all = text.split(separator: "\n", omittingEmptySubsequences: false)
            let firstData = all.firstIndex {
                let t = $0.trimmingCharacters(in: .whitespaces)
                return !t.isEmpty && !t.hasPrefix("#")
            }
            if case let .failure(.parse(_, line, column?, message)) = Result(catching: { () throws(GraphIOError) in try parse(text, .init(idMode: .integer)) }),
               message.hasPrefix("expected an integer node id") || message.hasPrefix("expected a non-negative node id"),
               let firstData, line > firstData + 1 {
                let fields = all[line - 1].split(separator: " ")
                let token = column <= fields.count ? fields[column - 1] : ""
                var without = all
                without[line - 1] = ""
                let before = all[firstData].split(separator: " ").count
                if fields.count == before, !token.allSatisfy(\.isNumber) || token.isEmpty,
                   (try? parse(without.joined(separator: "\n"), .init(idMode: .integer))) != nil {
                    expected = line
                }
            }
            #expect(reported == expected, "\(text)")
            if reported != nil { seen += 1 }
        }
        #expect(seen >= 5)  // the rule was exercised (10 of these 600 texts)
    }
}
