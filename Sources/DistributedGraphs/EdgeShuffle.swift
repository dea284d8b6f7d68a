import GraphCore
import MessagePassing

/// Sends every stored entry of the graph to the rank that owns its row and builds the rows
/// there (step 3 of ``DistributedEdgeList``).
enum EdgeShuffle {
    /// A rank's parsed edges, global ids.
    struct Edges {
        var sources: [Int32]
        var targets: [Int32]
        var weights: [Float]?
    }

    /// Counts entries per unit, partitions, exchanges the entries and builds the local rows.
    static func buildRows(_ edges: Edges, numNodes n: Int, directed: Bool, unit: Int,
                          communicator: any Communicating) throws -> (CSRGraph, RowPartition) {
        let (rank, size) = (communicator.rank, communicator.size)
        let units = (n + unit - 1) / unit
        var counts = [Int64](repeating: 0, count: units)
        forEachEntry(edges, directed: directed) { u, _, _ in counts[Int(u) / unit] += 1 }
        try communicator.allReduceSum(&counts)
        let partition = RowPartition.balanced(unitCounts: counts, unit: unit, numRows: n, parts: size)
        counts = []
        let owners = partition.bounds
        func owner(_ u: Int32) -> Int { partition.owner(of: Int(u)) }

        var sendCounts = [Int64](repeating: 0, count: size)
        forEachEntry(edges, directed: directed) { u, _, _ in sendCounts[owner(u)] += 1 }
        let all: [Int64] = try communicator.allGather(sendCounts)
        let receiveCounts = (0..<size).map { q in Int(all[q * size + rank]) }
        let width = edges.weights == nil ? 2 : 3
        let own = partition.rows(of: rank)
        let total = receiveCounts.reduce(0, +) + Int(sendCounts[rank])
        var rows = [Int32](), columns = [Int32](), weights = [Float]()
        rows.reserveCapacity(total)
        columns.reserveCapacity(total)
        if edges.weights != nil { weights.reserveCapacity(total) }
        forEachEntry(edges, directed: directed) { u, v, w in
            if owner(u) == rank {
                rows.append(u - Int32(own.lowerBound))
                columns.append(v)
                if edges.weights != nil { weights.append(w) }
            }
        }
        // Entries travel as Float bit patterns (copied, never computed with): row, column[, weight].
        let exchange = HaloExchange(communicator: communicator)
        try exchange.exchange(width: width, tag: 6, sendRows: (0..<size).map { $0 == rank ? 0 : Int(sendCounts[$0]) },
                              receiveRows: (0..<size).map { $0 == rank ? 0 : receiveCounts[$0] }, pack: { q, out in
            var i = 0
            forEachEntry(edges, directed: directed) { u, v, w in
                guard owner(u) == q else { return }
                out[i] = Float(bitPattern: UInt32(bitPattern: u))
                out[i + 1] = Float(bitPattern: UInt32(bitPattern: v))
                if width == 3 { out[i + 2] = w }
                i += width
            }
        }, unpack: { q, src in
            for k in 0..<receiveCounts[q] {
                rows.append(Int32(bitPattern: src[k * width].bitPattern) - Int32(own.lowerBound))
                columns.append(Int32(bitPattern: src[k * width + 1].bitPattern))
                if width == 3 { weights.append(src[k * width + 2]) }
            }
        }, label: "fastrp edge shuffle")
        exchange.releaseBuffers()
        _ = owners
        return (assemble(rows: rows, columns: columns, weights: edges.weights == nil ? nil : weights,
                         numRows: own.count, numColumns: n), partition)
    }

    /// Calls `body(row, column, weight)` for every stored entry: `(u, v)`, and `(v, u)` unless
    /// directed; self-loops dropped (``GraphCore/SelfLoopPolicy/drop``).
    @inline(__always)
    static func forEachEntry(_ edges: Edges, directed: Bool, _ body: (Int32, Int32, Float) -> Void) {
        for i in edges.sources.indices {
            let u = edges.sources[i], v = edges.targets[i]
            if u == v { continue }
            let w = edges.weights?[i] ?? 1
            body(u, v, w)
            if !directed { body(v, u, w) }
        }
    }

    /// CSR rows from entries: bucketed by row, each row sorted by column, duplicates merged
    /// keeping the largest weight (as ``GraphCore/GraphBuilder`` with the `max` policy; weights
    /// are finite and non-negative, so their bit patterns sort as their values).
    static func assemble(rows: [Int32], columns: [Int32], weights: [Float]?, numRows m: Int, numColumns n: Int) -> CSRGraph {
        var offsets = [Int](repeating: 0, count: m + 1)
        for r in rows { offsets[Int(r) + 1] += 1 }
        for i in 0..<m { offsets[i + 1] += offsets[i] }
        var keys = [UInt64](repeating: 0, count: rows.count)
        do {
            var next = offsets
            for k in rows.indices {
                let r = Int(rows[k])
                keys[next[r]] = UInt64(UInt32(bitPattern: columns[k])) << 32 | UInt64(weights?[k].bitPattern ?? 0)
                next[r] += 1
            }
        }
        var outOffsets = [Int](repeating: 0, count: m + 1)
        var outColumns = [Int32]()
        var outWeights = [Float]()
        outColumns.reserveCapacity(keys.count)
        if weights != nil { outWeights.reserveCapacity(keys.count) }
        keys.withUnsafeMutableBufferPointer { all in
            for r in 0..<m {
                var row = UnsafeMutableBufferPointer(rebasing: all[offsets[r]..<offsets[r + 1]])
                row.sort()
                var e = 0
                while e < row.count {
                    let column = row[e] >> 32
                    var f = e + 1
                    while f < row.count && row[f] >> 32 == column { f += 1 }
                    outColumns.append(Int32(bitPattern: UInt32(truncatingIfNeeded: column)))
                    if weights != nil { outWeights.append(Float(bitPattern: UInt32(truncatingIfNeeded: row[f - 1]))) }
                    e = f
                }
                outOffsets[r + 1] = outColumns.count
            }
        }
        return CSRGraph(unchecked: m, n, outOffsets, outColumns, weights == nil ? nil : outWeights)
    }
}
