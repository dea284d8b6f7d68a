import ArgumentParser
import CLISupport
import DenseMath
import DistributedGraphs
import Embeddings
import Foundation
import GraphCore
import GraphIO
import MessagePassing

/// The message and exit code `ToolMain` would print for `error`.
func errorReport(_ error: any Error) -> (message: String, code: Int32) {
    if let failure = error as? CommandFailure { return (failure.message, failure.code) }
    if let read = error as? DistributedReadError { return (read.description, 1) }
    let code = FastRPCommand.exitCode(for: error).rawValue
    var message = FastRPCommand.fullMessage(for: error)
    for prefix in ["Error: ", "error: "] where message.hasPrefix(prefix) { message = String(message.dropFirst(prefix.count)) }
    return (message, code == 0 ? 1 : code)
}

extension Embed {
    /// `mpirun -n P fastrp embed …`: every rank reads its byte range of the edge list, computes
    /// its rows (``FastRP/embed(rows:partition:communicator:features:columnBlock:threads:logger:progress:)``)
    /// and writes them in place (.npy) or sends them to rank 0 (text). The output is
    /// byte-identical to the one-process run. Errors are agreed by the ranks and printed once by
    /// rank 0, naming the rank (and host) whose part failed; a rank that fails alone while
    /// computing aborts the job.
    func runDistributed() throws {
        do {
            try MPIJob.run(describe: { errorReport($0).message }, write: ToolMain.printError) { world in
                do {
                    try embedDistributed(world)
                } catch let read as DistributedReadError {
                    // Every rank holds the same error; rank 0 prints it with the host of the rank that read the line.
                    if world.rank == 0 {
                        let located = DistributedReadError(error: read.error, rank: read.rank, host: read.rank.map { world.host(ofRank: $0) })
                        ToolMain.printError(located.description)
                    }
                    world.finalize()
                    Foundation.exit(1)
                }
            }
        } catch {
            throw CommandFailure("cannot start MPI: \(error)")
        }
    }

    private func embedDistributed(_ world: MPICommunicator) throws {
        let (rank, size) = (world.rank, world.size)
        let config = try world.agree({ try embedding.configuration(seed: runOptions.seed) }, describe: errorReport)
        let threads = runOptions.threads
        let quiet = runOptions.quiet || rank != 0
        let logger = runOptions.outputOptions.logLevelOption.makeLogger(prefix: "fastrp rank \(rank)", label: "fastrp", quiet: quiet)
        let readOptions = EdgeListReadOptions(idMode: graph.idMode, weighted: graph.weighted ? true : false,
                                              numNodes: graph.numNodes, threadCount: threads, skipRows: graph.header.skipRows)
        // Column standardisation sums fixed 1,024-row blocks: ranks start on one (see HaloProduct).
        let unit: (Int) -> Int = { n in config.standardizeColumns ? 1024 : max(1, min(1024, n / (1024 * size))) }
        var (loaded, loadSeconds) = try timed {
            try DistributedEdgeList.read(graph.edges, options: readOptions, directed: graph.directed, unit: unit, communicator: world)
        }
        if graph.numNodes != nil && loaded.stringIDs {
            // Every rank knows it: agreed, so rank 0 alone prints the usage error.
            try world.agree({ () throws in throw graph.numNodesFailure() }, describe: errorReport)
        }
        if graph.idMode == .automatic, loaded.stringIDs, let ids = loaded.nodeIDs, rank == 0 {
            let sample = ids.names.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            runOptions.printNote("\(graph.edges): node ids are not all dense non-negative integers (first: \(sample)); they were relabelled 0..<\(ids.count) in order of first appearance, so row i of a .npy output is the i-th id seen, not node i (.tsv/.txt outputs keep the names; --id-mode integer refuses such ids)")
        }
        let own = loaded.partition.rows(of: rank)
        let features = try world.agree({ () throws -> Matrix? in
            guard let all = try embedding.loadFeatures() else { return nil }
            guard all.rows == loaded.numNodes else {
                throw CommandFailure("--features has \(all.rows) rows, the graph has \(loaded.numNodes) nodes")
            }
            return Matrix(rows: own.count, cols: all.cols, values: Array(all.values[(own.lowerBound * all.cols)..<(own.upperBound * all.cols)]))
        }, describe: errorReport)
        if fileExtension(output) == "txt", rank == 0 || true {
            try world.agree({
                if let bad = loaded.nodeIDs?.names.first(where: { $0.contains(" ") }) {
                    throw CommandFailure("node id '\(bad)' contains a space, which word2vec text cannot hold; write .tsv or .npy")
                }
            }, describe: errorReport)
        }
        let bar = ProgressBar(enabled: !quiet, label: "fastrp")
        // Handed over so the library frees it once it has its renumbered copy.
        let rows = loaded.rows
        loaded.rows = CSRGraph(emptyWithNodes: 0)
        let (result, embedSeconds) = try timed {
            try FastRP(config).embed(rows: consume rows, partition: loaded.partition, communicator: world, features: features,
                                     threads: threads, logger: logger) { bar.update($0.completed, of: $0.total) }
        }
        bar.finish()
        try refuseNonFinite(result.embeddings)
        let (_, writeSeconds) = try timed {
            if fileExtension(output) == "npy" {
                try DistributedOutput.writeNPY(result.embeddings, firstRow: result.firstRow, numRows: loaded.numNodes, to: output,
                                               communicator: world, describe: errorReport)
            } else {
                try DistributedOutput.writeText(result.embeddings, partition: loaded.partition, nodeIDs: loaded.nodeIDs, to: output,
                                                word2vec: fileExtension(output) == "txt", communicator: world, describe: errorReport)
            }
        }
        let mine: [Double] = [loadSeconds, result.exchangeSeconds, embedSeconds - result.exchangeSeconds, writeSeconds,
                              peakMemoryMiB(), Double(result.totalBytes), Double(result.haloRows)]
        let all: [Double] = try world.allGather(mine)
        let steps = result.stepBytes.map(Double.init)
        let stepBytes: [Double] = try world.allGather(steps)
        guard rank == 0 else { return }
        let field = { (r: Int, i: Int) in all[r * mine.count + i] }
        let perRank = (0..<size).map { r in
            String(format: "rank %d: load %.2f s, exchange %.2f s, compute %.2f s, peak %.0f MiB", r, field(r, 0), field(r, 1), field(r, 2), field(r, 4))
        }
        let peak = (0..<size).map { field($0, 4) }.max() ?? 0
        runOptions.note(String(format: "fastrp: %@ nodes, %@ stored edges, dim %d, k %d, %d ranks → %@: load %.2f s, embed %.2f s, write %.2f s, peak memory %.0f MiB (largest rank); ",
                              formatCount(loaded.numNodes), formatCount(loaded.storedEdges), config.dimension, config.iterationWeights.count,
                              size, output, loadSeconds, embedSeconds, writeSeconds, peak) + perRank.joined(separator: "; "))
        let k = steps.count
        try MetricsWriter(path: runOptions.metrics).append([
            "command": "embed", "edges": graph.edges, "output": output, "nodes": loaded.numNodes, "stored_edges": loaded.storedEdges,
            "dim": config.dimension, "weights": config.iterationWeights.map(Double.init), "beta": Double(config.normalizationStrength),
            "sparsity": config.sparsity.description, "seed": config.seed, "threads": threads, "ranks": size,
            "load_seconds": loadSeconds, "embed_seconds": embedSeconds, "write_seconds": writeSeconds,
            "step_seconds": result.stepSeconds, "peak_memory_mib": peak, "dense_matrices": result.peakDenseMatrices,
            "column_block": result.columnBlock,
            // Bytes sent + received by all ranks for each propagation step that exchanged halo rows.
            "exchange_bytes_per_step": (0..<k).map { i in (0..<size).reduce(0.0) { $0 + stepBytes[$1 * k + i] } },
            "ranks_detail": (0..<size).map { r in [
                "load_seconds": field(r, 0), "exchange_seconds": field(r, 1), "compute_seconds": field(r, 2),
                "write_seconds": field(r, 3), "peak_memory_mib": field(r, 4), "bytes_exchanged": field(r, 5),
                "halo_rows": field(r, 6), "exchange_bytes_per_step": (0..<k).map { stepBytes[r * k + $0] },
            ] as [String: Any] },
        ])
    }
}
