import DenseMath
import Testing
import TestSupport

@Suite("DenseMath")
struct DenseMathTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesReference(transposeA: Bool, transposeB: Bool) {
        let a = Fixtures.randomMatrix(rows: 5, cols: 4, seed: 1)
        let opA = transposeA ? a.transposed() : a
        let bb = transposeB ? Fixtures.randomMatrix(rows: 6, cols: opA.cols, seed: 3) : Fixtures.randomMatrix(rows: opA.cols, cols: 6, seed: 3)
        let opB = transposeB ? bb.transposed() : bb
        let c = BLAS.matmul(a, transposeA: transposeA, bb, transposeB: transposeB)
        #expect(c.rows == opA.rows && c.cols == 6)
        #expect(Fixtures.approximatelyEqual(Fixtures.nested(c), Fixtures.denseProduct(Fixtures.nested(opA), Fixtures.nested(opB))))
    }

    @Test func gemmAlphaBeta() {
        let a = Matrix(rows: 1, cols: 2, values: [1, 2])
        let b = Matrix(rows: 2, cols: 1, values: [3, 4])
        var c = Matrix(rows: 1, cols: 1, values: [10])
        BLAS.gemm(a, b, alpha: 2, beta: 0.5, into: &c)
        #expect(c.values == [27])
    }

    @Test func splitMixIsReproducibleAndStreamsDiffer() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
        var s0 = SplitMix64(seed: 1, stream: 0), s1 = SplitMix64(seed: 1, stream: 1)
        #expect(s0.next() != s1.next())
        var r = SplitMix64(seed: 7)
        for _ in 0..<1000 {
            let f = r.nextUnitFloat()
            #expect(f >= 0 && f < 1)
            #expect((0..<3).contains(r.nextInt(below: 3)))
        }
    }

    @Test func balancedBoundsCoverRows() {
        let offsets = [0, 100, 101, 102, 103, 203]
        let bounds = Parallel.balancedBounds(offsets: offsets, parts: 2)
        #expect(bounds.first == 0 && bounds.last == 5 && bounds.count == 3)
        #expect(bounds == bounds.sorted())
    }
}

@Suite struct ResidentMemoryTests {
    /// The kernel pads `VmHWM:` values after a tab; an 8-digit value (≥ 9.5 GiB) has no space
    /// before it, which an earlier parser read as 0.
    @Test func statusFieldsParseAtEveryWidth() {
        let status = "Name:\tgnnpipe\nVmPeak:\t12500000 kB\nVmHWM:\t12119156 kB\nVmRSS:\t   20480 kB\n"
        #expect(ResidentMemory.field("VmHWM:", in: status) == 12119156.0 / 1024)
        #expect(ResidentMemory.field("VmRSS:", in: status) == 20)
        #expect(ResidentMemory.field("VmSwap:", in: status) == 0)
        #expect(ResidentMemory.peakMiB() > 0)
    }
}
