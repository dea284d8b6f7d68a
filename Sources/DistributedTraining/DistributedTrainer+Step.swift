import DenseMath
import GNNModels
import MessagePassing
import NeuralNet

extension DistributedTrainer {
    /// Runs training step `epoch + 1` (forward and backward of every chunk, one optimizer step;
    /// see the type) and returns the global training loss and this rank's statistics.
    /// - Throws: ``DistributedTrainingError``.
    public func trainStep() throws(DistributedTrainingError) -> (loss: Double, statistics: RankEpochStatistics) {
        let t = epoch + 1
        var stats = RankEpochStatistics(rank: world.rank, epoch: t)
        stats.stateBytes = stateBytes
        let worldBefore = world.traffic, groupBefore = group.traffic
        executor.exchange.resetWaitTime()
        let stepStart = TraceRecorder.now()
        let chunked = isChunked(epoch: t)
        let order = chunked ? chunkOrder(epoch: t) : [0]
        var positions = [Int](repeating: 0, count: order.count)
        for (i, c) in order.enumerated() { positions[c] = i }
        let lists = chunked ? lists(order: order) : wholeLists
        let schedule = PipelineSchedule(stages: grid.stages, order: order)
        func view(_ c: Int) -> ChunkView {
            self.view(chunk: c, order: order, positions: chunked ? positions : nil, lists: lists)
        }
        for p in ownedParameters { p.zeroGradient() }
        let ctx = executor.context
        ctx.step = t
        var wait = 0.0, bubble = 0.0, lossSum = 0.0
        var lossGradients = [Int: Matrix]()
        let (previous, next) = neighbours
        let steps = schedule.steps(stage: stage)
        let forwardSteps = steps.filter { $0.phase == .forward }, backwardSteps = steps.filter { $0.phase == .backward }
        let inWidth = layout.blocks[layout.graphLayers(ofStage: stage).lowerBound].inputWidth
        let outWidth = layout.blocks[layout.graphLayers(ofStage: stage).upperBound - 1].outputWidth
        let kind = chunked ? "c" : "w"
        func rows(_ c: Int) -> Int { chunked ? plan.ownRows(ofChunk: c).count : plan.ownCount }
        func chunkTag(_ c: Int) -> Int { chunked ? c : 0 }

        // Forward, chunks in order; the receive of the next chunk is posted before computing this one.
        let inputs = try StepInbox(channel: messageChannel, peer: previous, steps: forwardSteps, width: inWidth, key: "fr\(kind)",
                                   phase: "forward", rows: forwardSteps.map { rows($0.chunk) },
                                   tags: forwardSteps.map { messageChannel.tag(.forward, chunk: chunkTag($0.chunk), epoch: t) })
        for (i, step) in forwardSteps.enumerated() {
            let c = step.chunk
            let input = try inputs.take(i, wait: &wait, bubble: &bubble)
            let start = TraceRecorder.now()
            let v = view(c)
            let out = try executor.forward(v, input: input, rematerialise: false)
            ctx.pool.removeAll()  // sized for this chunk: the next one differs
            if next == nil {
                let (sum, gradient) = chunkLoss(out, rows: v.block.rows, train: trainRows(chunk: v.chunk))
                lossSum += sum
                lossGradients[c] = gradient
            }
            recorder?.record("forward c\(c)", category: "forward", start: start, end: TraceRecorder.now(),
                             args: ["chunk": Double(c), "tick": Double(step.tick)])
            if let next {
                try messageChannel.send(out, to: next, key: "fs\(kind)\(i % messageChannel.sendSlots)",
                                        tag: messageChannel.tag(.forward, chunk: chunkTag(c), epoch: t), seconds: &wait)
            }
        }

        // Backward, chunks in reverse order.
        let gradients = try StepInbox(channel: messageChannel, peer: next, steps: backwardSteps, width: outWidth, key: "br\(kind)",
                                      phase: "backward", rows: backwardSteps.map { rows($0.chunk) },
                                      tags: backwardSteps.map { messageChannel.tag(.backward, chunk: chunkTag($0.chunk), epoch: t) })
        for (i, step) in backwardSteps.enumerated() {
            let c = step.chunk
            let gradient = try gradients.take(i, wait: &wait, bubble: &bubble) ?? lossGradients.removeValue(forKey: c)!
            let start = TraceRecorder.now()
            let v = view(c)
            // Layers keep one chunk's caches: every chunk but the last one forwarded runs again.
            if i > 0 { _ = try executor.forward(v, input: nil, rematerialise: true) }
            let dx = try executor.backward(v, gradient: gradient)
            ctx.pool.removeAll()
            recorder?.record("backward c\(c)", category: "backward", start: start, end: TraceRecorder.now(),
                             args: ["chunk": Double(c), "tick": Double(step.tick), "rematerialised": i > 0 ? 1 : 0])
            if let dx, let previous {
                try messageChannel.send(dx, to: previous, key: "bs\(kind)\(i % messageChannel.sendSlots)",
                                        tag: messageChannel.tag(.backward, chunk: chunkTag(c), epoch: t), seconds: &wait)
            }
        }
        for table in executor.tables { table?.advance(plan: plan, momentum: pipelineOptions.historyMomentum, chunked: chunked) }
        try messageChannel.finishSends(seconds: &wait)

        wait += try reductions.group.run(trace: recorder, label: "all-reduce stage gradients")
        wait += try reductions.world.run(trace: recorder, label: "all-reduce H⁰ layers")
        let optimizerStart = TraceRecorder.now()
        optimizer.step()
        recorder?.record("optimizer", category: "optimizer", start: optimizerStart, end: TraceRecorder.now())
        var loss = [next == nil ? lossSum : 0]
        let lossStart = TraceRecorder.now()
        try communicating { () throws(CommunicationError) in try world.allReduceSum(&loss) }
        wait += Double(TraceRecorder.now() - lossStart) / 1e9
        wait += Double(executor.exchange.waitNanoseconds) / 1e9
        epoch = t

        let end = TraceRecorder.now()
        let w = world.traffic.since(worldBefore), g = group.traffic.since(groupBefore)
        stats.pipelineBytesSent = w.bytesSent
        stats.haloBytesSent = g.bytesSent
        stats.bytesSent = w.bytesSent + g.bytesSent
        stats.bytesReceived = w.bytesReceived + g.bytesReceived
        stats.collectiveBytes = w.collectiveBytes + g.collectiveBytes
        stats.analyticBytesSent = 4 * analyticFloats(lists)
        stats.trainSeconds = Double(end - stepStart) / 1e9
        stats.waitSeconds = wait
        stats.bubbleSeconds = bubble
        stats.computeSeconds = max(0, stats.trainSeconds - wait - bubble)
        return (loss[0] / Double(globalTrainCount), stats)
    }

    /// Evaluation-mode pass over the whole graph (no dropout, no history, layer by layer):
    /// global accuracies and validation loss on every rank; adds this rank's traffic and seconds
    /// to `statistics`.
    /// - Throws: ``DistributedTrainingError``.
    public func evaluate(statistics: inout RankEpochStatistics) throws(DistributedTrainingError) -> Evaluation {
        let start = TraceRecorder.now()
        let before = world.traffic + group.traffic
        let ctx = executor.context
        ctx.isTraining = false
        let (previous, next) = neighbours
        let owned = layout.graphLayers(ofStage: stage)
        var input: Matrix?
        var ignored = 0.0
        if let previous {
            let r = try messageChannel.receive(rows: plan.ownCount, cols: layout.blocks[owned.lowerBound].inputWidth, from: previous,
                                               key: "er", tag: messageChannel.tag(.evaluation, chunk: 0, epoch: epoch))
            input = try messageChannel.complete(r, rows: plan.ownCount, cols: layout.blocks[owned.lowerBound].inputWidth,
                                                seconds: &ignored, label: "wait evaluation")
            messageChannel.release(prefix: "er")  // copied out: free the buffer before the layers run
        }
        let views = plan.whole != nil
            ? [view(chunk: -1, order: nil, positions: nil, lists: wholeLists)]
            : (0..<plan.numChunks).map { c in
                ChunkView(chunk: c, block: plan.blocks[c], graphOperator: plan.blocks[c].graphOperator(), position: 0,
                          positions: nil, lists: wholeLists, pendingRows: [])
            }
        let x = try executor.evaluate(input: &input, views: views, lists: wholeLists)
        var sums = [Double](repeating: 0, count: 4)
        if let next {
            try messageChannel.send(x, to: next, key: "es", tag: messageChannel.tag(.evaluation, chunk: 0, epoch: epoch), seconds: &ignored)
            try messageChannel.finishSends(seconds: &ignored)
        } else {
            sums = evaluationSums(x)
        }
        messageChannel.release(prefix: "e")
        ctx.pool.removeAll()
        try communicating { () throws(CommunicationError) in try world.allReduceSum(&sums) }
        let end = TraceRecorder.now()
        recorder?.record("evaluation", category: "evaluation", start: start, end: end)
        statistics.evaluationBytesSent += (world.traffic + group.traffic).since(before).bytesSent
        statistics.evaluationSeconds += Double(end - start) / 1e9
        return evaluation(sums)
    }
}
