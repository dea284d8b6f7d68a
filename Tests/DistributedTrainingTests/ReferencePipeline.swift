import DistributedTraining
import Foundation
import GraphLearning

/// GNNPipe's pipelined training written out slowly from its definition, in Double, with dense
/// matrices and explicit loops over chunks and layers (the slow checker of
/// ``DistributedTrainer``):
///
/// - an epoch runs the chunks in their order; chunk c computes layer l for its rows from the
///   layer's input of **every** node u: fresh (computed this epoch) when u's chunk is not later
///   than c in the order, else the history (last epoch's value);
/// - backward runs the chunks in reverse; the gradient of a read of u by chunk c goes to u's own
///   input gradient when u is in c, waits for u's chunk's backward this epoch when u's chunk came
///   earlier, and when u's chunk comes later (a historical read) is dropped or applied at u's
///   chunk's backward next epoch;
/// - at the epoch's end the history takes this epoch's values (with momentum m:
///   `m·history + (1 − m)·fresh`, from the second chunked epoch on); one Adam step.
///
/// Unchunked epochs (C = 1 or warm-up) are one chunk of all nodes. Dropout masks follow the
/// documented rule (SplitMix64 keyed by layer seed + epoch and the node id). Initial weights
/// are the library model's. GCN and GCNII, L2 weight decay.
final class ReferencePipeline {
    typealias Rows = [[Double]]

    enum ReadRule { case definition, everythingFresh }

    let configuration: GNNConfiguration
    let n: Int
    let a: Rows                 // Â, dense [N × N]
    let x: Rows                 // features [N × in]
    let labels: [Int32]
    let train: [Int]
    let chunk: [Int]
    let chunks: Int
    let options: PipelineOptions
    let rule: ReadRule
    let learningRate: Double
    // Parameters in the library model's order, with their weight decay.
    var weights: [Rows]
    let decay: [Double]
    private var m: [Rows], v: [Rows]
    private var adamSteps = 0
    private let dropoutSeeds: (input: UInt64?, blocks: [UInt64], output: UInt64?)
    private let p: Double
    private var fresh: [Rows], history: [Rows], pendingNow: [Rows], deferredNext: [Rows], deferredCurrent: [Rows]
    private var smoothedReady = false
    private(set) var epoch = 0

    init(configuration: GNNConfiguration, adjacency: CSRGraph, task: NodeClassificationTask, chunkOf: [Int32],
         options: PipelineOptions, learningRate: Double, rule: ReadRule = .definition) throws {
        self.configuration = configuration
        n = adjacency.numRows
        // Â = D̃^-1/2 (A + I) D̃^-1/2 from its definition.
        var dense = Rows(repeating: [Double](repeating: 0, count: n), count: n)
        for u in 0..<n {
            dense[u][u] = 1
            for w in adjacency.neighbors(of: u) { dense[u][Int(w)] = 1 }
        }
        let degree = dense.map { $0.reduce(0, +) }
        for u in 0..<n { for w in 0..<n where dense[u][w] != 0 { dense[u][w] /= (degree[u] * degree[w]).squareRoot() } }
        a = dense
        let f = task.features
        x = (0..<f.rows).map { r in (0..<f.cols).map { Double(f[r, $0]) } }
        labels = task.labels
        train = task.train
        chunk = chunkOf.map { Int($0) }
        chunks = options.chunks
        self.options = options
        self.rule = rule
        self.learningRate = learningRate
        let model = try GNNModel(configuration: configuration)
        let parameters = model.parameters
        weights = parameters.map { p in (0..<p.value.rows).map { r in (0..<p.value.cols).map { Double(p.value[r, $0]) } } }
        decay = parameters.map { Double($0.weightDecay) }
        m = weights.map { $0.map { $0.map { _ in 0 } } }
        v = m
        func seed(_ i: Int) -> UInt64 { (model.network.layers[i] as! Dropout).seed }
        let isGCNII = configuration.architecture == .gcnii
        dropoutSeeds = (isGCNII ? seed(0) : nil, model.graphBlocks.map { seed($0.dropoutLayer) },
                        isGCNII ? seed(model.outputLayers.lowerBound) : nil)
        p = Double(configuration.dropout)
        let widths = model.graphBlocks.map(\.inputWidth), count = n
        let zeros = widths.map { Rows(repeating: [Double](repeating: 0, count: $0), count: count) }
        fresh = zeros; history = zeros; pendingNow = zeros; deferredNext = zeros; deferredCurrent = zeros
    }

    private var isGCNII: Bool { configuration.architecture == .gcnii }
    private var layers: Int { configuration.layers }

    // MARK: Pieces

    private func mask(seed: UInt64, step: Int, row: Int, cols: Int) -> [Double] {
        guard p > 0 else { return [Double](repeating: 1, count: cols) }
        let threshold = UInt64((p * 4_294_967_296.0).rounded())
        let scale = Double(1 / (1 - Float(p)))
        var rng = SplitMix64(seed: SplitMix64.mix(seed &+ UInt64(step)), stream: UInt64(row))
        var out: [Double] = []
        while out.count < cols {
            let bits = rng.next()
            out.append((bits & 0xFFFF_FFFF) >= threshold ? scale : 0)
            if out.count < cols { out.append((bits >> 32) >= threshold ? scale : 0) }
        }
        return out
    }

    private func matmul(_ a: [Double], _ w: Rows) -> [Double] {
        (0..<w[0].count).map { j in (0..<a.count).reduce(0.0) { $0 + a[$1] * w[$1][j] } }
    }

    private func matmulT(_ g: [Double], _ w: Rows) -> [Double] {   // g · Wᵀ
        (0..<w.count).map { i in (0..<g.count).reduce(0.0) { $0 + g[$1] * w[i][$1] } }
    }

    private func addOuter(_ target: inout Rows, _ a: [Double], _ g: [Double], scale: Double = 1) {
        for i in a.indices where a[i] != 0 { for j in g.indices { target[i][j] += scale * a[i] * g[j] } }
    }

    private func beta(_ l: Int) -> Double { Double(Float(Foundation.log(Double(configuration.lambda) / Double(l + 1) + 1))) }

    /// Parameter index of layer l's weight (and bias at +1 for GCN).
    private func weightIndex(_ l: Int) -> Int { isGCNII ? 2 + l : 2 * l }

    // MARK: Epoch

    /// One epoch; returns the training loss (mean CE over the training nodes).
    func step() -> Double {
        epoch += 1
        let t = epoch
        let chunked = chunks > 1 && t > options.warmupEpochs
        let order = chunked ? PipelineSchedule.chunkOrder(epoch: t, chunks: chunks, shuffled: options.shuffleChunks,
                                                          seed: configuration.seed) : [0]
        var position = [Int](repeating: 0, count: max(chunks, 1))
        for (i, c) in order.enumerated() { position[c] = i }
        func chunkOf(_ u: Int) -> Int { chunked ? chunk[u] : 0 }
        func members(_ c: Int) -> [Int] { (0..<n).filter { chunkOf($0) == c } }
        var gradients = weights.map { $0.map { $0.map { _ in 0.0 } } }
        deferredCurrent = deferredNext
        deferredNext = deferredNext.map { $0.map { $0.map { _ in 0 } } }
        let trainCount = Double(train.count)
        let isTrain = Set(train)

        // GCNII: H⁰ = ReLU(Dropout(X) W_in + b_in) for every node.
        var h0 = Rows(), h0Pre = Rows(), xDropped = Rows()
        if isGCNII {
            for u in 0..<n {
                let mk = mask(seed: dropoutSeeds.input!, step: t, row: u, cols: x[u].count)
                let xd = zip(x[u], mk).map { $0 * $1 }
                let pre = zip(matmul(xd, weights[0]), weights[1][0]).map { $0 + $1 }
                xDropped.append(xd); h0Pre.append(pre); h0.append(pre.map { max(0, $0) })
            }
        }
        var dH0 = Rows(repeating: [Double](repeating: 0, count: isGCNII ? configuration.hiddenDim : 0), count: n)

        // Saved per chunk and layer for the backward pass (this reference keeps everything).
        struct Saved { var g: Rows; var masks: Rows; var z: Rows; var s: Rows; var pre: Rows; var out: Rows }
        var saved = [Int: [Saved]]()
        var logits = [Int: Rows](), outputDropped = [Int: Rows](), outputMasks = [Int: Rows](), lastHidden = [Int: Rows]()
        var loss = 0.0
        for c in order {
            let rows = members(c)
            var input: Rows = isGCNII ? rows.map { h0[$0] } : []
            var layerSaves: [Saved] = []
            for l in 0..<layers {
                let readsFeatures = !isGCNII && l == 0
                if !readsFeatures { for (k, u) in rows.enumerated() { fresh[l][u] = input[k] } }
                // Gather every node's value by the read rule, then dropout.
                var g = Rows(), masks = Rows()
                for u in 0..<n {
                    let value: [Double]
                    if readsFeatures { value = x[u] }
                    else if rule == .everythingFresh || !chunked || position[chunkOf(u)] <= position[c] { value = fresh[l][u] }
                    else { value = history[l][u] }
                    let mk = mask(seed: dropoutSeeds.blocks[l], step: t, row: u, cols: value.count)
                    masks.append(mk)
                    g.append(zip(value, mk).map { $0 * $1 })
                }
                var z = Rows(), s = Rows(), pre = Rows(), out = Rows()
                let w = weights[weightIndex(l)]
                for (k, r) in rows.enumerated() {
                    var zr = [Double](repeating: 0, count: g[0].count)
                    for u in 0..<n where a[r][u] != 0 { for j in zr.indices { zr[j] += a[r][u] * g[u][j] } }
                    z.append(zr)
                    if isGCNII {
                        let al = Double(configuration.alpha), b = beta(l)
                        let sr = zip(zr, h0[r]).map { (1 - al) * $0 + al * $1 }
                        let sw = matmul(sr, w)
                        s.append(sr)
                        pre.append(zip(sr, sw).map { (1 - b) * $0 + b * $1 })
                    } else {
                        pre.append(zip(matmul(zr, w), weights[weightIndex(l) + 1][0]).map { $0 + $1 })
                    }
                    let last = !isGCNII && l == layers - 1
                    out.append(last ? pre[k] : pre[k].map { max(0, $0) })
                }
                layerSaves.append(Saved(g: g, masks: masks, z: z, s: s, pre: pre, out: out))
                input = out
            }
            saved[c] = layerSaves
            var lg = input
            if isGCNII {
                let wi = weights.count - 2
                var dropped = Rows(), masks = Rows()
                for (k, r) in rows.enumerated() {
                    let mk = mask(seed: dropoutSeeds.output!, step: t, row: r, cols: input[k].count)
                    masks.append(mk)
                    dropped.append(zip(input[k], mk).map { $0 * $1 })
                }
                lg = dropped.map { zip(matmul($0, weights[wi]), weights[wi + 1][0]).map { $0 + $1 } }
                outputDropped[c] = dropped; outputMasks[c] = masks; lastHidden[c] = input
            }
            logits[c] = lg
            for (k, r) in rows.enumerated() where isTrain.contains(r) {
                let mx = lg[k].max()!
                let lse = mx + Foundation.log(lg[k].reduce(0) { $0 + Foundation.exp($1 - mx) })
                loss += (lse - lg[k][Int(labels[r])]) / trainCount
            }
        }

        // Backward, chunks in reverse.
        for c in order.reversed() {
            let rows = members(c)
            var dOut = Rows()
            for (k, r) in rows.enumerated() {
                let lg = logits[c]![k]
                guard isTrain.contains(r) else { dOut.append([Double](repeating: 0, count: lg.count)); continue }
                let mx = lg.max()!
                let e = lg.map { Foundation.exp($0 - mx) }, sum = e.reduce(0, +)
                var d = e.map { $0 / sum / trainCount }
                d[Int(labels[r])] -= 1 / trainCount
                dOut.append(d)
            }
            if isGCNII {
                let wi = weights.count - 2
                var dh = Rows()
                for (k, _) in rows.enumerated() {
                    addOuter(&gradients[wi], outputDropped[c]![k], dOut[k])
                    for j in dOut[k].indices { gradients[wi + 1][0][j] += dOut[k][j] }
                    dh.append(zip(matmulT(dOut[k], weights[wi]), outputMasks[c]![k]).map { $0 * $1 })
                }
                dOut = dh
            }
            for l in stride(from: layers - 1, through: 0, by: -1) {
                let sv = saved[c]![l]
                let w = weights[weightIndex(l)]
                let last = !isGCNII && l == layers - 1
                var dZ = Rows()
                for (k, r) in rows.enumerated() {
                    let dPre = last ? dOut[k] : zip(dOut[k], sv.pre[k]).map { $1 > 0 ? $0 : 0 }
                    if isGCNII {
                        let al = Double(configuration.alpha), b = beta(l)
                        addOuter(&gradients[weightIndex(l)], sv.s[k], dPre, scale: b)
                        let dS = zip(dPre, matmulT(dPre, w)).map { (1 - b) * $0 + b * $1 }
                        for j in dS.indices { dH0[r][j] += al * dS[j] }
                        dZ.append(dS.map { (1 - al) * $0 })
                    } else {
                        addOuter(&gradients[weightIndex(l)], sv.z[k], dPre)
                        for j in dPre.indices { gradients[weightIndex(l) + 1][0][j] += dPre[j] }
                        dZ.append(matmulT(dPre, w))
                    }
                }
                if !isGCNII && l == 0 { break }  // reads the features
                // ∂G = Âᵀ ∂Z over every node, then through the dropout mask, then routed.
                var dIn = Rows(repeating: [Double](repeating: 0, count: sv.g[0].count), count: rows.count)
                let local = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
                for u in 0..<n {
                    var dg = [Double](repeating: 0, count: sv.g[0].count)
                    for (k, r) in rows.enumerated() where a[r][u] != 0 { for j in dg.indices { dg[j] += a[r][u] * dZ[k][j] } }
                    dg = zip(dg, sv.masks[u]).map { $0 * $1 }
                    if let k = local[u] { for j in dg.indices { dIn[k][j] += dg[j] } }
                    else if rule == .everythingFresh || position[chunkOf(u)] < position[c] {
                        for j in dg.indices { pendingNow[l][u][j] += dg[j] }
                    } else if options.staleGradients == .defer {
                        for j in dg.indices { deferredNext[l][u][j] += dg[j] }
                    }
                }
                for (k, r) in rows.enumerated() {
                    for j in dIn[k].indices { dIn[k][j] += pendingNow[l][r][j] + deferredCurrent[l][r][j] }
                    pendingNow[l][r] = pendingNow[l][r].map { _ in 0 }
                    deferredCurrent[l][r] = deferredCurrent[l][r].map { _ in 0 }
                }
                dOut = dIn
            }
            if isGCNII { for (k, r) in rows.enumerated() { for j in dOut[k].indices { dH0[r][j] += dOut[k][j] } } }
        }
        if isGCNII {
            for u in 0..<n {
                let dPre = zip(dH0[u], h0Pre[u]).map { $1 > 0 ? $0 : 0 }
                addOuter(&gradients[0], xDropped[u], dPre)
                for j in dPre.indices { gradients[1][0][j] += dPre[j] }
            }
        }
        // History of the next epoch.
        let mo = Double(options.historyMomentum)
        let smooth = mo > 0 && smoothedReady
        for l in 0..<layers {
            for u in 0..<n { history[l][u] = smooth ? zip(history[l][u], fresh[l][u]).map { mo * $0 + (1 - mo) * $1 } : fresh[l][u] }
        }
        if chunked && mo > 0 { smoothedReady = true }
        adam(gradients)
        return loss
    }

    private func adam(_ gradients: [Rows]) {
        adamSteps += 1
        let t = Double(adamSteps), b1 = 0.9, b2 = 0.999, eps = 1e-8
        for k in weights.indices {
            for i in weights[k].indices {
                for j in weights[k][i].indices {
                    let g = gradients[k][i][j] + decay[k] * weights[k][i][j]
                    m[k][i][j] = b1 * m[k][i][j] + (1 - b1) * g
                    v[k][i][j] = b2 * v[k][i][j] + (1 - b2) * g * g
                    let mh = m[k][i][j] / (1 - Foundation.pow(b1, t)), vh = v[k][i][j] / (1 - Foundation.pow(b2, t))
                    weights[k][i][j] -= learningRate * mh / (vh.squareRoot() + eps)
                }
            }
        }
    }
}
