import DenseMath

/// 1×1 convolution over a hop axis: mixes K hop-wise feature blocks into K′ blocks with one
/// weight per (hop, output hop) pair, shared by every node and feature (a `Conv1d` with kernel
/// size 1 whose channels are hops, as in SeHGNN/RpHGNN's `Conv1d1x1`, channel-first).
///
/// ```
/// out[n, k′, j] = Σ_k W[k, k′] · in[n, k, j] + b[k′]
/// ∂W[k, k′] += Σ_{n,j} in[n, k, j] · ∂out[n, k′, j]
/// ∂b[k′]    += Σ_{n,j} ∂out[n, k′, j]
/// ∂in[n, k, j] = Σ_{k′} W[k, k′] · ∂out[n, k′, j]
/// ```
/// Shapes: input `[numRows × (inHops·dim)]` (hop k in columns `k·dim ..< (k+1)·dim`), output
/// `[numRows × (outHops·dim)]`, W `[inHops × outHops]` (Glorot uniform), b `[1 × outHops]` (zero).
/// - Complexity: O(numRows · inHops · outHops · dim) per pass.
public final class HopConvolution: Layer {
    public let kind = "hopconv"
    public var retainsOutput: Bool { false }
    /// W `[inHops × outHops]`.
    public let weight: Parameter
    /// b `[1 × outHops]`, or `nil`.
    public let bias: Parameter?
    /// Feature width of one hop block.
    public let dim: Int
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    private var input: Matrix?

    /// A layer mapping `inHops` blocks of width `dim` to `outHops` blocks; W from `rng`.
    public init(inHops: Int, outHops: Int, dim: Int, bias: Bool = true, rng: inout SplitMix64) {
        precondition(inHops > 0 && outHops > 0 && dim > 0, "HopConvolution needs positive sizes")
        weight = Parameter(name: "weight", value: Initialization.glorotUniform(fanIn: inHops, fanOut: outHops, rng: &rng))
        self.bias = bias ? Parameter(name: "bias", value: Matrix(rows: 1, cols: outHops)) : nil
        self.dim = dim
    }

    /// K, the number of input hop blocks.
    public var inHops: Int { weight.value.rows }
    /// K′, the number of output hop blocks.
    public var outHops: Int { weight.value.cols }

    public func forward(_ x: Matrix, context: LayerContext) -> Matrix {
        precondition(x.cols == inHops * dim, "HopConvolution: input has \(x.cols) columns, expected \(inHops)·\(dim)")
        let (kin, kout, d) = (inHops, outHops, dim)
        var y = Matrix(rows: x.rows, cols: kout * d)
        let w = weight.value.values
        let b = bias?.value.values ?? [Float](repeating: 0, count: kout)
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                let xp = xs.baseAddress, yp = ys.baseAddress
                Kernels.forEachRow(rows: x.rows, work: kin * kout * d, threads: context.threads) { rows in
                    guard let xp, let yp else { return }
                    for n in rows {
                        for ko in 0..<kout {
                            let out = yp + (n * kout + ko) * d
                            for j in 0..<d { out[j] = b[ko] }
                            for ki in 0..<kin {
                                let wk = w[ki * kout + ko]
                                let src = xp + (n * kin + ki) * d
                                for j in 0..<d { out[j] += wk * src[j] }
                            }
                        }
                    }
                }
            }
        }
        input = context.isTraining ? x : nil
        return y
    }

    public func backward(_ dy: Matrix, context: LayerContext, needsInputGradient: Bool) -> Matrix? {
        guard let x = input else { preconditionFailure("HopConvolution.backward without a training forward") }
        input = nil
        let (kin, kout, d) = (inHops, outHops, dim)
        var dw = [Double](repeating: 0, count: kin * kout)
        var db = [Double](repeating: 0, count: kout)
        for n in 0..<x.rows {
            for ko in 0..<kout {
                let gBase = (n * kout + ko) * d
                var s = 0.0
                for j in 0..<d { s += Double(dy.values[gBase + j]) }
                db[ko] += s
                for ki in 0..<kin {
                    let xBase = (n * kin + ki) * d
                    var t = 0.0
                    for j in 0..<d { t += Double(x.values[xBase + j]) * Double(dy.values[gBase + j]) }
                    dw[ki * kout + ko] += t
                }
            }
        }
        for i in dw.indices { weight.gradient.values[i] += Float(dw[i]) }
        if let bias { for i in db.indices { bias.gradient.values[i] += Float(db[i]) } }
        guard needsInputGradient else { return nil }
        var dx = Matrix(rows: x.rows, cols: kin * d)
        let w = weight.value.values
        dy.values.withUnsafeBufferPointer { gs in
            dx.values.withUnsafeMutableBufferPointer { ds in
                let gp = gs.baseAddress, dp = ds.baseAddress
                Kernels.forEachRow(rows: x.rows, work: kin * kout * d, threads: context.threads) { rows in
                    guard let gp, let dp else { return }
                    for n in rows {
                        for ki in 0..<kin {
                            let out = dp + (n * kin + ki) * d
                            for ko in 0..<kout {
                                let wk = w[ki * kout + ko]
                                let src = gp + (n * kout + ko) * d
                                for j in 0..<d { out[j] += wk * src[j] }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    public func releaseCaches() { input = nil }
}
