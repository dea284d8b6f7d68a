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
    ///
    /// The donors wait in a heap keyed by size; a donor's vertices in a heap keyed by their
    /// inside-degree, built the first time the part donates and updated when a neighbour leaves.
    /// Entries are checked against the current sizes and degrees when they surface (lazy
    /// deletion), so each move costs O(log) plus the moved vertex's degree.
    /// - Parameters:
    ///   - parts: the part of every vertex, `[n]`, values in `0..<numParts`; changed in place.
    ///   - graph: the symmetric, loop-free graph the parts were cut on.
    /// - Returns: the number of vertices moved (the number of parts that were empty).
    /// - Complexity: O(n + numParts·log numParts) when no part is empty; otherwise also
    ///   O((nnz of the donors' vertices) · log n).
    @discardableResult
    static func fillEmptyParts(_ parts: inout [Int32], numParts: Int, graph: CSRGraph,
                               weights: [Int32]? = nil, constraints: Int = 1) -> Int {
        precondition(parts.count >= numParts, "fillEmptyParts: fewer vertices than parts")
        func weight(_ u: Int) -> Int { weights.map { Int($0[u * constraints + constraints - 1]) } ?? 1 }
        var count = [Int](repeating: 0, count: numParts), size = count
        for (u, p) in parts.enumerated() {
            count[Int(p)] += 1
            size[Int(p)] += weight(u)
        }
        let empties = (0..<numParts).filter { count[$0] == 0 }
        if empties.isEmpty { return 0 }

        // The vertices of each part, in id order (a counting sort).
        var start = [Int](repeating: 0, count: numParts + 1)
        for p in parts { start[Int(p) + 1] += 1 }
        for p in 0..<numParts { start[p + 1] += start[p] }
        var members = [Int32](repeating: 0, count: parts.count), next = start
        for (u, p) in parts.enumerated() { members[next[Int(p)]] = Int32(u); next[Int(p)] += 1 }

        // Largest size first, then the lower part id.
        var donors = MinHeap<DonorKey>()
        for p in 0..<numParts where count[p] >= 2 { donors.push(DonorKey(size: size[p], part: p)) }
        var inside = [Int](repeating: 0, count: parts.count)
        var candidates: [Int: MinHeap<VertexKey>] = [:]

        for empty in empties {
            // Pigeonhole: n ≥ numParts vertices and an empty part leave some part with two.
            var donorKey = donors.pop()!
            while count[donorKey.part] < 2 || size[donorKey.part] != donorKey.size { donorKey = donors.pop()! }
            let donor = donorKey.part, donorID = Int32(donor)
            var heap = candidates.removeValue(forKey: donor) ?? {
                var built = MinHeap<VertexKey>()
                for u32 in members[start[donor]..<start[donor + 1]] {
                    let u = Int(u32)
                    inside[u] = graph.neighbors(of: u).reduce(0) { $0 + (parts[Int($1)] == donorID ? 1 : 0) }
                    built.push(VertexKey(inside: inside[u], vertex: u))
                }
                return built
            }()
            var best = heap.pop()!
            while parts[best.vertex] != donorID || inside[best.vertex] != best.inside { best = heap.pop()! }
            let u = best.vertex, w = weight(u)
            parts[u] = Int32(empty)
            for v32 in graph.neighbors(of: u) where parts[Int(v32)] == donorID {
                let v = Int(v32)
                inside[v] -= 1
                heap.push(VertexKey(inside: inside[v], vertex: v))
            }
            candidates[donor] = heap
            count[donor] -= 1; size[donor] -= w
            count[empty] = 1; size[empty] = w
            if count[donor] >= 2 { donors.push(DonorKey(size: size[donor], part: donor)) }
        }
        return empties.count
    }
}

/// A donor part's place in the heap: the larger size first, then the lower part id.
private struct DonorKey: Comparable {
    var size: Int, part: Int
    static func < (a: Self, b: Self) -> Bool { (a.size, b.part) > (b.size, a.part) }
}

/// A donor's vertex: the fewest neighbours inside the part first, then the lower vertex id.
private struct VertexKey: Comparable {
    var inside: Int, vertex: Int
    static func < (a: Self, b: Self) -> Bool { (a.inside, a.vertex) < (b.inside, b.vertex) }
}

/// A binary min-heap (only what the repair needs: push and pop the least element).
private struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let least = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return least }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && items[left] < items[smallest] { smallest = left }
            if right < items.count && items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return least
    }
}
