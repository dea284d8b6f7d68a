import DenseMath
import Dispatch
import Distributed
import Foundation
import GNNModels
import GraphCore
import NeuralNet
import Partitioning

/// Graph-parallel full-graph training (the baseline GNNPipe compares against, GNNPipe notes §3
/// and §5.1; PipeGCN's exchange pattern without staleness): each rank owns one METIS part of the
/// nodes for every layer, exchanges halo rows before every graph layer and all-reduces the weight
/// gradients once per epoch.
///
/// Per training step, on every rank p (own_p, halo B_p, local rows: ``GraphParallelPlan``):
/// ```
/// forward, graph layer k:  X_local = [X_own ; rows of B_p received from their owners]
///                          (Dropout on the local rows, masks keyed by global id)
///                          H_own   = layer_k(P_p, X_local)               [|own_p| × d_out]
/// loss:                    L_p = Σ_{i ∈ train ∩ own_p} CE(z_i, y_i) / |train|      L = Σ_p L_p
/// backward, graph layer k: ∂X_local = layer_k.backward(∂H_own)         [|local_p| × d_in]
///                          ∂X_own += ∂X_local[own];  ∂X_local[B_p] goes back to the owners,
///                          who add it to their rows (in rank order)
/// weights:                 ∂W = Σ_p ∂W_p  (MPI_Allreduce SUM), then the same Adam step on
///                          every rank: identical weights everywhere (same seed at start)
/// ```
/// The first graph layer of GCN/SAGE reads the input features: every rank holds them all, so
/// that layer's halo rows are gathered locally once (PipeGCN's pre-processing) and do not cross
/// the network per epoch (no gradient flows into the features either). Every other graph layer
/// (all L of GCNII) exchanges `d_in` floats per halo row forward and again backward:
/// ``analyticTrainingFloats`` = `2 · Σ_k d_k · Σ_p |B_p|` over ``exchangedLayerWidths``, which
/// the measured point-to-point bytes equal ×4 exactly.
///
/// GCNII's H⁰ is local (own rows; the input Linear is row-wise). SAGE's self term needs a
/// square operator: its layers run on the local rows with empty halo rows and keep the own rows.
///
/// Deterministic for a fixed rank count: fixed message order, fixed sum order. The gradient
/// all-reduce and the halo-gradient sums depend on P, so runs with different P agree to rounding,
/// not bit for bit (on Cora, 2 and 4 ranks stay within 1e-7 relative of the single-process loss
/// over 20 epochs); the forward pass of the first epoch is bit-identical to a single process
/// (local rows keep the global column order), and one rank reproduces it exactly.
///
/// Statistics: ``RankEpochStatistics/bytesSent``/``RankEpochStatistics/bytesReceived`` are the
/// halo rows and halo gradients of the training step; ``RankEpochStatistics/collectiveBytes`` the
/// gradient and loss all-reduce; ``RankEpochStatistics/waitSeconds`` the time blocked in
/// `MPI_Waitall` and `MPI_Allreduce`; ``RankEpochStatistics/computeSeconds`` the rest of the step.
///
/// Collective: every rank constructs it with the same arguments and calls the same methods in
/// the same order.
public final class GraphParallelTrainer: DistributedNodeTrainer {
    /// The model configuration (every rank builds the same initial weights from its seed).
    public let configuration: GNNConfiguration
    /// The model; every rank holds all of its weights.
    public let model: GNNModel
    /// This rank's part, halo and local operator.
    public let plan: GraphParallelPlan
    /// The METIS partition (same on every rank).
    public let partition: GraphPartition
    /// Optimisation settings (`epochs`, `patience` and `selection` are the caller's business).
    public let options: TrainingOptions
    /// Adam or AdamW over all parameters.
    public let optimizer: Adam
    /// The communicator the ranks share.
    public let communicator: Communicator
    /// Seed of the METIS partition.
    public let partitionSeed: UInt64
    /// Last completed training step, from 0.
    public private(set) var epoch = 0
    /// Input width `d_k` of every graph layer whose halo rows cross the network each epoch, in
    /// layer order (GCN/SAGE: all but the first; GCNII: all L).
    public let exchangedLayerWidths: [Int]
    /// `2 · Σ_k d_k · Σ_p |B_p|` floats per training step over all ranks
    /// (``CommunicationModel/graphParallelFloats(layerWidths:haloSizes:)``).
    public let analyticTrainingFloats: Int64

    /// One graph layer with the row-wise layers before it: run `rowWise` on the own rows,
    /// exchange halo rows, run `graph` (Dropout + graph layer) on the local rows.
    private struct Block {
        var rowWise: Range<Int>
        var graph: Range<Int>?
        var width: Int
        var readsFeatures: Bool
    }

    private let blocks: [Block]
    private let context: GraphContext
    private let trace: TraceRecorder?
    private let ownFeatures: Matrix
    private let localFeatures: Matrix?
    private let ownLabels: [Int32]
    private let trainRows: [Int], validationRows: [Int], testRows: [Int]
    private let globalTrain: Int, globalValidation: Int, globalTest: Int
    private var sendBuffers: [Int: MessageBuffer] = [:]
    private var receiveBuffers: [Int: MessageBuffer] = [:]
    /// Nanoseconds blocked in MPI waits and collectives since the last reset.
    private var waitNanoseconds: UInt64 = 0

    /// Partitions the graph with METIS into `communicator.size` parts (seed `partitionSeed`) and
    /// sets up this rank's part. Every rank passes the same arguments.
    /// - Parameters:
    ///   - adjacency: `[numNodes × numNodes]`, symmetric, without self-loops, global ids.
    ///   - task: features `[numNodes × inputDim]`, labels and split of the whole graph.
    ///   - trace: records per-layer forward/backward, halo waits and the all-reduce when given.
    /// - Throws: ``DistributedTrainingError/model(_:)`` for a bad configuration or task,
    ///   ``DistributedTrainingError/invalidSetup(_:)`` for a non-symmetric graph, bad options,
    ///   a METIS failure or an empty part.
    public init(configuration: GNNConfiguration, adjacency: CSRGraph, task: NodeClassificationTask,
                options: TrainingOptions, communicator: Communicator, partitionSeed: UInt64,
                trace: TraceRecorder? = nil) throws(DistributedTrainingError) {
        do throws(GNNModelsError) { try configuration.validate() } catch { throw .model(error) }
        guard adjacency.isSquare else {
            throw .invalidSetup("graph-parallel training needs a square adjacency, got \(adjacency.numRows)×\(adjacency.numColumns)")
        }
        let n = adjacency.numRows
        guard !adjacency.hasSelfLoops else { throw .invalidSetup("graph-parallel training needs an adjacency without self-loops") }
        guard adjacency.isSymmetric else { throw .invalidSetup("graph-parallel training needs a symmetric (undirected) adjacency") }
        guard task.features.rows == n else {
            throw .model(.invalidTask("\(task.features.rows) feature rows for a graph of \(n) nodes"))
        }
        guard task.features.cols == configuration.inputDim else {
            throw .model(.invalidTask("features have \(task.features.cols) columns, the model expects \(configuration.inputDim)"))
        }
        guard task.numClasses == configuration.numClasses else {
            throw .model(.invalidTask("the data has \(task.numClasses) classes, the model \(configuration.numClasses)"))
        }
        guard options.learningRate > 0 && options.learningRate.isFinite else {
            throw .invalidSetup("learning rate must be positive, got \(options.learningRate)")
        }
        let size = communicator.size
        guard size <= n else { throw .invalidSetup("\(size) ranks for \(n) nodes: every rank needs at least one node") }

        // METIS runs once, on rank 0, and the parts are broadcast (every rank gets the same cut).
        let parts = try ChunkPlan.sharedMETISParts(adjacency: adjacency, parts: size, seed: partitionSeed,
                                                   communicator: communicator, what: "graph-parallel partitions")
        let partition = GraphPartition(parts: parts, numParts: size, graph: adjacency)
        let global = GNNModel.graphOperator(for: configuration.architecture, adjacency: adjacency, adjacencyIsSymmetric: true)
        let plan = try GraphParallelPlan(rank: communicator.rank, size: size, parts: partition.parts,
                                         globalOperator: global, squareLocalOperator: configuration.architecture == .sage)
        let model: GNNModel
        do throws(GNNModelsError) { model = try GNNModel(configuration: configuration) } catch { throw .model(error) }

        // Blocks: the row-wise layers before each graph layer, then [Dropout,] graph layer.
        let layers = model.network.layers
        var blocks: [Block] = []
        var start = 0
        for (g, layer) in layers.enumerated() {
            let width: Int
            switch layer {
            case let l as GCNLayer: width = l.inputDim
            case let l as SAGELayer: width = l.inputDim
            case let l as GCNIILayer: width = l.dim
            default: continue
            }
            let exchange = g > start && layers[g - 1] is Dropout ? g - 1 : g
            blocks.append(Block(rowWise: start..<exchange, graph: exchange..<(g + 1), width: width,
                                readsFeatures: blocks.isEmpty && exchange == 0))
            start = g + 1
        }
        blocks.append(Block(rowWise: start..<layers.count, graph: nil, width: 0, readsFeatures: false))

        self.configuration = configuration
        self.model = model
        self.plan = plan
        self.partition = partition
        self.options = options
        self.communicator = communicator
        self.partitionSeed = partitionSeed
        self.trace = trace?.isEnabled == true ? trace : nil
        self.blocks = blocks
        optimizer = Adam(parameters: model.parameters, learningRate: options.learningRate,
                         weightDecayMode: options.weightDecayMode)
        context = GraphContext(graph: plan.localOperator, isTraining: true, threads: options.threads)

        let own = plan.ownNodes.map { Int($0) }
        ownFeatures = task.features.gatherRows(own)
        localFeatures = blocks.first?.readsFeatures == true ? task.features.gatherRows(plan.localNodes.map { Int($0) }) : nil
        ownLabels = own.map { task.labels[$0] }
        var ownIndex = [Int](repeating: -1, count: n)
        for (i, v) in own.enumerated() { ownIndex[v] = i }
        // Task order within the part, so one rank sums like a single process.
        trainRows = task.train.compactMap { ownIndex[$0] >= 0 ? ownIndex[$0] : nil }
        validationRows = task.validation.compactMap { ownIndex[$0] >= 0 ? ownIndex[$0] : nil }
        testRows = task.test.compactMap { ownIndex[$0] >= 0 ? ownIndex[$0] : nil }
        globalTrain = task.train.count
        globalValidation = task.validation.count
        globalTest = task.test.count

        exchangedLayerWidths = blocks.filter { $0.graph != nil && !$0.readsFeatures }.map(\.width)
        analyticTrainingFloats = CommunicationModel.graphParallelFloats(layerWidths: exchangedLayerWidths,
                                                                        haloSizes: plan.haloSizes)
        context.pool.protect(ownFeatures)
        if let localFeatures { context.pool.protect(localFeatures) }
    }

    // MARK: Training

    public func trainStep() throws(DistributedTrainingError) -> (loss: Double, statistics: RankEpochStatistics) {
        var statistics = RankEpochStatistics(rank: communicator.rank, epoch: epoch + 1)
        let meter = TrafficMeter(communicator)
        let start = TraceRecorder.now()
        waitNanoseconds = 0

        context.isTraining = true
        context.step = epoch + 1
        model.network.zeroGradients()
        let logits = try forward(tagKind: 0)

        // Own training rows, divided by the global training count.
        let lossStart = TraceRecorder.now()
        let output = Loss.softmaxCrossEntropy(logits: logits, labels: ownLabels, mask: trainRows)
        let localSum = Double(output.value) * Double(trainRows.count)
        var gradient = output.gradient
        if trainRows.count != globalTrain {
            Kernels.scale(&gradient, by: Float(Double(trainRows.count) / Double(globalTrain)), threads: options.threads)
        }
        trace?.record("loss", category: "loss", start: lossStart, end: TraceRecorder.now())

        try backward(gradient)

        // Sum the weight gradients and the loss over ranks (one all-reduce each).
        var loss = localSum / Double(globalTrain)
        if communicator.size > 1 {
            let parameters = model.parameters
            var flat: [Float] = []
            flat.reserveCapacity(parameters.reduce(0) { $0 + $1.count })
            for p in parameters { flat += p.gradient.values }
            var sums = [localSum]
            let reduceStart = TraceRecorder.now()
            try mpi { () throws(MPIError) in
                try communicator.allReduceSum(&flat)
                try communicator.allReduceSum(&sums)
            }
            let reduceEnd = TraceRecorder.now()
            waitNanoseconds += reduceEnd - reduceStart
            trace?.record("all-reduce gradients", category: "allreduce", start: reduceStart, end: reduceEnd,
                          args: ["floats": Double(flat.count)])
            var offset = 0
            for p in parameters {
                let count = p.count
                p.gradient.values.withUnsafeMutableBufferPointer { g in
                    flat.withUnsafeBufferPointer { f in
                        for i in 0..<count { g[i] = f[offset + i] }
                    }
                }
                offset += count
            }
            loss = sums[0] / Double(globalTrain)
        }
        let optimizerStart = TraceRecorder.now()
        optimizer.step()
        let end = TraceRecorder.now()
        trace?.record("optimizer", category: "optimizer", start: optimizerStart, end: end)
        epoch += 1

        let traffic = meter.delta(communicator)
        statistics.bytesSent = traffic.sent
        statistics.bytesReceived = traffic.received
        statistics.collectiveBytes = traffic.collective
        statistics.trainSeconds = Double(end - start) / 1e9
        statistics.waitSeconds = Double(waitNanoseconds) / 1e9
        statistics.computeSeconds = max(0, statistics.trainSeconds - statistics.waitSeconds)
        return (loss, statistics)
    }

    /// Evaluation-mode forward pass (no dropout) with the same halo exchange; correct counts and
    /// the validation loss sum are all-reduced, so every rank returns the same global
    /// ``GNNModels/Evaluation``. Adds its sent bytes to `statistics.evaluationBytesSent` and its
    /// wall time to `statistics.evaluationSeconds`.
    /// - Throws: ``DistributedTrainingError/mpi(_:)``.
    public func evaluate(statistics: inout RankEpochStatistics) throws(DistributedTrainingError) -> Evaluation {
        let meter = TrafficMeter(communicator)
        let start = TraceRecorder.now()
        context.isTraining = false
        let logits = try forward(tagKind: 2)
        context.initialRepresentation = nil
        func correct(_ rows: [Int]) -> Double {
            Double(rows.reduce(0) { $0 + (Metrics.argmax(row: $1, of: logits) == Int(ownLabels[$1]) ? 1 : 0) })
        }
        let validationLoss = validationRows.isEmpty ? 0
            : Double(Loss.softmaxCrossEntropy(logits: logits, labels: ownLabels, mask: validationRows).value) * Double(validationRows.count)
        var sums = [correct(trainRows), correct(validationRows), correct(testRows), validationLoss]
        if communicator.size > 1 {
            let reduceStart = TraceRecorder.now()
            try mpi { () throws(MPIError) in try communicator.allReduceSum(&sums) }
            trace?.record("all-reduce evaluation", category: "allreduce", start: reduceStart, end: TraceRecorder.now())
        }
        func ratio(_ x: Double, _ count: Int) -> Double { count > 0 ? x / Double(count) : 0 }
        let evaluation = Evaluation(trainAccuracy: ratio(sums[0], globalTrain),
                                    validationAccuracy: ratio(sums[1], globalValidation),
                                    validationLoss: ratio(sums[3], globalValidation),
                                    testAccuracy: ratio(sums[2], globalTest))
        let end = TraceRecorder.now()
        trace?.record("evaluate", category: "evaluate", start: start, end: end)
        statistics.evaluationBytesSent += meter.delta(communicator).sent
        statistics.evaluationSeconds += Double(end - start) / 1e9
        return evaluation
    }

    /// Logits of the own rows `[ownCount × numClasses]` (``GraphParallelPlan/ownNodes`` order).
    /// `tagKind` 0 = training, 2 = evaluation (1 is the backward exchange).
    private func forward(tagKind: Int) throws(DistributedTrainingError) -> Matrix {
        let network = model.network
        var x = ownFeatures
        for (k, block) in blocks.enumerated() {
            context.rowIndices = plan.ownNodes
            if !block.rowWise.isEmpty {
                x = measure("forward dense \(k)", "forward") { network.forward(x, context: context, layers: block.rowWise) }
            }
            guard let graph = block.graph else { break }
            let local = try block.readsFeatures ? localFeatures! : exchangeForward(x, tag: tag(k, tagKind), layer: k)
            context.rowIndices = plan.localNodes
            var y = measure("forward layer \(k)", "forward") { network.forward(local, context: context, layers: graph) }
            if y.rows != plan.ownCount { y = y.gatherRows(plan.ownPositions) }  // SAGE: keep the own rows
            x = y
        }
        return x
    }

    /// Back-propagates ∂loss/∂logits (own rows) through every block, exchanging halo gradients.
    private func backward(_ gradient: Matrix) throws(DistributedTrainingError) {
        let network = model.network
        var g: Matrix? = gradient
        for (k, block) in blocks.enumerated().reversed() {
            if let graph = block.graph {
                guard var dy = g else { return }
                if plan.localOperator.outputRows != plan.ownCount {  // SAGE: zero rows for the halo outputs
                    var padded = Matrix(rows: plan.localCount, cols: dy.cols)
                    scatterRows(dy, into: &padded, positions: plan.ownPositions)
                    dy = padded
                }
                context.rowIndices = plan.localNodes
                let needsInput = !(k == 0 && block.rowWise.isEmpty)
                let dLocal = measure("backward layer \(k)", "backward") {
                    network.backward(dy, context: context, layers: graph, needsInputGradient: needsInput)
                }
                guard needsInput, let dLocal else { return }
                g = try exchangeBackward(dLocal, tag: tag(k, 1), layer: k)
            }
            if !block.rowWise.isEmpty, let dy = g {
                context.rowIndices = plan.ownNodes
                g = measure("backward dense \(k)", "backward") {
                    network.backward(dy, context: context, layers: block.rowWise, needsInputGradient: k > 0)
                }
            }
        }
    }

    // MARK: Halo exchange

    private func tag(_ layer: Int, _ kind: Int) -> Int { (3 * layer + kind) % (Communicator.maxPortableTag + 1) }

    /// `[local × w]` from the own rows `[own × w]`: own rows copied, halo rows received.
    private func exchangeForward(_ own: Matrix, tag: Int, layer: Int) throws(DistributedTrainingError) -> Matrix {
        let w = own.cols
        let (receives, requests) = try post(own, outgoing: plan.sendRows, incoming: plan.receivePositions, tag: tag)
        var local = Matrix(rows: plan.localCount, cols: w)
        scatterRows(own, into: &local, positions: plan.ownPositions)
        try wait(receives.map(\.request) + requests, name: "halo wait forward \(layer)")
        for (q, r) in receives { unpack(r.buffer, into: &local, positions: plan.receivePositions[q], add: false) }
        return local
    }

    /// `[own × w]` from the local-row gradient `[local × w]`: own rows kept, halo rows sent back
    /// to their owners, received halo gradients added to the own rows (in rank order).
    private func exchangeBackward(_ local: Matrix, tag: Int, layer: Int) throws(DistributedTrainingError) -> Matrix {
        let (receives, requests) = try post(local, outgoing: plan.receivePositions, incoming: plan.sendRows, tag: tag)
        var own = local.gatherRows(plan.ownPositions)
        try wait(receives.map(\.request) + requests, name: "halo wait backward \(layer)")
        for (q, r) in receives { unpack(r.buffer, into: &own, positions: plan.sendRows[q], add: true) }
        return own
    }

    /// Posts, for every peer q, a receive of `incoming[q].count` rows and a send of `source`'s
    /// rows `outgoing[q]` (`source.cols` floats per row). The forward exchange sends own rows and
    /// receives halo rows; the backward one is its mirror.
    private func post(_ source: Matrix, outgoing: [[Int]], incoming: [[Int]], tag: Int) throws(DistributedTrainingError)
        -> (receives: [(peer: Int, request: MessageRequest)], sends: [MessageRequest]) {
        let w = source.cols
        var sends: [MessageRequest] = []
        var receives: [(peer: Int, request: MessageRequest)] = []
        try mpi { () throws(MPIError) in
            for q in plan.peers where !incoming[q].isEmpty {
                let count = incoming[q].count * w
                receives.append((q, try communicator.irecv(Self.buffer(&receiveBuffers, q, count), count: count, from: q, tag: tag)))
            }
            for q in plan.peers where !outgoing[q].isEmpty {
                let count = outgoing[q].count * w
                let b = Self.buffer(&sendBuffers, q, count)
                pack(source, rows: outgoing[q], into: b)
                sends.append(try communicator.isend(b, count: count, to: q, tag: tag))
            }
        }
        return (receives, sends)
    }

    private func wait(_ requests: [MessageRequest], name: String) throws(DistributedTrainingError) {
        guard !requests.isEmpty else { return }
        let start = TraceRecorder.now()
        try mpi { () throws(MPIError) in try communicator.waitAll(requests) }
        let end = TraceRecorder.now()
        waitNanoseconds += end - start
        trace?.record(name, category: "wait", start: start, end: end)
    }

    /// A buffer of at least `count` floats for `peer` (reused across layers and epochs; every
    /// exchange waits for its sends before returning, so reuse is safe).
    private static func buffer(_ table: inout [Int: MessageBuffer], _ peer: Int, _ count: Int) -> MessageBuffer {
        if let b = table[peer], b.capacity >= count { return b }
        let b = MessageBuffer(capacity: count)
        table[peer] = b
        return b
    }

    private func pack(_ m: Matrix, rows: [Int], into buffer: MessageBuffer) {
        let w = m.cols
        let out = buffer.pointer
        m.values.withUnsafeBufferPointer { src in
            for (r, i) in rows.enumerated() {
                (out + r * w).update(from: src.baseAddress! + i * w, count: w)
            }
        }
    }

    private func unpack(_ buffer: MessageBuffer, into m: inout Matrix, positions: [Int], add: Bool) {
        let w = m.cols
        let src = buffer.pointer
        m.values.withUnsafeMutableBufferPointer { dst in
            for (r, i) in positions.enumerated() {
                if add {
                    for j in 0..<w { dst[i * w + j] += src[r * w + j] }
                } else {
                    (dst.baseAddress! + i * w).update(from: src + r * w, count: w)
                }
            }
        }
    }

    private func scatterRows(_ m: Matrix, into out: inout Matrix, positions: [Int]) {
        let w = m.cols
        m.values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for (r, i) in positions.enumerated() {
                    (dst.baseAddress! + i * w).update(from: src.baseAddress! + r * w, count: w)
                }
            }
        }
    }

    private func measure<T>(_ name: String, _ category: String, _ body: () -> T) -> T {
        guard let trace else { return body() }
        return trace.measure(name, category: category, body)
    }

    private func mpi<T>(_ body: () throws(MPIError) -> T) throws(DistributedTrainingError) -> T {
        do { return try body() } catch { throw .mpi(error) }
    }

    // MARK: Checkpoints

    /// Checkpoint format name in the metadata.
    public static let checkpointFormat = "gnnpipe-graph-parallel-1"

    /// Parameters, Adam state and metadata (format, configuration JSON, epoch, ranks, partition
    /// seed, learning rate, weight-decay mode), in ``NodeClassificationTrainer``'s conventions.
    /// Every rank holds the full weights, so the ranks' checkpoints hold the same tensors.
    public func checkpoint() -> Checkpoint {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let config = (try? encoder.encode(configuration)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let metadata: [String: String] = [
            "format": Self.checkpointFormat,
            "parallelism": "graph",
            "configuration": config,
            "epoch": String(epoch),
            "ranks": String(communicator.size),
            "rank": String(communicator.rank),
            "partition_seed": String(partitionSeed),
            "learning_rate": options.learningRate.description,
            "weight_decay_mode": options.weightDecayMode.rawValue,
        ]
        return Checkpoint(tensors: model.network.stateTensors() + optimizer.stateTensors(), metadata: metadata)
    }

    /// Restores a state saved by ``checkpoint()`` with the same configuration, rank count,
    /// partition seed and optimiser settings.
    /// - Throws: ``DistributedTrainingError/checkpoint(_:)`` naming the first mismatch or the
    ///   missing tensor.
    public func restore(from checkpoint: Checkpoint) throws(DistributedTrainingError) {
        let m = checkpoint.metadata
        guard m["format"] == Self.checkpointFormat else {
            throw .checkpoint("format is \(m["format"] ?? "missing"), expected \(Self.checkpointFormat) (a graph-parallel checkpoint)")
        }
        let saved = m["configuration"].flatMap { try? JSONDecoder().decode(GNNConfiguration.self, from: Data($0.utf8)) }
        guard let saved else { throw .checkpoint("unreadable model configuration") }
        guard saved == configuration else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let current = (try? encoder.encode(configuration)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let difference = configurationDifference(saved: m["configuration"] ?? "", current: current)
            throw .checkpoint("the model differs: \(difference ?? "other hyper-parameters")")
        }
        for (key, value) in [("ranks", String(communicator.size)), ("partition_seed", String(partitionSeed)),
                             ("learning_rate", options.learningRate.description),
                             ("weight_decay_mode", options.weightDecayMode.rawValue)] where m[key] != value {
            throw .checkpoint("\(key) was \(m[key] ?? "missing"), this run uses \(value)")
        }
        guard let e = m["epoch"].flatMap(Int.init), e >= 0 else { throw .checkpoint("missing training position 'epoch'") }
        let tensors = checkpoint.tensorsByName
        do throws(NeuralNetError) {
            try model.network.loadState(from: tensors)
            try optimizer.restoreState(from: tensors)
        } catch {
            throw .checkpoint(error.description)
        }
        epoch = e
    }
}
