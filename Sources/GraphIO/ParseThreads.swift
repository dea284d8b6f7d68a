/// How many threads a parallel parse starts.
enum ParseThreads {
    /// Bytes of input each started thread gets at least: below this, starting a thread (a
    /// `DispatchQueue.concurrentPerform` worker) costs more than the parse it takes over.
    static let minimumBytesPerThread = 64 << 10

    /// The threads to start for `bytes` bytes of input when `requested` are allowed:
    /// `min(requested, bytes / 64 KiB)`, at least 1. With 1 the work runs on the calling thread.
    /// The work split (chunks, parts) does not depend on it, so neither does the result.
    static func workers(requested: Int, bytes: Int) -> Int {
        max(1, min(requested, bytes / minimumBytesPerThread))
    }
}
