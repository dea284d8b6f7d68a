import Foundation

extension ContiguousBytes {
    /// Calls `body` on the bytes as `UInt8`s, keeping its typed error (`withUnsafeBytes` itself
    /// only rethrows untyped errors).
    func withByteBuffer<T>(_ body: (UnsafeBufferPointer<UInt8>) throws(GraphIOError) -> T) throws(GraphIOError) -> T {
        let result: Result<T, GraphIOError> = withUnsafeBytes { raw in
            do throws(GraphIOError) {
                return .success(try body(raw.assumingMemoryBound(to: UInt8.self)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
