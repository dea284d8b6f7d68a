import DenseMath
import GraphCore
import GraphKernels
import Synchronization

/// A sparse propagation matrix P (e.g. Â = D̃^-1/2 (A+I) D̃^-1/2) with its transpose for the
/// backward pass, shared by reference by every layer of a model.
///
/// Forward layers compute `P·X`; backward computes `Pᵀ·G`. When P is symmetric (GCN on an
/// undirected graph) the transpose is P itself and no second copy is stored; otherwise (SAGE's
/// D⁻¹A, directed graphs) Pᵀ is built once, so the backward SpMM is row-parallel and
/// deterministic. Built on first use when the caller says P is not symmetric, so an operator
/// used only forward (evaluation) never holds a second copy.
public final class GraphOperator: Sendable {
    /// P, `[outputRows × inputRows]` CSR (`[numNodes × numNodes]` for a whole graph).
    public let matrix: CSRGraph
    /// Pᵀ (the same value as ``matrix`` when symmetric), built on first use if not given.
    public var transpose: CSRGraph {
        transposeStorage.withLock { stored in
            if let stored { return stored }
            let t = matrix.transposed()
            stored = t
            return t
        }
    }
    /// Whether P equals Pᵀ.
    public let isSymmetric: Bool
    private let transposeStorage: Mutex<CSRGraph?>

    /// Wraps `matrix`, checking symmetry (O(nnz)) unless `symmetric` is given.
    ///
    /// P may be rectangular, `[outputRows × inputRows]`: a row block of a graph's operator, so a
    /// pipeline stage computes one chunk's rows from all nodes' inputs (GCN and GCNII layers
    /// accept it; SAGE needs a square P for its self term).
    public init(_ matrix: CSRGraph, symmetric: Bool? = nil) {
        precondition(symmetric != true || matrix.isSquare, "a rectangular operator cannot be symmetric")
        self.matrix = matrix
        switch symmetric {
        case true?:
            isSymmetric = true
            transposeStorage = Mutex(matrix)
        case false?:
            isSymmetric = false
            transposeStorage = Mutex(nil)
        case nil:
            let t = matrix.transposed()
            isSymmetric = matrix.isSquare && t == matrix
            transposeStorage = Mutex(isSymmetric ? matrix : t)
        }
    }

    /// The GCN operator Â = D̃^-1/2 (A + I) D̃^-1/2 (Kipf & Welling, ICLR 2017, eq. 2) of an
    /// adjacency matrix.
    /// - Parameters:
    ///   - adjacency: A, `[N × N]`, without self-loops.
    ///   - adjacencyIsSymmetric: pass `true` when A is known to be symmetric (built
    ///     undirected): Â is then symmetric bit for bit (each entry is `w · (d_u^-1/2 · d_v^-1/2)`)
    ///     and the O(nnz) transpose-and-compare check, with its temporary copy, is skipped.
    public static func gcn(adjacency: CSRGraph, adjacencyIsSymmetric: Bool = false) -> GraphOperator {
        GraphOperator(Normalization.gcn(adjacency), symmetric: adjacencyIsSymmetric ? true : nil)
    }

    /// The mean-aggregation operator D⁻¹A (GraphSAGE mean, Hamilton et al., NeurIPS 2017):
    /// row u averages u's neighbours; rows of isolated nodes are zero.
    public static func mean(adjacency: CSRGraph) -> GraphOperator {
        GraphOperator(Normalization.randomWalk(adjacency))
    }

    /// Number of nodes of a square operator.
    public var numNodes: Int { matrix.numNodes }
    /// Rows of P: rows of a layer's output.
    public var outputRows: Int { matrix.numRows }
    /// Columns of P: rows of a layer's input.
    public var inputRows: Int { matrix.numColumns }

    /// `Y = P·X` into `y` (`[outputRows × dim]`; X `[inputRows × dim]`), or `Y += P·X` with `accumulate`.
    public func propagate(_ x: Matrix, into y: inout Matrix, accumulate: Bool = false, threads: Int) {
        SpMM.multiply(matrix, x, into: &y, accumulate: accumulate, threads: threads)
    }

    /// `Y = Pᵀ·G` into `y` (`[inputRows × dim]`; G `[outputRows × dim]`), or `Y += Pᵀ·G` with `accumulate`.
    public func propagateTransposed(_ g: Matrix, into y: inout Matrix, accumulate: Bool = false, threads: Int) {
        SpMM.multiply(transpose, g, into: &y, accumulate: accumulate, threads: threads)
    }
}
