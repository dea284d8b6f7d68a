import DenseMath
import Foundation

/// A loss value with its gradient with respect to the logits.
public struct LossOutput: Sendable {
    /// The mean loss over the masked rows.
    public var value: Float
    /// ∂value/∂logits, `[numRows × numClasses]`; zero in rows outside the mask.
    public var gradient: Matrix
}

/// Losses over node logits restricted to a node mask (row indices). Every loss is the mean over
/// the masked rows, sums run in Double, softmax subtracts the row maximum, so large logits do not
/// overflow. An empty mask gives value 0 and a zero gradient.
public enum Loss {
    /// Softmax cross-entropy with integer class labels (PyTorch's `cross_entropy` on the masked rows).
    ///
    /// ```
    /// L = (1/|M|) Σ_{i∈M} ( logsumexp(z_i) − z_i[y_i] )
    /// ∂L/∂z_i = (softmax(z_i) − onehot(y_i)) / |M|   for i ∈ M
    /// ```
    /// Shapes: `logits` `[numRows × numClasses]`, `labels` `[numRows]`.
    /// - Precondition: every `labels[i]` for `i` in `mask` lies in `0..<numClasses`.
    public static func softmaxCrossEntropy(logits: Matrix, labels: [Int32], mask: [Int]) -> LossOutput {
        precondition(labels.count == logits.rows, "cross-entropy: \(labels.count) labels for \(logits.rows) rows")
        let c = logits.cols
        var grad = Matrix(rows: logits.rows, cols: c)
        guard !mask.isEmpty else { return LossOutput(value: 0, gradient: grad) }
        let inv = 1 / Double(mask.count)
        var total = 0.0
        var p = [Double](repeating: 0, count: c)
        for i in mask {
            let y = Int(labels[i])
            precondition(y >= 0 && y < c, "cross-entropy: row \(i) has label \(y), expected 0..<\(c)")
            let lse = logSoftmax(row: i, of: logits, scale: 1, into: &p)
            total += lse - Double(logits[i, y])
            for j in 0..<c { grad[i, j] = Float(p[j] * inv) }
            grad[i, y] -= Float(inv)
        }
        return LossOutput(value: Float(total * inv), gradient: grad)
    }

    /// Sigmoid binary cross-entropy for multi-label targets in [0, 1] (PyTorch's
    /// `binary_cross_entropy_with_logits`, mean over masked rows × classes).
    ///
    /// ```
    /// ℓ(z, t) = max(z, 0) − z·t + log(1 + e^−|z|)
    /// L = (1/(|M|·C)) Σ_{i∈M} Σ_c ℓ(z_ic, t_ic),   ∂L/∂z_ic = (σ(z_ic) − t_ic) / (|M|·C)
    /// ```
    /// Shapes: `logits` and `targets` `[numRows × numClasses]`.
    public static func sigmoidBinaryCrossEntropy(logits: Matrix, targets: Matrix, mask: [Int]) -> LossOutput {
        precondition(targets.rows == logits.rows && targets.cols == logits.cols, "BCE: targets and logits differ in shape")
        let c = logits.cols
        var grad = Matrix(rows: logits.rows, cols: c)
        guard !mask.isEmpty, c > 0 else { return LossOutput(value: 0, gradient: grad) }
        let inv = 1 / (Double(mask.count) * Double(c))
        var total = 0.0
        for i in mask {
            for j in 0..<c {
                let z = Double(logits[i, j]), t = Double(targets[i, j])
                total += max(z, 0) - z * t + Foundation.log1p(Foundation.exp(-abs(z)))
                let s = z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z))
                grad[i, j] = Float((s - t) * inv)
            }
        }
        return LossOutput(value: Float(total * inv), gradient: grad)
    }

    /// Cross-entropy against soft labels (probability rows) at temperature T, scaled by T² so
    /// gradient magnitudes do not shrink with T (Hinton, Vinyals & Dean, 2015, §2).
    ///
    /// ```
    /// q_i = softmax(z_i / T)
    /// L = (T²/|M|) Σ_{i∈M} −Σ_c p_ic log q_ic
    /// ∂L/∂z_i = (T/|M|) (q_i · Σ_c p_ic − p_i)
    /// ```
    /// Shapes: `logits` and `targets` `[numRows × numClasses]`.
    /// - Precondition: `temperature > 0`.
    public static func softTargetCrossEntropy(logits: Matrix, targets: Matrix, temperature: Float = 1,
                                              mask: [Int]) -> LossOutput {
        precondition(targets.rows == logits.rows && targets.cols == logits.cols, "soft-target CE: targets and logits differ in shape")
        precondition(temperature > 0, "temperature must be positive")
        let c = logits.cols
        var grad = Matrix(rows: logits.rows, cols: c)
        guard !mask.isEmpty else { return LossOutput(value: 0, gradient: grad) }
        let t = Double(temperature), inv = 1 / Double(mask.count)
        var total = 0.0
        var q = [Double](repeating: 0, count: c)
        for i in mask {
            let lse = logSoftmax(row: i, of: logits, scale: 1 / t, into: &q)
            var mass = 0.0
            for j in 0..<c {
                let p = Double(targets[i, j])
                mass += p
                total -= p * (Double(logits[i, j]) / t - lse)
            }
            for j in 0..<c { grad[i, j] = Float(t * inv * (q[j] * mass - Double(targets[i, j]))) }
        }
        return LossOutput(value: Float(t * t * total * inv), gradient: grad)
    }

    /// Knowledge-distillation KL divergence KL(p ‖ q) between the teacher's and the student's
    /// softened distributions, times T² (Hinton et al., 2015; PyTorch
    /// `kl_div(log_softmax(z/T), softmax(t/T), reduction="batchmean") · T²`).
    ///
    /// ```
    /// p_i = softmax(t_i / T),  q_i = softmax(z_i / T)
    /// L = (T²/|M|) Σ_{i∈M} Σ_c p_ic (log p_ic − log q_ic)
    /// ∂L/∂z_i = (T/|M|) (q_i − p_i)
    /// ```
    /// The teacher is fixed: no gradient flows to `teacherLogits`.
    /// Shapes: both logits `[numRows × numClasses]`.
    /// - Precondition: `temperature > 0`.
    public static func klDivergence(logits: Matrix, teacherLogits: Matrix, temperature: Float = 1,
                                    mask: [Int]) -> LossOutput {
        precondition(teacherLogits.rows == logits.rows && teacherLogits.cols == logits.cols, "KL: teacher and student logits differ in shape")
        precondition(temperature > 0, "temperature must be positive")
        let c = logits.cols
        var grad = Matrix(rows: logits.rows, cols: c)
        guard !mask.isEmpty else { return LossOutput(value: 0, gradient: grad) }
        let t = Double(temperature), inv = 1 / Double(mask.count)
        var total = 0.0
        var p = [Double](repeating: 0, count: c), q = [Double](repeating: 0, count: c)
        for i in mask {
            let lseT = logSoftmax(row: i, of: teacherLogits, scale: 1 / t, into: &p)
            let lseS = logSoftmax(row: i, of: logits, scale: 1 / t, into: &q)
            for j in 0..<c where p[j] > 0 {
                let logP = Double(teacherLogits[i, j]) / t - lseT
                let logQ = Double(logits[i, j]) / t - lseS
                total += p[j] * (logP - logQ)
            }
            for j in 0..<c { grad[i, j] = Float(t * inv * (q[j] - p[j])) }
        }
        return LossOutput(value: Float(t * t * total * inv), gradient: grad)
    }

    /// Writes softmax(scale · z_i) into `probabilities` and returns logsumexp(scale · z_i).
    static func logSoftmax(row i: Int, of z: Matrix, scale: Double, into probabilities: inout [Double]) -> Double {
        let c = z.cols
        var m = -Double.infinity
        for j in 0..<c { m = max(m, scale * Double(z[i, j])) }
        var s = 0.0
        for j in 0..<c {
            let e = Foundation.exp(scale * Double(z[i, j]) - m)
            probabilities[j] = e
            s += e
        }
        for j in 0..<c { probabilities[j] /= s }
        return m + Foundation.log(s)
    }
}
