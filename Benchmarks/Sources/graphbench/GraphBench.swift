import ArgumentParser
import Foundation
import GraphLearning

/// Times GraphLearning's own kernels for the side-by-side harness (`Benchmarks/run.py`).
/// Each subcommand prints one JSON object on stdout; the harness measures peak memory.
@main
struct GraphBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graphbench",
        abstract: "Time edge-list parsing and SpMM in GraphLearning (one JSON line per run).",
        subcommands: [Parse.self, SpMMCommand.self, GNNTrainBench.self, LightHGNNInferenceBench.self])
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func emit(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read an edge list; report parse and CSR-build seconds.")
    @Argument(help: "Edge-list file.") var path: String
    @Option(help: "Repetitions; the best time is reported.") var repeats = 3

    func run() throws {
        var best = Double.infinity, bestBuild = Double.infinity
        var edges = 0, nodes = 0, nnz = 0
        for _ in 0..<repeats {
            var list: EdgeList? = nil
            best = min(best, try seconds { list = try EdgeListReader.read(path) })
            var g: CSRGraph? = nil
            bestBuild = min(bestBuild, try seconds { g = try GraphBuilder.build(list!) })
            edges = list!.count; nodes = list!.numNodes; nnz = g!.nnz
        }
        emit(["tool": "graphlearning", "task": "parse", "seconds": best, "build_seconds": bestBuild,
              "edges": edges, "nodes": nodes, "nnz": nnz])
    }
}

struct SpMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spmm", abstract: "Time Y = A·X with A from an edge list (symmetrised), X random.")
    @Argument(help: "Edge-list file, or rmat:SCALE for a generated R-MAT graph with 16·2^SCALE edges.") var path: String
    @Option(help: "Columns of X.") var dim = 128
    @Option(help: "Worker threads.") var threads = Parallel.defaultThreadCount
    @Option(help: "Repetitions; the best time is reported.") var repeats = 3

    func run() throws {
        let list: EdgeList
        if path.hasPrefix("rmat:"), let scale = Int(path.dropFirst(5)) {
            list = GraphGenerator.rmat(scale: scale, edgeFactor: 16, seed: 1)
        } else {
            list = try EdgeListReader.read(path)
        }
        let g = try GraphBuilder.build(list)
        var rng = SplitMix64(seed: 1)
        var x = Matrix(rows: g.numNodes, cols: dim)
        for i in x.values.indices { x.values[i] = rng.nextUnitFloat() }
        var y = Matrix(rows: g.numNodes, cols: dim)
        var best = Double.infinity
        for _ in 0..<repeats {
            best = min(best, seconds { SpMM.multiply(g, x, into: &y, threads: threads) })
        }
        var checksum = 0.0
        for v in y.values { checksum += Double(v) }
        emit(["tool": "graphlearning", "task": "spmm", "seconds": best, "dim": dim, "threads": threads,
              "nnz": g.nnz, "nodes": g.numNodes, "checksum": checksum])
    }
}
