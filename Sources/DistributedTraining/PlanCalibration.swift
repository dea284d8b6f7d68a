import DenseMath
import Foundation
import GNNModels
import GraphCore
import NeuralNet

/// Seconds the real kernels take on this machine for one chunk block of one rank, measured by
/// running them (``EpochPlanner``'s calibration, issue 12 item 4).
///
/// For a chunk block `P_c` (`[|own ∩ c| × |cols_c|]`) and a graph layer of the model, with the
/// layer's real code (`[Dropout, layer, ReLU?]` as the stage executor runs it) on random input
/// `[|cols_c| × d_in]`:
/// ```
/// forward    one training forward of the block                 (also the re-materialisation)
/// backward   the block's backward, input gradient included
/// input      GCNII: the input layers' forward + backward over the chunk's own rows (H⁰)
/// ```
/// Times are the median of `repetitions` runs (more for small blocks) after one warm-up, on `threads` threads, in
/// process CPU seconds divided by the threads: what the kernels cost on an idle core, also when
/// the machine is busy with other work (wall-clock time would count the waits for a core).
public struct BlockTiming: Sendable, Equatable {
    /// Seconds of one training forward through one graph layer.
    public var forward: Double
    /// Seconds of its backward.
    public var backward: Double
    /// GCNII: seconds of the input layers' forward and backward over the chunk's own rows; 0 otherwise.
    public var input: Double
}

/// Runs graph layers of a model on chunk blocks to time them (see ``BlockTiming``).
struct KernelCalibration {
    let model: GNNModel
    let layout: StageLayout
    let features: Matrix
    let threads: Int
    let repetitions: Int
    /// Small blocks run until their timed runs add up to this many CPU seconds (at most
    /// `maximumRuns`): a minimum over a handful of sub-millisecond runs is noise.
    static let minimumSeconds = 0.25
    static let maximumRuns = 40
    /// Alone/together pairs of ``coRunFactor(_:plan:layer:copies:)``.
    static let coRunRounds = 5

    init(model: GNNModel, features: Matrix, threads: Int, repetitions: Int = 5) throws(DistributedTrainingError) {
        self.model = model
        layout = try StageLayout(model: model, stages: 1)
        self.features = features
        self.threads = threads
        self.repetitions = max(1, repetitions)
    }

    /// One graph layer's training forward and backward on `block` with `model`'s code.
    struct LayerStep {
        let forward: () -> Matrix
        let backward: (Matrix) -> Void
    }

    func step(model: GNNModel, block: ChunkBlock, plan: RankPlan, layer k: Int, threads: Int) -> LayerStep {
        let network = model.network
        let graphBlock = layout.blocks[k]
        let ctx = GraphContext(graph: block.graphOperator(), isTraining: true, threads: threads)
        var rng = SplitMix64(seed: 7)
        let input = Matrix(rows: block.columns.count, cols: graphBlock.inputWidth,
                           values: (0..<(block.columns.count * graphBlock.inputWidth)).map { _ in rng.nextUnitFloat() })
        let ownRows = Array(plan.localOriginal[block.rows])
        let outputRows = block.outputPositions == nil ? block.rows.count : block.columns.count
        let h0 = graphBlock.readsInitialRepresentation
            ? Matrix(rows: outputRows, cols: model.configuration.hiddenDim, values: [Float](repeating: 0.5, count: outputRows * model.configuration.hiddenDim))
            : nil
        return LayerStep(forward: {
            ctx.initialRepresentation = h0
            ctx.initialRepresentationGradient = nil
            ctx.rowIndices = block.columnOriginal
            let dropped = network.forward(input, context: ctx, layers: graphBlock.dropoutLayer..<(graphBlock.dropoutLayer + 1))
            ctx.rowIndices = block.outputPositions == nil ? ownRows : block.columnOriginal
            return network.forward(dropped, context: ctx, layers: graphBlock.outputPart)
        }, backward: { y in
            let d = network.backward(y, context: ctx, layers: graphBlock.outputPart, needsInputGradient: true)!
            _ = network.backward(d, context: ctx, layers: graphBlock.dropoutLayer..<(graphBlock.dropoutLayer + 1),
                                 needsInputGradient: true)
            ctx.pool.removeAll()
        })
    }

    /// Calls `measure` once untimed (a warm-up: buffers, caches), then with `timed` true at least
    /// `repetitions` times and until the timed runs add up to ``minimumSeconds`` of CPU time, at
    /// most ``maximumRuns`` runs in all. `measure` returns its run's CPU seconds and keeps its
    /// timed values.
    private func repeatTimed(_ measure: (_ timed: Bool) -> Double) {
        var run = 0, spent = 0.0
        while run <= repetitions || (spent < Self.minimumSeconds && run <= Self.maximumRuns) {
            let seconds = measure(run > 0)
            if run > 0 { spent += seconds }
            run += 1
        }
    }

    /// The timing of `block` (of member `plan`) through graph layer `k`; `withInput`: also GCNII's
    /// input layers over the block's own rows.
    func time(_ block: ChunkBlock, plan: RankPlan, layer k: Int, withInput: Bool) -> BlockTiming {
        let layer = step(model: model, block: block, plan: plan, layer: k, threads: threads)
        var forward: [Double] = [], backward: [Double] = []
        repeatTimed { timed in
            let t0 = cpuNanoseconds()
            let y = layer.forward()
            let t1 = cpuNanoseconds()
            layer.backward(y)
            let t2 = cpuNanoseconds()
            if timed {
                forward.append(Double(t1 - t0) / 1e9 / Double(threads))
                backward.append(Double(t2 - t1) / 1e9 / Double(threads))
            }
            return Double(t2 - t0) / 1e9
        }
        for p in model.parameters { p.zeroGradient() }
        var timing = BlockTiming(forward: Self.median(forward), backward: Self.median(backward), input: 0)
        if withInput && !layout.inputLayers.isEmpty { timing.input = inputTime(rows: Array(plan.localOriginal[block.rows])) }
        return timing
    }

    /// How much longer one graph layer's forward and backward on `block` take, in each thread's
    /// own CPU time, when `copies` copies run at once (each with its own model, one thread each)
    /// than when one runs alone: ranks emulated on one machine share its memory bandwidth and
    /// last-level cache. At least 1; 1 for one copy.
    func coRunFactor(_ block: ChunkBlock, plan: RankPlan, layer k: Int, copies: Int) -> Double {
        guard copies > 1 else { return 1 }
        func mean(_ n: Int) -> Double {
            let models = (0..<n).compactMap { _ in try? GNNModel(configuration: model.configuration) }
            guard models.count == n else { return 1 }
            let steps = models.map { step(model: $0, block: block, plan: plan, layer: k, threads: 1) }
            // Every copy runs the same number of times (all of them overlap), each keeps its median.
            var typical = [Double](repeating: 0, count: n)
            typical.withUnsafeMutableBufferPointer { out in
                let results = UncheckedBuffer(pointer: out)
                Parallel.forEachRange(total: n, count: n) { range in
                    for i in range {
                        var times: [Double] = []
                        for run in 0...runs {
                            let t0 = threadCPUNanoseconds()
                            steps[i].backward(steps[i].forward())
                            let t = Double(threadCPUNanoseconds() - t0) / 1e9
                            if run > 0 { times.append(t) }
                        }
                        results.pointer[i] = Self.median(times)
                    }
                }
            }
            return typical.reduce(0, +) / Double(n)
        }
        // As many runs as ``repeatTimed`` gives a block of this size (one untimed first).
        let step1 = step(model: model, block: block, plan: plan, layer: k, threads: 1)
        let t0 = threadCPUNanoseconds()
        step1.backward(step1.forward())
        let once = Double(threadCPUNanoseconds() - t0) / 1e9
        let runs = max(repetitions, min(Self.maximumRuns, Int((Self.minimumSeconds / max(once, 1e-6)).rounded(.up))))
        // Alone and together in turns, the median of the ratios: the machine's speed drifts (a
        // virtual machine's cores are sometimes hyperthreads of one core), one pair is noise.
        var ratios: [Double] = []
        for _ in 0..<Self.coRunRounds {
            let alone = mean(1)
            ratios.append(mean(copies) / max(alone, 1e-9))
        }
        return max(1, Self.median(ratios))
    }

    /// The median of `values` (the mean of the middle two for an even count; 0 for none).
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let v = values.sorted(), m = v.count / 2
        return v.count % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2
    }

    /// GCNII's input layers over `rows` (original ids): forward + backward, median of the runs.
    private func inputTime(rows: [Int32]) -> Double {
        let network = model.network
        let ctx = GraphContext(graph: GraphOperator(CSRGraph(emptyWithNodes: 0), symmetric: true), isTraining: true, threads: threads)
        let x = features.gatherRows(rows.map { Int($0) })
        var times: [Double] = []
        repeatTimed { timed in
            let t0 = cpuNanoseconds()
            ctx.rowIndices = rows
            let h = network.forward(x, context: ctx, layers: layout.inputLayers)
            ctx.initialRepresentation = nil
            ctx.initialRepresentationGradient = nil
            _ = network.backward(h, context: ctx, layers: layout.inputLayers, needsInputGradient: false)
            ctx.pool.removeAll()
            let t = Double(cpuNanoseconds() - t0) / 1e9
            if timed { times.append(t / Double(threads)) }
            return t
        }
        for p in model.parameters { p.zeroGradient() }
        return Self.median(times)
    }
}

/// A buffer that each worker of `Parallel.forEachRange` writes at its own indices only.
private struct UncheckedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableBufferPointer<Double>
}

/// CPU time of the calling thread, nanoseconds.
private func threadCPUNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// CPU time of the whole process (all threads), nanoseconds.
private func cpuNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

