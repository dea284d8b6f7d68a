import DenseMath
import Foundation
import GraphCore
import GraphIO
import Testing

@Suite("Matrix Market")
struct MatrixMarketTests {
    func dense(_ text: String) throws(GraphIOError) -> Matrix {
        try MatrixMarketReader.parse(Array(text.utf8), file: "m.mtx")
    }

    func sparse(_ text: String) throws(GraphIOError) -> CSRGraph {
        try MatrixMarketReader.parseSparse(Array(text.utf8), file: "m.mtx")
    }

    @Test func coordinateRealGeneral() throws {
        let m = try dense("""
        %%MatrixMarket matrix coordinate real general
        % a comment
        %
        2 3 3
        1 1 1.5
        2 3 -2e-1

        1 1 0.5
        """)
        #expect(m.rows == 2 && m.cols == 3)
        #expect(m.values == [2, 0, 0, 0, 0, -0.2])
    }

    @Test func coordinatePatternSymmetricAsSparseGraph() throws {
        let g = try sparse("%%MatrixMarket matrix coordinate pattern symmetric\n3 3 3\n2 1\n3 1\n3 3\n")
        #expect(g.numRows == 3 && g.numColumns == 3)
        #expect(g.rowOffsets == [0, 2, 3, 5])
        #expect(g.columnIndices == [1, 2, 0, 0, 2])
        #expect(g.weights == nil)
        #expect(g.isSymmetric)
    }

    @Test func coordinateIntegerWeightsAreSummedWhenRepeated() throws {
        let g = try sparse("%%MatrixMarket matrix coordinate integer general\r\n2 2 3\r\n1 2 4\r\n1 2 1\r\n2 1 7\r\n")
        #expect(g.columnIndices == [1, 0])
        #expect(g.weights == [5, 7])
    }

    @Test func arrayGeneralIsColumnMajor() throws {
        let m = try dense("%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n5\n6\n")
        #expect(m.values == [1, 3, 5, 2, 4, 6])
        let g = try sparse("%%MatrixMarket matrix array real general\n2 2\n0\n2\n0\n3\n")
        // Dense [[0, 0], [2, 3]]: only the non-zeros are stored.
        #expect(g.rowOffsets == [0, 0, 2])
        #expect(g.columnIndices == [0, 1])
        #expect(g.weights == [2, 3])
    }

    @Test func arraySymmetricAndSkewSymmetric() throws {
        let s = try dense("%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n")
        // Lower triangle by columns: (1,1)=1 (2,1)=2 (3,1)=3 (2,2)=4 (3,2)=5 (3,3)=6.
        #expect(s.values == [1, 2, 3, 2, 4, 5, 3, 5, 6])
        let k = try dense("%%MatrixMarket matrix array real skew-symmetric\n3 3\n1\n2\n3\n")
        #expect(k.values == [0, -1, -2, 1, 0, -3, 2, 3, 0])
        let c = try dense("%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 4\n")
        #expect(c.values == [0, -4, 4, 0])
    }

    @Test func byteOrderMarkAndCaseInsensitiveBanner() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("%%MatrixMarket MATRIX Coordinate Real General\n1 1 1\n1 1 3\n".utf8)
        #expect(try MatrixMarketReader.parse(bytes, file: "m.mtx").values == [3])
    }

    // MARK: Bad input

    @Test func headerCountLies() {
        expectParseError(file: "m.mtx", line: 5, containing: "more entries than the 2 declared on the size line (line 2)") {
            try dense("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 1\n1 2 1\n")
        }
        expectParseError(file: "m.mtx", line: 4, containing: "the file ends after 2 entries; the size line (line 2) declares 3") {
            try dense("%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1\n2 2 1\n")
        }
        expectParseError(file: "m.mtx", line: 3, containing: "the file ends after 1 entries") {
            try dense("%%MatrixMarket matrix array real general\n2 1\n1\n")
        }
    }

    @Test func indicesOutOfRange() {
        expectParseError(file: "m.mtx", line: 3, column: 1, containing: "row index '3' is outside 1...2") {
            try dense("%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n")
        }
        expectParseError(file: "m.mtx", line: 3, column: 2, containing: "column index '0' is outside 1...2") {
            try dense("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 0 1\n")
        }
        expectParseError(file: "m.mtx", line: 3, column: 1, containing: "expected a 1-based row index") {
            try dense("%%MatrixMarket matrix coordinate real general\n2 2 1\n-1 1 1\n")
        }
    }

    @Test func badHeaders() {
        expectParseError(file: "m.mtx", line: 1, containing: "expected the banner") { try dense("2 2 1\n1 1 1\n") }
        expectParseError(file: "m.mtx", line: 1, column: 4, containing: "unsupported field 'complex'") {
            try dense("%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n")
        }
        expectParseError(file: "m.mtx", line: 1, column: 5, containing: "unsupported symmetry 'hermitian'") {
            try dense("%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n1 1 1\n")
        }
        expectParseError(file: "m.mtx", line: 1, containing: "array format cannot have the 'pattern' field") {
            try dense("%%MatrixMarket matrix array pattern general\n1 1\n")
        }
        expectParseError(file: "m.mtx", line: 3, containing: "expected the size line 'rows columns entries'") {
            try dense("%%MatrixMarket matrix coordinate real general\n%\n2 2\n")
        }
        expectParseError(file: "m.mtx", line: 2, column: 3, containing: "expected a non-negative count") {
            try dense("%%MatrixMarket matrix coordinate real general\n2 2 x\n")
        }
        expectParseError(file: "m.mtx", line: 2, containing: "must be square") {
            try dense("%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n")
        }
        expectParseError(file: "m.mtx", line: 1, containing: "ends before the size line") {
            try dense("%%MatrixMarket matrix coordinate real general\n")
        }
        expectParseError(file: "m.mtx", line: 2, containing: "too large") {
            try dense("%%MatrixMarket matrix coordinate real general\n100000 100000 0\n")
        }
        #expect(throws: GraphIOError.empty("m.mtx")) { try dense("") }
    }

    @Test func badEntries() {
        let head = "%%MatrixMarket matrix coordinate real general\n2 2 1\n"
        expectParseError(file: "m.mtx", line: 3, column: 3, containing: "expected a finite value, found 'nan'") { try dense(head + "1 1 nan\n") }
        expectParseError(file: "m.mtx", line: 3, column: 3, containing: "expected a real value, found 'x'") { try dense(head + "1 1 x\n") }
        expectParseError(file: "m.mtx", line: 3, containing: "expected 3 fields (row, column, value), found 2") { try dense(head + "1 1\n") }
        expectParseError(file: "m.mtx", line: 3, column: 3, containing: "non-negative value") { try sparse(head + "1 1 -2\n") }
        expectParseError(file: "m.mtx", line: 3, column: 3, containing: "expected an integer value, found '1.5'") {
            try dense("%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n")
        }
    }

    // MARK: Real data

    @Test func coraFeatures() throws {
        let m = try MatrixMarketReader.read(TestFiles.graph("cora/features.mtx"))
        #expect(m.rows == 2708 && m.cols == 1433)
        #expect(m.values.reduce(0, +) == 49216) // binary bag of words, 49,216 ones
        #expect(m[0, 19] == 1 && m[0, 81] == 1)
        let g = try MatrixMarketReader.readSparse(TestFiles.graph("cora/features.mtx"))
        #expect(g.numRows == 2708 && g.numColumns == 1433 && g.nnz == 49216)
    }
}
