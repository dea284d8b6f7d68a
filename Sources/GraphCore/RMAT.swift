import DenseMath

/// Synthetic graphs for tests and benchmarks.
public enum GraphGenerator {
    /// An R-MAT edge list (Chakrabarti, Zhan & Faloutsos, "R-MAT: A Recursive Model for Graph
    /// Mining", SDM 2004) with `2^scale` nodes and `edgeFactor · 2^scale` directed draws.
    ///
    /// Each edge picks one quadrant per level with probabilities `(a, b, c, 1 − a − b − c)`
    /// (Graph500 defaults 0.57, 0.19, 0.19). Node ids are scrambled by a seeded permutation.
    /// Self-loops are removed; duplicates are kept (the builder merges them). Edge `i` draws
    /// from its own stream `(seed, i)`, so the list does not depend on how it is generated.
    /// - Complexity: O(edgeFactor · 2^scale · scale).
    public static func rmat(scale: Int, edgeFactor: Int, seed: UInt64,
                            a: Double = 0.57, b: Double = 0.19, c: Double = 0.19) -> EdgeList {
        precondition(scale >= 1 && scale <= 30, "scale must be in 1...30")
        let n = 1 << scale
        let m = edgeFactor * n
        // Seeded Fisher–Yates permutation of node ids.
        var perm = (0..<n).map { Int32($0) }
        var rng = SplitMix64(seed: seed, stream: UInt64.max)
        for i in stride(from: n - 1, to: 0, by: -1) { perm.swapAt(i, rng.nextInt(below: i + 1)) }
        var src = [Int32](repeating: 0, count: m)
        var dst = [Int32](repeating: 0, count: m)
        let ab = a + b, abc = a + b + c
        src.withUnsafeMutableBufferPointer { ps in
            dst.withUnsafeMutableBufferPointer { pd in
                Parallel.forEachRange(total: m, count: Parallel.defaultThreadCount) { range in
                    for i in range {
                        var r = SplitMix64(seed: seed, stream: UInt64(i))
                        var u = 0, v = 0
                        for level in 0..<scale {
                            let x = r.nextUnitDouble()
                            if x >= ab { u |= 1 << level }
                            if (x >= a && x < ab) || x >= abc { v |= 1 << level }
                        }
                        ps[i] = perm[u]
                        pd[i] = perm[v]
                    }
                }
            }
        }
        var keep = 0
        for i in 0..<m where src[i] != dst[i] {
            src[keep] = src[i]; dst[keep] = dst[i]; keep += 1
        }
        src.removeLast(m - keep)
        dst.removeLast(m - keep)
        return try! EdgeList(sources: src, targets: dst, numNodes: n)
    }
}
