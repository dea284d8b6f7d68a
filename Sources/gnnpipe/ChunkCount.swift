import Foundation
import CLISupport
import GraphLearning

/// Checks of the pipeline's chunk count C against the graph, so a bad `--chunks` is a usage
/// error (exit 64) that says which count works, not a failure inside the chunking.
enum ChunkCount {
    /// C must be at most the node count N (every chunk needs a node) and, when training, fit the
    /// MPI tag range (three message tags per chunk).
    /// - Throws: ``CLISupport/CommandFailure`` with code 64.
    static func check(_ chunks: Int, numNodes n: Int, dataset: String, training: Bool) throws {
        if chunks > n {
            throw CommandFailure("--chunks \(chunks): \(dataset) has \(n) nodes and every chunk needs at least one, so at most \(n) chunks (METIS may leave chunks empty well below that)", code: 64)
        }
        let tagLimit = (maxPortableTag + 1) / 3
        if training && chunks > tagLimit {
            throw CommandFailure("--chunks \(chunks): at most \(tagLimit) chunks fit the MPI tag range (3 tags per chunk, tags up to \(maxPortableTag))", code: 64)
        }
    }

    /// The usage error for a `chunks` that METIS cannot fill on `adjacency` (with `parts`
    /// graph-parallel parts), naming a count that works
    /// (``DistributedTraining/ChunkCountSearch``).
    static func emptyChunkMessage(_ adjacency: CSRGraph, chunks: Int, parts: Int, seed: UInt64, seedOption: String,
                                  dataset: String) -> String {
        let empty = emptyCount(adjacency, chunks: chunks, parts: parts, seed: seed)
        let works = ChunkCountSearch.largestFillingCount(adjacency: adjacency, parts: parts, chunks: chunks, seed: seed)
        let perChunk = String(format: "%.1f", Double(adjacency.numNodes) / Double(chunks))
        return "--chunks \(chunks): METIS (\(seedOption) \(seed)) leaves \(empty) of the \(chunks) chunks empty on \(dataset) (\(adjacency.numNodes) nodes, \(perChunk) per chunk; METIS k-way cannot fill chunks this small); with this graph and seed --chunks \(works) fills every chunk (found by bisection over 1...\(chunks): METIS's result is not monotone in the count, so other counts between \(works) and \(chunks) may work too, and \(works + 1) leaves chunks empty)"
    }

    private static func emptyCount(_ adjacency: CSRGraph, chunks: Int, parts: Int, seed: UInt64) -> Int {
        do {
            _ = try Decomposition.metis(adjacency: adjacency, parts: parts, chunks: chunks, seed: seed)
            return 0
        } catch {
            if case .emptyChunks(let e, _, _) = error { return e }
            return 0
        }
    }
}
