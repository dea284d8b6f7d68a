import DistributedTraining
import Foundation
import GraphLearning
import Testing
import TestSupport

/// Small problems and helpers for running ``DistributedTrainer`` on in-process ranks.
enum Toy {
    /// A random undirected graph of `nodes` nodes with `features` random features, `classes`
    /// random labels and a split of half training, a quarter validation, a quarter test.
    static func problem(nodes: Int = 48, edges: Int = 150, features: Int = 6, classes: Int = 3,
                        seed: UInt64 = 1) throws -> (adjacency: CSRGraph, task: NodeClassificationTask) {
        var adjacency = try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: nodes, numEdges: edges, seed: seed), options: .undirected)
        if adjacency.hasSelfLoops { adjacency = adjacency.removingSelfLoops() }
        var x = Fixtures.randomMatrix(rows: nodes, cols: features, seed: seed &+ 1)
        for i in x.values.indices { x.values[i] = abs(x.values[i]) }
        var rng = SplitMix64(seed: seed &+ 2)
        let labels = (0..<nodes).map { _ in Int32(rng.nextInt(below: classes)) }
        var order = Array(0..<nodes)
        for i in stride(from: nodes - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
        let task = try NodeClassificationTask(features: x, labels: labels, numClasses: classes,
                                              train: Array(order[0..<(nodes / 2)]), validation: Array(order[(nodes / 2)..<(3 * nodes / 4)]),
                                              test: Array(order[(3 * nodes / 4)...]))
        return (adjacency, task)
    }

    static func configuration(_ architecture: GNNArchitecture, layers: Int, task: NodeClassificationTask, hidden: Int = 8,
                              dropout: Float = 0.3, seed: UInt64 = 5) -> GNNConfiguration {
        GNNConfiguration(architecture: architecture, inputDim: task.features.cols, hiddenDim: hidden, numClasses: task.numClasses,
                         layers: layers, dropout: dropout, seed: seed)
    }

    /// METIS chunks and parts of `adjacency` (nested when `parts > 1`).
    static func decomposition(_ adjacency: CSRGraph, parts: Int = 1, chunks: Int, seed: UInt64 = 3) throws -> Decomposition {
        try Decomposition.metis(adjacency: adjacency, parts: parts, chunks: chunks, seed: seed)
    }

    /// The same chunks with every node in part 0 (what one rank per stage runs).
    static func onePart(_ d: Decomposition) throws -> Decomposition {
        try Decomposition(part: [Int32](repeating: 0, count: d.numNodes), numParts: 1, chunk: d.chunk, numChunks: d.numChunks)
    }
}

/// What a distributed run produced: per-epoch losses and evaluations (rank 0's), and the final
/// value of every parameter by name (replicas must agree).
struct RunOutcome {
    var losses: [Double] = []
    var evaluations: [Evaluation] = []
    var weights: [String: [Float]] = [:]
    var statistics: [[RankEpochStatistics]] = []   // [epoch][rank]
}

/// Thread-safe collection of the ranks' results.
final class Collected<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int: T] = [:]
    func set(_ k: Int, _ v: T) { lock.lock(); items[k] = v; lock.unlock() }
    var values: [Int: T] { lock.lock(); defer { lock.unlock() }; return items }
}

enum InProcess {
    /// Trains `epochs` epochs on `grid.ranks` in-process ranks and collects the outcome.
    static func train(_ configuration: GNNConfiguration, _ adjacency: CSRGraph, _ task: NodeClassificationTask,
                      grid: RankGrid, pipeline: PipelineOptions, decomposition: Decomposition?, epochs: Int,
                      learningRate: Float = 0.01, evaluate: Bool = false) throws -> RunOutcome {
        let perRank = Collected<(losses: [Double], evaluations: [Evaluation], weights: [String: [Float]], stats: [RankEpochStatistics])>()
        let results = InProcessCommunicator.run(ranks: grid.ranks, timeout: 120) { comm in
            let trainer = try DistributedTrainer(configuration: configuration, adjacency: adjacency, task: task,
                                                 options: TrainingOptions(epochs: epochs, learningRate: learningRate), grid: grid,
                                                 pipeline: pipeline, communicator: comm, decomposition: decomposition)
            var losses: [Double] = [], evaluations: [Evaluation] = [], stats: [RankEpochStatistics] = []
            for _ in 0..<epochs {
                var (loss, s) = try trainer.trainStep()
                losses.append(loss)
                if evaluate { evaluations.append(try trainer.evaluate(statistics: &s)) }
                stats.append(s)
            }
            var weights: [String: [Float]] = [:]
            for p in trainer.ownedParameters { weights[p.name] = p.value.values }
            perRank.set(comm.rank, (losses, evaluations, weights, stats))
        }
        for case .failure(let error) in results { throw error }
        let ranks = perRank.values
        var outcome = RunOutcome(losses: ranks[0]!.losses, evaluations: ranks[0]!.evaluations)
        for r in 0..<grid.ranks {
            #expect(ranks[r]!.losses == outcome.losses, "rank \(r) saw other losses")
            for (name, values) in ranks[r]!.weights {
                if let other = outcome.weights[name] { #expect(other == values, "replicas of \(name) differ on rank \(r)") }
                outcome.weights[name] = values
            }
        }
        outcome.statistics = (0..<epochs).map { e in (0..<grid.ranks).map { ranks[$0]!.stats[e] } }
        return outcome
    }

    /// Largest relative difference `‖a − b‖∞ / ‖b‖∞` over the named parameters, and whether
    /// every parameter of one outcome is in the other.
    static func weightDifference(_ a: RunOutcome, _ b: RunOutcome) -> Double {
        #expect(Set(a.weights.keys) == Set(b.weights.keys))
        var worst = 0.0
        for (name, x) in a.weights {
            guard let y = b.weights[name] else { continue }
            let scale = max(1e-12, y.reduce(0) { max($0, Double(abs($1))) })
            let diff = zip(x, y).reduce(0) { max($0, Double(abs($1.0 - $1.1))) }
            worst = max(worst, diff / scale)
        }
        return worst
    }

    static func lossDifference(_ a: [Double], _ b: [Double]) -> Double {
        #expect(a.count == b.count)
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(1e-12, abs($1.1))) }
    }
}
