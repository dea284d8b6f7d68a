import DenseMath
import Foundation
import NeuralNet

/// A loss value with its gradient with respect to the logits, `[numRows × numClasses]`.
public struct LossWithGradient: Sendable {
    /// The loss (a mean over rows).
    public var value: Float
    /// ∂value/∂logits, `[numRows × numClasses]`.
    public var gradient: Matrix

    public init(value: Float, gradient: Matrix) {
        self.value = value
        self.gradient = gradient
    }

    /// Wraps a NeuralNet loss.
    public init(_ loss: LossOutput) {
        self.init(value: loss.value, gradient: loss.gradient)
    }
}

/// Which knowledge-distillation divergence the student minimises.
///
/// The default everywhere is ``reference``: it is what the LightHGNN reference code computes, so
/// it is the loss behind the published numbers. On the Cora hypergraphs (5 seeds) the two losses
/// differ by less than one standard deviation, in both directions (BENCHMARKS.md).
public enum KDLoss: String, Sendable, CaseIterable {
    /// The LightHGNN reference code's loss: PyTorch `kl_div(log_softmax(z_s), softmax(z_t),
    /// log_target=True)`, i.e. teacher *probabilities* read as log-probabilities. Its gradient is
    /// a cross-entropy towards softmax(p_t), a flattened target with the teacher's argmax.
    case reference
    /// The textbook KL(p_t ‖ p_s) at temperature T, times T² (Hinton et al., 2015; GLNN).
    case trueKL = "true-kl"
}

/// The distillation losses of LightHGNN (Feng et al., ICLR 2024, §4.1 eq. 4 and §4.2 eq. 7),
/// as the reference code computes them. Values are means over the rows (vertices or kept
/// hyperedges); gradients are with respect to the student logits. Sums run in Double.
public enum Distillation {
    /// Row-wise softmax in Float, `[rows × classes]`.
    public static func softmax(_ z: Matrix) -> Matrix {
        var p = Matrix(rows: z.rows, cols: z.cols)
        for i in 0..<z.rows {
            var m = -Float.infinity
            for j in 0..<z.cols { m = max(m, z[i, j]) }
            var s: Double = 0
            for j in 0..<z.cols {
                let e = Foundation.exp(Double(z[i, j] - m))
                p[i, j] = Float(e)
                s += e
            }
            for j in 0..<z.cols { p[i, j] = Float(Double(p[i, j]) / s) }
        }
        return p
    }

    /// Vertex-level KD over the rows in `mask`.
    ///
    /// ```
    /// reference:  L = (1/|M|) Σ_v Σ_c exp(p_t,vc) · (p_t,vc − log p_s,vc)       (no temperature)
    ///             ∂L/∂z_v = (1/|M|) (Z_v · p_s,v − exp(p_t,v)),  Z_v = Σ_c exp(p_t,vc)
    /// trueKL:     L = (T²/|M|) Σ_v Σ_c q_t,vc (log q_t,vc − log q_s,vc),  q = softmax(z / T)
    ///             ∂L/∂z_v = (T/|M|) (q_s,v − q_t,v)
    /// ```
    /// Shapes: `studentLogits` and `teacherLogits` `[numRows × numClasses]`.
    /// - Parameters:
    ///   - z: student logits `[numVertices × numClasses]`.
    ///   - t: teacher logits, same shape.
    ///   - mask: the vertices the loss covers (|M| of them).
    ///   - mode: the reference variant or the textbook KL.
    ///   - temperature: T of `trueKL`; the reference variant has none and ignores it.
    public static func vertexLoss(studentLogits z: Matrix, teacherLogits t: Matrix, mask: [Int], mode: KDLoss,
                                  temperature: Float = 1) -> LossWithGradient {
        precondition(z.rows == t.rows && z.cols == t.cols, "KD: student and teacher logits differ in shape")
        switch mode {
        case .trueKL:
            let kl = Loss.klDivergence(logits: z, teacherLogits: t, temperature: temperature, mask: mask)
            return LossWithGradient(value: kl.value, gradient: kl.gradient)
        case .reference:
            let c = z.cols
            var grad = Matrix(rows: z.rows, cols: c)
            guard !mask.isEmpty else { return LossWithGradient(value: 0, gradient: grad) }
            let pt = softmax(t)
            let inv = 1 / Double(mask.count)
            var total = 0.0
            for v in mask {
                var m = -Double.infinity
                for j in 0..<c { m = max(m, Double(z[v, j])) }
                var s = 0.0
                for j in 0..<c { s += Foundation.exp(Double(z[v, j]) - m) }
                let lse = m + Foundation.log(s)
                var zsum = 0.0
                for j in 0..<c {
                    let p = Double(pt[v, j]), w = Foundation.exp(p)
                    zsum += w
                    total += w * (p - (Double(z[v, j]) - lse))
                }
                for j in 0..<c {
                    let q = Foundation.exp(Double(z[v, j]) - lse)
                    grad[v, j] = Float(inv * (zsum * q - Foundation.exp(Double(pt[v, j]))))
                }
            }
            return LossWithGradient(value: Float(total * inv), gradient: grad)
        }
    }

    /// Hyperedge-level KD of LightHGNN+ over the hyperedges in `kept`, on hyperedge-mean soft
    /// labels; the gradient flows through the mean of the student's probabilities.
    ///
    /// ```
    /// P_s = v2e(softmax(z_s), mean),  P_t = v2e(p_t, mean)                   [numHyperedges × C]
    /// reference:  L = (1/|K|) Σ_{e∈K} Σ_c exp(P_t,ec/τ) · (P_t,ec/τ − log(P_s,ec/τ))
    /// trueKL:     L = (1/|K|) Σ_{e∈K} Σ_c P_t,ec · (log P_t,ec − log P_s,ec)     (τ unused)
    /// ∂L/∂P_s,ec = −(1/|K|) · (reference: exp(P_t,ec/τ) | trueKL: P_t,ec) / P_s,ec
    /// ∂L/∂p_s = v2eᵀ(∂L/∂P_s),   ∂L/∂z_v = p_s,v ⊙ (∂L/∂p_s,v − ⟨∂L/∂p_s,v, p_s,v⟩)
    /// ```
    /// Shapes: `studentLogits` `[numVertices × C]` (every vertex of the hypergraph),
    /// `teacherHyperedgeProbabilities` `[numHyperedges × C]` (= `mean.apply(p_t)`).
    /// - Parameters:
    ///   - z: student logits `[numVertices × numClasses]`.
    ///   - pt: the teacher's hyperedge-mean probabilities `[numHyperedges × numClasses]`.
    ///   - mean: v2e of the hypergraph (vertex rows to hyperedge means).
    ///   - kept: hyperedge ids sampled this epoch (each at most once).
    ///   - mode: the reference variant or the textbook KL.
    ///   - tau: τ of the reference variant; it divides probabilities, not logits.
    ///   - threads: worker threads; the result does not depend on it.
    public static func hyperedgeLoss(studentLogits z: Matrix, teacherHyperedgeProbabilities pt: Matrix,
                                     mean: HyperedgeMean, kept: [Int], mode: KDLoss, tau: Float = 1,
                                     threads: Int = 1) -> LossWithGradient {
        precondition(z.rows == mean.numVertices, "hyperedge KD: \(z.rows) logit rows for \(mean.numVertices) vertices")
        precondition(pt.rows == mean.numHyperedges && pt.cols == z.cols, "hyperedge KD: teacher hyperedge labels misshaped")
        let c = z.cols
        guard !kept.isEmpty else { return LossWithGradient(value: 0, gradient: Matrix(rows: z.rows, cols: c)) }
        let ps = softmax(z)
        let hs = mean.apply(ps, threads: threads)
        let inv = 1 / Double(kept.count)
        let t = Double(tau)
        var total = 0.0
        var gh = Matrix(rows: mean.numHyperedges, cols: c)
        for e in kept {
            for j in 0..<c {
                let q = max(Double(hs[e, j]), Double(Float.leastNormalMagnitude))
                let p = Double(pt[e, j])
                switch mode {
                case .reference:
                    let w = Foundation.exp(p / t)
                    total += w * (p / t - Foundation.log(q / t))
                    gh[e, j] = Float(-inv * w / q)
                case .trueKL:
                    if p > 0 { total += p * (Foundation.log(p) - Foundation.log(q)) }
                    gh[e, j] = Float(-inv * p / q)
                }
            }
        }
        let gp = mean.applyTransposed(gh, threads: threads)
        var grad = Matrix(rows: z.rows, cols: c)
        for v in 0..<z.rows {
            var dot = 0.0
            for j in 0..<c { dot += Double(gp[v, j]) * Double(ps[v, j]) }
            for j in 0..<c { grad[v, j] = Float(Double(ps[v, j]) * (Double(gp[v, j]) - dot)) }
        }
        return LossWithGradient(value: Float(total * inv), gradient: grad)
    }
}
