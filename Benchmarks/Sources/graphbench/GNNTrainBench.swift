import ArgumentParser
import Foundation
import GraphLearning

/// Times full-graph GNN training epochs (forward + backward + Adam) for `Benchmarks/gnn_bench.py`.
struct GNNTrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gnn",
        abstract: "Time GCN/GCNII/SAGE training epochs on a dataset folder or a generated R-MAT graph.",
        discussion: """
            GRAPH is a dataset folder (edges.tsv, features, labels.tsv, split.tsv; features \
            row-normalised) or rmat:SCALE: GraphGenerator.rmat(scale: SCALE, edgeFactor: 16, seed: 1), \
            symmetrised, with uniform [0, 1) features (--dim), uniform random labels (--classes) and \
            every node in the training set. --export-csr PREFIX writes the graph as \
            PREFIX.rowptr.npy (int64) and PREFIX.col.npy (int32) so PyG trains on the same graph.
            """)

    @Argument(help: "Dataset folder or rmat:SCALE.") var graph: String
    @Option var model: GNNArchitecture = .gcn
    @Option var layers = 2
    @Option var hidden = 16
    @Option var dropout: Float = 0.5
    @Option var epochs = 20
    @Option var warmup = 3
    @Option var threads = Parallel.defaultThreadCount
    @Option var dim = 128
    @Option var classes = 16
    @Option var seed: UInt64 = 0
    @Option var exportCSR: String?

    func run() throws {
        BLAS.setThreadCount(1)  // GEMM row blocks run on the engine's threads, as in gnnpipe
        let task: NodeClassificationTask
        let adjacency: CSRGraph
        if graph.hasPrefix("rmat:"), let scale = Int(graph.dropFirst(5)) {
            adjacency = try GraphBuilder.build(GraphGenerator.rmat(scale: scale, edgeFactor: 16, seed: 1))
            let n = adjacency.numNodes
            var x = Matrix(rows: n, cols: dim)
            let d = dim
            x.values.withUnsafeMutableBufferPointer { xs in
                let p = xs.baseAddress!
                Parallel.forEachRange(total: n, count: threads) { rows in
                    for i in rows {
                        var rng = SplitMix64(seed: 2, stream: UInt64(i))
                        for j in 0..<d { p[i * d + j] = rng.nextUnitFloat() }
                    }
                }
            }
            let labels = (0..<n).map { i -> Int32 in
                var rng = SplitMix64(seed: 3, stream: UInt64(i))
                return Int32(rng.nextInt(below: classes))
            }
            task = try NodeClassificationTask(features: x, labels: labels, numClasses: classes, train: Array(0..<n),
                                              validation: [], test: [])
        } else {
            let data = try NodeDataset.load(graph)
            adjacency = try GraphBuilder.build(data.edges)
            let labels = data.labels!
            task = try NodeClassificationTask(features: FeaturePreprocessing.rowNormalized(data.features!),
                                              labels: labels.singleLabels(), numClasses: labels.numClasses,
                                              train: data.split!.train, validation: data.split!.val, test: data.split!.test)
        }
        if let prefix = exportCSR {
            try NPY.write(adjacency.rowOffsets.map(Int64.init), shape: [adjacency.numRows + 1], to: prefix + ".rowptr.npy")
            try NPY.write(adjacency.columnIndices, shape: [adjacency.nnz], to: prefix + ".col.npy")
        }
        if warmup + epochs == 0 {  // export only
            emit(["tool": "graphlearning", "nodes": adjacency.numNodes, "nnz": adjacency.nnz])
            return
        }
        let (op, opSeconds) = timedValue { GNNModel.graphOperator(for: model, adjacency: adjacency, adjacencyIsSymmetric: true) }
        let network = try GNNModel(configuration: GNNConfiguration(
            architecture: model, inputDim: task.features.cols, hiddenDim: hidden, numClasses: task.numClasses,
            layers: layers, dropout: dropout, seed: seed))
        let trainer = try NodeClassificationTrainer(model: network, graph: op, task: task,
                                                    options: TrainingOptions(epochs: warmup + epochs, threads: threads))
        var times: [Double] = []
        var losses: [Double] = []
        for e in 0..<(warmup + epochs) {
            var loss = 0.0
            let t = seconds { loss = trainer.trainStep() }
            losses.append(loss)
            if e >= warmup { times.append(t) }
        }
        let sorted = times.sorted()
        emit(["tool": "graphlearning", "model": model.rawValue, "layers": layers, "hidden": hidden,
              "nodes": adjacency.numNodes, "nnz": adjacency.nnz, "threads": threads,
              "epoch_seconds": times, "mean_epoch_seconds": times.reduce(0, +) / Double(max(times.count, 1)),
              "min_epoch_seconds": sorted.first ?? 0,
              "median_epoch_seconds": sorted.isEmpty ? 0 : (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2,
              "operator_seconds": opSeconds, "last_loss": losses.last ?? 0])
    }
}

func timedValue<T>(_ body: () -> T) -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let v = body()
    return (v, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

extension GNNArchitecture: @retroactive ExpressibleByArgument {}
