import CLISupport
import DistributedTraining
import Foundation
import GraphCore
import MessagePassing

/// Checks of the pipeline's chunk count C against the graph, so a bad `--chunks` is a usage
/// error (exit 64) that says which count works, not a failure inside the chunking.
enum ChunkCount {
    /// C must be at most the node count N (every chunk needs a node) and, when training, fit the
    /// MPI tag range (three message tags per chunk).
    /// - Throws: ``CLISupport/CommandFailure`` with code 64.
    static func check(_ chunks: Int, numNodes n: Int, dataset: String, training: Bool) throws {
        if chunks > n {
            throw CommandFailure("--chunks \(chunks): \(dataset) has \(n) nodes and every chunk needs at least one, so at most \(n) chunks", code: 64)
        }
        let tagLimit = (maxPortableTag + 1) / 3
        if training && chunks > tagLimit {
            throw CommandFailure("--chunks \(chunks): at most \(tagLimit) chunks fit the MPI tag range (3 tags per chunk, tags up to \(maxPortableTag))", code: 64)
        }
    }

    /// The usage error for a `chunks` that leaves chunks empty when nested in `parts`
    /// graph-parallel parts (each part of m nodes gets min(C, m) chunks), naming the largest
    /// count that works (``DistributedTraining/ChunkCountSearch``).
    static func emptyChunkMessage(_ adjacency: CSRGraph, chunks: Int, parts: Int, seed: UInt64, seedOption: String,
                                  dataset: String) -> String {
        let works = ChunkCountSearch.largestFillingCount(adjacency: adjacency, parts: parts, chunks: chunks, seed: seed)
        return "--chunks \(chunks): each of the \(parts) graph-parallel parts of \(dataset) (\(adjacency.numNodes) nodes, METIS \(seedOption) \(seed)) is cut into at most as many chunks as it has nodes, and the largest part has \(works), so chunks \(works)...\(chunks - 1) would stay empty; use --chunks \(works) or fewer"
    }
}
