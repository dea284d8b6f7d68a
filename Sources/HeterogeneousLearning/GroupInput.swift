import DenseMath
import NeuralNet

/// The first stage of a group encoder: input dropout and the 1×1 convolution over the hop axis
/// (RpHGNN's `Dropout(input_drop_rate)` then `Conv1d(S, F, 1)`), reading the batch rows straight
/// from the pre-computed group so no `[B × S·d]` copy of the input is made.
///
/// ```
/// x̃[n, k, j]    = x[node_n, k, j] · m[n, k, j] / (1 − p)        (training; x̃ = x in evaluation)
/// out[n, k′, j] = Σ_k W[k, k′] · x̃[n, k, j] + b[k′]
/// ∂W[k, k′] += Σ_{n,j} x̃[n, k, j] · ∂out[n, k′, j],   ∂b[k′] += Σ_{n,j} ∂out[n, k′, j]
/// ```
/// The mask of node `u` at step `t` comes from `SplitMix64(seed: mix(seed + t), stream: u)`, 16
/// bits per entry, four entries per draw (an entry is kept when its bits are ≥ round(p · 2¹⁶)),
/// so it does not depend on the batch composition or threads. In training the masked rows x̃ are
/// kept in one buffer that is reused from batch to batch (`B · S · d` floats) for the backward
/// pass. The input gradient is not computed (the input is data).
///
/// Shapes: group values `[numNodes × (S · d)]`, output `[B × (F · d)]`, W `[S × F]`
/// (Glorot uniform), b `[1 × F]` (zero). Weight gradients are summed over 64 fixed row blocks
/// (Float within a row, Double across rows), the same for any thread count.
/// - Complexity: O(B · S · F · d) per pass.
public final class GroupInput {
    /// W `[S × F]`.
    public let weight: Parameter
    /// b `[1 × F]`.
    public let bias: Parameter
    /// Hop slots S, output hop channels F, slot width d.
    public let inHops: Int, outHops: Int, dim: Int
    /// Input dropout probability p.
    public let dropout: Float
    /// Seed of the dropout masks.
    public let seed: UInt64
    private var cached: (nodes: [Int], masked: Bool)?
    /// x̃ of the last training batch, `[B × (S · d)]` (capacity kept between batches).
    private var maskedRows: [Float] = []

    public init(inHops: Int, outHops: Int, dim: Int, dropout: Float, seed: UInt64, rng: inout SplitMix64) {
        precondition(inHops > 0 && outHops > 0 && dim > 0, "GroupInput needs positive sizes")
        precondition(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)")
        weight = Parameter(name: "hopmix.weight", value: Initialization.glorotUniform(fanIn: inHops, fanOut: outHops, rng: &rng))
        bias = Parameter(name: "hopmix.bias", value: Matrix(rows: 1, cols: outHops))
        self.inHops = inHops
        self.outHops = outHops
        self.dim = dim
        self.dropout = dropout
        self.seed = seed
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// `[nodes.count × (F · d)]` for rows `nodes` of `group` (`[numNodes × (S · d)]`).
    public func forward(_ group: Matrix, nodes: [Int], context: LayerContext) -> Matrix {
        precondition(group.cols == inHops * dim, "GroupInput: group has \(group.cols) columns, expected \(inHops)·\(dim)")
        let (kin, kout, d) = (inHops, outHops, dim)
        var y = context.pool.take(rows: nodes.count, cols: kout * d)
        let w = weight.value.values, b = bias.value.values
        let masking = context.isTraining && dropout > 0
        if masking && maskedRows.count < nodes.count * kin * d {
            maskedRows = [Float](repeating: 0, count: nodes.count * kin * d)
        }
        let step = context.step
        group.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                maskedRows.withUnsafeMutableBufferPointer { ms in
                    guard let xp = xs.baseAddress, let yp = ys.baseAddress else { return }
                    let mp = ms.baseAddress
                    Parallel.forEachRange(total: nodes.count, count: threads(nodes.count, context)) { rows in
                        for n in rows {
                            let src = masking ? UnsafePointer(dropped(xp, node: nodes[n], step: step, into: mp! + n * kin * d))
                                              : xp + nodes[n] * kin * d
                            for ko in 0..<kout {
                                let out = yp + (n * kout + ko) * d
                                out.initialize(repeating: b[ko], count: d)
                                for ki in 0..<kin {
                                    let wk = w[ki * kout + ko], row = src + ki * d
                                    for j in 0..<d { out[j] += wk * row[j] }
                                }
                            }
                        }
                    }
                }
            }
        }
        cached = context.isTraining ? (nodes, masking) : nil
        return y
    }

    /// Adds ∂W and ∂b from ∂out `[B × (F · d)]`; needs the training-mode forward of the same
    /// `group` just before.
    public func backward(_ dy: Matrix, group: Matrix, context: LayerContext) {
        guard let (nodes, masking) = cached else { preconditionFailure("GroupInput.backward without a training forward") }
        cached = nil
        precondition(dy.rows == nodes.count && dy.cols == outHops * dim, "GroupInput.backward: gradient shape")
        let (kin, kout, d, rows) = (inHops, outHops, dim, nodes.count)
        let blocks = max(1, min(64, rows))
        let stride = kin * kout + kout
        var partial = [Double](repeating: 0, count: blocks * stride)
        let source = masking ? maskedRows : group.values
        source.withUnsafeBufferPointer { xs in
            dy.values.withUnsafeBufferPointer { gs in
                partial.withUnsafeMutableBufferPointer { ps in
                    guard let xp = xs.baseAddress, let gp = gs.baseAddress, let pp = ps.baseAddress else { return }
                    Parallel.forEachRange(total: blocks, count: threads(rows, context)) { blockRange in
                        var sums = [Float](repeating: 0, count: kin + 1)
                        sums.withUnsafeMutableBufferPointer { sums in
                            for block in blockRange {
                                let acc = pp + block * stride
                                for n in (rows * block / blocks)..<(rows * (block + 1) / blocks) {
                                    let src = xp + (masking ? n : nodes[n]) * kin * d
                                    for ko in 0..<kout {
                                        SIMDReduction.dots(src, count: kin, stride: d, with: gp + (n * kout + ko) * d, into: sums.baseAddress!)
                                        for ki in 0..<kin { acc[ki * kout + ko] += Double(sums[ki]) }
                                        acc[kin * kout + ko] += Double(sums[kin])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for k in 0..<stride {
            var total = 0.0
            for block in 0..<blocks { total += partial[block * stride + k] }
            if k < kin * kout { weight.gradient.values[k] += Float(total) } else { bias.gradient.values[k - kin * kout] += Float(total) }
        }
    }

    /// Drops the cached batch (when backward is skipped); the buffer's storage is kept.
    public func releaseCaches() { cached = nil }

    private func threads(_ rows: Int, _ context: LayerContext) -> Int {
        rows * inHops * outHops * dim < Kernels.parallelThreshold ? 1 : context.threads
    }

    /// Writes node `node`'s row with dropout applied into `scratch` (`S · d` floats).
    private func dropped(_ x: UnsafePointer<Float>, node: Int, step: Int, into scratch: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        let count = inHops * dim
        let src = x + node * count
        let threshold = UInt64((Double(dropout) * 65_536).rounded())
        let scale = 1 / (1 - dropout)
        var rng = SplitMix64(seed: SplitMix64.mix(seed &+ UInt64(truncatingIfNeeded: step)), stream: UInt64(node))
        // Four 16-bit draws per 64 bits, lane i from bits 16i ..< 16i+16. keep(r) = r ≥ threshold,
        // applied with SIMD selects, not branches (a random keep/drop branch mispredicts often).
        @inline(__always) func keep(_ r: UInt64) -> Float { Float(1 &- ((r &- threshold) >> 63)) * scale }
        let limit = SIMD8<UInt32>(repeating: UInt32(threshold))
        let zero = SIMD8<Float>(repeating: 0), kept = SIMD8<Float>(repeating: scale)
        let rawSource = UnsafeRawPointer(src), rawScratch = UnsafeMutableRawPointer(scratch)
        var j = 0
        while j + 8 <= count {
            let draws = unsafeBitCast(SIMD2<UInt64>(rng.next(), rng.next()), to: SIMD8<UInt16>.self)
            let factor = zero.replacing(with: kept, where: SIMD8<UInt32>(truncatingIfNeeded: draws) .>= limit)
            let v = rawSource.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            rawScratch.storeBytes(of: v * factor, toByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count {
            let bits = rng.next()
            for lane in 0..<min(4, count - j) { scratch[j + lane] = src[j + lane] * keep((bits >> (16 * UInt64(lane))) & 0xFFFF) }
            j += 4
        }
        return scratch
    }
}

/// Reductions with eight SIMD lanes in a fixed order.
enum SIMDReduction {
    /// For rows `a + k·stride` (k < `count`) of length `stride`: `out[k] = Σ_j a_k[j]·b[j]`, and
    /// `out[count] = Σ_j b[j]`. One pass over `b`, with `count + 1` independent accumulators.
    @inline(__always)
    static func dots(_ a: UnsafePointer<Float>, count: Int, stride: Int, with b: UnsafePointer<Float>,
                     into out: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: count + 1) { acc in
            acc.initialize(repeating: SIMD8(repeating: 0))
            let rb = UnsafeRawPointer(b)
            var j = 0
            while j + 8 <= stride {
                let bv = rb.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                acc[count] += bv
                for k in 0..<count {
                    acc[k] += UnsafeRawPointer(a + k * stride).loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) * bv
                }
                j += 8
            }
            for k in 0...count {
                var total = acc[k].sum()
                for t in j..<stride { total += (k < count ? a[k * stride + t] : 1) * b[t] }
                out[k] = total
            }
        }
    }
}
