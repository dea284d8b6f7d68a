import DenseMath
import GraphCore

/// The HGNN smoothing operator of Feng et al., "Hypergraph Neural Networks", AAAI 2019, eq. (10):
///
/// ```
/// L = Dv^-1/2 · H · W · De^-1 · Hᵀ · Dv^-1/2
/// ```
/// H is the `[numVertices × numHyperedges]` incidence matrix, W the diagonal hyperedge weights,
/// De the hyperedge degrees |e|, Dv the vertex degrees Σₑ w(e) h(v, e). A zero degree gives a
/// zero factor (as DHG does), never `inf` or `NaN`.
///
/// Build it once and reuse it: ``apply(_:threads:)`` runs two SpMMs (`O(nnz(H) · dim)`) without
/// forming L; ``materialized()`` forms L as a `[numVertices × numVertices]` CSR matrix, which can be
/// much denser than H when hyperedges are large.
public struct HGNNOperator: Sendable {
    /// Hᵀ with weights `De^-1 · Dv^-1/2` folded in: `[numHyperedges × numVertices]`.
    public let gather: CSRGraph
    /// H with weights `Dv^-1/2 · W` folded in: `[numVertices × numHyperedges]`.
    public let scatter: CSRGraph

    /// Precomputes the two scaled incidence matrices. O(nnz(H)).
    public init(_ hypergraph: Hypergraph) {
        let dv = hypergraph.vertexDegrees().map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        let de = hypergraph.hyperedgeDegrees().map { $0 > 0 ? 1 / Float($0) : 0 }
        let hT = hypergraph.members
        var gw = [Float](repeating: 0, count: hT.nnz)
        for e in 0..<hT.numRows {
            for k in hT.rowOffsets[e]..<hT.rowOffsets[e + 1] { gw[k] = de[e] * dv[Int(hT.columnIndices[k])] }
        }
        gather = hT.withWeights(gw)
        let h = hypergraph.incidence
        var sw = [Float](repeating: 0, count: h.nnz)
        for v in 0..<h.numRows {
            for k in h.rowOffsets[v]..<h.rowOffsets[v + 1] {
                sw[k] = dv[v] * hypergraph.hyperedgeWeights[Int(h.columnIndices[k])]
            }
        }
        scatter = h.withWeights(sw)
    }

    /// `L · X` for `X` `[numVertices × dim]`; returns `[numVertices × dim]`.
    public func apply(_ x: Matrix, threads: Int = Parallel.defaultThreadCount) -> Matrix {
        SpMM.multiply(scatter, SpMM.multiply(gather, x, threads: threads), threads: threads)
    }

    /// L as a sparse `[numVertices × numVertices]` matrix (rows sorted, explicit zeros dropped).
    /// - Complexity: O(Σ_v Σ_{e∋v} |e|).
    public func materialized() -> CSRGraph {
        let n = scatter.numRows
        var offsets = [Int](repeating: 0, count: n + 1)
        var cols: [Int32] = []
        var ws: [Float] = []
        var acc = [Float](repeating: 0, count: n)
        var touched = [Bool](repeating: false, count: n)
        var list: [Int32] = []
        for v in 0..<n {
            list.removeAll(keepingCapacity: true)
            for k in scatter.rowOffsets[v]..<scatter.rowOffsets[v + 1] {
                let e = Int(scatter.columnIndices[k])
                let a = scatter.weights![k]
                for m in gather.rowOffsets[e]..<gather.rowOffsets[e + 1] {
                    let u = Int(gather.columnIndices[m])
                    if !touched[u] { touched[u] = true; list.append(Int32(u)) }
                    acc[u] += a * gather.weights![m]
                }
            }
            list.sort()
            for u in list {
                let value = acc[Int(u)]
                if value != 0 { cols.append(u); ws.append(value) }
                acc[Int(u)] = 0
                touched[Int(u)] = false
            }
            offsets[v + 1] = cols.count
        }
        return CSRGraph(unchecked: n, n, offsets, cols, ws)
    }
}
