#if canImport(Glibc)
import Glibc
#endif

/// Large arrays backed by transparent huge pages where the kernel allows it (`madvise`).
///
/// Every `Array(unsafeUninitializedCapacity:initializingWith:)` in the engine is given a
/// non-zero capacity: with 0, the standard library writes the count into the one storage that
/// all empty arrays share, a data race when threads do it at once (ThreadSanitizer reports it
/// on `_swiftEmptyArrayStorage`). Callers return `[]` for an empty result instead.
enum HugePages {
    static let threshold = 4 << 20
    static let hugePageSize = 2 << 20

    /// `[T](repeating:count:)`, with `MADV_HUGEPAGE` advised on the aligned interior of the
    /// buffer before the first write when the array is at least 4 MiB. Advice only: contents
    /// are the same either way.
    static func array<T: BitwiseCopyable>(count: Int, repeating value: T) -> [T] {
        let bytes = count * MemoryLayout<T>.stride
        guard bytes >= threshold else { return [T](repeating: value, count: count) }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            #if canImport(Glibc)
            let start = UInt(bitPattern: buffer.baseAddress!)
            let alignedStart = (start + UInt(hugePageSize) - 1) & ~UInt(hugePageSize - 1)
            let end = start + UInt(bytes)
            if alignedStart < end {
                let length = Int((end - alignedStart) & ~UInt(hugePageSize - 1))
                if length > 0 {
                    _ = madvise(UnsafeMutableRawPointer(bitPattern: alignedStart), length, MADV_HUGEPAGE)
                }
            }
            #endif
            buffer.initialize(repeating: value)
            initialized = count
        }
    }
}
