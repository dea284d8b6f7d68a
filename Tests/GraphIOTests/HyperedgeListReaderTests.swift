import Foundation
import GraphCore
import GraphIO
import Testing

@Suite("Hyperedge lists")
struct HyperedgeListReaderTests {
    func parse(_ text: String, numVertices: Int? = nil) throws(GraphIOError) -> [[Int]] {
        try HyperedgeListReader.parse(Array(text.utf8), file: "h.tsv", numVertices: numVertices)
    }

    @Test func linesAsPublished() throws {
        let h = try parse("# hyperedges\n14\t258\n\n192 193\t280\r\n7\n14\t258\n3\t3\t1\n")
        #expect(h == [[14, 258], [192, 193, 280], [7], [14, 258], [3, 3, 1]])
    }

    @Test func badLines() {
        expectParseError(file: "h.tsv", line: 2, column: 3, containing: "expected an integer vertex id, found 'x'") {
            try parse("1\t2\n3\t4\tx\n")
        }
        expectParseError(file: "h.tsv", line: 1, column: 2, containing: "expected a non-negative vertex id, found '-4'") {
            try parse("1\t-4\n")
        }
        expectParseError(file: "h.tsv", line: 3, column: 1, containing: "not below numVertices = 10") {
            try parse("1 2\n3 4\n10 1\n", numVertices: 10)
        }
        expectParseError(file: "h.tsv", line: 1, column: 2, containing: "empty field") { try parse("1,,2\n") }
        expectParseError(file: "h.tsv", line: 2, containing: "NUL byte") { try parse("1 2\n\u{0}\n") }
        #expect(throws: GraphIOError.empty("h.tsv")) { try parse("# none\n\n") }
    }

    @Test func cocitationCora() throws {
        let path = TestFiles.graph("cocitation-cora/hyperedges.tsv")
        let h = try HyperedgeListReader.read(path, numVertices: 2708)
        #expect(h.count == 1579)
        #expect(h[0] == [14, 258])
        #expect(h[1] == [192, 193, 280, 420, 519])
        let covered = Set(h.joined())
        #expect(2708 - covered.count == 1274) // vertices in no hyperedge, as the README says
        let g = try HyperedgeListReader.readHypergraph(path, numVertices: 2708)
        #expect(g.numVertices == 2708 && g.numHyperedges == 1579)
    }
}
