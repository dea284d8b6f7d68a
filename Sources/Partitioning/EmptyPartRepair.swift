import GraphCore

extension METISPartitioner {
    /// Gives every empty part one vertex, so a cut into `numParts ≤ n` parts never leaves a part
    /// empty (METIS k-way can, when parts would hold only a few vertices each).
    ///
    /// Empty parts are filled in increasing id order. Each takes one vertex from the largest
    /// part that has at least two (size as in ``spreadIsolated(_:numParts:weights:constraints:)``:
    /// the last constraint's weights when given, else vertex counts; ties to the lower part id).
    /// From that part it takes the vertex with the fewest neighbours inside it (ties to the lower
    /// vertex id): moving a vertex into an empty part cuts exactly its edges into its old part,
    /// so this is the move that raises the edge cut least. With `parts.count ≥ numParts` a donor
    /// always exists (some part holds two vertices while one is empty).
    /// - Parameters:
    ///   - parts: the part of every vertex, `[n]`, values in `0..<numParts`; changed in place.
    ///   - graph: the symmetric, loop-free graph the parts were cut on.
    /// - Returns: the number of vertices moved (the number of parts that were empty).
    /// - Complexity: O(n) per empty part plus the degrees of the donors' vertices.
    @discardableResult
    static func fillEmptyParts(_ parts: inout [Int32], numParts: Int, graph: CSRGraph,
                               weights: [Int32]? = nil, constraints: Int = 1) -> Int {
        precondition(parts.count >= numParts, "fillEmptyParts: fewer vertices than parts")
        var count = [Int](repeating: 0, count: numParts), size = count
        for (u, p) in parts.enumerated() {
            count[Int(p)] += 1
            size[Int(p)] += weights.map { Int($0[u * constraints + constraints - 1]) } ?? 1
        }
        var moved = 0
        for empty in 0..<numParts where count[empty] == 0 {
            // Pigeonhole: n ≥ numParts vertices and an empty part leave some part with two.
            let donor = (0..<numParts).filter { count[$0] >= 2 }.max { (size[$0], -$0) < (size[$1], -$1) }!
            var best = -1, bestInside = Int.max
            for u in parts.indices where parts[u] == Int32(donor) {
                var inside = 0
                for v in graph.neighbors(of: u) where parts[Int(v)] == Int32(donor) { inside += 1 }
                if inside < bestInside { best = u; bestInside = inside }
            }
            let w = weights.map { Int($0[best * constraints + constraints - 1]) } ?? 1
            parts[best] = Int32(empty)
            count[donor] -= 1; size[donor] -= w
            count[empty] = 1; size[empty] = w
            moved += 1
        }
        return moved
    }
}
