/// A dense, row-major matrix of `Float`.
///
/// Element `(i, j)` is stored at `values[i * cols + j]`. Node-feature and embedding matrices use
/// this layout with shape `[numNodes × dim]`.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// Row-major storage, `rows * cols` entries.
    public var values: [Float]

    /// A `rows × cols` matrix filled with `value`.
    ///
    /// Storage of 4 MiB or more is advised to use transparent huge pages before it is first
    /// written (as NumPy does for large arrays), which cuts TLB misses in row gathers.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.values = HugePages.array(count: rows * cols, repeating: value)
    }

    /// A matrix over existing row-major storage.
    /// - Precondition: `values.count == rows * cols`.
    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
        precondition(values.count == rows * cols, "Matrix storage has \(values.count) values, expected \(rows) × \(cols)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// Element at row `i`, column `j`.
    @inlinable
    public subscript(i: Int, j: Int) -> Float {
        get { values[i * cols + j] }
        set { values[i * cols + j] = newValue }
    }

    /// A copy of row `i`.
    public func row(_ i: Int) -> [Float] {
        Array(values[(i * cols)..<((i + 1) * cols)])
    }

    /// The transpose, `[cols × rows]`.
    public func transposed() -> Matrix {
        var out = Matrix(rows: cols, cols: rows)
        for i in 0..<rows {
            for j in 0..<cols {
                out.values[j * rows + i] = values[i * cols + j]
            }
        }
        return out
    }

    /// A new matrix holding rows `indices` in the given order, `[indices.count × cols]`.
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for (r, i) in indices.enumerated() {
                    precondition(i >= 0 && i < rows, "row index \(i) out of range 0..<\(rows)")
                    for j in 0..<cols { dst[r * cols + j] = src[i * cols + j] }
                }
            }
        }
        return out
    }
}
