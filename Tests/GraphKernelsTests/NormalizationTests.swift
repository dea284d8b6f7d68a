import DenseMath
import GraphCore
import GraphKernels
import Testing
import TestSupport

@Suite("Normalisations")
struct NormalizationTests {
    // Star: 0 — 1, 0 — 2; node 3 isolated.
    func star() throws -> CSRGraph {
        try GraphBuilder.build(Fixtures.edgeList([(0, 1), (0, 2)], numNodes: 4))
    }

    @Test func randomWalkRowsSumToOne() throws {
        let p = Normalization.randomWalk(try star())
        #expect(p.weights == [0.5, 0.5, 1, 1])
        #expect(p.weightedDegrees() == [1, 1, 1, 0])
    }

    @Test func gcnNormalisationByHand() throws {
        // Degrees of A + I: 3, 2, 2, 1.
        let a = Normalization.gcn(try star())
        #expect(a.rowOffsets == [0, 3, 5, 7, 8])
        #expect(a.columnIndices == [0, 1, 2, 0, 1, 0, 2, 3])
        let expected: [Float] = [1.0 / 3, 1 / (3 * 2).squareRoot(), 1 / (3 * 2).squareRoot(),
                                 1 / (3 * 2).squareRoot(), 0.5, 1 / (3 * 2).squareRoot(), 0.5, 1]
        for (w, e) in zip(a.weights!, expected) { #expect(abs(w - e) < 1e-6) }
    }

    @Test func symmetricWithIsolatedNodeHasNoNaN() throws {
        let s = Normalization.symmetric(try star())
        #expect(s.weights!.allSatisfy { $0.isFinite })
        #expect(s.degree(of: 3) == 0)
        let y = SpMM.multiply(s, Matrix(rows: 4, cols: 1, values: [1, 1, 1, 1]))
        #expect(y[3, 0] == 0)
    }

    @Test func existingSelfLoopGetsPlusOne() throws {
        let g = try GraphBuilder.build(Fixtures.edgeList([(0, 0), (0, 1)], numNodes: 2),
                                       options: GraphBuildOptions(selfLoops: .keep))
        let withLoops = Normalization.addingSelfLoops(g, weight: 1)
        #expect(withLoops.columnIndices == [0, 1, 0, 1])
        #expect(withLoops.weights == [2, 1, 1, 1])
    }

    /// HGNN operator against the dense formula Dv^-1/2 H W De^-1 Hᵀ Dv^-1/2.
    @Test func hgnnOperatorMatchesDenseFormula() throws {
        // e0 = {0, 1, 2} (w 2), e1 = {2, 3} (w 1); vertex 4 in no hyperedge.
        let h = try Hypergraph(hyperedges: [[0, 1, 2], [2, 3]], numVertices: 5, weights: [2, 1])
        let op = HGNNOperator(h)
        let dv: [Double] = [2, 2, 3, 1, 0], de: [Double] = [3, 2], w: [Double] = [2, 1]
        let hDense = Fixtures.dense(h.incidence)
        var l = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 5)
        for i in 0..<5 {
            for j in 0..<5 {
                var s = 0.0
                for e in 0..<2 { s += hDense[i][e] * w[e] / de[e] * hDense[j][e] }
                let fi = dv[i] > 0 ? 1 / dv[i].squareRoot() : 0, fj = dv[j] > 0 ? 1 / dv[j].squareRoot() : 0
                l[i][j] = fi * s * fj
            }
        }
        #expect(Fixtures.approximatelyEqual(Fixtures.dense(op.materialized()), l))
        let x = Fixtures.randomMatrix(rows: 5, cols: 3, seed: 1)
        #expect(Fixtures.approximatelyEqual(Fixtures.nested(op.apply(x)), Fixtures.denseProduct(l, Fixtures.nested(x))))
        #expect(op.apply(x).values.allSatisfy { $0.isFinite })
    }
}
