import DenseMath
import GraphCore
import GraphKernels

/// DHG's `v2e(X, aggr="mean")`: each hyperedge's weighted mean of its member rows, with its
/// transpose for the backward pass.
///
/// ```
/// v2e(X) = W · De^-1 · Hᵀ · X            row e: (w_e / |e|) Σ_{v ∈ e} X[v]
/// backward: ∂X = H · De^-1 · W · ∂P       row v: Σ_{e ∋ v} (w_e / |e|) ∂P[e]
/// ```
/// Shapes: `X` `[numVertices × dim]`, result `[numHyperedges × dim]`. Build once per hypergraph.
public struct HyperedgeMean: Sendable {
    /// Hᵀ scaled by w_e/|e|, `[numHyperedges × numVertices]`.
    public let gather: CSRGraph
    /// H scaled by w_e/|e|, `[numVertices × numHyperedges]` (the transpose of ``gather``).
    public let scatter: CSRGraph

    /// Precomputes both scaled incidence matrices. O(nnz(H)).
    public init(_ hypergraph: Hypergraph) {
        let hT = hypergraph.members
        let scale = (0..<hT.numRows).map { e -> Float in
            let size = hT.degree(of: e)
            return size > 0 ? hypergraph.hyperedgeWeights[e] / Float(size) : 0
        }
        var gw = [Float](repeating: 0, count: hT.nnz)
        for e in 0..<hT.numRows {
            for k in hT.rowOffsets[e]..<hT.rowOffsets[e + 1] { gw[k] = scale[e] }
        }
        gather = hT.withWeights(gw)
        let h = hypergraph.incidence
        scatter = h.withWeights(h.columnIndices.map { scale[Int($0)] })
    }

    /// Number of hyperedges.
    public var numHyperedges: Int { gather.numRows }
    /// Number of vertices.
    public var numVertices: Int { gather.numColumns }

    /// `v2e(X)`: `[numVertices × dim]` → `[numHyperedges × dim]`.
    public func apply(_ x: Matrix, threads: Int = 1) -> Matrix {
        SpMM.multiply(gather, x, threads: threads)
    }

    /// The adjoint `H · De^-1 · W · G`: `[numHyperedges × dim]` → `[numVertices × dim]`.
    public func applyTransposed(_ g: Matrix, threads: Int = 1) -> Matrix {
        SpMM.multiply(scatter, g, threads: threads)
    }
}
