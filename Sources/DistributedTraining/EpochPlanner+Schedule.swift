/// The per-step costs of one candidate and the fill/drain simulation of ``EpochPlanner``.
struct StepCosts {
    let grid: RankGrid
    let chunks: Int
    let link: LinkModel
    /// `[stage][chunk]` forward and backward seconds of the stage's group (slowest member,
    /// halo exchanges included).
    private(set) var forward: [[Double]] = []
    private(set) var backward: [[Double]] = []
    /// `[stage][chunk]` seconds to send the chunk's rows from stage s to s + 1 (slowest member).
    private(set) var boundary: [[Double]] = []
    /// Bytes each rank sends per step, rank order.
    private(set) var rankBytes: [Int64] = []
    /// The busiest rank's kernel seconds and link seconds.
    private(set) var busiestCompute = 0.0
    private(set) var busiestLink = 0.0

    init(grid: RankGrid, chunks: Int, layout: StageLayout, plans: [RankPlan], lists: [ExchangeLists],
         calibration: KernelCalibration, settings: EpochPlanner.Settings) {
        self.grid = grid
        self.chunks = chunks
        link = settings.link
        let contention = settings.sharedCores.map { max(1, Double(settings.ranks) / Double(max(1, $0))) } ?? 1
        let G = grid.groupSize
        // Timing of every member's blocks for every distinct graph-layer shape.
        var shapeOfLayer: [Int] = [], shapes: [(Int, Int, Bool, Bool)] = []
        for b in layout.blocks {
            let key = (b.inputWidth, b.outputWidth, b.readsInitialRepresentation, b.needsSquareOperator)
            if let i = shapes.firstIndex(where: { $0 == key }) { shapeOfLayer.append(i) } else {
                shapes.append(key)
                shapeOfLayer.append(shapes.count - 1)
            }
        }
        let representative = shapes.indices.map { i in shapeOfLayer.firstIndex(of: i)! }
        let timing: [[[BlockTiming]]] = (0..<G).map { g in
            plans[g].blocks.map { block in representative.enumerated().map { i, k in
                calibration.time(block, plan: plans[g], layer: k, withInput: i == 0)
            } }
        }
        var compute = [Double](repeating: 0, count: grid.ranks), linkTime = compute
        rankBytes = [Int64](repeating: 0, count: grid.ranks)
        for s in 0..<grid.stages {
            var f = [Double](repeating: 0, count: chunks), b = f, x = f
            let owned = layout.graphLayers(ofStage: s)
            for c in 0..<chunks {
                var slowestForward = 0.0, slowestBackward = 0.0, haloForward = 0.0, haloBackward = 0.0, transfer = 0.0
                for g in 0..<G {
                    let r = grid.rank(stage: s, member: g)
                    let t = timing[g][c]
                    let remat = c < chunks - 1 ? 1.0 : 0.0  // every chunk but the last forwarded runs again
                    var fw = t[0].input, bw = t[0].input * (1 + remat)
                    for k in owned {
                        let tk = t[shapeOfLayer[k]]
                        fw += tk.forward
                        bw += tk.backward + remat * tk.forward
                    }
                    slowestForward = max(slowestForward, fw * contention)
                    slowestBackward = max(slowestBackward, bw * contention)
                    compute[r] += (fw + bw) * contention
                    // Halo rows of this member at step c, per exchanging layer.
                    let l = lists[g]
                    let sentF = l.forwardSend[c].reduce(0) { $0 + $1.count } + (c == 0 && chunks > 1 ? l.historySend.reduce(0) { $0 + $1.count } : 0)
                    let receivedF = l.forwardReceive[c].reduce(0) { $0 + $1.count } + (c == 0 && chunks > 1 ? l.historyReceive.reduce(0) { $0 + $1.count } : 0)
                    let sentB = l.backwardSend[c].reduce(0) { $0 + $1.count }, receivedB = l.backwardReceive[c].reduce(0) { $0 + $1.count }
                    var hf = 0.0, hb = 0.0
                    for k in owned where !layout.readsFeatures(k) {
                        let w = Int64(4 * layout.blocks[k].inputWidth)
                        hf += link.seconds(bytes: w * Int64(max(sentF, receivedF)))
                        hb += link.seconds(bytes: w * Int64(max(sentB, receivedB)))
                        rankBytes[r] += w * Int64(sentF + sentB)
                    }
                    haloForward = max(haloForward, hf)
                    haloBackward = max(haloBackward, hb)
                    // Chunk rows to the next stage (forward) and gradients to the previous one (backward).
                    let rows = Int64(plans[g].ownRows(ofChunk: c).count)
                    var sent: Int64 = 0
                    if s < grid.stages - 1 {
                        let bytes = 4 * Int64(layout.boundaryWidths[s]) * rows
                        sent += bytes
                        transfer = max(transfer, link.seconds(bytes: bytes))
                    }
                    if s > 0 { sent += 4 * Int64(layout.boundaryWidths[s - 1]) * rows }
                    rankBytes[r] += sent
                    linkTime[r] += hf + hb + link.seconds(bytes: sent)
                }
                f[c] = slowestForward + haloForward
                b[c] = slowestBackward + haloBackward
                x[c] = transfer
            }
            forward.append(f)
            backward.append(b)
            boundary.append(x)
        }
        busiestCompute = compute.max() ?? 0
        busiestLink = linkTime.max() ?? 0
    }

    /// The epoch's seconds under GPipe fill/drain (chunks in order 0 … C−1 forward, then in
    /// reverse backward; see ``PipelineSchedule``): each step starts when its stage is free and
    /// its input has arrived; then one all-reduce (two messages per doubling of the ranks).
    func simulate() -> Double {
        Self.simulate(forward: forward, backward: backward, boundary: boundary, ranks: grid.ranks, delay: link.delaySeconds)
    }

    /// The fill/drain simulation over `[stage][chunk]` step and transfer seconds.
    static func simulate(forward: [[Double]], backward: [[Double]], boundary: [[Double]], ranks: Int, delay: Double) -> Double {
        let S = forward.count, chunks = forward.first?.count ?? 0
        var endForward = [[Double]](repeating: [Double](repeating: 0, count: chunks), count: S)
        var endBackward = endForward
        var free = [Double](repeating: 0, count: S)
        for c in 0..<chunks {
            for s in 0..<S {
                let arrival = s == 0 ? 0 : endForward[s - 1][c] + boundary[s - 1][c]
                endForward[s][c] = max(free[s], arrival) + forward[s][c]
                free[s] = endForward[s][c]
            }
        }
        for c in (0..<chunks).reversed() {
            for s in (0..<S).reversed() {
                let arrival = s == S - 1 ? endForward[s][c] : endBackward[s + 1][c] + boundary[s][c]
                endBackward[s][c] = max(free[s], arrival) + backward[s][c]
                free[s] = endBackward[s][c]
            }
        }
        var doublings = 0
        while 1 << doublings < ranks { doublings += 1 }
        return (free.max() ?? 0) + 2 * Double(doublings) * delay
    }
}
