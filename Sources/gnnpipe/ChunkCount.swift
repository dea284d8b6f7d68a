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
        let tagLimit = (Communicator.maxPortableTag + 1) / 3
        if training && chunks > tagLimit {
            throw CommandFailure("--chunks \(chunks): at most \(tagLimit) chunks fit the MPI tag range (3 tags per chunk, tags up to \(Communicator.maxPortableTag))", code: 64)
        }
    }

    /// Whether METIS with `seed` puts at least one node in each of `chunks` chunks of
    /// `adjacency` (the same call as ``DistributedTraining/ChunkPlan/metis(adjacency:numChunks:seed:architecture:communicator:keepsWholeOperator:)``).
    static func fills(_ adjacency: CSRGraph, chunks: Int, seed: UInt64) -> Bool {
        guard let partition = try? METISPartitioner.partition(adjacency, parts: chunks, seed: Int(truncatingIfNeeded: seed)) else {
            return false
        }
        return partition.emptyParts.isEmpty
    }

    /// When METIS leaves a chunk empty at `chunks`, a usage error (code 64) naming the largest
    /// count that works found by bisection: METIS k-way cannot fill chunks of very few nodes, and
    /// whether it does is not monotone in C, so the search keeps "lo fills, hi does not" and
    /// reports lo (lo + 1 leaves a chunk empty). `nil` when every chunk gets a node.
    /// - Complexity: one METIS run, plus about log₂ C more when a chunk is empty.
    static func emptyChunkFailure(_ adjacency: CSRGraph, chunks: Int, seed: UInt64, seedOption: String,
                                  dataset: String) -> CommandFailure? {
        guard chunks > 1, let partition = try? METISPartitioner.partition(adjacency, parts: chunks, seed: Int(truncatingIfNeeded: seed)),
              !partition.emptyParts.isEmpty else { return nil }
        var lo = 1, hi = chunks
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if fills(adjacency, chunks: mid, seed: seed) { lo = mid } else { hi = mid }
        }
        let perChunk = String(format: "%.1f", Double(adjacency.numNodes) / Double(chunks))
        return CommandFailure("--chunks \(chunks): METIS (\(seedOption) \(seed)) leaves \(partition.emptyParts.count) of the \(chunks) chunks empty on \(dataset) (\(adjacency.numNodes) nodes, \(perChunk) per chunk; METIS k-way cannot fill chunks this small); with this graph and seed --chunks \(lo) fills every chunk (the largest count found by bisection over 1...\(chunks); \(lo + 1) leaves one empty)", code: 64)
    }
}
