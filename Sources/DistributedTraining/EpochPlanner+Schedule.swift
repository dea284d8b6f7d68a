import GNNModels

/// The per-step costs of one candidate and the timelines ``EpochPlanner`` simulates.
struct StepCosts {
    let grid: RankGrid
    let chunks: Int
    let link: LinkModel
    let sharedCores: Int?
    let threads: Int
    /// With shared cores: how much slower a kernel runs while another rank computes on the
    /// machine too (``KernelCalibration/coRunFactor(_:plan:layer:copies:)``); 1 otherwise.
    private(set) var coRunFactor = 1.0
    /// Every rank's operations in one training step, rank order (see ``TimelineSimulation``).
    private(set) var timelines: [[PlanOperation]] = []
    /// Bytes each rank sends per step (halo and pipeline rows, as the trainer's analytic volume), rank order.
    private(set) var rankBytes: [Int64] = []
    /// The busiest rank's kernel seconds (on a core of its own) and link seconds.
    private(set) var busiestCompute = 0.0
    private(set) var busiestLink = 0.0

    /// `coRunFactor`: the machine's co-run factor when already measured (every candidate of
    /// one plan uses the one measured on the largest block, see ``EpochPlanner``); nil: measure
    /// it on this candidate's largest block.
    init(grid: RankGrid, chunks: Int, layout: StageLayout, plans: [RankPlan], lists: [ExchangeLists],
         calibration: KernelCalibration, settings: EpochPlanner.Settings, coRunFactor known: Double? = nil) {
        self.grid = grid
        self.chunks = chunks
        link = settings.link
        sharedCores = settings.sharedCores
        threads = settings.threads
        let G = grid.groupSize, S = grid.stages, L = layout.blocks.count
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
        if let cores = settings.sharedCores, min(cores, grid.ranks * threads) > 1 {
            if let known {
                coRunFactor = known
            } else if let block = (plans[0].whole.map { [$0] } ?? plans[0].blocks).max(by: { $0.columns.count < $1.columns.count }) {
                coRunFactor = calibration.coRunFactor(block, plan: plans[0], layer: representative[0],
                                                      copies: min(cores, grid.ranks))
            }
        }
        // Halo rows of every member at step c (the first step of a chunked epoch also refreshes the history).
        func haloRows(_ g: Int, _ c: Int) -> (forward: Int, backward: Int, sent: Int) {
            let l = lists[g], first = c == 0 && chunks > 1
            let sentF = l.forwardSend[c].reduce(0) { $0 + $1.count } + (first ? l.historySend.reduce(0) { $0 + $1.count } : 0)
            let receivedF = l.forwardReceive[c].reduce(0) { $0 + $1.count } + (first ? l.historyReceive.reduce(0) { $0 + $1.count } : 0)
            let sentB = l.backwardSend[c].reduce(0) { $0 + $1.count }, receivedB = l.backwardReceive[c].reduce(0) { $0 + $1.count }
            return (max(sentF, receivedF), max(sentB, receivedB), sentF + sentB)
        }
        // Collective keys: halo exchanges, then the all-reduces; messages: (direction, stage, member, chunk).
        func haloKey(_ backward: Bool, _ s: Int, _ c: Int, _ k: Int) -> Int { ((backward ? 1 : 0) * S + s) * chunks * L + c * L + k }
        let reduceKey = 2 * S * chunks * L
        func message(_ backward: Bool, _ s: Int, _ g: Int, _ c: Int) -> Int { (((backward ? 1 : 0) * S + s) * G + g) * chunks + c }
        let floats = Self.reducedFloats(model: calibration.model, layout: layout, stages: S)

        var compute = [Double](repeating: 0, count: grid.ranks), linkTime = compute
        rankBytes = [Int64](repeating: 0, count: grid.ranks)
        timelines = [[PlanOperation]](repeating: [], count: grid.ranks)
        for s in 0..<S {
            let owned = layout.graphLayers(ofStage: s)
            let exchanging = G > 1 ? owned.filter { !layout.readsFeatures($0) } : []
            // Seconds of each halo exchange (slowest member), [chunk][layer].
            var haloForward = [[Double]](repeating: [Double](repeating: 0, count: L), count: chunks), haloBackward = haloForward
            for c in 0..<chunks {
                for g in 0..<G {
                    let rows = haloRows(g, c)
                    for k in exchanging {
                        let w = Int64(4 * layout.blocks[k].inputWidth)
                        haloForward[c][k] = max(haloForward[c][k], link.seconds(bytes: w * Int64(rows.forward)))
                        haloBackward[c][k] = max(haloBackward[c][k], link.seconds(bytes: w * Int64(rows.backward)))
                        rankBytes[grid.rank(stage: s, member: g)] += w * Int64(rows.sent)
                    }
                }
            }
            for g in 0..<G {
                let r = grid.rank(stage: s, member: g)
                var ops: [PlanOperation] = []
                func kernel(_ seconds: Double) {
                    guard seconds > 0 else { return }
                    ops.append(.compute(seconds))
                    compute[r] += seconds
                }
                func halo(_ seconds: Double, key: Int) {
                    ops.append(.exchange(key: key, members: G, seconds: seconds))
                    linkTime[r] += seconds
                }
                func send(_ backward: Bool, to stage: Int, chunk c: Int) {
                    let bytes = 4 * Int64(layout.boundaryWidths[min(s, stage)]) * Int64(plans[g].ownRows(ofChunk: c).count)
                    let m = message(backward, s, g, c), seconds = link.seconds(bytes: bytes, pattern: .pipeline)
                    ops.append(bytes > EpochPlanner.eagerLimitBytes ? .rendezvousSend(message: m, seconds: seconds) : .send(message: m, seconds: seconds))
                    rankBytes[r] += bytes
                    linkTime[r] += seconds
                }
                // Forward, chunks in order: input from the previous stage, per layer the halo then the kernels.
                for c in 0..<chunks {
                    let t = timing[g][c]
                    if s > 0 { ops.append(.receive(message: message(false, s - 1, g, c))) }
                    kernel(t[0].input)
                    for k in owned {
                        if exchanging.contains(k) { halo(haloForward[c][k], key: haloKey(false, s, c, k)) }
                        kernel(t[shapeOfLayer[k]].forward)
                    }
                    if s < S - 1 { send(false, to: s + 1, chunk: c) }
                }
                // Backward, chunks in reverse: every chunk but the last forwarded runs its forward again.
                for c in (0..<chunks).reversed() {
                    let t = timing[g][c]
                    if s < S - 1 { ops.append(.receive(message: message(true, s + 1, g, c))) }
                    if c < chunks - 1 { kernel(t[0].input + owned.reduce(0.0) { $0 + t[shapeOfLayer[$1]].forward }) }
                    kernel(t[0].input)
                    for k in owned.reversed() {
                        kernel(t[shapeOfLayer[k]].backward)
                        if exchanging.contains(k) { halo(haloBackward[c][k], key: haloKey(true, s, c, k)) }
                    }
                    if s > 0 { send(true, to: s - 1, chunk: c) }
                }
                // Gradients summed over the group, then H⁰'s over all ranks, then the loss: each a
                // reduce-scatter and an all-gather (allReduceSum), m − 1 slices of ⌈n / m⌉ out per rank in each.
                func allReduce(elements n: Int, bytesPerElement: Int, members m: Int, key: Int) {
                    let slice = Int64(bytesPerElement) * Int64(m - 1) * Int64((n + m - 1) / m)
                    halo(link.seconds(bytes: slice), key: key)
                    halo(link.seconds(bytes: slice), key: key + 1)
                }
                if G > 1, floats.group[s] > 0 { allReduce(elements: floats.group[s], bytesPerElement: 4, members: G, key: reduceKey + 2 * s) }
                let P = grid.ranks
                if P > 1, floats.world > 0 { allReduce(elements: floats.world, bytesPerElement: 4, members: P, key: reduceKey + 2 * S) }
                if P > 1 { allReduce(elements: 1, bytesPerElement: 8, members: P, key: reduceKey + 2 * S + 2) }
                timelines[r] = ops
            }
        }
        busiestCompute = compute.max() ?? 0
        busiestLink = linkTime.max() ?? 0
    }

    /// Scalars of the gradients each stage's group sums, and those all ranks sum (GCNII's
    /// replicated input layers when S > 1), as ``DistributedTrainer`` reduces them.
    static func reducedFloats(model: GNNModel, layout: StageLayout, stages S: Int) -> (group: [Int], world: Int) {
        let layers = model.network.layers
        func count(_ indices: [Int]) -> Int { indices.reduce(0) { $0 + layers[$1].parameters.reduce(0) { $0 + $1.count } } }
        let owned = (0..<S).map { layout.parameterLayers(ofStage: $0) }
        return (owned.map { count($0.group) }, count(owned[0].world))
    }

    /// The epoch's seconds: the timelines simulated with processor sharing (``TimelineSimulation``).
    func simulate() -> Double {
        TimelineSimulation.run(timelines, sharedCores: sharedCores, threads: threads, coRunFactor: coRunFactor)
    }
}
