import GraphCore
import Partitioning

/// Which chunk counts fill every chunk when chunks are nested in graph-parallel parts, so a
/// count that leaves a chunk empty can be answered with one that works.
///
/// Every METIS cut fills its parts (``/Partitioning/METISPartitioner`` moves a vertex into any
/// part METIS leaves empty), and a part of m nodes is cut into min(C, m) chunks; so chunk c is
/// empty exactly when every part has at most c nodes, and the largest count that fills every
/// chunk is the largest part's size.
public enum ChunkCountSearch {
    /// The largest count up to `chunks` that gives every chunk a node: `chunks` itself, or the
    /// size of the largest of the `parts` METIS parts when that is smaller.
    /// - Complexity: one METIS cut into `parts` parts.
    public static func largestFillingCount(adjacency: CSRGraph, parts: Int, chunks: Int, seed: UInt64) -> Int {
        guard let cut = try? Decomposition.metis(adjacency: adjacency, parts: parts, chunks: 1, seed: seed) else { return 1 }
        return min(chunks, cut.partSizes.max() ?? 1)
    }
}
