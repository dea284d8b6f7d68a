import DenseMath
import Foundation
import GraphCore
@testable import GraphIO
import Testing

/// Issue 15, item 3: no silent misreads. A header is never read as an edge between two phantom
/// nodes, and a third field that is not a number is an error whatever the weight option.
@Suite("Edge-list headers and third fields")
struct EdgeListHeaderTests {
    func parse(_ text: String, _ options: EdgeListReadOptions = .init()) throws(GraphIOError) -> EdgeList {
        try EdgeListReader.parse(text: text, file: "e.tsv", options: options)
    }

    static func headerMessage(_ line: Int, _ text: String) -> String {
        "expected an edge, found a header line '\(text)' (the lines after it are edges); skip it with --skip-rows \(line) or start it with '#'"
    }

    static let modes: [EdgeListReadOptions.IDMode] = [.automatic, .integer, .string]

    @Test(arguments: [
        ("source,target\n0,1\n1,2\n", "source,target", [EdgeListReadOptions.IDMode.automatic, .integer]),
        ("src dst weight\n0 1 0.5\n1 2 1\n", "src dst weight", modes),
        ("# comment\n\nsrc\tdst\tw\n0\t1\t2\n", "src\tdst\tw", [.automatic, .integer]),
    ])
    func headerAboveEdgesIsAnErrorNamingTheLine(text: String, header: String, modes: [EdgeListReadOptions.IDMode]) throws {
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix(header.prefix(3)) }! + 1
        for mode in modes {
            // --weighted too (issue 15: it reported the header's missing weight instead).
            for weighted in [nil, false, true] as [Bool?] {
                #expect(throws: GraphIOError.parse(file: "e.tsv", line: line, column: nil,
                                                   message: Self.headerMessage(line, header.replacingOccurrences(of: "\t", with: " ")))) {
                    try parse(text, .init(idMode: mode, weighted: weighted))
                }
            }
            // Skipped, the rest reads as without the header.
            let skipped = try parse(text, .init(idMode: mode, skipRows: line))
            #expect(skipped.count == text.split(separator: "\n").count - (line == 1 ? 1 : 2))
        }
    }

    @Test func headerOverStringIDsCannotBeToldApartAndIsAnEdge() throws {
        // Documented limit: `source target` above names is a valid edge between two names.
        let e = try parse("source target\nann bob\n")
        #expect(e.count == 2 && e.nodeIDs?.names == ["source", "target", "ann", "bob"])
    }

    @Test(arguments: ["0 1 nan", "0 1 inf", "0 1 -3", "0 1 1e400", "0 1 0x10", "0,1,1,7", "3\t4\tx"])
    func aFirstEdgeWithABadWeightIsNotCalledAHeader(first: String) throws {
        // Skipping it as a header (the hint) would drop the edge 0–1: its own error, as on any other line.
        for weighted in [nil, true] as [Bool?] {
            do {
                _ = try parse(first + "\n1 2 1\n2 0 1\n", .init(weighted: weighted))
                Issue.record("'\(first)' was read")
            } catch let error {
                guard case let .parse(_, line, _, message) = error else { Issue.record("\(error)"); continue }
                #expect(line == 1 && !message.contains("header"), "\(first): \(message)")
            }
        }
        // A line of names only is still a header above integer edges.
        #expect(throws: GraphIOError.parse(file: "e.tsv", line: 1, column: nil, message: Self.headerMessage(1, "from to w"))) {
            try parse("from to w\n1 2 1\n2 0 1\n")
        }
    }

    /// A first line of bytes that are not UTF-8 is not called a header (the message read "found
    /// a header line bytes that are not valid UTF-8 text"): the parser's own error names it.
    @Test func aFirstLineThatIsNotTextIsNotCalledAHeader() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("binary-\(UUID().uuidString).tsv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([0x61, 0xFF, 0x20, 0x62, 0x0A] + Array("1 2\n3 4\n".utf8)).write(to: URL(fileURLWithPath: path))
        for mode in Self.modes {
            #expect(throws: GraphIOError.parse(file: path, line: 1, column: 1,
                                               message: "expected \(mode == .integer ? "an integer node id" : "a node id"), found bytes that are not valid UTF-8 text (a binary file?)")) {
                try EdgeListReader.read(path, options: .init(idMode: mode))
            }
        }
    }

    @Test func aBadLineThatIsNotFirstKeepsItsOwnError() {
        #expect(throws: GraphIOError.parse(file: "e.tsv", line: 2, column: 1, message: "expected an integer node id, found 'x'")) {
            try parse("0 1\nx 1\n1 2\n", .init(idMode: .integer))
        }
        // A one-line file has no lines after it: its own error, not a header.
        #expect(throws: GraphIOError.parse(file: "e.tsv", line: 1, column: 1, message: "expected an integer node id, found 'a'")) {
            try parse("a b\n", .init(idMode: .integer))
        }
    }

    @Test func skipRowsCountsEveryLineAndKeepsFileLineNumbers() throws {
        #expect(throws: GraphIOError.parse(file: "e.tsv", line: 4, column: 1, message: "expected an integer node id, found 'x'")) {
            try parse("h1\nh2\n0 1\nx 2\n", .init(idMode: .integer, skipRows: 2))
        }
        let e = try parse("\u{FEFF}h\n# c\n0 1\n", .init(skipRows: 1))
        #expect(e.sources == [0] && e.targets == [1])
        // Skipping past the data says so, at the last line read, in every id mode.
        for mode in Self.modes {
            #expect(throws: GraphIOError.parse(file: "e.tsv", line: 1, column: nil, message: "the file ends after 1 line, within the 5 rows to skip")) {
                try parse("0 1\n", .init(idMode: mode, skipRows: 5))
            }
            #expect(throws: GraphIOError.parse(file: "e.tsv", line: 2, column: nil,
                                               message: "no edges after the 2 skipped rows (the rest is blank or comments)")) {
                try parse("h\n0 1\n# c\n\n", .init(idMode: mode, skipRows: 2))
            }
        }
        #expect(throws: GraphIOError.empty("e.tsv")) { try parse("", .init(skipRows: 5)) }
        #expect(throws: GraphIOError.self) { try parse("0 1\n", .init(skipRows: -1)) }
    }

    @Test(arguments: modes)
    func thirdFieldMustBeANumberEvenWhenWeightsAreIgnored(mode: EdgeListReadOptions.IDMode) {
        // `Ann Lee<TAB>Bob` splits into three fields; it must never become the edge Ann–Lee.
        let message = "expected a weight (a number), found 'Bob' (fields are separated by blanks or one comma, so a node name with a space reads as two fields)"
        for weighted in [nil, false, true] as [Bool?] {
            #expect(throws: GraphIOError.parse(file: "e.tsv", line: 1, column: 3, message: message)) {
                try parse("Ann Lee\tBob\n", .init(idMode: mode == .integer ? .string : mode, weighted: weighted))
            }
            #expect(throws: GraphIOError.parse(file: "e.tsv", line: 2, column: 3, message: message)) {
                try parse("0 1 2\n1 2 Bob\n", .init(idMode: mode, weighted: weighted))
            }
        }
    }

    /// A third field that weights-reading tools refuse (negative, NaN, infinite) is refused the
    /// same way where weights are ignored (fastrp without --weighted): one file, one reading.
    @Test(arguments: [("-3", "expected a non-negative weight, found '-3'"), ("nan", "expected a finite weight, found 'nan'"),
                      ("inf", "expected a finite weight, found 'inf'")])
    func ignoredThirdFieldsMustBeValidWeights(token: String, message: String) throws {
        for weighted in [nil, false, true] as [Bool?] {
            #expect(throws: GraphIOError.parse(file: "e.tsv", line: 2, column: 3, message: message)) {
                try parse("0 1 2\n1 2 \(token)\n", .init(weighted: weighted))
            }
        }
        let e = try parse("0 1 0\n1 2 1e9\n", .init(weighted: false))
        #expect(e.weights == nil && e.count == 2)
    }

    /// Slow reference for the header rule: drop the first data line and parse what is left; the
    /// reader reports a header exactly when the whole text fails on that line and the rest parses.
    @Test func headerRuleMatchesTheSlowReference() throws {
        var rng = SplitMix64(seed: 3)
        let tokens = ["0", "1", "7", "a", "src", "0.5", "x y", "-1", "#c", ""]
        for _ in 0..<400 {
            let lines = (0..<(1 + rng.next() % 4)).map { _ in
                (0..<(1 + rng.next() % 3)).map { _ in tokens[Int(rng.next() % UInt64(tokens.count))] }.joined(separator: " ")
            }
            let text = lines.joined(separator: "\n")
            for mode in Self.modes {
                let options = EdgeListReadOptions(idMode: mode)
                let whole = Result { () throws(GraphIOError) in try parse(text, options) }
                guard case let .failure(.parse(_, line, _, message)) = whole, message.contains("header line") else { continue }
                let all = text.split(separator: "\n", omittingEmptySubsequences: false)
                let first = all.firstIndex { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }!
                #expect(first + 1 == line)
                let rest = (Array(repeating: "", count: first + 1) + all[(first + 1)...]).joined(separator: "\n")
                #expect((try? parse(rest, options)) != nil, "\(text)")
            }
        }
    }
}

