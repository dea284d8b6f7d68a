import DenseMath
import GraphCore
import GraphKernels
import Testing
import TestSupport

@Suite("SpMM")
struct SpMMTests {
    @Test func handWorkedProduct() throws {
        // A = [[0, 2], [1, 0], [0, 0]] (3×2), X = [[1, 2], [3, 4]].
        let a = try CSRGraph(numRows: 3, numColumns: 2, rowOffsets: [0, 1, 2, 2], columnIndices: [1, 0], weights: [2, 1])
        let x = Matrix(rows: 2, cols: 2, values: [1, 2, 3, 4])
        #expect(SpMM.multiply(a, x).values == [6, 8, 1, 2, 0, 0])
        // Aᵀ X' with X' = [[1], [2], [3]] → [[2], [2]].
        #expect(SpMM.multiplyTransposed(a, Matrix(rows: 3, cols: 1, values: [1, 2, 3])).values == [2, 2])
    }

    /// Fast kernel against a dense Double reference, for dims that hit the SIMD body and the tail.
    @Test(arguments: [1, 7, 8, 19, 64])
    func matchesDenseReference(dim: Int) throws {
        let g = try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: 60, numEdges: 300, seed: UInt64(dim), weighted: true),
                                       options: .directed)
        let x = Fixtures.randomMatrix(rows: 60, cols: dim, seed: 42)
        let expected = Fixtures.denseProduct(Fixtures.dense(g), Fixtures.nested(x))
        #expect(Fixtures.approximatelyEqual(Fixtures.nested(SpMM.multiply(g, x, threads: 3)), expected))
        let expectedT = Fixtures.denseProduct(Fixtures.dense(g.transposed()), Fixtures.nested(x))
        #expect(Fixtures.approximatelyEqual(Fixtures.nested(SpMM.multiplyTransposed(g, x, threads: 2)), expectedT))
    }

    @Test(arguments: [2, 3, 8])
    func identicalForAnyThreadCount(threads: Int) throws {
        let g = try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: 500, numEdges: 5000, seed: 5, weighted: true))
        let x = Fixtures.randomMatrix(rows: 500, cols: 33, seed: 6)
        #expect(SpMM.multiply(g, x, threads: threads) == SpMM.multiply(g, x, threads: 1))
    }

    @Test func accumulateAddsToOutput() throws {
        let a = try CSRGraph(numRows: 1, numColumns: 1, rowOffsets: [0, 1], columnIndices: [0], weights: [3])
        var y = Matrix(rows: 1, cols: 2, values: [1, 1])
        SpMM.multiply(a, Matrix(rows: 1, cols: 2, values: [2, 4]), into: &y, accumulate: true)
        #expect(y.values == [7, 13])
    }
}
