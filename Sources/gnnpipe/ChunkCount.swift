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

    /// When METIS leaves a chunk empty at `chunks`, a usage error (code 64) naming the largest
    /// count that works found by bisection: METIS k-way cannot fill chunks of very few nodes, and
    /// whether it does is not monotone in C, so the search keeps "lo fills, hi does not" and
    /// reports lo (lo + 1 leaves a chunk empty). `nil` when every chunk gets a node.
    /// - Complexity: one METIS run, plus about log₂ C more when a chunk is empty.
    static func emptyChunkFailure(_ adjacency: CSRGraph, chunks: Int, seed: UInt64, seedOption: String,
                                  dataset: String) -> CommandFailure? {
        guard chunks > 1, let partition = try? METISPartitioner.partition(adjacency, parts: chunks, seed: Int(truncatingIfNeeded: seed)),
              !partition.emptyParts.isEmpty else { return nil }
        let lo = METISPartitioner.largestFillingPartCount(adjacency, below: chunks, seed: Int(truncatingIfNeeded: seed))
        return CommandFailure(emptyPartsMessage(option: "--chunks", count: chunks, empty: partition.emptyParts.count,
                                                seed: "\(seedOption) \(seed)", input: dataset, numNodes: adjacency.numNodes,
                                                fillingCount: lo, noun: "chunk"), code: 64)
    }
}
