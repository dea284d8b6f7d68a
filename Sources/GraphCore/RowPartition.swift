/// Contiguous blocks of rows, one per rank: rank r owns rows `bounds[r] ..< bounds[r + 1]`.
///
/// Distributed FastRP splits a graph this way (issue 13): contiguous blocks keep each rank's
/// rows (and its rows of the `.npy` output) in one piece, so a rank's output is one write at
/// one offset and the owner of a node is a binary search.
public struct RowPartition: Sendable, Equatable {
    /// `[parts + 1]` ascending row bounds, `bounds[0] = 0`, `bounds[parts] = numRows`.
    public let bounds: [Int]

    /// A partition with the given bounds.
    /// - Precondition: `bounds` ascending, starting at 0, with at least two entries.
    public init(bounds: [Int]) {
        precondition(bounds.count >= 2 && bounds[0] == 0, "RowPartition: bounds must start at 0 and have ≥ 2 entries")
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 <= $1 }, "RowPartition: bounds must ascend")
        self.bounds = bounds
    }

    /// Number of blocks.
    public var parts: Int { bounds.count - 1 }
    /// Number of rows in all.
    public var numRows: Int { bounds[parts] }
    /// The rows of block `r`.
    public func rows(of r: Int) -> Range<Int> { bounds[r] ..< bounds[r + 1] }

    /// The block holding `row`, by binary search. O(log parts).
    public func owner(of row: Int) -> Int {
        var lo = 0, hi = parts - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if bounds[mid] <= row { lo = mid } else { hi = mid - 1 }
        }
        // Empty blocks share a bound: the last block starting at or before `row` that is not empty.
        while lo > 0 && bounds[lo] == bounds[lo + 1] { lo -= 1 }
        return lo
    }

    /// Blocks balanced by stored entries (edges), cut only at multiples of `unit` rows.
    ///
    /// `unitCounts[i]` is the number of entries in rows `i·unit ..< (i+1)·unit` (the last unit
    /// may be short: rows end at `numRows`). Block r ends at the first unit boundary where the
    /// running count reaches `⌈(r + 1)/parts⌉` of the total, taking at least one unit and
    /// leaving at least one for each later block (blocks are empty only when there are fewer
    /// units than blocks).
    ///
    /// - Complexity: O(units + parts).
    public static func balanced(unitCounts: [Int64], unit: Int, numRows: Int, parts: Int) -> RowPartition {
        precondition(unit >= 1 && parts >= 1, "RowPartition: unit and parts must be ≥ 1")
        let units = unitCounts.count
        precondition(units == (numRows + unit - 1) / unit, "RowPartition: \(units) unit counts for \(numRows) rows of \(unit)")
        let total = unitCounts.reduce(0, +)
        var bounds = [0]
        var running: Int64 = 0
        var i = 0
        for r in 0 ..< parts - 1 {
            let leave = parts - 1 - r  // units kept for the blocks after this one
            let target = (total * Int64(r + 1) + Int64(parts) - 1) / Int64(parts)
            let first = i
            while i < units - leave && (running < target || i == first) {
                running += unitCounts[i]
                i += 1
            }
            bounds.append(min(numRows, i * unit))
        }
        bounds.append(numRows)
        return RowPartition(bounds: bounds)
    }
}
