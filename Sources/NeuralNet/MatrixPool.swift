import DenseMath

/// Storage of dead activation and gradient matrices, handed out again for new outputs so a
/// training epoch does not return every large buffer to the OS and fault it back in.
///
/// Layers take outputs with ``take(rows:cols:)`` and give back what they know is dead (their
/// caches after backward, consumed gradients). Buffers are keyed by element count; only those of
/// at least ``minimumCount`` entries are kept (malloc reuses small ones well). Reuse never
/// changes results: a taken buffer's entries are unspecified and the caller overwrites them, and
/// if a recycled buffer is still referenced elsewhere, writing to it copies it first
/// (copy-on-write). Single-threaded: call it from the thread that runs the layers.
public final class MatrixPool {
    /// Smallest buffer kept, in entries (256 KiB of Float).
    public static let minimumCount = 1 << 16

    private var free: [Int: [[Float]]] = [:]
    private var protected: Set<UnsafeRawPointer> = []

    public init() {}

    /// A `[rows × cols]` matrix with unspecified entries: a recycled buffer of the same size, or
    /// ``Kernels/uninitializedMatrix(rows:cols:)``.
    public func take(rows: Int, cols: Int) -> Matrix {
        let count = rows * cols
        if count >= Self.minimumCount, var list = free[count], let values = list.popLast() {
            free[count] = list.isEmpty ? nil : list
            return Matrix(rows: rows, cols: cols, values: values)
        }
        return Kernels.uninitializedMatrix(rows: rows, cols: cols)
    }

    /// Keeps `m`'s storage for a later ``take(rows:cols:)``. Ignores small and protected matrices.
    public func recycle(_ m: Matrix) {
        let count = m.values.count
        guard count >= Self.minimumCount, let base = Self.address(of: m), !protected.contains(base) else { return }
        free[count, default: []].append(m.values)
    }

    /// Never recycle `m`'s storage (e.g. the input features, owned by the caller).
    public func protect(_ m: Matrix) {
        if let base = Self.address(of: m) { protected.insert(base) }
    }

    /// Drops every kept buffer.
    public func removeAll() { free = [:] }

    /// Bytes held in kept buffers.
    public var keptBytes: Int { free.reduce(0) { $0 + $1.key * $1.value.count } * MemoryLayout<Float>.stride }

    /// Whether two matrices share storage.
    public static func sameStorage(_ a: Matrix, _ b: Matrix) -> Bool {
        address(of: a) == address(of: b)
    }

    static func address(of m: Matrix) -> UnsafeRawPointer? {
        m.values.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) }
    }
}
