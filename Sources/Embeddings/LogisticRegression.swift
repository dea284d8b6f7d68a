import DenseMath
import Foundation

/// One-vs-rest L2-regularised logistic regression, fitted for all classes at once.
///
/// Each class c has its own weights `w_c` (a bias is appended as a last feature of constant 1
/// and regularised with the rest, as liblinear and scikit-learn's `solver='liblinear'` do):
///
/// ```
/// minimise  ½‖w_c‖² + C · Σᵢ log(1 + exp(−yᵢc · w_cᵀ xᵢ)),   yᵢc = +1 if node i has class c, else −1
/// ```
/// Solver: truncated Newton (as liblinear's TRON): each step solves `H s = −g` by conjugate
/// gradients with a diagonal preconditioner, stopped at `‖r‖ ≤ 0.1‖g‖`, then backtracks until
/// the Armijo condition holds. All classes advance together: every product with X is one
/// OpenBLAS `sgemm` over `[samples × features] · [features × classes]`. A class stops when
/// `‖g_c‖ ≤ tolerance · ‖g_c(0)‖`. Losses and inner products are summed in `Double`.
///
/// Magnitudes: the products and `x²` (the preconditioner) are `Float`, so features near 1e19
/// and beyond overflow (`x²` passes `Float.greatestFiniteMagnitude`). Every Newton step checks
/// that the loss, the gradient, the preconditioner and the step are finite and throws
/// ``EmbeddingError/numericalOverflow(_:)`` when one is not, instead of returning the zero
/// weights a stalled fit leaves. On inputs that do not overflow nothing changes.
public struct LogisticRegression: Sendable {
    /// C, the inverse regularisation strength (> 0).
    public var inverseRegularization: Float
    /// Relative gradient-norm tolerance (default 1e-4, scikit-learn's `tol`).
    public var tolerance: Double
    /// Newton steps at most.
    public var maxIterations: Int
    /// Threads for the dense products (``/DenseMath/BLAS/gemm(_:transposeA:_:transposeB:alpha:beta:into:threads:)``,
    /// row blocks fixed by the shape): the fit is bit-identical for any value while OpenBLAS's
    /// own thread count stays 1.
    public var threads: Int

    public init(inverseRegularization: Float = 1, tolerance: Double = 1e-4, maxIterations: Int = 100, threads: Int = 1) {
        self.inverseRegularization = inverseRegularization
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.threads = max(1, threads)
    }

    /// A fitted model.
    public struct Model: Sendable {
        /// Weights `[numFeatures + 1 × numClasses]`; the last row is the bias.
        public let weights: Matrix
        /// Newton steps taken.
        public let iterations: Int
        /// Final `‖g_c‖ / ‖g_c(0)‖` per class, `[numClasses]`.
        public let relativeGradientNorms: [Double]

        /// Decision values `x·w_c + b_c`, `[samples × numClasses]`; the class probability is
        /// `1 / (1 + exp(−value))`.
        /// - Precondition: `x.cols == weights.rows − 1`.
        public func decisionFunction(_ x: Matrix) -> Matrix {
            precondition(x.cols == weights.rows - 1, "decisionFunction: \(x.cols) features, model has \(weights.rows - 1)")
            return BLAS.matmul(LogisticRegression.withBiasColumn(x), weights)
        }
    }

    /// Fits one binary classifier per column of `targets`.
    /// - Parameters:
    ///   - x: samples `[numSamples × numFeatures]`.
    ///   - targets: `[numSamples × numClasses]`, 1 where the sample has the class, else 0.
    /// - Throws: ``EmbeddingError/invalidConfiguration(_:)`` for C ≤ 0 or a non-positive
    ///   tolerance; ``EmbeddingError/shapeMismatch(_:)`` when the row counts differ;
    ///   ``EmbeddingError/numericalOverflow(_:)`` when the fit overflows `Float` (features of
    ///   magnitude near 1e19 and beyond).
    /// - Complexity: O(steps · CG iterations · samples · features · classes).
    public func fit(_ x: Matrix, targets: Matrix) throws(EmbeddingError) -> Model {
        guard inverseRegularization > 0, inverseRegularization.isFinite else {
            throw .invalidConfiguration("C must be a positive number, got \(inverseRegularization)")
        }
        guard tolerance > 0 else { throw .invalidConfiguration("tolerance must be positive, got \(tolerance)") }
        guard x.rows == targets.rows else {
            throw .shapeMismatch("\(x.rows) samples but \(targets.rows) target rows")
        }
        let xb = Self.withBiasColumn(x)
        let m = xb.rows, p = xb.cols, classes = targets.cols
        let c = inverseRegularization
        var xSquared = xb
        for i in xSquared.values.indices { xSquared.values[i] *= xSquared.values[i] }

        var w = Matrix(rows: p, cols: classes)
        var z = Matrix(rows: m, cols: classes)
        var loss = objective(w, z, targets)
        var gradient = self.gradient(xb, w, z, targets)
        try Self.checkFinite(loss: loss, gradient, x: x)
        let initialNorms = columnNorms(gradient)
        var active = initialNorms.map { $0 > 0 }
        var norms = initialNorms
        var steps = 0
        while steps < maxIterations {
            for k in 0..<classes where active[k] && norms[k] <= tolerance * initialNorms[k] { active[k] = false }
            if !active.contains(true) { break }
            steps += 1
            // Curvature D = σ(z)(1 − σ(z)) and the diagonal preconditioner 1 + C·Σᵢ Dᵢ xᵢⱼ².
            var d = z
            for i in d.values.indices {
                let s = Self.sigmoid(d.values[i])
                d.values[i] = s * (1 - s)
            }
            var precondition = BLAS.matmul(xSquared, transposeA: true, d)
            for i in precondition.values.indices { precondition.values[i] = 1 + c * precondition.values[i] }

            let step = conjugateGradient(xb, d: d, preconditioner: precondition, gradient: gradient, active: active)
            // An infinite preconditioner gives a zero step and a NaN one rejects every trial:
            // either way the fit would stall at w = 0 without a word.
            try Self.checkFinite(loss: [], precondition, step, x: x)

            // Backtracking line search per class (Armijo, factor 1/2).
            var slope = [Double](repeating: 0, count: classes)
            for j in 0..<p {
                for k in 0..<classes { slope[k] += Double(gradient[j, k]) * Double(step[j, k]) }
            }
            var t = [Float](repeating: 1, count: classes)
            var accepted = active.map { !$0 }
            var trialW = w
            var trialZ = z
            var trialLoss = loss
            for _ in 0..<30 {
                for j in 0..<p {
                    for k in 0..<classes where !accepted[k] { trialW[j, k] = w[j, k] + t[k] * step[j, k] }
                }
                BLAS.gemm(xb, trialW, into: &trialZ, threads: threads)
                trialLoss = objective(trialW, trialZ, targets)
                var all = true
                for k in 0..<classes where !accepted[k] {
                    if trialLoss[k] <= loss[k] + 1e-4 * Double(t[k]) * slope[k] {
                        accepted[k] = true
                    } else {
                        t[k] /= 2
                        all = false
                    }
                }
                if all { break }
            }
            for k in 0..<classes where active[k] && !accepted[k] {
                // No decrease found within float precision: the class has converged as far as it can.
                active[k] = false
                for j in 0..<p { trialW[j, k] = w[j, k] }
                trialLoss[k] = loss[k]
            }
            w = trialW
            BLAS.gemm(xb, w, into: &z, threads: threads)
            loss = objective(w, z, targets)
            gradient = self.gradient(xb, w, z, targets)
            try Self.checkFinite(loss: loss, gradient, x: x)
            norms = columnNorms(gradient)
        }
        let relative = (0..<classes).map { initialNorms[$0] > 0 ? norms[$0] / initialNorms[$0] : 0 }
        return Model(weights: w, iterations: steps, relativeGradientNorms: relative)
    }

    // MARK: - Pieces

    /// Throws ``EmbeddingError/numericalOverflow(_:)`` unless `loss` and every matrix are finite.
    static func checkFinite(loss: [Double], _ matrices: Matrix..., x: Matrix) throws(EmbeddingError) {
        guard loss.allSatisfy(\.isFinite) && matrices.allSatisfy({ $0.values.allSatisfy(\.isFinite) }) else {
            let largest = x.values.reduce(Float(0)) { max($0, abs($1)) }
            throw .numericalOverflow("logistic regression overflows Float32 on these features (largest magnitude \(largest)); scale them down, e.g. divide them by their largest absolute value")
        }
    }

    /// `[x | 1]`, `[rows × cols + 1]`.
    static func withBiasColumn(_ x: Matrix) -> Matrix {
        var out = Matrix(rows: x.rows, cols: x.cols + 1)
        for i in 0..<x.rows {
            for j in 0..<x.cols { out.values[i * (x.cols + 1) + j] = x.values[i * x.cols + j] }
            out.values[i * (x.cols + 1) + x.cols] = 1
        }
        return out
    }

    @inline(__always)
    static func sigmoid(_ z: Float) -> Float {
        z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z))
    }

    /// `½‖w_c‖² + C Σᵢ [log(1 + e^{zᵢc}) − tᵢc zᵢc]` per class.
    func objective(_ w: Matrix, _ z: Matrix, _ t: Matrix) -> [Double] {
        let classes = w.cols
        var f = [Double](repeating: 0, count: classes)
        for v in 0..<w.rows {
            for k in 0..<classes { f[k] += 0.5 * Double(w[v, k]) * Double(w[v, k]) }
        }
        var data = [Double](repeating: 0, count: classes)
        for i in 0..<z.rows {
            for k in 0..<classes {
                let zi = Double(z[i, k])
                data[k] += max(zi, 0) + Foundation.log1p(Foundation.exp(-abs(zi))) - Double(t[i, k]) * zi
            }
        }
        let c = Double(inverseRegularization)
        return (0..<classes).map { f[$0] + c * data[$0] }
    }

    /// `w + C · Xᵀ(σ(z) − t)`, `[features × classes]`.
    func gradient(_ x: Matrix, _ w: Matrix, _ z: Matrix, _ t: Matrix) -> Matrix {
        var r = z
        for i in r.values.indices { r.values[i] = Self.sigmoid(r.values[i]) - t.values[i] }
        var g = w
        BLAS.gemm(x, transposeA: true, r, alpha: inverseRegularization, beta: 1, into: &g, threads: threads)
        return g
    }

    /// `Hv = v + C · Xᵀ(D ⊙ Xv)` for every class column at once.
    func hessianProduct(_ x: Matrix, d: Matrix, _ v: Matrix) -> Matrix {
        var q = BLAS.matmul(x, v)
        for i in q.values.indices { q.values[i] *= d.values[i] }
        var h = v
        BLAS.gemm(x, transposeA: true, q, alpha: inverseRegularization, beta: 1, into: &h, threads: threads)
        return h
    }

    /// Preconditioned CG for `H s = −g` per active class, to `‖r‖ ≤ 0.1‖g‖` or 250 steps.
    func conjugateGradient(_ x: Matrix, d: Matrix, preconditioner: Matrix, gradient: Matrix, active: [Bool]) -> Matrix {
        let p = gradient.rows, classes = gradient.cols
        var s = Matrix(rows: p, cols: classes)
        var r = gradient
        for k in 0..<classes {
            for j in 0..<p { r[j, k] = active[k] ? -gradient[j, k] : 0 }
        }
        var zr = r
        for i in zr.values.indices { zr.values[i] /= preconditioner.values[i] }
        var direction = zr
        var rz = columnDots(r, zr)
        let stop = columnNorms(gradient).map { 0.1 * $0 }
        var running = active
        for _ in 0..<250 {
            if !running.contains(true) { break }
            let hd = hessianProduct(x, d: d, direction)
            let dhd = columnDots(direction, hd)
            for k in 0..<classes where running[k] {
                guard dhd[k] > 0 else { running[k] = false; continue }
                let alpha = Float(rz[k] / dhd[k])
                for j in 0..<p {
                    s[j, k] += alpha * direction[j, k]
                    r[j, k] -= alpha * hd[j, k]
                }
            }
            let rNorms = columnNorms(r)
            for k in 0..<classes where running[k] && rNorms[k] <= stop[k] { running[k] = false }
            for k in 0..<classes where running[k] {
                for j in 0..<p { zr[j, k] = r[j, k] / preconditioner[j, k] }
            }
            var newRZ = rz
            for k in 0..<classes where running[k] {
                var sum = 0.0
                for j in 0..<p { sum += Double(r[j, k]) * Double(zr[j, k]) }
                newRZ[k] = sum
            }
            for k in 0..<classes {
                if running[k] {
                    let beta = Float(newRZ[k] / rz[k])
                    for j in 0..<p { direction[j, k] = zr[j, k] + beta * direction[j, k] }
                } else {
                    for j in 0..<p { direction[j, k] = 0 }
                }
            }
            rz = newRZ
        }
        return s
    }

    func columnNorms(_ m: Matrix) -> [Double] {
        columnDots(m, m).map { $0.squareRoot() }
    }

    func columnDots(_ a: Matrix, _ b: Matrix) -> [Double] {
        var out = [Double](repeating: 0, count: a.cols)
        for i in 0..<a.rows {
            for k in 0..<a.cols { out[k] += Double(a[i, k]) * Double(b[i, k]) }
        }
        return out
    }
}
