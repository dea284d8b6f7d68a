/// Typed collectives built on the byte primitives of ``Communicating``, identical for every
/// implementation.
extension Communicating {
    /// Element-wise sum of `values` over all ranks, in place, added in rank order
    /// (`((x₀ + x₁) + x₂) + …`): the same bits on every rank, for any transport.
    /// One all-gather: each rank receives `size × values.count` floats.
    /// - Throws: ``CommunicationError``.
    public func allReduceSum(_ values: inout [Float]) throws(CommunicationError) {
        try reduceInRankOrder(&values, +)
    }

    /// Element-wise sum of `values` over all ranks in double precision, in rank order.
    /// - Throws: ``CommunicationError``.
    public func allReduceSum(_ values: inout [Double]) throws(CommunicationError) {
        try reduceInRankOrder(&values, +)
    }

    /// Element-wise sum of 64-bit integers over all ranks.
    /// - Throws: ``CommunicationError``.
    public func allReduceSum(_ values: inout [Int64]) throws(CommunicationError) {
        try reduceInRankOrder(&values, &+)
    }

    /// Element-wise maximum over all ranks.
    /// - Throws: ``CommunicationError``.
    public func allReduceMax(_ values: inout [Double]) throws(CommunicationError) {
        try reduceInRankOrder(&values) { Swift.max($0, $1) }
    }

    /// Every rank's `values` (all of the same length) in rank order, `[size × values.count]`.
    /// - Throws: ``CommunicationError``.
    public func allGather<T: BitwiseCopyable>(_ values: [T]) throws(CommunicationError) -> [T] {
        guard size > 1 else { return values }
        let bytes = try allGather(bytes: Self.bytes(of: values))
        return Self.values(of: bytes, as: T.self)
    }

    /// `root`'s `values` on every rank; every rank passes an array of the same length.
    /// - Throws: ``CommunicationError``.
    public func broadcast<T: BitwiseCopyable>(_ values: inout [T], root: Int) throws(CommunicationError) {
        guard size > 1, !values.isEmpty else { return }
        var bytes = Self.bytes(of: values)
        try broadcast(bytes: &bytes, root: root)
        values = Self.values(of: bytes, as: T.self)
    }

    /// Every rank's `values` (lengths may differ) at `root` in rank order; `nil` elsewhere.
    /// - Throws: ``CommunicationError``.
    public func gather<T: BitwiseCopyable>(_ values: [T], root: Int) throws(CommunicationError) -> [[T]]? {
        guard let parts = try gather(bytes: Self.bytes(of: values), root: root) else { return nil }
        return parts.map { Self.values(of: $0, as: T.self) }
    }

    private func reduceInRankOrder<T: BitwiseCopyable>(_ values: inout [T], _ add: (T, T) -> T) throws(CommunicationError) {
        guard size > 1, !values.isEmpty else { return }
        let n = values.count
        let all: [T] = try allGather(values)
        values.withUnsafeMutableBufferPointer { out in
            all.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    var s = src[i]
                    for r in 1..<size { s = add(s, src[r * n + i]) }
                    out[i] = s
                }
            }
        }
    }

    static func bytes<T: BitwiseCopyable>(of values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    static func values<T: BitwiseCopyable>(of bytes: [UInt8], as type: T.Type) -> [T] {
        let count = bytes.count / MemoryLayout<T>.stride
        guard count > 0 else { return [] }  // see DenseMath's HugePages on the shared empty storage
        return [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(count * MemoryLayout<T>.stride)]))
            }
            initialised = count
        }
    }
}
