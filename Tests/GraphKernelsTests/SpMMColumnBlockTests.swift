import DenseMath
import GraphCore
@testable import GraphKernels
import Testing
import TestSupport

/// The column-blocked product of distributed FastRP against the whole product: every value
/// bit-identical, whatever the block width and wherever the rows come from.
struct SpMMColumnBlockTests {
    @Test("blocks of any width over own and fetched rows equal SpMM.multiply bit for bit",
          arguments: [1, 3, 8, 13, 32])
    func blocksEqualWholeProduct(width: Int) throws {
        let n = 120, dim = 29, own = 50
        let g = try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: n, numEdges: 700, seed: UInt64(width), weighted: true))
        let x = Fixtures.randomMatrix(rows: n, cols: dim, seed: 7)
        let whole = SpMM.multiply(g, x, threads: 2)
        // Rows 0 ..< own are "own"; the rest arrive as fetched rows, one block at a time.
        let rows = 0..<40
        let lo = g.rowOffsets[rows.lowerBound], hi = g.rowOffsets[rows.upperBound]
        let offsets = g.rowOffsets[rows.lowerBound...rows.upperBound].map { $0 - lo }
        let columns = Array(g.columnIndices[lo..<hi])
        let weights = g.weights.map { Array($0[lo..<hi]) }
        var y = [Float](repeating: .nan, count: rows.count * dim)
        for c0 in stride(from: 0, to: dim, by: width) {
            let w = min(width, dim - c0)
            var halo = [Float]()
            for v in own..<n { halo += x.values[(v * dim + c0)..<(v * dim + c0 + w)] }
            x.values.withUnsafeBufferPointer { xs in
                halo.withUnsafeBufferPointer { h in
                    y.withUnsafeMutableBufferPointer { out in
                        SpMM.multiplyColumnBlock(offsets: offsets, columns: columns, weights: weights, ownRows: own,
                                                 x: xs.baseAddress!, xStride: dim, halo: h.baseAddress!, y: out.baseAddress!,
                                                 yStride: dim, c0: c0, width: w, threads: 2)
                    }
                }
            }
        }
        let expected = Array(whole.values[0..<(rows.count * dim)])
        #expect(y.map(\.bitPattern) == expected.map(\.bitPattern))
    }
}
