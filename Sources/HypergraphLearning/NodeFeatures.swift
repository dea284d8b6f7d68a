import DenseMath
import GraphCore
import GraphKernels
import NeuralNet

/// A vertex feature matrix `[numVertices × dim]`, kept dense and, when it is mostly zeros (bag of
/// words), also as CSR so the first Linear layer runs as an SpMM.
///
/// ```
/// X · W     = SpMM(X, W)        O(nnz(X) · out) instead of O(numVertices · dim · out)
/// ∂W = Xᵀ ∂Y = SpMM(Xᵀ, ∂Y)
/// ```
/// Both forms hold the same values; which one is used depends only on the density, so the same
/// features always take the same path (and give bit-identical outputs).
public struct NodeFeatures: Sendable {
    /// Dense row-major values, `[numVertices × dim]`.
    public let dense: Matrix
    /// CSR form `[numVertices × dim]` when the density is at most the threshold, else `nil`.
    public let sparse: CSRGraph?
    /// Transpose of ``sparse``, `[dim × numVertices]`.
    public let sparseTransposed: CSRGraph?

    /// Wraps `matrix`; builds the CSR form when the fraction of non-zeros is ≤ `sparseThreshold`.
    /// - Complexity: O(numVertices · dim).
    public init(_ matrix: Matrix, sparseThreshold: Double = 0.1) {
        dense = matrix
        var nnz = 0
        for v in matrix.values where v != 0 { nnz += 1 }
        let total = max(matrix.values.count, 1)
        if Double(nnz) / Double(total) <= sparseThreshold && matrix.values.count > 0 {
            var offsets = [Int](repeating: 0, count: matrix.rows + 1)
            var cols: [Int32] = []
            var ws: [Float] = []
            cols.reserveCapacity(nnz)
            ws.reserveCapacity(nnz)
            for i in 0..<matrix.rows {
                for j in 0..<matrix.cols {
                    let x = matrix.values[i * matrix.cols + j]
                    if x != 0 { cols.append(Int32(j)); ws.append(x) }
                }
                offsets[i + 1] = cols.count
            }
            // Values may be negative (noisy features), which the checked initialiser rejects.
            let csr = CSRGraph(unchecked: matrix.rows, matrix.cols, offsets, cols, ws)
            sparse = csr
            sparseTransposed = csr.transposed()
        } else {
            sparse = nil
            sparseTransposed = nil
        }
    }

    /// Number of vertices (rows).
    public var numVertices: Int { dense.rows }
    /// Feature dimension (columns).
    public var dim: Int { dense.cols }

    /// The features of `rows`, in that order, `[rows.count × dim]`.
    public func selecting(rows: [Int]) -> NodeFeatures {
        NodeFeatures(dense.gatherRows(rows))
    }

    /// Each row divided by its L1 norm Σ_j |x_ij| (DHG's `norm_ft(ord=1)`); all-zero rows stay zero.
    /// Shapes: `[numVertices × dim]` → same.
    public static func l1RowNormalized(_ x: Matrix) -> Matrix {
        var out = x
        for i in 0..<x.rows {
            var s: Float = 0
            for j in 0..<x.cols { s += abs(x.values[i * x.cols + j]) }
            guard s > 0 else { continue }
            for j in 0..<x.cols { out.values[i * x.cols + j] /= s }
        }
        return out
    }
}

/// The first Linear layer of a model applied to ``NodeFeatures``: an SpMM when the features are
/// sparse, the layer's own GEMM otherwise.
///
/// ```
/// forward:  Y = X W + 1 bᵀ
/// backward: ∂W += Xᵀ ∂Y,  ∂b += Σ_rows ∂Y   (no ∂X: the features are fixed)
/// ```
struct FeatureLinear {
    let layer: Linear

    func forward(_ x: NodeFeatures, context: LayerContext) -> Matrix {
        guard let csr = x.sparse else { return layer.forward(x.dense, context: context) }
        var y = SpMM.multiply(csr, layer.weight.value, threads: context.threads)
        if let bias = layer.bias { Kernels.addRowVector(bias.value.values, to: &y, threads: context.threads) }
        return y
    }

    func backward(_ dy: Matrix, features x: NodeFeatures, context: LayerContext) {
        guard let csrT = x.sparseTransposed else {
            _ = layer.backward(dy, context: context, needsInputGradient: false)
            return
        }
        SpMM.multiply(csrT, dy, into: &layer.weight.gradient, accumulate: true, threads: context.threads)
        if let bias = layer.bias { Kernels.addColumnSums(of: dy, to: &bias.gradient.values, threads: context.threads) }
    }
}

extension Linear {
    /// The two Linear layers `[inputDim × hidden]`, `[hidden × classes]` of a teacher or student,
    /// from one stream: Linear's own initial draws, then PyTorch's default U(±1/√fanIn) replacing them.
    static func torchDefaultPair(_ inputDim: Int, _ hidden: Int, _ classes: Int, seed: UInt64,
                                 stream: UInt64) -> (Linear, Linear) {
        var rng = SplitMix64(seed: seed, stream: stream)
        let l1 = Linear(inputDim: inputDim, outputDim: hidden, rng: &rng)
        let l2 = Linear(inputDim: hidden, outputDim: classes, rng: &rng)
        l1.resetToTorchDefault(rng: &rng)
        l2.resetToTorchDefault(rng: &rng)
        return (l1, l2)
    }

    /// Re-draws W and b from U(−1/√fanIn, 1/√fanIn), PyTorch's `nn.Linear` default (used by DHG's
    /// HGNN and MLP), replacing NeuralNet's Glorot/zero start.
    func resetToTorchDefault(rng: inout SplitMix64) {
        let bound = 1 / Float(max(inputDim, 1)).squareRoot()
        weight.value = Initialization.uniform(rows: inputDim, cols: outputDim, bound: bound, rng: &rng)
        if let bias { bias.value = Initialization.uniform(rows: 1, cols: outputDim, bound: bound, rng: &rng) }
    }
}
