import GraphCore
import Partitioning

/// Which chunk counts METIS can fill on a graph, so a count that leaves a chunk empty can be
/// answered with one that works.
///
/// METIS k-way cannot give every part a node when parts have very few nodes, and whether it
/// does is not monotone in the count; the search keeps "lo fills, hi does not" and bisects.
public enum ChunkCountSearch {
    /// Whether ``Decomposition/metis(adjacency:parts:chunks:seed:communicator:)`` gives every
    /// part and chunk a node.
    public static func fills(adjacency: CSRGraph, parts: Int, chunks: Int, seed: UInt64) -> Bool {
        (try? Decomposition.metis(adjacency: adjacency, parts: parts, chunks: chunks, seed: seed)) != nil
    }

    /// A count that fills every chunk, found by bisection over `1 ... chunks` (`chunks` itself
    /// when it does). The search keeps "lo fills, hi does not", so `lo + 1` leaves chunks empty;
    /// larger counts may still work, since filling is not monotone in the count.
    /// - Complexity: one decomposition, plus about log₂ C more when a chunk is empty.
    public static func largestFillingCount(adjacency: CSRGraph, parts: Int, chunks: Int, seed: UInt64) -> Int {
        if fills(adjacency: adjacency, parts: parts, chunks: chunks, seed: seed) { return chunks }
        return METISPartitioner.bisectFillingCount(below: chunks) { fills(adjacency: adjacency, parts: parts, chunks: $0, seed: seed) }
    }
}
