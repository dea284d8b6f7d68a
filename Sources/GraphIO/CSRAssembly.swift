import GraphCore

/// Builds rectangular CSR matrices from coordinate triplets (Matrix Market, HGB relations).
enum CSRAssembly {
    /// How repeated `(row, column)` entries are merged.
    enum Merge {
        case sum
        case max
    }

    /// A `[numRows × numColumns]` CSR matrix from triplets `(rows[k], columns[k], weights[k])`.
    ///
    /// Rows come out sorted by column with repeats merged by `merge`. `weights == nil` means
    /// all ones (a pattern), and the result is unweighted; with weights, the result keeps them
    /// unless `dropUnitWeights` is set and every merged weight is exactly 1.
    /// - Precondition: indices are in range and weights finite and non-negative (the callers
    ///   validate while parsing).
    /// - Complexity: O(numRows + numColumns + nnz).
    static func build(numRows: Int, numColumns: Int, rows: [Int32], columns: [Int32], weights: [Float]?,
                      merge: Merge, dropUnitWeights: Bool = false) -> CSRGraph {
        let count = rows.count
        var offsets = [Int](repeating: 0, count: numRows + 1)
        for r in rows { offsets[Int(r) + 1] += 1 }
        for i in 0..<numRows { offsets[i + 1] += offsets[i] }
        // Two stable counting sorts (by column, then by row) leave every row sorted by column,
        // with repeats adjacent in input order.
        var columnOffsets = [Int](repeating: 0, count: numColumns + 1)
        for c in columns { columnOffsets[Int(c) + 1] += 1 }
        for i in 0..<numColumns { columnOffsets[i + 1] += columnOffsets[i] }
        var byColumn = [Int](repeating: 0, count: count)
        for k in 0..<count {
            let c = Int(columns[k])
            byColumn[columnOffsets[c]] = k
            columnOffsets[c] += 1
        }
        var slots = [Int](repeating: 0, count: count)
        do {
            var next = offsets
            for k in byColumn {
                let r = Int(rows[k])
                slots[next[r]] = k
                next[r] += 1
            }
        }
        var outColumns = [Int32]()
        outColumns.reserveCapacity(count)
        var outWeights = [Float]()
        if weights != nil { outWeights.reserveCapacity(count) }
        var newOffsets = [Int](repeating: 0, count: numRows + 1)
        for r in 0..<numRows {
            let lo = offsets[r], hi = offsets[r + 1]
            var e = lo
            while e < hi {
                let c = columns[slots[e]]
                var w = weights?[slots[e]] ?? 1
                var f = e + 1
                while f < hi && columns[slots[f]] == c {
                    if let weights {
                        switch merge {
                        case .sum: w += weights[slots[f]]
                        case .max: w = Swift.max(w, weights[slots[f]])
                        }
                    }
                    f += 1
                }
                outColumns.append(c)
                if weights != nil { outWeights.append(w) }
                e = f
            }
            newOffsets[r + 1] = outColumns.count
        }
        var keepWeights = weights != nil
        if keepWeights && dropUnitWeights && outWeights.allSatisfy({ $0 == 1 }) { keepWeights = false }
        return CSRGraph(unchecked: numRows, numColumns, newOffsets, outColumns, keepWeights ? outWeights : nil)
    }
}
