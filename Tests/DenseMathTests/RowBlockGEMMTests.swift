import DenseMath
import Testing
import TestSupport

/// `BLAS.gemm(threads:)`: row blocks fixed by the shape, so the bits do not depend on threads.
@Suite("DenseMath row-block GEMM")
struct RowBlockGEMMTests {
    /// One product: op(A) `[m × k]`, op(B) `[k × n]`, `C = α·op(A)·op(B) + β·C`.
    struct Case: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        let transposeA, transposeB: Bool
        let alpha, beta: Float
        var testDescription: String {
            "\(m)×\(k)·\(k)×\(n)\(transposeA ? " Aᵀ" : "")\(transposeB ? " Bᵀ" : "") α=\(alpha) β=\(beta)"
        }
    }

    /// Shapes like those of the LightHGNN and RpHGNN layers, small enough for a Double
    /// reference. On OpenBLAS 0.3.21 (Cooperlake kernels), cutting the first one (the HGNN
    /// teacher's output layer on Cora) into 2, 3, 4 or 7 equal row blocks, as a split by thread
    /// count does, changes its bits; so does cutting the fourth into 7.
    static let cases: [Case] = [
        Case(m: 2708, n: 7, k: 32, transposeA: false, transposeB: false, alpha: 1, beta: 0),
        Case(m: 2708, n: 16, k: 64, transposeA: false, transposeB: false, alpha: 1, beta: 0),
        Case(m: 2708, n: 7, k: 128, transposeA: false, transposeB: true, alpha: 1, beta: 1),
        Case(m: 1000, n: 8, k: 300, transposeA: false, transposeB: true, alpha: 0.5, beta: 0.5),
        Case(m: 800, n: 32, k: 300, transposeA: true, transposeB: false, alpha: 1, beta: 1),
        Case(m: 800, n: 100, k: 64, transposeA: true, transposeB: true, alpha: 2, beta: -1),
        Case(m: 4100, n: 16, k: 40, transposeA: false, transposeB: false, alpha: 1, beta: 0),
        Case(m: 1200, n: 300, k: 40, transposeA: false, transposeB: false, alpha: 1, beta: 0.25),
    ]

    static func operands(_ c: Case, seed: UInt64) -> (a: Matrix, b: Matrix, c: Matrix) {
        let a = c.transposeA ? Fixtures.randomMatrix(rows: c.k, cols: c.m, seed: seed)
                             : Fixtures.randomMatrix(rows: c.m, cols: c.k, seed: seed)
        let b = c.transposeB ? Fixtures.randomMatrix(rows: c.n, cols: c.k, seed: seed + 1)
                             : Fixtures.randomMatrix(rows: c.k, cols: c.n, seed: seed + 1)
        return (a, b, Fixtures.randomMatrix(rows: c.m, cols: c.n, seed: seed + 2))
    }

    /// `α·op(A)·op(B) + β·C` in Double, row-major.
    static func reference(_ c: Case, _ a: Matrix, _ b: Matrix, _ c0: Matrix) -> [Double] {
        var out = [Double](repeating: 0, count: c.m * c.n)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var s = 0.0
                for p in 0..<c.k {
                    let x = c.transposeA ? a.values[p * a.cols + i] : a.values[i * a.cols + p]
                    let y = c.transposeB ? b.values[j * b.cols + p] : b.values[p * b.cols + j]
                    s += Double(x) * Double(y)
                }
                out[i * c.n + j] = Double(c.alpha) * s + Double(c.beta) * Double(c0.values[i * c.n + j])
            }
        }
        return out
    }

    @Test(arguments: cases)
    func bitIdenticalForAnyThreadCount(_ c: Case) {
        let (a, b, c0) = Self.operands(c, seed: UInt64(c.m * 31 + c.n * 7 + c.k))
        var results: [Matrix] = []
        for threads in [1, 2, 3, 4, 7] {
            var out = c0
            BLAS.gemm(a, transposeA: c.transposeA, b, transposeB: c.transposeB, alpha: c.alpha, beta: c.beta,
                      into: &out, threads: threads)
            results.append(out)
        }
        for (i, r) in results.enumerated().dropFirst() {
            #expect(r.values == results[0].values, "thread count #\(i) changed the bits")
        }
        let expected = Self.reference(c, a, b, c0)
        var worst = 0.0
        for (x, y) in zip(results[0].values, expected) { worst = max(worst, abs(Double(x) - y) / max(1, abs(y))) }
        #expect(worst < 1e-5, "largest relative error \(worst)")
    }

    @Test func rowBlocksDependOnTheShapeOnly() {
        // All but the first case above take the row-block path.
        #expect(Self.cases.dropFirst().allSatisfy { BLAS.rowBlockBounds(m: $0.m, n: $0.n, k: $0.k).count > 2 })
        // Small products and empty shapes are one block.
        #expect(BLAS.rowBlockBounds(m: 100, n: 100, k: 100) == [0, 100])
        #expect(BLAS.rowBlockBounds(m: 0, n: 10, k: 10) == [0, 0])
        #expect(BLAS.rowBlockBounds(m: 5000, n: 0, k: 10) == [0, 5000])
        // At least 384 rows per block; 512 when op(B) has more than 2²⁰ entries.
        #expect(BLAS.rowBlockBounds(m: 767, n: 512, k: 512) == [0, 767])
        #expect(BLAS.rowBlockBounds(m: 768, n: 512, k: 512) == [0, 384, 768])
        #expect(BLAS.rowBlockBounds(m: 1600, n: 1024, k: 1024) == [0, 400, 800, 1200, 1600])
        #expect(BLAS.rowBlockBounds(m: 1600, n: 1024, k: 1025) == [0, 800, 1600])
        // At least 2²⁰ multiply-adds per block: 4100·16·40 = 2.6 M gives two blocks, not four.
        #expect(BLAS.rowBlockBounds(m: 4100, n: 16, k: 40) == [0, 2048, 4100])
        for (m, n, k) in [(2708, 7, 128), (5959, 1902, 1902), (1000, 64, 3804), (1000, 64, 512), (10_007, 33, 1000),
                          (1 << 40, 1 << 20, 1 << 20)] {
            let bounds = BLAS.rowBlockBounds(m: m, n: n, k: k)
            let blocks = bounds.count - 1
            #expect(bounds.first == 0 && bounds.last == m)
            #expect(blocks >= 2 && blocks <= 16 && blocks & (blocks - 1) == 0, "\(blocks) blocks")
            #expect(zip(bounds, bounds.dropFirst()).allSatisfy { $0 + 368 <= $1 }, "\(bounds)")
            #expect(bounds.dropFirst().dropLast().allSatisfy { $0 % 16 == 0 })
        }
    }

    /// RpHGNN runs its group encoders concurrently, each calling GEMM on its own thread, while
    /// GEMMs themselves fan out: concurrent calls must give the bits of sequential ones.
    @Test func concurrentCallsMatchSequentialOnes() {
        let shapes = Self.cases.prefix(5)
        let inputs = shapes.enumerated().map { Self.operands($1, seed: UInt64(100 + $0)) }
        func product(_ i: Int, threads: Int) -> Matrix {
            let c = shapes[shapes.startIndex + i]
            var out = inputs[i].c
            BLAS.gemm(inputs[i].a, transposeA: c.transposeA, inputs[i].b, transposeB: c.transposeB,
                      alpha: c.alpha, beta: c.beta, into: &out, threads: threads)
            return out
        }
        let sequential = (0..<inputs.count).map { product($0, threads: 1) }
        for round in 0..<20 {
            var concurrent = [Matrix?](repeating: nil, count: inputs.count)
            concurrent.withUnsafeMutableBufferPointer { slots in
                let base = slots.baseAddress!
                Parallel.forEachRange(total: inputs.count, count: inputs.count) { range in
                    for i in range { base[i] = product(i, threads: 1 + (i + round) % 3) }
                }
            }
            #expect(concurrent.map { $0!.values } == sequential.map(\.values), "round \(round)")
        }
    }
}
