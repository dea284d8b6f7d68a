/// Typed collectives built on the byte primitives of ``Communicating``, identical for every
/// implementation.
extension Communicating {
    /// Element-wise sum of `values` over all ranks, in place, added in rank order
    /// (`((x₀ + x₁) + x₂) + …`): the same bits on every rank, for any transport.
    /// A reduce-scatter and an all-gather: each rank sends and receives 2 · (P − 1) / P of
    /// `values`.
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

    /// The rank-order reduction behind the all-reduces, as a reduce-scatter and an all-gather
    /// of direct messages (``allToAll(_:receiveCounts:)``): rank q owns elements
    /// `q·n/P ..< (q+1)·n/P`, receives every rank's copy of them, combines them in rank order
    /// and sends the result to every rank. Each rank sends 2 · (P − 1) / P · n elements (a star
    /// through rank 0 would send it P · (P − 1) · n), and every element is combined in rank
    /// order exactly as before, so the result does not depend on who owns it.
    private func reduceInRankOrder<T: BitwiseCopyable>(_ values: inout [T], _ add: (T, T) -> T) throws(CommunicationError) {
        guard size > 1, !values.isEmpty else { return }
        let n = values.count, P = size, stride = MemoryLayout<T>.stride
        func start(_ q: Int) -> Int { q * n / P }
        let mine = start(rank)..<start(rank + 1)
        let blocks = values.withUnsafeBytes { raw in (0..<P).map { q in Array(raw[start(q) * stride ..< start(q + 1) * stride]) } }
        let contributions = try allToAll(blocks, receiveCounts: [Int](repeating: mine.count * stride, count: P))
        // ((c₀ + c₁) + c₂) + …: rank 0's copy first, then one rank at a time over whole arrays.
        var reduced = Self.values(of: contributions[0], as: T.self)
        reduced.withUnsafeMutableBufferPointer { out in
            for r in 1..<P {
                Self.values(of: contributions[r], as: T.self).withUnsafeBufferPointer { next in
                    for i in 0..<out.count { out[i] = add(out[i], next[i]) }
                }
            }
        }
        let segments = try allToAll([[UInt8]](repeating: Self.bytes(of: reduced), count: P),
                                    receiveCounts: (0..<P).map { (start($0 + 1) - start($0)) * stride })
        values.withUnsafeMutableBytes { out in
            for q in 0..<P where !segments[q].isEmpty {
                segments[q].withUnsafeBytes { out.baseAddress!.advanced(by: start(q) * stride).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
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
