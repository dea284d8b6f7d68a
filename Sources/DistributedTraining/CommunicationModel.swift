import GraphCore

/// Analytic per-epoch communication volumes of the training step (forward + backward), in
/// floats, from the GNNPipe notes §3 and the halo protocol of ``ExchangeLists``. The measured
/// point-to-point bytes of a run equal 4 × these.
public enum CommunicationModel {
    /// Graph parallelism: every exchanging graph layer sends each partition's halo rows forward
    /// and their gradients backward, `2 · Σ_k d_k · Σ_p |B_p|` (halo B_p = nodes outside
    /// partition p with an edge into it).
    /// - Parameters: `layerWidths` the input width of each exchanging layer, `haloSizes` |B_p|.
    public static func graphParallelFloats(layerWidths: [Int], haloSizes: [Int]) -> Int64 {
        let halo = Int64(haloSizes.reduce(0, +))
        return layerWidths.reduce(Int64(0)) { $0 + 2 * Int64($1) * halo }
    }

    /// Pipeline parallelism: every stage boundary carries all N rows forward and their gradients
    /// backward, `2 · (S − 1) · N · d` with d the width crossing each boundary.
    /// - Parameters:
    ///   - numNodes: N, the rows that cross every boundary.
    ///   - boundaryWidths: the row width crossing each of the S − 1 boundaries.
    public static func pipelineFloats(numNodes: Int, boundaryWidths: [Int]) -> Int64 {
        boundaryWidths.reduce(Int64(0)) { $0 + 2 * Int64(numNodes) * Int64($1) }
    }

    /// Halo rows one stage group exchanges per exchanging layer and epoch, for chunk `order`:
    /// for every node u and every other part g that reads it (`P[v, u] ≠ 0` for some v of part
    /// g), with R the positions of g's chunks that read u and p the position of u's chunk,
    /// ```
    /// [max R ≥ p]                          fresh row forward
    /// + [min R < p]                        historical row forward
    /// + [max R ≥ p  or  deferred ∧ min R < p]   gradient backward
    /// ```
    /// (with one chunk: `2 · Σ_g |B_g|`, graph parallelism's count). Written from the
    /// definition, independently of the lists the trainer sends, so tests can hold one against
    /// the other.
    /// - Parameters:
    ///   - pattern: the operator's sparsity `[N × N]` (which rows read which).
    ///   - d: the parts and chunks.
    ///   - order: the order in which the chunks run.
    ///   - deferred: gradients of historical reads are deferred (else dropped).
    public static func haloRowsPerLayer(pattern: CSRGraph, decomposition d: Decomposition, order: [Int],
                                        deferred: Bool) -> Int64 {
        var position = [Int](repeating: 0, count: d.numChunks)
        for (i, c) in order.enumerated() { position[c] = i }
        struct Readers { var first = Int.max, last = Int.min }
        var readers: [Int: Readers] = [:]   // key u · G + reading part
        for v in 0..<pattern.numRows {
            let g = Int(d.part[v]), pv = position[Int(d.chunk[v])]
            for u in pattern.neighbors(of: v) where Int(d.part[Int(u)]) != g {
                let key = Int(u) * d.numParts + g
                var r = readers[key] ?? Readers()
                r.first = min(r.first, pv)
                r.last = max(r.last, pv)
                readers[key] = r
            }
        }
        var rows: Int64 = 0
        for (key, r) in readers {
            let p = position[Int(d.chunk[key / d.numParts])]
            let fresh = r.last >= p, historical = r.first < p
            rows += (fresh ? 1 : 0) + (historical ? 1 : 0) + (fresh || (deferred && historical) ? 1 : 0)
        }
        return rows
    }
}
